"""The Ad Hoc Activation API: ``POST /data/core/activation/disflowprovider/adhocrun``, in its
audience form and, chosen by the Accept header, its dataset form."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..domain.adhoc import form_of, version_of
from ..domain.errors import PlainMessageError
from .requests import caller, json_body
from .responses import FLOW_SERVICE_BASE, json_response, platform

bp = Blueprint("adhoc", __name__, url_prefix="/data/core/activation/disflowprovider")


@bp.post("/adhocrun")
def adhoc_run() -> Response:
    accept = request.headers.get("Accept")
    form = form_of(accept)
    # This API answers a malformed body in its own shape.
    body = json_body(refuse=lambda message: PlainMessageError(400, message))
    # The status URL points at this mock, so that a client following it stays offline.
    runs_url = request.host_url.rstrip("/") + FLOW_SERVICE_BASE + "/runs/"
    if form == "dataset":
        started = platform().adhoc.export_datasets(caller(), body)
        return json_response({"destinations": [
            {"flowId": flow_id, "datasets": [{"id": dataset, "statusURL": runs_url + run_id}
                                             for dataset, run_id in datasets]}
            for flow_id, datasets in started
        ]})
    started = platform().adhoc.activate(caller(), body, version_of(accept))
    return json_response({"order": [
        {"segment": audience, "order": flow_id, "statusURL": runs_url + run_id}
        for audience, flow_id, run_id in started
    ]})
