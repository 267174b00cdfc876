"""The read-only catalogue: connection specs, flow specs, eligible datasets (reference §3.3-§3.4)."""

from __future__ import annotations

import pytest

from . import checks
from .bodies import DATA_LAKE, LEGACY_FLOW, S3, S3_DATASET_FLOW, S3_SEGMENT_FLOW, SEED_SPECS, UNKNOWN_ID

CONFIGS = {"outputType": "activationDatasets", "outputField": "datasets"}


@pytest.mark.verified(era="CA")
def test_connection_specs_list_the_seed_destinations(client):
    specs = checks.items(client.get("/connectionSpecs"))
    by_id = {s["id"]: s for s in specs}
    assert SEED_SPECS <= set(by_id)
    assert by_id["0b23e41a-cb4a-4321-a78f-3b654f5d7d97"]["name"] == "Adobe Campaign"


@pytest.mark.verified(era="AS+ED")
def test_one_connection_spec_is_wrapped_in_items(client):
    specs = checks.items(client.get(f"/connectionSpecs/{S3}"))
    assert len(specs) == 1 and specs[0]["id"] == S3 and specs[0]["name"] == "Amazon S3"
    assert "Access Key" in {auth["name"] for auth in specs[0]["authSpec"]}
    assert specs[0]["targetSpec"]["spec"]["properties"]["bucketName"]


@pytest.mark.verified(era="FY+CA")
@pytest.mark.parametrize("flow_spec", [LEGACY_FLOW, S3_SEGMENT_FLOW, S3_DATASET_FLOW])
def test_flow_specs_by_id(client, flow_spec):
    specs = checks.items(client.get(f"/flowSpecs/{flow_spec}"))
    assert [s["id"] for s in specs] == [flow_spec]


@pytest.mark.verified(era="SAF")
def test_connection_specs_filtered_by_id_list(client):
    specs = checks.items(client.get("/connectionSpecs", params={"property": f"id=={S3},{DATA_LAKE}"}))
    assert {s["id"] for s in specs} == {S3, DATA_LAKE}


@pytest.mark.assumption("error-bodies")
@pytest.mark.parametrize("path", [f"/connectionSpecs/{UNKNOWN_ID}", f"/flowSpecs/{UNKNOWN_ID}"])
def test_unknown_spec_is_404(client, path):
    checks.flow_error(client.get(path), 1439, 404)


@pytest.mark.verified(era="ED")
def test_eligible_datasets_page(client):
    reply = client.get(f"/connectionSpecs/{DATA_LAKE}/configs", params={**CONFIGS, "start": 0, "limit": 2})
    body = reply.json()
    checks.status(reply, 200)
    assert len(body["items"]) <= 2
    assert set(body["pageInfo"]) == {"start", "end", "total", "hasNext"}
    for dataset in body["items"]:
        assert isinstance(dataset["id"], str) and "name" in dataset


@pytest.mark.verified(era="FSE")
def test_eligible_datasets_need_output_type(client):
    checks.flow_error(client.get(f"/connectionSpecs/{DATA_LAKE}/configs", params={"outputField": "datasets"}),
                      2119, 400)
