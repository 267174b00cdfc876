"""The admin API of access control: ``/_mock/permissions`` (who holds what) and its table."""

from __future__ import annotations

from flask import Blueprint, Response

from .requests import json_body
from .responses import json_response, platform

bp = Blueprint("permissions", __name__, url_prefix="/_mock")


@bp.get("/permissions")
def get_permissions() -> Response:
    """The document in force; ``{}`` when every client holds every permission."""
    return json_response(platform().permissions.document())


@bp.put("/permissions")
def put_permissions() -> Response:
    """Replace the document: all of it, or nothing (a 400 naming what is wrong). No body, ``null``
    or ``{}``: every client holds every permission again."""
    return json_response(platform().permissions.set(json_body()))


@bp.delete("/permissions")
def clear_permissions() -> Response:
    return json_response({"cleared": platform().permissions.clear()})


@bp.get("/permissions/table")
def permission_table() -> Response:
    """What each operation needs (mockserver/catalog/permissions.json, as the mock reads it)."""
    return json_response(platform().permissions.table.to_json())
