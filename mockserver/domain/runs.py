"""Dataflow runs (§4.5): the resources the platform creates as a flow exports.

A run is one export of one audience (or one dataset) of one flow. Its status moves
``pending`` → ``inProgress`` → ``success`` or ``failed``; each step is a new dict with a new
etag, swapped into the tenant's ``runs`` collection (stored entities are never changed in
place). Clients only read runs; the engine (mockserver/engine/runner.py) writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..store import Tenant
from ..store.base import VersionConflict

if TYPE_CHECKING:
    from ..platform import Platform

CREATED_BY = "aep_activation_batch@AdobeID"
CREATED_CLIENT = "aep_activation_batch"
UPDATED_BY = "acp_foundation_connectors@AdobeID"
UPDATED_CLIENT = "acp_foundation_connectors"
PROCESSOR = "Activation Batch XdmProcessor Activity"
PUBLISHER = "Activation Batch Publisher Activity"
FAILED_CODE = "ACTIVATION_BATCH-0000-FAILED"
SKIP_CODE = "ACTIVATION_BATCH-0000-SKIP"

PENDING, IN_PROGRESS, SUCCESS, FAILED = "pending", "inProgress", "success", "failed"
FINISHED = (SUCCESS, FAILED)


@dataclass(frozen=True)
class Outcome:
    """What an export produced, in the terms a run's metrics report."""

    input_records: int
    output_records: int
    skipped_records: int
    output_bytes: int
    output_files: int
    #: Why records were skipped, with counts (e.g. "Records didn't match attribute filter.").
    skipped_reasons: tuple[tuple[str, int], ...] = ()


class Runs:
    collection = "runs"

    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    def create(self, tenant: Tenant, flow: dict, *, entity: str, at_ms: int, trigger: str,
               run_id: str | None = None, owner: str = "") -> dict | None:
        """A pending run of ``flow`` for ``entity`` (``segment:<id>`` or ``dataset:<id>``);
        ``trigger`` says what started it: ``scheduled``, ``adhoc`` or ``manual``; ``owner`` which
        process exports it. With a ``run_id`` that exists already (a scheduled instant another
        process, or this one before a restart, has run), None: an instant runs once."""
        ids = self.platform.ids
        processor, publisher = ids.uuid(), ids.uuid()
        run = {
            "id": run_id or ids.uuid(),
            "createdAt": at_ms,
            "updatedAt": at_ms,
            "createdBy": CREATED_BY,
            "updatedBy": UPDATED_BY,
            "createdClient": CREATED_CLIENT,
            "updatedClient": UPDATED_CLIENT,
            "sandboxId": tenant.sandbox_id,
            "sandboxName": tenant.sandbox,
            "imsOrgId": tenant.org,
            "flowId": flow["id"],
            "flowSpec": dict(flow["flowSpec"]),
            "providerRefId": ids.hex(32),
            "etag": ids.etag(),
            "metrics": {"statusSummary": {"status": PENDING, "activityRefs": [processor, publisher]}},
            "activities": [_activity(processor, PROCESSOR, PENDING), _activity(publisher, PUBLISHER, PENDING)],
            # Not part of the API's run: which audience or dataset it exports. Hidden by present().
            "_entity": entity,
            "_source": flow["sourceConnectionIds"][0],
            "_target": flow["targetConnectionIds"][0],
            "_trigger": trigger,
            "_owner": owner,
        }
        with self.platform.store.lock:
            try:
                tenant.put(self.collection, run, expect=None)
            except VersionConflict:
                return None
        return run

    def start(self, tenant: Tenant, run: dict, at_ms: int) -> dict:
        metrics = {
            "durationSummary": {"startedAtUTC": at_ms},
            "statusSummary": {**run["metrics"]["statusSummary"], "status": IN_PROGRESS},
        }
        activities = [_activity(a["id"], a["name"], IN_PROGRESS) for a in run["activities"]]
        return self._swap(tenant, run, at_ms, metrics, activities)

    def succeed(self, tenant: Tenant, run: dict, at_ms: int, outcome: Outcome, files: list[dict]) -> dict:
        """A successful run; ``files`` (what was written where) is kept for ``/_mock/exports``."""
        started = run["metrics"]["durationSummary"]["startedAtUTC"]
        duration = {"startedAtUTC": started, "completedAtUTC": at_ms}
        entity = run["_entity"]
        records = {
            "inputRecordCount": outcome.input_records,
            "createdRecordCount": outcome.output_records,
            "outputRecordCount": outcome.output_records,
            "skippedRecordCount": outcome.skipped_records,
            "sourceSummaries": [{
                "id": run["_source"],
                "inputRecordCount": outcome.input_records,
                "skippedRecordCount": outcome.skipped_records,
                "entitySummaries": [{"id": entity, "inputRecordCount": outcome.input_records,
                                     "skippedRecordCount": outcome.skipped_records}],
            }],
            "targetSummaries": [{
                "id": run["_target"],
                "createdRecordCount": outcome.output_records,
                "outputRecordCount": outcome.output_records,
                "entitySummaries": [{"id": entity, "createdRecordCount": outcome.output_records,
                                     "outputRecordCount": outcome.output_records}],
            }],
        }
        if outcome.skipped_reasons:
            records["skippedInfo"] = [
                {"code": SKIP_CODE, "message": message, "count": count}
                for message, count in outcome.skipped_reasons
            ]
        # The service reports the bytes it read as the bytes it wrote (the documented example).
        size = {"inputBytes": outcome.output_bytes, "outputBytes": outcome.output_bytes}
        file_summary = {"inputFileCount": outcome.output_files, "outputFileCount": outcome.output_files}
        metrics = {
            "durationSummary": duration,
            "sizeSummary": size,
            "recordSummary": records,
            "fileSummary": file_summary,
            "statusSummary": {**run["metrics"]["statusSummary"], "status": SUCCESS},
        }
        processor, publisher = run["activities"]
        activities = [
            {**_activity(processor["id"], PROCESSOR, SUCCESS), "durationSummary": duration,
             "sizeSummary": size, "recordSummary": records, "fileSummary": file_summary},
            {**_activity(publisher["id"], PUBLISHER, SUCCESS), "durationSummary": duration},
        ]
        return self._swap(tenant, run, at_ms, metrics, activities, _files=files)

    def fail(self, tenant: Tenant, run: dict, at_ms: int, reason: str) -> dict:
        """A failed run: the documented ``Job aborted.`` error, with the cause in ``details``."""
        started = run["metrics"].get("durationSummary", {}).get("startedAtUTC", at_ms)
        error = {"code": FAILED_CODE, "message": "Job aborted.", "details": reason}
        metrics = {
            "durationSummary": {"startedAtUTC": started, "completedAtUTC": at_ms},
            "recordSummary": {"failedInfo": [{"code": FAILED_CODE, "message": "Job aborted."}]},
            "statusSummary": {**run["metrics"]["statusSummary"], "status": FAILED, "errors": [error]},
        }
        processor, publisher = run["activities"]
        activities = [
            {**_activity(processor["id"], PROCESSOR, FAILED),
             "statusSummary": {"status": FAILED, "errors": [error], "extensions": {}}},
            _activity(publisher["id"], PUBLISHER, FAILED),
        ]
        return self._swap(tenant, run, at_ms, metrics, activities)

    def latest(self, run: dict) -> dict:
        """The run as stored now (its status has moved on since ``run`` was read), or ``run`` itself
        when its tenant has been reset meanwhile."""
        tenant = self.platform.store.find(run["imsOrgId"], run["sandboxName"])
        return (tenant.get(self.collection, run["id"]) if tenant is not None else None) or run

    def _swap(self, tenant: Tenant, run: dict, at_ms: int, metrics: dict, activities: list,
              **hidden: Any) -> dict:
        updated = {**run, "updatedAt": at_ms, "etag": self.platform.ids.etag(),
                   "metrics": metrics, "activities": activities, **hidden}
        with self.platform.store.lock:
            try:
                tenant.put(self.collection, updated, expect=run["etag"])
            except VersionConflict:
                pass  # a reset forgot the tenant's runs meanwhile: do not bring one back
        return updated


def present(run: dict) -> dict:
    """The run as the API shows it (without the engine's own keys)."""
    return {key: value for key, value in run.items() if key[0] != "_"}


def status(run: dict) -> str:
    return run["metrics"]["statusSummary"]["status"]


def entity_of(run: dict) -> str:
    return run["_entity"]


def trigger_of(run: dict) -> str:
    return run["_trigger"]


def files_of(run: dict) -> list[dict]:
    return run.get("_files", [])


def _activity(activity_id: str, name: str, state: str) -> dict[str, Any]:
    return {"id": activity_id, "name": name, "updatedAtUTC": 0,
            "statusSummary": {"status": state, "extensions": {}}}
