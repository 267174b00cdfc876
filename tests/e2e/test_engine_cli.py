"""``flowservice-mock clock`` and ``flowservice-mock run`` against a live mock: what they print
(the runs and the files they wrote) and their exit status."""

from __future__ import annotations

import os
import re

import pytest
import requests

from mockserver.cli import main
from mockserver.settings import Settings

from ..support import DATA_LAKE, S3_DATASET_FLOW, spec

T0 = 1767225600  # 2026-01-01T00:00:00Z
HOUR = 3600


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory) -> Settings:
    # No ticker: runs appear only when the clock is moved or a flow is run, so output is exact.
    return Settings(port=0, seed=42, storage_root=str(tmp_path_factory.mktemp("exports")), scheduler_interval=0)


@pytest.fixture(scope="module")
def audiences(server) -> list[str]:
    # The clock is frozen before the demo data is first used (memberships spread around its day).
    requests.post(server.url + "/_mock/clock", json={"freeze": True, "set": T0}, timeout=10).raise_for_status()
    return [a["id"] for a in server.app.extensions["flowservice"].data.audiences]


@pytest.fixture
def url(server, http, audiences) -> str:
    requests.post(server.url + "/_mock/clock", json={"freeze": True, "set": T0}, timeout=10).raise_for_status()
    return server.url


def audience_flow(http, *audience_ids) -> str:
    selectors = [{"type": "PLATFORM_SEGMENT", "value": {
        "id": a, "name": f"Audience {a[:8]}", "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "DAILY", "startDate": "2026-01-01", "startTime": "10:00"}}}
        for a in audience_ids]
    source = http("POST", "/sourceConnections", {"name": "Profiles", "connectionSpec": spec("8a9c3494-9708-43d7-ae3f-cda01e5030e1")}).json()["id"]
    base = http("POST", "/connections", {"name": "S3", "connectionSpec": spec("4fce964d-3f37-408f-9778-e597338a21ee"),
                                         "auth": {"specName": "Access Key", "params": {
                                             "s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "a" * 40}}}).json()["id"]
    target = http("POST", "/targetConnections", {
        "name": "S3 target", "baseConnectionId": base, "connectionSpec": spec("4fce964d-3f37-408f-9778-e597338a21ee"),
        "params": {"mode": "Server-to-server", "bucketName": "cli-bucket", "path": "audiences", "fileType": "CSV",
                   "compression": "NONE"}}).json()["id"]
    response = http("POST", "/flows", {
        "name": "Audiences", "flowSpec": spec("1a0514a6-33d4-4c7f-aff8-594799c47549"),
        "sourceConnectionIds": [source], "targetConnectionIds": [target],
        "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": selectors}}}]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def empty_dataset_flow(http) -> str:
    source = http("POST", "/sourceConnections", {
        "name": "Datasets", "connectionSpec": spec(DATA_LAKE),
        "params": {"datasets": [{"dataSetId": "000000000000000000000000", "name": "Nothing"}]}}).json()["id"]
    base = http("POST", "/connections", {"name": "S3", "connectionSpec": spec("4fce964d-3f37-408f-9778-e597338a21ee"),
                                         "auth": {"specName": "Access Key", "params": {
                                             "s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "a" * 40}}}).json()["id"]
    target = http("POST", "/targetConnections", {
        "name": "S3 target", "baseConnectionId": base, "connectionSpec": spec("4fce964d-3f37-408f-9778-e597338a21ee"),
        "params": {"mode": "Server-to-server", "bucketName": "cli-bucket", "path": "datasets",
                   "datasetFileType": "JSON", "compression": "NONE"}}).json()["id"]
    response = http("POST", "/flows", {
        "name": "Datasets", "flowSpec": spec(S3_DATASET_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [target], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                           "startTime": T0 + HOUR, "endTime": T0 + 86400}})
    assert response.status_code == 201, response.text
    return response.json()["id"]


FILE_LINE = re.compile(r"^  (\S+)  (\d+) rows, (\d+) bytes$")


def file_lines(out: str) -> list[tuple[str, int, int]]:
    found = []
    for line in out.splitlines():
        match = FILE_LINE.match(line)
        if match:
            found.append((match.group(1), int(match.group(2)), int(match.group(3))))
    return found


def exports(url, **query) -> list[dict]:
    return requests.get(url + "/_mock/exports", params=query, timeout=10).json()["items"]


# --- clock ---------------------------------------------------------------------------------------

def test_clock_shows_the_clock(url, capsys):
    assert main(["clock", "--url", url]) == 0
    assert capsys.readouterr().out == "clock: 2026-01-01T00:00:00.000Z (frozen)\n"
    assert requests.get(url + "/_mock/clock", timeout=10).json()["now"] == T0  # showing moves nothing


@pytest.mark.parametrize("when", ["1767312000", "2026-01-02T00:00:00Z", "2026-01-02"])
def test_clock_set(url, capsys, when):
    assert main(["clock", "--url", url, "--set", when]) == 0
    assert capsys.readouterr().out == "clock: 2026-01-02T00:00:00.000Z (frozen)\nno run\n"


def test_clock_advance_prints_the_runs_and_their_files(url, http, audiences, capsys):
    a, b = audiences[:2]
    flow_id = audience_flow(http, a, b)
    assert main(["clock", "--url", url, "--advance", "11h"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "clock: 2026-01-01T11:00:00.000Z (frozen)"
    made = {e["segmentId"]: e for e in exports(url, flowId=flow_id)}
    assert set(made) == {a, b}
    for audience, export in made.items():
        assert (f"run {export['runId']} of flow {flow_id} (audience {audience}) at 2026-01-01 10:00:00Z: success"
                in lines)
    listed = file_lines(out)
    assert sorted(listed) == sorted((f["location"], f["rows"], f["bytes"]) for e in made.values() for f in e["files"])
    for location, rows, size in listed:
        assert os.path.getsize(location) == size and rows > 0
        assert os.path.basename(location).endswith("_20260101_100000.csv")


def test_clock_advance_in_seconds_and_freeze(url, capsys):
    assert main(["clock", "--url", url, "--advance", "90", "--unfreeze"]) == 0
    assert capsys.readouterr().out.startswith("clock: 2026-01-01T00:01:30")
    assert main(["clock", "--url", url, "--freeze"]) == 0
    assert "(frozen)" in capsys.readouterr().out
    assert requests.get(url + "/_mock/clock", timeout=10).json()["frozen"] is True


def test_clock_refused_move_exits_2(url, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["clock", "--url", url, "--advance", "soon"])
    assert exited.value.code == 2
    assert "the mock refused" in capsys.readouterr().err
    assert requests.get(url + "/_mock/clock", timeout=10).json()["now"] == T0


# --- run ------------------------------------------------------------------------------------------

def test_run_prints_every_audience_and_its_file(url, http, audiences, capsys):
    a, b = audiences[:2]
    flow_id = audience_flow(http, a, b)
    assert main(["run", flow_id, "--url", url]) == 0
    out = capsys.readouterr().out
    made = exports(url, flowId=flow_id)
    assert {e["segmentId"] for e in made} == {a, b}
    assert {e["trigger"] for e in made} == {"manual"}
    for export in made:
        assert (f"run {export['runId']} of flow {flow_id} (audience {export['segmentId']}) "
                "at 2026-01-01 00:00:00Z: success") in out
    listed = file_lines(out)
    assert len(listed) == 2
    for location, _, size in listed:
        assert os.path.getsize(location) == size


def test_run_chosen_ids(url, http, audiences, capsys):
    a, b = audiences[:2]
    flow_id = audience_flow(http, a, b)
    assert main(["run", flow_id, "--url", url, "--id", b]) == 0
    out = capsys.readouterr().out
    assert f"(audience {b})" in out and f"(audience {a})" not in out
    assert [e["segmentId"] for e in exports(url, flowId=flow_id)] == [b]


def test_run_failed_exits_1(url, http, capsys):
    flow_id = empty_dataset_flow(http)
    assert main(["run", flow_id, "--url", url]) == 1
    out = capsys.readouterr().out
    [export] = exports(url, flowId=flow_id)
    assert f"run {export['runId']} of flow {flow_id} (dataset 000000000000000000000000) " \
           "at 2026-01-01 00:00:00Z: failed" in out
    assert "  error: Dataset 000000000000000000000000 has no data in this mock" in out
    assert file_lines(out) == []


def test_run_unknown_flow_exits_2(url, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["run", "c0ffee00-0000-4000-8000-000000000000", "--url", url])
    assert exited.value.code == 2
    assert "flows resource c0ffee00-0000-4000-8000-000000000000 is not found" in capsys.readouterr().err


def test_run_nothing_to_export_exits_2(url, http, capsys):
    flow_id = audience_flow(http)
    with pytest.raises(SystemExit) as exited:
        main(["run", flow_id, "--url", url])
    assert exited.value.code == 2
    assert f"Flow {flow_id} has nothing to export" in capsys.readouterr().err
