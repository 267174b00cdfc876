"""The mock's own API under ``/_mock/``: health, reset, its OpenAPI document."""

from __future__ import annotations

import time

from flask import Blueprint, Response, request

from .. import __version__
from ..domain.errors import body_missing, validation_failed
from ..text import shown
from ..openapi import document
from .requests import json_body
from .responses import json_response, platform

bp = Blueprint("admin", __name__, url_prefix="/_mock")
_STARTED = time.monotonic()


@bp.get("/health")
def health() -> Response:
    mock = platform()
    return json_response({
        "status": "ok",
        "version": __version__,
        "profile": mock.settings.profile,
        "store": mock.store.name,
        "uptimeSeconds": round(time.monotonic() - _STARTED, 3),
        "tenants": [
            {"imsOrgId": t.org, "sandboxName": t.sandbox, "counts": t.counts()}
            for t in mock.store.tenants()
        ],
    })


@bp.post("/reset")
def reset() -> Response:
    """Forget all state, or one org's, or one sandbox's (``imsOrgId``, ``sandboxName``)."""
    body = json_body() if request.mimetype == "application/json" else None
    if body is not None and not isinstance(body, dict):
        raise validation_failed("The reset body must be a JSON object.")
    scope = {**(body or {}), **request.args.to_dict()}
    org = scope.get("imsOrgId")
    sandbox = scope.get("sandboxName")
    for name, value in (("imsOrgId", org), ("sandboxName", sandbox)):
        if value is not None and not isinstance(value, str):
            raise validation_failed(f"Field '{name}' must be a string.")
    return json_response({"reset": platform().reset(org, sandbox)})


@bp.get("/state")
def get_state() -> Response:
    """A snapshot of the state (all of it, or one org's or sandbox's): mockserver/snapshot.py."""
    args = request.args
    unknown = sorted(set(args) - {"imsOrgId", "sandboxName"})
    if unknown:
        raise validation_failed(f"Unknown query parameter '{shown(unknown[0])}'; known: imsOrgId, sandboxName.")
    return json_response(platform().state_document(args.get("imsOrgId"), args.get("sandboxName")))


@bp.post("/state")
def post_state() -> Response:
    """Load a snapshot: the tenants it holds are replaced, the others left alone."""
    body = json_body()
    if body is None:
        raise body_missing()
    return json_response({"loaded": platform().load_state(body)})


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(document())
