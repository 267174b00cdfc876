"""Dataflow runs: read-only for clients (the platform creates them)."""

from __future__ import annotations

from flask import Blueprint, Response

from ..domain.errors import not_found
from ..domain.listing import page, parse_query
from ..domain.runs import present
from .requests import caller, query_args
from .responses import FLOW_SERVICE_BASE, entity_response, json_response, platform

bp = Blueprint("runs", __name__, url_prefix=FLOW_SERVICE_BASE)


@bp.before_request
def _due_runs_exist() -> None:
    # Without the server's ticker (an in-process app) runs appear when they are read.
    platform().runner.catch_up()


@bp.get("/runs")
def list_runs() -> Response:
    query = parse_query(query_args())
    tenant = caller().tenant
    selected = platform().listings.select((tenant.sandbox_id, "runs"), tenant.version("runs"),
                                          lambda: tenant.values("runs"), query)
    return json_response(page(selected, query, "/runs", present))


@bp.get("/runs/<run_id>")
def get_run(run_id: str) -> Response:
    run = caller().tenant.get("runs", run_id)
    if run is None:
        raise not_found("runs", run_id)
    return entity_response(present(run))
