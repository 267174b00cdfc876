"""Target connections (``/targetConnections``): where and how a destination receives files."""

from __future__ import annotations

from typing import Any

from .context import Caller
from .errors import active_flows_contain, invalid_spec, validation_failed
from .resources import Resource
from .specs import connection_spec_ref
from .validation import check_schema, optional_string, require_object, require_string

WORKFLOWS = ("SEGMENTS", "DATASETS")


class TargetConnections(Resource):
    collection = "targetConnections"
    patchable = frozenset({"name", "description", "params"})

    def build(self, caller: Caller, body: Any) -> dict:
        body = require_object(body)
        catalog = self.platform.catalog
        spec, spec_ref = connection_spec_ref(catalog, body)
        if not catalog.is_destination(spec):
            raise invalid_spec()
        fields: dict[str, Any] = {
            "name": require_string(body, "name"),
            "description": optional_string(body, "description") or "",
        }
        base_id = require_string(body, "baseConnectionId")
        base = self.platform.connections.base_for(caller, base_id, spec["id"])
        fields["baseConnectionId"] = base_id
        fields["state"] = "enabled"
        data = body.get("data")
        if data is not None:
            fields["data"] = require_object(data, "Field 'data'")
        fields["connectionSpec"] = spec_ref
        fields["params"] = self.check_params(spec, body.get("params"))
        fields["inheritedAttributes"] = {
            "baseConnection": {"id": base_id, "connectionSpec": base["connectionSpec"]}
        }
        return fields

    def revalidate(self, caller: Caller, old: dict, new: dict) -> dict:
        spec = self.platform.catalog.connection_spec(old["connectionSpec"]["id"])
        self.check_params(spec, new.get("params"))
        for flow in self.platform.flows_referencing(caller, "targetConnectionIds", old["id"]):
            self.check_workflow(spec, new["params"], self.platform.flows.workflow_of(caller, flow))
        return new

    def check_delete(self, caller: Caller, entity: dict) -> None:
        if self.platform.flows_referencing(caller, "targetConnectionIds", entity["id"]):
            raise active_flows_contain(entity["id"])

    def check_params(self, spec: dict, params: Any) -> dict:
        params = require_object(params, "Field 'params'")
        catalog = self.platform.catalog
        check_schema(catalog.schema_validator(spec["targetSpec"]["spec"]), params, "params")
        # A target connection serves one kind of flow; which one is known when a
        # flow uses it, but it must name the file type of at least one kind.
        needs = [catalog.workflow_requirements(spec, w) for w in WORKFLOWS]
        if any(needs) and not any(all(k in params for k in keys) for keys in needs if keys):
            keys = " or ".join(f"'params.{k}'" for keys in needs for k in keys)
            raise validation_failed(f"Field {keys} is required.")
        return params

    def check_workflow(self, spec: dict, params: dict, workflow: str) -> None:
        """A flow of ``workflow`` ("SEGMENTS"/"DATASETS") needs its own file-type key."""
        for key in self.platform.catalog.workflow_requirements(spec, workflow):
            if key not in params:
                kind = "dataset" if workflow == "DATASETS" else "audience"
                raise validation_failed(
                    f"Field 'params.{key}' of the target connection is required for {kind} exports."
                )
