"""The mock's engine under ``/_mock/``: the clock, running a flow now, and the files exports wrote.

Outside the gateway like the rest of ``/_mock/``: the tenant of a flow is found from its id.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any

from flask import Blueprint, Response, request

from ..domain import runs
from ..domain.errors import not_found, validation_failed
from .requests import json_body
from .responses import json_response, platform

bp = Blueprint("engine", __name__, url_prefix="/_mock")

#: Longest a clock change or a run waits for the exports it started before answering.
WAIT_SECONDS = 120.0
_DURATION = re.compile(r"([0-9]{1,12}(?:\.[0-9]{1,9})?)([wdhms])")
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
#: The clock's range: instants outside it cannot be shown as dates (nor name files). The end
#: is a year short of 9999-12-31, so that a running clock set there does not run out of dates.
LATEST = datetime(9999, 1, 1, tzinfo=timezone.utc).timestamp()


@bp.get("/clock")
def get_clock() -> Response:
    return json_response(_clock_state())


@bp.post("/clock")
def move_clock() -> Response:
    """``{"freeze": bool}``, ``{"set": epoch seconds | ISO 8601}``, ``{"advance": seconds | "1d12h"}``,
    ``{"reset": true}`` (real time again), combinable; runs the schedules reached, and waits for
    their exports unless ``"wait": false``."""
    body = _object_body()
    known = {"freeze", "set", "advance", "reset", "wait"}
    unknown = sorted(set(body) - known)
    if unknown or not set(body) - {"wait"}:
        raise validation_failed(
            f"The clock takes freeze, set, advance, reset and wait; got {', '.join(unknown) or 'none of them'}."
        )
    set_to = _instant(body["set"]) if "set" in body else None
    advance = _duration(body["advance"]) if "advance" in body else None
    for key in ("freeze", "reset"):
        if key in body and not isinstance(body[key], bool):
            raise validation_failed(f"Field '{key}' must be true or false.")
    mock = platform()
    clock = mock.clock
    reset, freeze = body.get("reset", False), body.get("freeze")
    # Checked before the clock moves, so that a refused move leaves it where it was.
    start = set_to if set_to is not None else time.time() if reset else clock.now()
    if not 0 <= start + (advance or 0) <= LATEST:
        raise validation_failed("The clock can show instants from 1970 to 9999 (UTC) only.")
    # Schedules are looked at up to the old "now" first, so that a move back in time cannot
    # hide runs that were due before it.
    created = mock.runner.catch_up()
    if reset:
        clock.reset()
    if freeze is True:
        clock.freeze()
    elif freeze is False:
        clock.unfreeze()
    if set_to is not None:
        clock.set(set_to)
    if advance is not None:
        clock.advance(advance)
    created += mock.runner.catch_up()
    return json_response({**_clock_state(), **_wait_for(created, body.get("wait", True))})


@bp.post("/flows/<flow_id>/run")
def run_flow(flow_id: str) -> Response:
    """Full exports of a flow now, as ad hoc activation makes them, without its guardrails:
    every audience or dataset, or those of ``{"ids": [...]}``."""
    body = _object_body()
    ids = body.get("ids")
    if ids is not None and (not isinstance(ids, list) or not all(isinstance(i, str) for i in ids)):
        raise validation_failed("Field 'ids' must be an array of audience or dataset ids.")
    mock = platform()
    found = _find_flow(flow_id)
    if found is None:
        raise not_found("flows", flow_id)
    tenant, flow = found
    created = mock.runner.run_now(tenant, flow, ids)
    if not created:
        raise validation_failed(f"Flow {flow_id} has nothing to export{' among ' + ', '.join(ids) if ids else ''}.")
    return json_response(_wait_for(created, body.get("wait", True)))


@bp.get("/audiences")
def list_audiences() -> Response:
    """The audiences of the Platform data (demo data, or the data directory's): ids to put in flows."""
    return json_response({"items": platform().data.audiences})


@bp.get("/exports")
def list_exports() -> Response:
    """The files each run wrote, newest run first: ``?flowId=``, ``?runId=``, ``?imsOrgId=``,
    ``?sandboxName=`` narrow the list."""
    platform().runner.catch_up()
    wanted = request.args
    items = []
    for tenant in platform().store.tenants():
        if any(wanted.get(key) not in (None, value) for key, value in
               (("imsOrgId", tenant.org), ("sandboxName", tenant.sandbox))):
            continue
        for run in tenant.values("runs"):
            if wanted.get("flowId") not in (None, run["flowId"]) or wanted.get("runId") not in (None, run["id"]):
                continue
            items.append(_export(run))
    items.sort(key=lambda item: (item["createdAt"], item["runId"]), reverse=True)
    return json_response({"items": items})


# --- parts --------------------------------------------------------------------------------

def _export(run: dict) -> dict:
    """A run as /_mock/exports shows it: what it exported, its status, the files it wrote."""
    kind, _, entity_id = runs.entity_of(run).partition(":")
    status = runs.status(run)
    item = {
        "runId": run["id"], "flowId": run["flowId"], "imsOrgId": run["imsOrgId"], "sandboxName": run["sandboxName"],
        kind + "Id": entity_id, "trigger": runs.trigger_of(run), "status": status,
        "createdAt": run["createdAt"], "files": runs.files_of(run),
    }
    if status == runs.FAILED:
        item["error"] = run["metrics"]["statusSummary"]["errors"][0]["details"]
    return item


def _wait_for(created: list[dict], wait: bool) -> dict:
    mock = platform()
    finished = mock.runner.wait(WAIT_SECONDS) if wait and created else False
    answer: dict[str, Any] = {"runs": [_export(mock.runs.latest(run)) for run in created]}
    if wait and created and not finished:
        answer["stillRunning"] = True
    return answer


def _find_flow(flow_id: str) -> tuple[Any, dict] | None:
    for tenant in platform().store.tenants():
        flow = tenant.get("flows", flow_id)
        if flow is not None:
            return tenant, flow
    return None


def _object_body() -> dict:
    body = json_body() if request.content_length else None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise validation_failed("The body must be a JSON object.")
    # Checked with the body, before anything runs: a refused request changes nothing.
    if not isinstance(body.get("wait", True), bool):
        raise validation_failed("Field 'wait' must be true or false.")
    return body


def _clock_state() -> dict:
    clock = platform().clock
    now = clock.now()
    iso = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"now": now, "iso": iso, "frozen": clock.frozen}


def _instant(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
        else:
            return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).timestamp()
    raise validation_failed("Field 'set' must be epoch seconds or an ISO 8601 date-time (UTC if no offset).")


def _duration(value: Any) -> float:
    """Seconds, or a duration such as ``"1w"``, ``"36h"``, ``"1d12h30m"``; never negative."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower().replace(" ", "")
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    raise validation_failed("Field 'advance' must be seconds (not negative) or a duration such as \"1d12h\".")
