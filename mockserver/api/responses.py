"""Turning domain results into HTTP answers."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, request

from ..domain.platform import Platform

FLOW_SERVICE_BASE = "/data/foundation/flowservice"

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def platform() -> Platform:
    return current_app.extensions["flowservice"]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(_encode(body), status=status, headers=headers, mimetype="application/json")


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(b"", status=status, headers=headers)


def entity_response(entity: dict) -> Response:
    """``GET /<collection>/{id}``: always wrapped in ``items``."""
    return json_response({"items": [entity]}, headers={"ETag": entity["etag"]})


def created_response(entity: dict, collection: str) -> Response:
    location = f"{request.host_url.rstrip('/')}{FLOW_SERVICE_BASE}/{collection}/{entity['id']}"
    return json_response(
        {"id": entity["id"], "etag": entity["etag"]},
        201,
        {"Location": location, "ETag": entity["etag"]},
    )


def updated_response(entity: dict, status: int = 200, with_body: bool = True) -> Response:
    headers = {"ETag": entity["etag"]}
    if not with_body:
        return empty_response(status, headers)
    return json_response({"id": entity["id"], "etag": entity["etag"]}, status, headers)
