"""The dataset form of ``POST /data/core/activation/disflowprovider/adhocrun``: chosen by its own
``Accept`` media type, it names dataset dataflows and the datasets of each to export now
(docs/fidelity.md, "Ad hoc dataset export"; the form is inferred from a public client's code).
"""

from __future__ import annotations

import gzip
import json

import pytest

from mockserver.domain.adhoc import DATASET_READY_AFTER

from ..support import DATA_LAKE, HEADERS, spec
from .test_adhoc import ADHOC, HOUR, T0, V2, Mock, message, run_id_of

DATASET_ACCEPT = "application/vnd.adobe.adhoc.dataset.activation+json; version=1"
DATASET_FLOW_SPEC = {"id": "269ba276-16fc-47db-92b0-c1049a3c131f", "version": "1.0"}
NOT_READY = "Following order ID(s) are not ready for dataset export: {}"


class DatasetMock(Mock):
    def dataset_flow(self, *datasets, start=T0 + 365 * 24 * HOUR, **schedule) -> str:
        source = self.api.created("/sourceConnections", {
            "name": "Datasets", "connectionSpec": spec(DATA_LAKE),
            "params": {"datasets": [{"dataSetId": d} for d in datasets]},
        })["id"]
        return self.api.created("/flows", {
            "name": "Datasets now", "flowSpec": DATASET_FLOW_SPEC, "sourceConnectionIds": [source],
            "targetConnectionIds": [self.api.s3_target(datasetFileType="JSON", compression="GZIP")],
            "transformations": [],
            "scheduleParams": {"interval": 1, "timeUnit": "day", "startTime": start, **schedule},
        })["id"]

    def export(self, destinations, **kwargs):
        return self.adhoc({"activationInfo": {"destinations": destinations}}, accept=DATASET_ACCEPT, **kwargs)


@pytest.fixture
def mock(tmp_path) -> DatasetMock:
    return DatasetMock(tmp_path)


@pytest.fixture
def datasets(mock) -> list[str]:
    return [d["id"] for d in mock.platform.data.datasets[:3]]


@pytest.fixture
def ready_flow(mock, datasets):
    """A flow of two datasets whose schedule starts in a year, old enough to take ad hoc exports."""
    flow_id = mock.dataset_flow(*datasets[:2])
    mock.set_clock(T0 + DATASET_READY_AFTER)
    return flow_id


def wanted(flow_id, *datasets) -> dict:
    return {"flowId": flow_id, "datasets": [{"id": d} for d in datasets]}


# --- success ------------------------------------------------------------------------------------

def test_each_dataset_gets_a_full_export_run_now(mock, datasets, ready_flow):
    response = mock.export([wanted(ready_flow, datasets[0], datasets[1])])
    assert response.status_code == 200, response.get_data(as_text=True)
    [destination] = response.get_json()["destinations"]
    assert destination["flowId"] == ready_flow
    assert [d["id"] for d in destination["datasets"]] == datasets[:2]
    assert mock.platform.runner.wait(60)
    for item in destination["datasets"]:
        path = item["statusURL"].removeprefix("http://localhost")
        run = mock.client.get(path, headers=HEADERS).get_json()["items"][0]
        assert run["id"] == run_id_of(item["statusURL"]) and run["flowId"] == ready_flow
        assert run["metrics"]["statusSummary"]["status"] == "success"
        assert run["metrics"]["durationSummary"]["completedAtUTC"] >= run["metrics"]["durationSummary"]["startedAtUTC"]
        assert run["createdAt"] == (T0 + DATASET_READY_AFTER) * 1000
        [export] = mock.exports(runId=run["id"])
        assert export["trigger"] == "adhoc" and export["status"] == "success"
        [file] = export["files"]
        assert f"/{item['id']}/exportTime=" in file["location"] and file["location"].endswith(".json.gz")
        with gzip.open(file["location"], "rt") as handle:
            rows = [json.loads(line) for line in handle]
        assert len(rows) == file["rows"] == run["metrics"]["recordSummary"]["outputRecordCount"] > 0


def test_a_subset_of_the_flows_datasets_and_several_flows(mock, datasets, ready_flow):
    other = mock.dataset_flow(datasets[2], start=T0)
    mock.set_clock(T0 + 2 * DATASET_READY_AFTER)
    before = mock.run_count()
    response = mock.export([wanted(other, datasets[2]), wanted(ready_flow, datasets[1])])
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.get_json()["destinations"]
    assert [(d["flowId"], [x["id"] for x in d["datasets"]]) for d in answer] == [
        (other, [datasets[2]]), (ready_flow, [datasets[1]])]
    assert mock.run_count() == before + 2


def test_the_audience_form_is_unchanged_beside_it(mock, datasets, ready_flow):
    # The same body without the dataset media type is the audience form, which refuses it.
    response = mock.adhoc({"activationInfo": {"destinations": [wanted(ready_flow, datasets[0])]}}, accept=V2)
    assert "must be a non-empty array of audience ids" in message(response, 400)


@pytest.mark.parametrize("accept", [
    "application/vnd.adobe.adhoc.dataset.activation+json",
    "application/json, application/vnd.adobe.adhoc.dataset.activation+json; version=1",
    "APPLICATION/VND.ADOBE.ADHOC.DATASET.ACTIVATION+JSON; version=\"1\"",
])
def test_dataset_media_type_variants(mock, datasets, ready_flow, accept):
    body = {"activationInfo": {"destinations": [wanted(ready_flow, datasets[0])]}}
    assert mock.adhoc(body, accept=accept).status_code == 200


def test_another_version_of_the_dataset_media_type_is_not_acceptable(mock, datasets, ready_flow):
    body = {"activationInfo": {"destinations": [wanted(ready_flow, datasets[0])]}}
    before = mock.run_count()
    message(mock.adhoc(body, accept="application/vnd.adobe.adhoc.dataset.activation+json; version=2"), 406)
    assert mock.run_count() == before


# --- guardrails ---------------------------------------------------------------------------------

def test_a_new_flow_is_not_ready_until_the_service_picks_it_up(mock, datasets):
    flow_id = mock.dataset_flow(datasets[0])
    mock.set_clock(T0 + DATASET_READY_AFTER - 1)
    message(mock.export([wanted(flow_id, datasets[0])]), 400, NOT_READY.format(flow_id))
    assert mock.run_count() == 0
    mock.set_clock(T0 + DATASET_READY_AFTER)
    assert mock.export([wanted(flow_id, datasets[0])]).status_code == 200


@pytest.mark.parametrize("start", [False, True], ids=["pending", "inProgress"])
def test_run_already_going_on(mock, datasets, ready_flow, start):
    tenant = mock.tenant()
    at_ms = int(mock.platform.clock.now() * 1000)
    run = mock.platform.runs.create(tenant, tenant.get("flows", ready_flow), entity=f"dataset:{datasets[0]}",
                                    at_ms=at_ms, trigger="scheduled")
    if start:
        run = mock.platform.runs.start(tenant, run, at_ms)
    before = mock.run_count()
    message(mock.export([wanted(ready_flow, datasets[1], datasets[0])]), 400,
            f"Run already going on for dataset {datasets[0]} for order {ready_flow} with run id {run['id']}")
    assert mock.run_count() == before
    # Another dataset of the same flow is not held up.
    assert mock.export([wanted(ready_flow, datasets[1])]).status_code == 200


def test_dataset_not_in_the_flow_or_flow_disabled(mock, datasets, ready_flow):
    text = message(mock.export([wanted(ready_flow, datasets[0], datasets[2])]), 400)
    assert text == f"Datasets {datasets[2]} are not part of this dataflow or the dataflow is disabled!"
    etag = mock.api.get(f"/flows/{ready_flow}").get_json()["items"][0]["etag"]
    assert mock.api.post(f"/flows/{ready_flow}/action?op=disable", headers={"If-Match": etag}).status_code == 200
    text = message(mock.export([wanted(ready_flow, datasets[0])]), 400)
    assert text == f"Datasets {datasets[0]} are not part of this dataflow or the dataflow is disabled!"
    assert mock.run_count() == 0


def test_audience_flow_has_no_datasets(mock, datasets):
    audience_flow = mock.flow(mock.audiences[0])
    mock.set_clock(T0 + DATASET_READY_AFTER)
    text = message(mock.export([wanted(audience_flow, datasets[0])]), 400)
    assert text.startswith(f"Datasets {datasets[0]} are not part of this dataflow")


def test_unknown_flow_is_404_and_nothing_runs(mock, datasets, ready_flow):
    body = [wanted(ready_flow, datasets[0]), wanted("0a0a0a0a-0000-0000-0000-000000000000", datasets[0])]
    message(mock.export(body), 404, "Destination instance 0a0a0a0a-0000-0000-0000-000000000000 not found.")
    assert mock.run_count() == 0


def test_a_flow_of_another_sandbox_is_404(mock, datasets, ready_flow):
    response = mock.export([wanted(ready_flow, datasets[0])], headers={"x-sandbox-name": "dev"})
    message(response, 404, f"Destination instance {ready_flow} not found.")


@pytest.mark.parametrize("body", [
    {}, {"activationInfo": None}, {"activationInfo": {}}, {"activationInfo": {"destinations": []}},
    {"activationInfo": {"destinations": {}}}, {"activationInfo": []}, [], "x", None,
], ids=repr)
def test_destinations_missing_or_empty(mock, body):
    text = message(mock.adhoc(body, accept=DATASET_ACCEPT, data=json.dumps(body)), 400)
    assert text.startswith("activationInfo.destinations is required")


@pytest.mark.parametrize("destination, field", [
    ({"datasets": [{"id": "d"}]}, "flowId"), ({"flowId": "", "datasets": [{"id": "d"}]}, "flowId"),
    ({"flowId": 3, "datasets": [{"id": "d"}]}, "flowId"), ("flow", "flowId"), (None, "flowId"),
    ({"flowId": "f"}, "datasets"), ({"flowId": "f", "datasets": []}, "datasets"),
    ({"flowId": "f", "datasets": ["d"]}, "datasets"), ({"flowId": "f", "datasets": [{"id": ""}]}, "datasets"),
    ({"flowId": "f", "datasets": [{"id": 5}]}, "datasets"), ({"flowId": "f", "datasets": [{}]}, "datasets"),
    ({"flowId": "f", "datasets": {"id": "d"}}, "datasets"),
], ids=repr)
def test_each_destination_names_a_flow_and_datasets(mock, destination, field):
    text = message(mock.export([destination]), 400)
    assert text.startswith(f"activationInfo.destinations[0].{field} must be")


def test_no_dataset_or_flow_twice(mock, datasets, ready_flow):
    message(mock.export([wanted(ready_flow, datasets[0], datasets[0])]), 400,
            "activationInfo.destinations[0].datasets lists a dataset more than once.")
    message(mock.export([wanted(ready_flow, datasets[0]), wanted(ready_flow, datasets[1])]), 400,
            f"activationInfo.destinations[1]: dataflow {ready_flow} is listed more than once.")
    assert mock.run_count() == 0


def test_at_most_80_datasets(mock):
    many = [wanted(f"flow-{i}", *[f"dataset-{i}-{j}" for j in range(9)]) for i in range(9)]
    message(mock.export(many), 400, "An ad hoc export job can export at most 80 datasets; this one has 81.")


@pytest.mark.parametrize("data", ["{", "not json", '{"activationInfo": '])
def test_malformed_json(mock, data):
    message(mock.adhoc(accept=DATASET_ACCEPT, data=data), 400)


def test_permissions_follow_the_form(mock, datasets, ready_flow):
    audiences_only = {"my-client": {"permissions": ["View Destinations", "Activate Destinations"]}}
    assert mock.client.put("/_mock/permissions", json=audiences_only).status_code == 200
    response = mock.export([wanted(ready_flow, datasets[0])], headers={"x-api-key": "my-client"})
    assert response.status_code == 403
    assert "Manage and Activate Dataset Destinations" in response.get_data(as_text=True)
    datasets_too = {"my-client": {"permissions": ["View Destinations", "Manage and Activate Dataset Destinations"]}}
    assert mock.client.put("/_mock/permissions", json=datasets_too).status_code == 200
    assert mock.export([wanted(ready_flow, datasets[0])], headers={"x-api-key": "my-client"}).status_code == 200
