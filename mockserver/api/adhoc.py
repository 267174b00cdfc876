"""The Ad Hoc Activation API: ``POST /data/core/activation/disflowprovider/adhocrun``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain.adhoc import version_of
from ..domain.errors import PlainMessageError
from .requests import caller, json_body
from .responses import FLOW_SERVICE_BASE, json_response, platform

bp = Blueprint("adhoc", __name__, url_prefix="/data/core/activation/disflowprovider")


@bp.post("/adhocrun")
def adhoc_run() -> Response:
    # This API answers a malformed body in its own shape.
    body = json_body(refuse=lambda message: PlainMessageError(400, message))
    started = platform().adhoc.activate(caller(), body, version_of(request.headers.get("Accept")))
    # The status URL points at this mock, so that a client following it stays offline.
    runs_url = request.host_url.rstrip("/") + FLOW_SERVICE_BASE + "/runs/"
    return json_response({"order": [
        {"segment": audience, "order": flow_id, "statusURL": runs_url + run_id}
        for audience, flow_id, run_id in started
    ]})
