"""The admin API of the client checks: ``/_mock/requests``, ``/_mock/conformance``, ``/_mock/faults``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..checks.conformance import report
from ..checks.journal import valid_status_filter
from ..checks.rules import Options
from ..domain.errors import body_missing, not_found, validation_failed
from ..text import parse_int, parse_number, shown
from .requests import json_body
from .responses import empty_response, json_response, platform

bp = Blueprint("checks", __name__, url_prefix="/_mock")

JOURNAL_FILTERS = ("method", "path", "status", "imsOrgId", "sandboxName", "since", "limit")


def _query(allowed: tuple[str, ...]) -> dict[str, str]:
    args = request.args
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise validation_failed(f"Unknown query parameter '{shown(unknown[0])}'; known: {', '.join(allowed)}.")
    return {name: args.get(name, "") for name in allowed if name in args}


def _whole(name: str, value: str, minimum: int) -> int:
    try:
        return parse_int(value, minimum)
    except ValueError:
        raise validation_failed(f"Query parameter '{name}' must be a whole number of at least {minimum}.") from None


@bp.get("/requests")
def list_requests() -> Response:
    """The journal, oldest first, filtered; ``limit`` keeps the newest."""
    query = _query(JOURNAL_FILTERS)
    status = query.get("status")
    if status is not None and not valid_status_filter(status):
        raise validation_failed("Query parameter 'status' must be a status (412), a class (4xx) or 'dropped'.")
    journal = platform().journal
    found = journal.select(
        method=query.get("method") or None, path=query.get("path") or None, status=status,
        org=query.get("imsOrgId"), sandbox=query.get("sandboxName"),
        since=_whole("since", query["since"], 0) if "since" in query else None,
        limit=_whole("limit", query["limit"], 1) if "limit" in query else None,
    )
    return json_response({"items": [e.to_json() for e in found], "count": len(found),
                          "capacity": journal.size, "evicted": journal.evicted})


@bp.delete("/requests")
def clear_requests() -> Response:
    return json_response({"cleared": platform().journal.clear()})


@bp.get("/conformance")
def conformance() -> Response:
    query = _query(("minPollInterval",))
    options = Options()
    if "minPollInterval" in query:
        try:
            interval = parse_number(query["minPollInterval"], 0, 86400)
        except ValueError:
            raise validation_failed(
                "Query parameter 'minPollInterval' must be seconds between 0 and 86400.") from None
        options = Options(min_poll_interval=interval)
    return json_response(report(platform().journal.exchanges(), options))


@bp.get("/faults")
def list_faults() -> Response:
    return json_response({"items": [r.to_json() for r in platform().faults.rules()]})


@bp.post("/faults")
def add_faults() -> Response:
    """One rule (an object) or several (a list); all are added or none."""
    body = json_body()
    if body is None:
        raise body_missing()
    added = platform().faults.add(body)
    return json_response({"items": [r.to_json() for r in added]}, 201)


@bp.delete("/faults")
def clear_faults() -> Response:
    return json_response({"cleared": platform().faults.clear()})


@bp.delete("/faults/<rule_id>")
def remove_fault(rule_id: str) -> Response:
    if not platform().faults.remove(rule_id):
        raise not_found("faults", rule_id)
    return empty_response(204)
