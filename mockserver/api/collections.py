"""The four writable collections share one set of routes: list, create, get, patch, delete."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain.errors import body_missing

from .requests import caller, json_body, query_args
from .responses import (
    FLOW_SERVICE_BASE, created_response, empty_response, entity_response, json_response,
    platform, updated_response,
)

#: Collection name in the path -> attribute of the Platform holding its rules.
COLLECTIONS = {
    "connections": "connections",
    "sourceConnections": "source_connections",
    "targetConnections": "target_connections",
    "flows": "flows",
}


def blueprint() -> Blueprint:
    bp = Blueprint("collections", __name__, url_prefix=FLOW_SERVICE_BASE)
    for collection, attr in COLLECTIONS.items():
        _routes(bp, collection, attr)
    bp.add_url_rule("/flows/<entity_id>/action", "flows_action", _flow_action, methods=["POST"])
    return bp


def _routes(bp: Blueprint, collection: str, attr: str) -> None:
    def resource():
        return getattr(platform(), attr)

    def list_entities() -> Response:
        return json_response(resource().list(caller(), query_args(), f"/{collection}"))

    def create() -> Response:
        body = json_body()
        if body is None:
            raise body_missing()
        return created_response(resource().create(caller(), body), collection)

    def get(entity_id: str) -> Response:
        res = resource()
        return entity_response(res.present(res.get(caller(), entity_id)))

    def patch(entity_id: str) -> Response:
        entity = resource().patch(caller(), entity_id, request.headers.get("If-Match"), json_body())
        if collection != "flows":  # the doc eras disagree on flows only (docs/fidelity.md)
            return updated_response(entity)
        settings = platform().settings
        return updated_response(entity, settings.patch_status, settings.patch_has_body)

    def delete(entity_id: str) -> Response:
        resource().delete(caller(), entity_id, request.headers.get("If-Match"))
        return empty_response(platform().settings.delete_status)

    bp.add_url_rule(f"/{collection}", f"{collection}_list", list_entities, methods=["GET"])
    bp.add_url_rule(f"/{collection}", f"{collection}_create", create, methods=["POST"])
    bp.add_url_rule(f"/{collection}/<entity_id>", f"{collection}_get", get, methods=["GET"])
    bp.add_url_rule(f"/{collection}/<entity_id>", f"{collection}_patch", patch, methods=["PATCH"])
    bp.add_url_rule(f"/{collection}/<entity_id>", f"{collection}_delete", delete, methods=["DELETE"])


def _flow_action(entity_id: str) -> Response:
    entity = platform().flows.action(
        caller(), entity_id, request.args.get("op"), request.headers.get("If-Match")
    )
    return updated_response(entity)
