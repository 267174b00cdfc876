"""Dataflows (``/flows``): one source connection to one target connection under a flow spec."""

from __future__ import annotations

from typing import Any, Iterable

from . import selectors
from .catalog import DATA_LAKE_SPEC_ID
from ..store import Tenant
from ..store.base import VersionConflict
from .context import Caller
from .errors import action_not_applicable, invalid_request, state_in_create, validation_failed
from .resources import Resource
from .specs import flow_spec_ref
from .validation import optional_string, require_object, require_string

#: Provider of the cloud-storage cards introduced in October 2022; the others follow the legacy rules.
NEW_CARDS_PROVIDER_ID = "14e34fac-d307-11e9-bb65-2a2ae2dbcce4"
TRANSFORM_NAMES = ("GeneralTransform", "General Transform")
ACTIONS = {"enable": "enabled", "disable": "disabled"}


class Flows(Resource):
    collection = "flows"
    patchable = frozenset({
        "name", "description", "transformations", "sourceConnectionIds", "scheduleParams", "labels",
    })

    # --- create and patch ---------------------------------------------------------------

    def build(self, caller: Caller, body: Any) -> dict:
        body = require_object(body)
        if "state" in body:
            raise state_in_create()
        name = require_string(body, "name")
        flow_spec, flow_ref = flow_spec_ref(self.platform.catalog, body)
        source = self._single(caller, body, "sourceConnectionIds", self.platform.source_connections)
        target = self._single(caller, body, "targetConnectionIds", self.platform.target_connections)
        fields: dict[str, Any] = {
            "name": name,
            "description": optional_string(body, "description") or "",
            "flowSpec": flow_ref,
            "state": "enabled",
            "sourceConnectionIds": [source["id"]],
            "targetConnectionIds": [target["id"]],
        }
        fields["inheritedAttributes"] = self._inherited(flow_spec, source, target)
        now = self.platform.clock.now()
        self._content(fields, body, source, target, previous=None, now=now, created_at=now)
        return fields

    def revalidate(self, caller: Caller, old: dict, new: dict) -> dict:
        flow_spec = self.platform.catalog.flow_spec(old["flowSpec"]["id"])
        ids = new.get("sourceConnectionIds")
        source = self._single(caller, new, "sourceConnectionIds", self.platform.source_connections)
        if ids != old["sourceConnectionIds"] and (
            source["connectionSpec"]["id"] != self._source_spec_id(old)
        ):
            raise validation_failed(
                "Field 'sourceConnectionIds': the new source connection must read the same kind "
                "of data (audiences or datasets) as the one it replaces."
            )
        target = self.platform.target_connections.get(caller, old["targetConnectionIds"][0])
        new = dict(new)
        new["inheritedAttributes"] = self._inherited(flow_spec, source, target)
        self._content(new, new, source, target, previous=old,
                      now=self.platform.clock.now(), created_at=old["createdAt"] / 1000)
        return new

    def stamp_new(self, caller: Caller, fields: dict) -> dict:
        entity = super().stamp_new(caller, fields)
        etag = entity.pop("etag")
        version = entity.pop("version")
        entity["runs"] = f"/runs?property=flowId=={entity['id']}"
        entity["lastOperation"] = self._operation("create", [], entity["createdAt"])
        entity["version"] = version
        entity["etag"] = etag
        return entity

    def stamp_update(self, caller: Caller, entity: dict, ops: Iterable[dict] = (),
                     operation: str = "update") -> dict:
        updated = super().stamp_update(caller, entity, ops)
        updated["lastOperation"] = self._operation(operation, list(ops), updated["updatedAt"])
        return updated

    # --- enable / disable ------------------------------------------------------------------

    def action(self, caller: Caller, entity_id: str, op: str | None, if_match: str | None) -> dict:
        with self.platform.store.lock:
            flow = self.get(caller, entity_id)
            if op is None:
                raise invalid_request(
                    2119,
                    "The request context does not contain the required query parameter op. "
                    "Please provide the missing query parameter and try again.",
                )
            action = op.lower()
            if action not in ACTIONS:
                raise invalid_request(
                    1435, f"Unsupported sub action '{op}' received. "
                    "Please use one of the supported sub action types and try again.",
                )
            self.check_version(flow, if_match, required=False)
            if flow["state"] == ACTIONS[action]:
                raise action_not_applicable(action, flow["state"])
            entity = self.stamp_update(caller, {**flow, "state": ACTIONS[action]}, operation=action)
            self.swap(caller, flow, entity, if_match or flow["etag"])
        return entity

    def note_run(self, tenant: Tenant, flow_id: str, run: dict) -> None:
        """Show ``run`` as the flow's ``lastRunDetails``.

        The etag stays: the platform's bookkeeping does not make a client's pending PATCH stale
        (docs/fidelity.md, "Runs").
        """
        metrics = run["metrics"]
        details = {
            "id": run["id"],
            "state": metrics["statusSummary"]["status"],
            "startedAtUTC": metrics.get("durationSummary", {}).get("startedAtUTC"),
            "completedAtUTC": metrics.get("durationSummary", {}).get("completedAtUTC"),
        }
        with self.platform.store.lock:
            for _ in range(10):  # a PATCH by another process in between: read it again
                flow = tenant.get(self.collection, flow_id)
                if flow is None:
                    return
                try:
                    tenant.put(self.collection, {**flow, "lastRunDetails": details}, expect=flow["etag"])
                    return
                except VersionConflict:
                    continue

    # --- questions other resources ask ---------------------------------------------------------

    def workflow_of(self, caller: Caller, flow: dict) -> str:
        return "DATASETS" if self._source_spec_id(flow) == DATA_LAKE_SPEC_ID else "SEGMENTS"

    # --- parts -------------------------------------------------------------------------------

    @staticmethod
    def _source_spec_id(flow: dict) -> str:
        return flow["inheritedAttributes"]["sourceConnections"][0]["connectionSpec"]["id"]

    def _single(self, caller: Caller, body: dict, key: str, resource: Resource) -> dict:
        ids = body.get(key)
        if not isinstance(ids, list) or len(ids) != 1 or not isinstance(ids[0], str):
            raise validation_failed(f"Field '{key}' must be an array of exactly one id.")
        entity = resource.find(caller, ids[0])
        if entity is None:
            raise validation_failed(f"Field '{key}': {resource.collection} {ids[0]} not found.")
        return entity

    def _inherited(self, flow_spec: dict, source: dict, target: dict) -> dict:
        source_spec = source["connectionSpec"]
        target_spec = target["connectionSpec"]
        if source_spec["id"] not in flow_spec.get("sourceConnectionSpecIds", []):
            raise validation_failed(
                f"Flow spec {flow_spec['id']} ({flow_spec['name']}) does not read from connection spec "
                f"{source_spec['id']}."
            )
        if target_spec["id"] not in flow_spec.get("targetConnectionSpecIds", []):
            raise validation_failed(
                f"Flow spec {flow_spec['id']} ({flow_spec['name']}) does not write to connection spec "
                f"{target_spec['id']}."
            )
        if source_spec["id"] == DATA_LAKE_SPEC_ID:
            source_ref: dict[str, Any] = {"id": source["id"], "connectionSpec": source_spec}
        else:
            source_ref = {
                "id": source["id"],
                "connectionSpec": source_spec,
                "baseConnection": source["inheritedAttributes"]["baseConnection"],
                "typeInfo": source.get("typeInfo", {"type": "ProfileFragments", "id": "ups"}),
            }
        return {
            "sourceConnections": [source_ref],
            "targetConnections": [{
                "id": target["id"],
                "connectionSpec": target_spec,
                "baseConnection": target["inheritedAttributes"]["baseConnection"],
            }],
            "properties": {"isDestinationFlow": True},
        }

    def _content(self, fields: dict, body: dict, source: dict, target: dict, *,
                 previous: dict | None, now: float, created_at: float) -> None:
        """Validate transformations, scheduleParams and labels of ``body`` into ``fields``."""
        catalog = self.platform.catalog
        target_spec = catalog.connection_spec(target["connectionSpec"]["id"])
        datasets = source["connectionSpec"]["id"] == DATA_LAKE_SPEC_ID
        self.platform.target_connections.check_workflow(
            target_spec, target["params"], "DATASETS" if datasets else "SEGMENTS"
        )
        legacy = target_spec.get("providerId") != NEW_CARDS_PROVIDER_ID
        old_selectors = _selectors_by_id(previous) if previous else {}
        fields["transformations"] = _transformations(
            body.get("transformations", []), datasets=datasets, legacy=legacy,
            previous=old_selectors, now=now,
        )
        schedule = body.get("scheduleParams")
        if datasets:
            if schedule is None:
                raise validation_failed("Field 'scheduleParams' is required for dataset exports.")
            fields["scheduleParams"] = selectors.dataset_schedule(schedule, "scheduleParams", created_at=created_at)
        elif schedule is not None:
            raise validation_failed(
                "Field 'scheduleParams' applies to dataset exports; audiences carry their schedule "
                "in their segment selectors."
            )
        labels = body.get("labels")
        if labels is not None:
            if not isinstance(labels, list) or not all(isinstance(x, str) and x for x in labels):
                raise validation_failed("Field 'labels' must be an array of label names, e.g. core/C12.")
            fields["labels"] = labels

    def _operation(self, operation: str, ops: list, at_ms: int) -> dict:
        return {
            "started": at_ms,
            "updated": at_ms,
            "percentCompleted": 100,
            "status": {"value": "completed", "properties": None, "errors": []},
            "ops": ops,
            "operation": operation,
        }


def _selectors_by_id(flow: dict) -> dict[str, dict]:
    found = {}
    for transformation in flow.get("transformations") or []:
        params = transformation.get("params") or {}
        for selector in (params.get("segmentSelectors") or {}).get("selectors") or []:
            found[selector["value"]["id"]] = selector
    return found


def _transformations(value: Any, *, datasets: bool, legacy: bool,
                     previous: dict[str, dict], now: float) -> list[dict]:
    if not isinstance(value, list):
        raise validation_failed("Field 'transformations' must be an array.")
    result = []
    seen: set[str] = set()
    for index, transformation in enumerate(value):
        where = f"transformations[{index}]"
        transformation = require_object(transformation, f"Field '{where}'")
        if transformation.get("name") not in TRANSFORM_NAMES:
            raise validation_failed(f"Field '{where}.name' must be GeneralTransform.")
        params = dict(require_object(transformation.get("params", {}), f"Field '{where}.params'"))
        where = f"{where}.params"
        if datasets and params:
            raise validation_failed(
                "Field 'transformations': dataset exports take no audiences or attributes; send []."
            )
        if "segmentSelectors" in params:
            block = dict(require_object(params["segmentSelectors"], f"Field '{where}.segmentSelectors'"))
            items = _array(block.get("selectors", []), f"{where}.segmentSelectors.selectors")
            checked = []
            for i, item in enumerate(items):
                item_where = f"{where}.segmentSelectors.selectors[{i}]"
                selector = selectors.segment_selector(
                    item, item_where, legacy=legacy, previous=previous, now=now
                )
                if selector["value"]["id"] in seen:
                    raise validation_failed(
                        f"Field '{item_where}': audience {selector['value']['id']} is already in this dataflow."
                    )
                seen.add(selector["value"]["id"])
                checked.append(selector)
            block["selectors"] = checked
            params["segmentSelectors"] = block
        if "profileSelectors" in params:
            block = dict(require_object(params["profileSelectors"], f"Field '{where}.profileSelectors'"))
            items = _array(block.get("selectors", []), f"{where}.profileSelectors.selectors")
            block["selectors"] = [
                selectors.profile_selector(item, f"{where}.profileSelectors.selectors[{i}]")
                for i, item in enumerate(items)
            ]
            _dedup_fields(block, f"{where}.profileSelectors")
            params["profileSelectors"] = block
        _dedup_fields(params, where)
        if "profileMapping" in params:
            params["profileMapping"] = selectors.profile_mapping(params["profileMapping"], f"{where}.profileMapping")
        result.append({"name": "GeneralTransform", "params": params})
    return result


def _dedup_fields(block: dict, where: str) -> None:
    if "mandatoryFields" in block:
        block["mandatoryFields"] = selectors.mandatory_fields(block["mandatoryFields"], f"{where}.mandatoryFields")
    if "primaryFields" in block:
        block["primaryFields"] = selectors.primary_fields(block["primaryFields"], f"{where}.primaryFields")


def _array(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise validation_failed(f"Field '{where}' must be an array.")
    return value


def exported(tenant: Tenant, flow: dict) -> list[tuple[str, dict]]:
    """What a flow exports: its audiences (``segment:<id>``) or its datasets (``dataset:<id>``)."""
    source = tenant.get("sourceConnections", flow["sourceConnectionIds"][0]) or {}
    if source.get("connectionSpec", {}).get("id") == DATA_LAKE_SPEC_ID:
        return [(f"dataset:{d['dataSetId']}", d) for d in (source.get("params") or {}).get("datasets", [])]
    return [(f"segment:{s['value']['id']}", s["value"]) for s in audience_selectors(flow)]


def audience_selectors(flow: dict) -> list[dict]:
    found = []
    for transformation in flow.get("transformations") or []:
        params = transformation.get("params") or {}
        found.extend((params.get("segmentSelectors") or {}).get("selectors") or [])
    return found
