"""Source connections (``/sourceConnections``): the Platform data a destination exports.

Two kinds: the Profile Store (audiences) and the Data Lake (datasets). The
current tutorials create them without a base connection; the returned entity
still names one, which the service creates for the caller (see
docs/fidelity.md).
"""

from __future__ import annotations

import re
from typing import Any

from .catalog import DATA_LAKE_SPEC_ID, PROFILE_STORE_SPEC_ID
from .context import Caller
from .errors import active_flows_contain, invalid_spec, validation_failed
from .resources import Resource
from .specs import connection_spec_ref
from .validation import optional_string, require_object, require_string

PROFILE_TYPE_INFO = {"type": "ProfileFragments", "id": "ups"}
_DATASET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class SourceConnections(Resource):
    collection = "sourceConnections"

    def build(self, caller: Caller, body: Any) -> dict:
        body = require_object(body)
        spec, spec_ref = connection_spec_ref(self.platform.catalog, body)
        if spec["id"] not in (PROFILE_STORE_SPEC_ID, DATA_LAKE_SPEC_ID):
            raise invalid_spec()
        fields: dict[str, Any] = {
            "name": require_string(body, "name"),
            "description": optional_string(body, "description") or "",
        }
        base_id = body.get("baseConnectionId")
        if base_id is not None:
            self.platform.connections.base_for(caller, base_id, spec["id"])
        else:
            base_id = self.platform.ids.uuid()
        fields["baseConnectionId"] = base_id
        fields["state"] = "enabled"
        fields["connectionSpec"] = spec_ref
        if spec["id"] == PROFILE_STORE_SPEC_ID:
            fields.update(self._profile_store(body))
        else:
            fields["params"] = {"datasets": self._datasets(body.get("params"))}
            if body.get("data") is not None:
                fields["data"] = require_object(body["data"], "Field 'data'")
        fields["inheritedAttributes"] = {"baseConnection": {"id": base_id, "connectionSpec": spec_ref}}
        return fields

    def check_delete(self, caller: Caller, entity: dict) -> None:
        if self.platform.flows_referencing(caller, "sourceConnectionIds", entity["id"]):
            raise active_flows_contain(entity["id"])

    @staticmethod
    def _profile_store(body: dict) -> dict:
        fields: dict[str, Any] = {"typeInfo": dict(PROFILE_TYPE_INFO)}
        data = body.get("data")
        if data is not None:
            data = require_object(data, "Field 'data'")
            if str(data.get("format", "CSV")).upper() != "CSV":
                raise validation_failed("Field 'data.format' must be CSV, the only supported format.")
            fields["data"] = {"format": data.get("format", "CSV"), "schema": data.get("schema")}
        params = body.get("params")
        if params is not None:
            fields["params"] = require_object(params, "Field 'params'")
        return fields

    @staticmethod
    def _datasets(params: Any) -> list[dict]:
        params = require_object(params, "Field 'params'")
        datasets = params.get("datasets")
        if not isinstance(datasets, list) or not datasets:
            raise validation_failed("Field 'params.datasets' must list at least one dataset.")
        result, seen = [], set()
        for index, item in enumerate(datasets):
            where = f"params.datasets[{index}]"
            item = require_object(item, f"Field '{where}'")
            dataset_id = item.get("dataSetId")
            if not isinstance(dataset_id, str) or not _DATASET_ID.match(dataset_id):
                raise validation_failed(f"Field '{where}.dataSetId' must be a Catalog dataset id.")
            if dataset_id in seen:
                raise validation_failed(f"Dataset {dataset_id} is listed twice.")
            seen.add(dataset_id)
            entry = {"dataSetId": dataset_id}
            name = optional_string(item, "name", f"{where}.")
            if name is not None:
                entry["name"] = name
            result.append(entry)
        return result
