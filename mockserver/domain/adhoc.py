"""Ad hoc activation (``POST /data/core/activation/disflowprovider/adhocrun``): full exports of
chosen audiences now, with the guardrails of the Ad Hoc Activation API; and its dataset form,
chosen by its own media type, which exports chosen datasets of dataset flows now
(docs/fidelity.md, "Ad hoc dataset export").

Everything is checked before any run is created, so a refused request changes nothing.
Errors have that API's own shape, a bare ``{"message"}`` (§2.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import schedule
from .flows import exported
from . import runs
from .context import Caller
from .errors import PlainMessageError

if TYPE_CHECKING:
    from ..platform import Platform

#: Audiences one job may activate (the guardrail of both documents).
MAX_AUDIENCES = 80
#: Wait after an audience's first scheduled export: one hour in the Ad Hoc Activation API
#: reference (the newer source); the older tutorial says 20 minutes (docs/fidelity.md).
FIRST_ACTIVATION_WAIT = 3600
V2_MEDIA_TYPE = "application/vnd.adobe.adhoc.activation+json"
DATASET_MEDIA_TYPE = "application/vnd.adobe.adhoc.dataset.activation+json"
#: Seconds after a dataset flow's creation before it takes ad hoc exports: the service picks new
#: flows up on a refresh (public clients wait 5 to 10 minutes and retry on the message below).
DATASET_READY_AFTER = 300
NOT_READY = "Following order ID(s) are not ready for dataset export: {}"


def _media_types(accept: str | None) -> list[tuple[str, dict[str, str]]]:
    found = []
    for part in (accept or "").split(","):
        media, _, params = part.partition(";")
        options = {k.strip().lower(): v.strip().strip('"') for k, _, v in
                   (p.partition("=") for p in params.split(";"))}
        found.append((media.strip().lower(), options))
    return found


def version_of(accept: str | None) -> int:
    """2 when the Accept header asks for the v2 media type with ``version=2``; else 1."""
    return 2 if any(media == V2_MEDIA_TYPE and options.get("version") == "2"
                    for media, options in _media_types(accept)) else 1


def form_of(accept: str | None) -> str:
    """``dataset`` when the Accept header names the dataset form's media type; else ``audience``."""
    for media, options in _media_types(accept):
        if media == DATASET_MEDIA_TYPE:
            if options.get("version", "1") != "1":
                raise PlainMessageError(
                    406, f"Version {options['version']} of {DATASET_MEDIA_TYPE} is not supported; version 1 is.")
            return "dataset"
    return "audience"


class AdhocActivation:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    def activate(self, caller: Caller, body: Any, version: int) -> list[tuple[str, str, str]]:
        """Start the runs; returns (audience id, flow id, run id) per activated audience."""
        info = _activation_info(body, version)
        runner = self.platform.runner
        runner.catch_up()  # scheduled runs that are due now exist before the checks look at them
        tenant = caller.tenant
        with self.platform.store.lock:
            chosen = [(self._flow(caller, flow_id), audiences) for flow_id, audiences in info.items()]
            for flow, audiences in chosen:
                self._check(caller, flow, audiences)
            started = []
            for flow, audiences in chosen:
                for run in runner.run_now(tenant, flow, audiences, trigger="adhoc"):
                    started.append((runs.entity_of(run).split(":", 1)[1], flow["id"], run["id"]))
        return started

    def export_datasets(self, caller: Caller, body: Any) -> list[tuple[str, list[tuple[str, str]]]]:
        """The dataset form: full exports now of the chosen datasets of dataset flows. Returns, per
        flow in the order asked, its id and (dataset id, run id) per dataset."""
        wanted = _dataset_destinations(body)
        runner = self.platform.runner
        runner.catch_up()
        tenant = caller.tenant
        with self.platform.store.lock:
            chosen = [(self._flow(caller, flow_id), datasets) for flow_id, datasets in wanted]
            for flow, datasets in chosen:
                self._check_datasets(caller, flow, datasets)
            new = [flow["id"] for flow, _ in chosen
                   if self.platform.clock.now() * 1000 - flow["createdAt"] < DATASET_READY_AFTER * 1000]
            if new:
                raise PlainMessageError(400, NOT_READY.format(", ".join(new)))
            started = []
            for flow, datasets in chosen:
                runs_of = {runs.entity_of(run).split(":", 1)[1]: run["id"]
                           for run in runner.run_now(tenant, flow, datasets, trigger="adhoc")}
                started.append((flow["id"], [(d, runs_of[d]) for d in datasets]))
        return started

    def _check_datasets(self, caller: Caller, flow: dict, datasets: list[str]) -> None:
        mapped = {entity.split(":", 1)[1] for entity, _ in exported(caller.tenant, flow)
                  if entity.startswith("dataset:")}
        outside = [d for d in datasets if d not in mapped or flow.get("state") != "enabled"]
        if outside:
            raise PlainMessageError(
                400, f"Datasets {', '.join(outside)} are not part of this dataflow or the dataflow is disabled!")
        for dataset in datasets:
            going = [r for r in caller.tenant.values("runs")
                     if r["flowId"] == flow["id"] and runs.entity_of(r) == f"dataset:{dataset}"
                     and runs.status(r) not in runs.FINISHED]
            if going:
                raise PlainMessageError(
                    400, f"Run already going on for dataset {dataset} for order {flow['id']} "
                         f"with run id {going[0]['id']}")

    def _flow(self, caller: Caller, flow_id: str) -> dict:
        flow = caller.tenant.get("flows", flow_id)
        if flow is None:
            raise PlainMessageError(404, f"Destination instance {flow_id} not found.")
        return flow

    def _check(self, caller: Caller, flow: dict, audiences: list[str]) -> None:
        now = self.platform.clock.now()
        mapped = {entity.split(":", 1)[1]: item for entity, item in exported(caller.tenant, flow)
                  if entity.startswith("segment:")}
        outside = [
            audience for audience in audiences
            if audience not in mapped or flow.get("state") != "enabled"
            or not schedule.in_audience_schedule_range(mapped[audience], now)
        ]
        if outside:
            names = ", ".join(_name(mapped.get(a), a) for a in outside)
            raise PlainMessageError(400, f"Segments {names} are not part of this dataflow or out of schedule range!")
        flow_runs = [r for r in caller.tenant.values("runs") if r["flowId"] == flow["id"]]
        for audience in audiences:
            entity = f"segment:{audience}"
            mine = [r for r in flow_runs if runs.entity_of(r) == entity]
            going = [r for r in mine if runs.status(r) not in runs.FINISHED]
            if going:
                raise PlainMessageError(
                    400, f"Run already going on for audience {audience} for order {flow['id']} "
                         f"with run id {going[0]['id']}",
                )
            first = min((r["createdAt"] for r in mine if runs.trigger_of(r) == "scheduled"), default=None)
            if first is None or now * 1000 - first < FIRST_ACTIVATION_WAIT * 1000:
                raise PlainMessageError(
                    400, f"Audience {audience} of order {flow['id']} can be activated ad hoc from one "
                         "hour after its first scheduled export"
                         + ("; it has not been exported on its schedule yet." if first is None else "."),
                )


def _activation_info(body: Any, version: int) -> dict[str, list[str]]:
    if not isinstance(body, dict):
        raise PlainMessageError(400, "The request body must be a JSON object with activationInfo.")
    info = body.get("activationInfo")
    if not isinstance(info, dict) or not info:
        raise PlainMessageError(400, "activationInfo is required: a map of dataflow ids to arrays of audience ids.")
    total = 0
    for flow_id, audiences in info.items():
        if (not isinstance(audiences, list) or not audiences
                or not all(isinstance(a, str) and a.strip() for a in audiences)):
            raise PlainMessageError(400, f"activationInfo.{flow_id} must be a non-empty array of audience ids.")
        if len(set(audiences)) != len(audiences):
            raise PlainMessageError(400, f"activationInfo.{flow_id} lists an audience more than once.")
        total += len(audiences)
    if total > MAX_AUDIENCES:
        raise PlainMessageError(
            400, f"An ad hoc activation job can activate at most {MAX_AUDIENCES} audiences; this one has {total}.",
        )
    if version == 1:
        export_ids = body.get("exportIds")
        if (not isinstance(export_ids, list) or not export_ids
                or not all(isinstance(e, str) and e.strip() for e in export_ids)):
            raise PlainMessageError(
                400, "exportIds is required without the v2 Accept header "
                     f"({V2_MEDIA_TYPE}; version=2): the ids of the latest audience export jobs.",
            )
    return info


def _dataset_destinations(body: Any) -> list[tuple[str, list[str]]]:
    """(flow id, dataset ids) per entry of ``activationInfo.destinations``, checked whole."""
    info = body.get("activationInfo") if isinstance(body, dict) else None
    destinations = info.get("destinations") if isinstance(info, dict) else None
    if not isinstance(destinations, list) or not destinations:
        raise PlainMessageError(
            400, "activationInfo.destinations is required: a non-empty array of {flowId, datasets: [{id}]}.")
    wanted: list[tuple[str, list[str]]] = []
    total = 0
    for index, destination in enumerate(destinations):
        where = f"activationInfo.destinations[{index}]"
        flow_id = destination.get("flowId") if isinstance(destination, dict) else None
        if not isinstance(flow_id, str) or not flow_id.strip():
            raise PlainMessageError(400, f"{where}.flowId must be a dataflow id.")
        datasets = destination.get("datasets")
        if (not isinstance(datasets, list) or not datasets
                or not all(isinstance(d, dict) and isinstance(d.get("id"), str) and d["id"].strip()
                           for d in datasets)):
            raise PlainMessageError(400, f"{where}.datasets must be a non-empty array of {{id}} of datasets.")
        ids = [d["id"] for d in datasets]
        if len(set(ids)) != len(ids):
            raise PlainMessageError(400, f"{where}.datasets lists a dataset more than once.")
        if any(flow_id == seen for seen, _ in wanted):
            raise PlainMessageError(400, f"{where}: dataflow {flow_id} is listed more than once.")
        wanted.append((flow_id, ids))
        total += len(ids)
    if total > MAX_AUDIENCES:
        raise PlainMessageError(
            400, f"An ad hoc export job can export at most {MAX_AUDIENCES} datasets; this one has {total}.")
    return wanted


def _name(selector_value: dict | None, audience_id: str) -> str:
    return (selector_value or {}).get("name") or audience_id
