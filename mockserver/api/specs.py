"""The read-only catalogue: connection specs, flow specs, eligible datasets."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain import configs
from ..domain.errors import not_found
from ..domain.listing import parse_query, run_query
from .requests import query_args
from .responses import FLOW_SERVICE_BASE, json_response, platform

bp = Blueprint("specs", __name__, url_prefix=FLOW_SERVICE_BASE)


@bp.get("/connectionSpecs")
def list_connection_specs() -> Response:
    query = parse_query(query_args())
    return json_response(run_query(platform().catalog.public_connection_specs, query, "/connectionSpecs"))


@bp.get("/connectionSpecs/<spec_id>")
def get_connection_spec(spec_id: str) -> Response:
    catalog = platform().catalog
    spec = catalog.connection_spec(spec_id)
    if spec is None:
        raise not_found("connectionSpecs", spec_id)
    return json_response({"items": [catalog.public(spec)]})


@bp.get("/connectionSpecs/<spec_id>/configs")
def connection_spec_configs(spec_id: str) -> Response:
    mock = platform()
    spec = mock.catalog.connection_spec(spec_id)
    if spec is None:
        raise not_found("connectionSpecs", spec_id)
    return json_response(configs.eligible_datasets(mock.catalog, spec, request.args, mock.datasets))


@bp.get("/flowSpecs")
def list_flow_specs() -> Response:
    query = parse_query(query_args())
    return json_response(run_query(platform().catalog.public_flow_specs, query, "/flowSpecs"))


@bp.get("/flowSpecs/<spec_id>")
def get_flow_spec(spec_id: str) -> Response:
    spec = platform().catalog.flow_spec(spec_id)
    if spec is None:
        raise not_found("flowSpecs", spec_id)
    return json_response({"items": [spec]})
