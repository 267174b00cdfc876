"""One place where every refusal becomes the real service's error body."""

from __future__ import annotations

import logging

from flask import Flask, Response, g
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from ..domain.errors import ApiError, FlowServiceError, store_unavailable
from ..store import StoreUnavailable
from .responses import json_response

log = logging.getLogger(__name__)


def install(app: Flask) -> None:
    app.register_error_handler(ApiError, render)
    app.register_error_handler(StoreUnavailable, _store_unavailable)
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(MethodNotAllowed, _method_not_allowed)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)


def render(error: ApiError) -> Response:
    return json_response(error.body(g.get("request_id", "")), error.status, error.headers() or None)


def _store_unavailable(error: StoreUnavailable) -> Response:
    log.warning("store unavailable: %s", error)
    return render(store_unavailable())


def _not_found(error: NotFound) -> Response:
    return render(FlowServiceError(
        1101, 404, "Resource not found",
        "The requested resource is not found. Check the path of the request.",
    ))


def _method_not_allowed(error: MethodNotAllowed) -> Response:
    response = render(FlowServiceError(
        1100, 405, "Method not allowed",
        "The method is not allowed on this resource.",
    ))
    response.headers["Allow"] = ", ".join(error.valid_methods or ())
    return response


def _http_error(error: HTTPException) -> Response:
    status = error.code or 400
    return render(FlowServiceError(1100, status, "Invalid request", error.description or error.name))


def _internal_error(error: Exception) -> Response:
    # A bug of the mock; the client gets the service's 500 shape, never a traceback.
    log.exception("unhandled error", exc_info=error)
    return render(FlowServiceError(
        1102, 500, "Internal Error",
        "An internal error has occurred. Please try again. "
        "If the problem persists, please contact customer support.",
    ))
