"""The dataset-export helpers of a real public client, aepp 0.6.0 (Adobe's own Python client), run
against the mock on a real server as their users run them.

aepp installs matplotlib, pandas, pygraphviz and more, none of which its Flow Service and
destination modules import; the package itself is installed without its dependencies (into the
environment's own folder, once), and the two that those modules do import (tenacity, deprecation)
come from the project's test extras.

Its helpers wait with ``time.sleep`` (10 minutes before an ad hoc export, 30 s between polls of a
run, a minute between retries): here each wait of the test's thread moves the mock's clock by as
much instead, so the mock sees the waits the helpers intend, and the suite does not sit through them.
"""

from __future__ import annotations

import configparser
import importlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from mockserver.domain.adhoc import DATASET_READY_AFTER
from mockserver.server import MockServer
from mockserver.settings import Settings

ORG = "0F0F0F0F0F0F0F0F0F0F0F0F@AdobeOrg"
AEPP = "aepp==0.6.0"
DLZ_SPEC = "10440537-2a7b-4583-ac39-ed38d4b848e8"


def _import_aepp():
    try:
        return importlib.import_module("aepp")
    except ImportError:
        pass
    target = Path(sys.prefix) / "clients" / AEPP.replace("==", "-")
    if not (target / "aepp").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--target", str(target), AEPP], check=True, timeout=300)
    sys.path.insert(0, str(target))
    return importlib.import_module("aepp")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    settings = Settings(port=0, seed=11, storage_root=str(tmp_path_factory.mktemp("exports")))
    with MockServer(settings) as running:
        yield running


@pytest.fixture(scope="module")
def aepp(server):
    module = _import_aepp()
    module.configure(org_id=ORG, client_id="my-client", secret="s", scopes="openid", sandbox="prod",
                     environment="support", endpoint=server.url)
    module.config.config_object["oauthTokenEndpointV2"] = server.url + "/ims/token/v3"
    return module


class PollsForever(Exception):
    """aepp's run poll went round more times than a finished run needs."""


#: The wait of aepp's run poll (``ExportDatasetToDataLandingZone.createFlowRun``).
POLL_WAIT = 30


@pytest.fixture
def mock_clock_waits(server, monkeypatch):
    """The test thread's ``time.sleep`` moves the mock's clock; other threads sleep as usual. A poll
    that waits a third time for a run is stopped with :class:`PollsForever`."""
    real_sleep, caller = time.sleep, threading.current_thread()
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        if threading.current_thread() is not caller:
            real_sleep(seconds)
            return
        slept.append(seconds)
        if slept.count(POLL_WAIT) > 3:
            raise PollsForever(f"slept {slept}")
        requests.post(server.url + "/_mock/clock", json={"advance": seconds}, timeout=60).raise_for_status()

    monkeypatch.setattr(time, "sleep", sleep)
    return slept


@pytest.fixture
def dataset_id(server) -> str:
    requests.post(server.url + "/_mock/reset", timeout=10).raise_for_status()
    requests.post(server.url + "/_mock/clock", json={"reset": True}, timeout=10).raise_for_status()
    headers = {"Authorization": "Bearer t", "x-api-key": "my-client", "x-gw-ims-org-id": ORG}
    answer = requests.get(f"{server.url}/data/foundation/flowservice/connectionSpecs/{DLZ_SPEC}/configs",
                          params={"outputType": "activationDatasets", "outputField": "datasets"},
                          headers=headers, timeout=10).json()
    return answer["items"][0]["id"]


def exports_of(server, flow_id: str) -> list[dict]:
    return requests.get(server.url + "/_mock/exports", params={"flowId": flow_id}, timeout=10).json()["items"]


def wait_for_runs(flows, flow_id: str, count: int = 1) -> list[dict]:
    """What a user of ``getRuns`` does: read the flow's runs until they have finished."""
    deadline = time.monotonic() + 60
    while True:
        runs = flows.getRuns(prop=f"flowId=={flow_id}")
        done = [r for r in runs if "completedAtUTC" in r.get("metrics", {}).get("durationSummary", {})]
        if len(done) >= count or time.monotonic() > deadline:
            return done
        threading.Event().wait(0.1)


def test_export_dataset_to_dlz_creates_a_flow_that_runs_from_now(aepp, server, dataset_id):
    from aepp import flowservice

    flows = flowservice.FlowService()
    flow = flows.exportDatasetToDLZ(datasetIds=[dataset_id], path="/aepp", fileType="JSON", compression="GZIP",
                                    scheduleStart=int(time.time()), scheduleUnit="hour", scheduleInterval="3")
    assert set(flow) == {"id", "etag"}, flow
    stored = flows.getFlow(flow["id"])
    assert stored["flowSpec"]["id"] == "cd2fc47e-e838-4f38-a581-8fff2f99b63a"
    assert stored["scheduleParams"]["interval"] == 3 and stored["scheduleParams"]["timeUnit"] == "hour"
    assert stored["name"].startswith("flow-dataset-export-dlz ")

    # Its start is "now": the first run comes at once, not three hours later.
    [run] = wait_for_runs(flows, flow["id"])
    metrics = run["metrics"]
    assert metrics["statusSummary"]["status"] == "success"
    assert metrics["recordSummary"]["outputRecordCount"] > 0 and metrics["fileSummary"]["outputFileCount"] >= 1
    [export] = exports_of(server, flow["id"])
    assert all("/aepp/" in f["location"] and f["location"].endswith(".json.gz") for f in export["files"])


def test_export_dataset_to_dlz_refuses_a_dataset_the_dlz_cannot_export(aepp, dataset_id):
    from aepp import flowservice

    with pytest.raises(Exception, match="cannot be found on the list of exportable datasets"):
        flowservice.FlowService().exportDatasetToDLZ(datasetIds=["not-a-dataset"], scheduleStart=int(time.time()))


def test_the_dlz_exporter_runs_a_flow_now(aepp, server, dataset_id, tmp_path, mock_clock_waits):
    from aepp import flowservice
    from aepp.exportDatasetToDataLandingZone import ExportDatasetToDataLandingZone

    config = tmp_path / "aepp.ini"
    config.write_text("[Platform]\ndataflow_id =\n")
    exporter = ExportDatasetToDataLandingZone()

    def export_now():
        # aepp 0.6.0's poll reads getRun(...)["items"][0], but its getRun already returns the
        # items (since 2025): the finished run is never seen, and the poll goes on forever. The
        # mock answers {"items": [run]}, as the real API does (docs/fidelity.md, "Public clients").
        with pytest.raises(PollsForever):
            exporter.createDataFlowRunIfNotExists(
                dataset_id=dataset_id, compression_type="GZIP", data_format="PARQUET", export_path="/exports",
                on_schedule=False, config_path=str(config), entity_name="aepp nightly")

    export_now()
    parser = configparser.ConfigParser()
    parser.read(config)
    flow_id = parser.get("Platform", "dataflow_id")
    # It waited ten minutes (the mock's clock) for the flow to be picked up, then exported at once.
    assert mock_clock_waits[0] == 600 >= DATASET_READY_AFTER
    flows = flowservice.FlowService()
    [run] = wait_for_runs(flows, flow_id)
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert flows.getRun(runId=run["id"])[0]["id"] == run["id"]
    [export] = exports_of(server, flow_id)
    assert export["trigger"] == "adhoc"
    assert all("/exports/" in f["location"] and f["location"].endswith(".parquet") for f in export["files"])
    stored = flows.getFlow(flow_id)
    assert stored["scheduleParams"]["startTime"] > time.time() + 300 * 86400  # a year ahead: no scheduled run

    # Called again with the same config file, it finds the flow (enabled: the poll never ended, so it
    # was not disabled) and exports again.
    mock_clock_waits.clear()
    export_now()
    assert len(wait_for_runs(flows, flow_id, 2)) == 2
    assert [e["trigger"] for e in exports_of(server, flow_id)] == ["adhoc", "adhoc"]


def test_the_dlz_exporter_on_schedule_runs_from_now(aepp, server, dataset_id, tmp_path):
    from aepp import flowservice
    from aepp.exportDatasetToDataLandingZone import ExportDatasetToDataLandingZone

    config = tmp_path / "aepp.ini"
    config.write_text("[Platform]\ndataflow_id =\n")
    flow_id = ExportDatasetToDataLandingZone().createDataFlowRunIfNotExists(
        dataset_id=dataset_id, compression_type="NONE", data_format="JSON", export_path="/scheduled",
        on_schedule=True, config_path=str(config), entity_name="aepp every 3 hours")
    [run] = wait_for_runs(flowservice.FlowService(), flow_id)
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert [e["trigger"] for e in exports_of(server, flow_id)] == ["scheduled"]


def test_ad_hoc_dataset_export_answers_as_the_helper_reads_it(aepp, server, dataset_id, mock_clock_waits):
    from aepp import destinationinstanceservice, flowservice

    flows = flowservice.FlowService()
    flow = flows.exportDatasetToDLZ(datasetIds=[dataset_id], scheduleStart=int(time.time()) + 86400)
    service = destinationinstanceservice.DestinationInstanceService()
    refused = service.createAdHocDatasetExport({flow["id"]: [dataset_id]})
    assert refused == {"message": f"Following order ID(s) are not ready for dataset export: {flow['id']}"}

    time.sleep(DATASET_READY_AFTER)  # the mock's clock
    answer = service.createAdHocDatasetExport({flow["id"]: [dataset_id]})
    status_url = answer["destinations"][0]["datasets"][0]["statusURL"]
    assert status_url.startswith(server.url + "/data/foundation/flowservice/runs/")
    run_id = status_url.rsplit("/", 1)[-1]
    deadline = time.monotonic() + 60
    while "completedAtUTC" not in (run := flows.getRun(runId=run_id)[0])["metrics"].get("durationSummary", {}):
        assert time.monotonic() < deadline
        threading.Event().wait(0.1)
    assert run["id"] == run_id and run["flowId"] == flow["id"]
    assert run["metrics"]["sizeSummary"]["outputBytes"] > 0


def test_what_the_helpers_let_through_is_refused_as_the_schemas_say(aepp, dataset_id, tmp_path):
    from aepp import flowservice
    from aepp.exportDatasetToDataLandingZone import ExportDatasetToDataLandingZone

    # No scheduleStart: the flow has no startTime, which the dataset schedule requires.
    answer = flowservice.FlowService().exportDatasetToDLZ(datasetIds=[dataset_id])
    assert "id" not in answer and "startTime" in answer["errorMessage"], answer
    # The lower-case values of the exporter's docstring are not the card's enums.
    config = tmp_path / "aepp.ini"
    config.write_text("[Platform]\ndataflow_id =\n")
    with pytest.raises(RuntimeError, match="is not one of"):
        ExportDatasetToDataLandingZone().createDataFlowRunIfNotExists(
            dataset_id=dataset_id, compression_type="gzip", data_format="json", export_path="/x",
            on_schedule=True, config_path=str(config), entity_name="lower case")
