"""Turning domain results into HTTP answers."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response, current_app
from werkzeug.datastructures import Headers

from ..platform import Platform

FLOW_SERVICE_BASE = "/data/foundation/flowservice"


class ApiResponse(Response):
    """A response whose headers go out as set.

    werkzeug rewrites ``Location`` through IRI-to-URI conversion on every
    response that has one; ours are built from ASCII ids and need none, and the
    conversion cost more than the rest of a create request.
    """

    def get_wsgi_headers(self, environ: dict) -> Headers:
        if self.status_code in (204, 304):
            self.headers.remove("Content-Length")
        return self.headers


def platform() -> Platform:
    return current_app.extensions["flowservice"]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return ApiResponse(orjson.dumps(body), status=status, headers=headers, mimetype="application/json")


def empty_response(status: int, headers: dict[str, str] | None = None) -> Response:
    response = ApiResponse(b"", status=status, headers=headers)
    del response.headers["Content-Type"]  # no body, no media type
    return response


def entity_response(entity: dict) -> Response:
    """``GET /<collection>/{id}``: always wrapped in ``items``."""
    return json_response({"items": [entity]}, headers={"ETag": entity["etag"]})


def created_response(entity: dict, collection: str) -> Response:
    location = f"{FLOW_SERVICE_BASE}/{collection}/{entity['id']}"
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
