"""Ad hoc activation and runs (reference §2.5, §3.9, §3.10).

Only requests the service refuses are sent, so that a run against the real API exports nothing.
"""

from __future__ import annotations

import pytest

from . import checks
from .bodies import UNKNOWN_ID

ADHOC_BASE = "/data/core/activation/disflowprovider"
V2 = {"Accept": "application/vnd.adobe.adhoc.activation+json; version=2"}
AUDIENCE = "00000000-0000-4000-8000-00000000a0d1"


def adhoc(client, body, headers=None):
    return client.call("POST", "/adhocrun", body, headers=headers, base=ADHOC_BASE)


def message(reply, http_status: int) -> str:
    """The ad hoc activation API's own error body: ``{"message"}`` (AY)."""
    checks.status(reply, http_status)
    body = reply.json()
    assert isinstance(body.get("message"), str) and body["message"], body
    return body["message"]


@pytest.mark.verified(era="AY")
def test_activation_info_is_required(client):
    message(adhoc(client, {}, V2), 400)


@pytest.mark.verified(era="AY")
def test_v1_needs_export_ids(client, flow):
    message(adhoc(client, {"activationInfo": {flow["id"]: [AUDIENCE]}}), 400)


@pytest.mark.verified(era="AY")
def test_an_audience_not_in_the_dataflow_is_refused(client, flow):
    text = message(adhoc(client, {"activationInfo": {flow["id"]: [AUDIENCE]}}, V2), 400)
    assert text.startswith("Segments ") and text.endswith(
        " are not part of this dataflow or out of schedule range!"), text


@pytest.mark.verified(era="AY")
def test_an_unknown_dataflow_is_404(client):
    checks.status(adhoc(client, {"activationInfo": {UNKNOWN_ID: [AUDIENCE]}}, V2), 404)


@pytest.mark.assumption("ad-hoc-activation-310")
def test_more_than_80_audiences_are_refused_at_once(client, flow):
    audiences = [f"00000000-0000-4000-8000-{i:012d}" for i in range(81)]
    message(adhoc(client, {"activationInfo": {flow["id"]: audiences}}, V2), 400)


@pytest.mark.verified(era="DY")
def test_a_new_flow_has_no_runs(client, flow):
    assert checks.items(client.get("/runs", params={"property": f"flowId=={flow['id']}"})) == []


# --- the dataset form, chosen by its media type (a public client's; no official document) ----------

DATASETS = {"Accept": "application/vnd.adobe.adhoc.dataset.activation+json; version=1"}
DATASET = "5ba9452f7de80400007fc52a"


def destinations(flow_id: str) -> dict:
    return {"activationInfo": {"destinations": [{"flowId": flow_id, "datasets": [{"id": DATASET}]}]}}


@pytest.mark.assumption("ad-hoc-dataset-export")
def test_the_dataset_form_needs_destinations(client):
    message(adhoc(client, {"activationInfo": {}}, DATASETS), 400)


@pytest.mark.assumption("ad-hoc-dataset-export")
def test_the_dataset_form_of_an_unknown_dataflow_is_404(client):
    message(adhoc(client, destinations(UNKNOWN_ID), DATASETS), 404)


@pytest.mark.assumption("ad-hoc-dataset-export")
def test_the_dataset_form_refuses_a_dataflow_without_the_dataset(client, flow):
    message(adhoc(client, destinations(flow["id"]), DATASETS), 400)
