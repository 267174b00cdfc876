"""The engine's admin API under ``/_mock/``: the clock, running a flow now, the files exports wrote."""

from __future__ import annotations

import csv
import json
import os
import time

import pytest

from mockserver.settings import Settings

from ..support import DATA_LAKE, HEADERS, ORG, S3_DATASET_FLOW, Api, audience_members, make_app, spec
from .shapes import flow_error
from .test_adhoc import FIRST_RUN, HOUR, T0, Mock

DAY = 86400
OTHER_ORG = "0A0A0A0A0A0A0A0A0A0A0A0A@AdobeOrg"
FAILED_CODE = "ACTIVATION_BATCH-0000-FAILED"


@pytest.fixture
def mock(tmp_path) -> Mock:
    return Mock(tmp_path)


def clock_of(mock) -> dict:
    response = mock.client.get("/_mock/clock")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def move(mock, body):
    return mock.client.post("/_mock/clock", json=body)


def moved(mock, body) -> dict:
    response = move(mock, body)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def files_under(root) -> list[str]:
    return sorted(os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names)


def dataset_flow(api, dataset_id="616d53e0a6de2719486fb024", **schedule) -> str:
    source = api.created("/sourceConnections", {
        "name": "Datasets", "connectionSpec": spec(DATA_LAKE),
        "params": {"datasets": [{"dataSetId": dataset_id, "name": "A dataset"}]}})["id"]
    params = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
              "startTime": T0 + HOUR, "endTime": T0 + 10 * DAY, **schedule}
    return api.created("/flows", {
        "name": "Datasets to S3", "flowSpec": spec(S3_DATASET_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [api.s3_target(datasetFileType="JSON")], "transformations": [],
        "scheduleParams": params})["id"]


# --- GET /_mock/clock -----------------------------------------------------------------------------

def test_clock_of_a_fresh_mock_runs_in_real_time():
    client = make_app(Settings(seed=42)).test_client()
    before = time.time()
    body = client.get("/_mock/clock").get_json()
    assert set(body) == {"now", "iso", "frozen"}
    assert body["frozen"] is False
    assert before - 1 <= body["now"] <= time.time() + 1
    assert body["iso"].endswith("Z") and body["iso"][:16] == time.strftime("%Y-%m-%dT%H:%M", time.gmtime(body["now"]))


def test_clock_shape_when_frozen(mock):
    assert clock_of(mock) == {"now": T0, "iso": "2026-01-01T00:00:00.000Z", "frozen": True}
    time.sleep(0.02)
    assert clock_of(mock)["now"] == T0


def test_clock_iso_keeps_milliseconds(mock):
    moved(mock, {"set": T0 + 1.5})
    assert clock_of(mock)["iso"] == "2026-01-01T00:00:01.500Z"


# --- POST /_mock/clock ----------------------------------------------------------------------------

def test_move_answers_the_clock_and_the_runs(mock):
    body = moved(mock, {"advance": 60})
    assert body == {"now": T0 + 60, "iso": "2026-01-01T00:01:00.000Z", "frozen": True, "runs": []}
    assert clock_of(mock)["now"] == T0 + 60


def test_unfreeze_lets_time_run_from_where_it_shows(mock):
    body = moved(mock, {"freeze": False})
    assert body["frozen"] is False and T0 <= body["now"] < T0 + 5
    time.sleep(0.05)
    later = clock_of(mock)
    assert later["frozen"] is False and later["now"] > body["now"]
    assert later["now"] < T0 + 5


def test_freeze_stops_the_clock(mock):
    moved(mock, {"freeze": False})
    frozen = moved(mock, {"freeze": True})
    assert frozen["frozen"] is True
    time.sleep(0.05)
    assert clock_of(mock)["now"] == frozen["now"]


@pytest.mark.parametrize("value, expected", [
    (1772366400, 1772366400),
    (1772366400.25, 1772366400.25),
    ("2026-03-01T12:00:00Z", 1772366400),
    ("2026-03-01T12:00:00", 1772366400),  # no offset: UTC
    ("2026-03-01T14:00:00+02:00", 1772366400),
    ("2026-03-01T12:00:00.500Z", 1772366400.5),
    ("2026-03-01", 1772323200),
    (" 2026-03-01T12:00:00Z ", 1772366400),
])
def test_set(mock, value, expected):
    body = moved(mock, {"set": value})
    assert body["now"] == expected and body["frozen"] is True
    assert clock_of(mock)["now"] == expected


def test_set_while_running(mock):
    moved(mock, {"freeze": False})
    body = moved(mock, {"set": "2026-03-01T12:00:00Z"})
    assert body["frozen"] is False
    assert 1772366400 <= clock_of(mock)["now"] < 1772366400 + 5


def test_set_back_in_time(mock):
    moved(mock, {"set": T0 + DAY})
    assert moved(mock, {"set": T0})["now"] == T0


@pytest.mark.parametrize("value, seconds", [
    (90, 90), (0.5, 0.5), (0, 0), ("1d12h", 1.5 * DAY), ("1w", 7 * DAY), ("36h", 36 * HOUR),
    ("1h30m", 5400), ("45s", 45), ("2.5h", 2.5 * HOUR), ("1d 12h", 1.5 * DAY), ("1D12H", 1.5 * DAY),
    ("1w2d3h4m5s", 7 * DAY + 2 * DAY + 3 * HOUR + 4 * 60 + 5),
])
def test_advance(mock, value, seconds):
    assert moved(mock, {"advance": value})["now"] == T0 + seconds
    assert clock_of(mock)["now"] == T0 + seconds


def test_set_then_advance(mock):
    assert moved(mock, {"set": T0 + DAY, "advance": "1h"})["now"] == T0 + DAY + HOUR


def test_reset_is_real_time(mock):
    body = moved(mock, {"reset": True})
    assert body["frozen"] is False
    assert abs(body["now"] - time.time()) < 5
    assert abs(clock_of(mock)["now"] - time.time()) < 5


def test_reset_then_freeze_freezes_real_time(mock):
    body = moved(mock, {"reset": True, "freeze": True})
    assert body["frozen"] is True and abs(body["now"] - time.time()) < 5


@pytest.mark.parametrize("body", [
    {},
    {"wait": True},
    {"bogus": 1},
    {"advance": 10, "bogus": 1},
    {"freeze": "yes"},
    {"freeze": 1},
    {"freeze": None},
    {"set": "tomorrow"},
    {"set": "2026-13-01"},
    {"set": True},
    {"set": None},
    {"set": [T0]},
    {"set": {"at": T0}},
    {"advance": -5},
    {"advance": "-1h"},
    {"advance": "1x"},
    {"advance": "h"},
    {"advance": "1d12"},
    {"advance": ""},
    {"advance": True},
    {"advance": None},
    {"advance": [60]},
    {"reset": "yes"},
    {"reset": 1},
    {"advance": 10, "wait": "no"},
    {"advance": 10, "wait": 0},
    {"set": 1e300},
    {"advance": 1e300},
    {"set": -1e13},
    {"set": T0 + DAY, "freeze": "no"},
], ids=repr)
def test_invalid_bodies_change_nothing(mock, body):
    a = mock.audiences[0]
    mock.flow(a)  # a schedule that runs at 10:00: an applied move would create a run
    before = clock_of(mock)
    flow_error(move(mock, body), 1100, 400)
    assert clock_of(mock) == before
    assert mock.run_count() == 0


@pytest.mark.parametrize("data", ["{", "[]", '"advance"', "3"])
def test_invalid_json_changes_nothing(mock, data):
    before = clock_of(mock)
    flow_error(mock.client.post("/_mock/clock", data=data, content_type="application/json"), 1100, 400)
    assert clock_of(mock) == before


def test_clock_methods(mock):
    assert mock.client.put("/_mock/clock", json={"set": T0}).status_code == 405
    assert mock.client.delete("/_mock/clock").status_code == 405


# --- moving the clock runs the schedules ------------------------------------------------------------

def test_a_tenant_unchanged_with_nothing_due_is_not_looked_through(mock, monkeypatch):
    a, b = mock.audiences[:2]
    mock.flow(a, b)
    runner = mock.platform.runner
    looked = []
    look = runner._catch_up_flow
    monkeypatch.setattr(runner, "_catch_up_flow", lambda *args: looked.append(args[1]["id"]) or look(*args))
    assert moved(mock, {"set": FIRST_RUN - 60})["runs"] == []
    assert len(looked) == 1
    for _ in range(3):  # reads of runs catch up first: nothing changed, nothing due, no flow read
        assert mock.api.get("/runs").status_code == 200
    assert len(looked) == 1
    # An instant falling due is seen.
    assert {r["segmentId"] for r in moved(mock, {"advance": 120})["runs"]} == {a, b}
    assert len(looked) == 2
    # A change of a flow (or of a connection) makes the tenant's flows be looked at again.
    mock.flow(a)
    mock.api.get("/runs")
    assert len(looked) == 4


def test_moving_the_clock_runs_due_exports_and_answers_them(mock, tmp_path):
    a, b = mock.audiences[:2]
    flow_id = mock.flow(a, b)
    assert moved(mock, {"set": FIRST_RUN - 1})["runs"] == []
    body = moved(mock, {"advance": "2d1s"})  # passes 10:00 on Jan 1, 2 and 3
    assert "stillRunning" not in body
    runs = body["runs"]
    expected = {(aud, (FIRST_RUN + day * DAY) * 1000) for aud in (a, b) for day in range(3)}
    assert {(r["segmentId"], r["createdAt"]) for r in runs} == expected
    for run in runs:
        assert set(run) == {"runId", "flowId", "imsOrgId", "sandboxName", "segmentId", "trigger", "status",
                            "createdAt", "files"}
        assert (run["flowId"], run["imsOrgId"], run["sandboxName"]) == (flow_id, ORG, "prod")
        assert (run["trigger"], run["status"]) == ("scheduled", "success")
        [file] = run["files"]
        assert file["part"] == 1
        assert file["location"].startswith(str(tmp_path))
        assert os.path.getsize(file["location"]) == file["bytes"] > 0
        with open(file["location"], newline="") as handle:
            assert len(list(csv.reader(handle))) == file["rows"] + 1
        assert file["rows"] == audience_members(mock.platform, run["segmentId"], run["createdAt"] / 1000)
    # One file per run, each named for its run's time.
    assert len(files_under(tmp_path)) == 6
    # The runs are the API's runs, finished.
    listed = mock.api.get(f"/runs?property=flowId=={flow_id}").get_json()["items"]
    assert {r["id"] for r in listed} == {r["runId"] for r in runs}
    assert {r["metrics"]["statusSummary"]["status"] for r in listed} == {"success"}
    # A second move over the same instants creates nothing new.
    assert moved(mock, {"advance": 1})["runs"] == []


def test_wait_false_answers_before_the_exports_end(mock):
    a = mock.audiences[0]
    mock.flow(a)
    body = moved(mock, {"set": FIRST_RUN, "wait": False})
    assert "stillRunning" not in body
    [run] = body["runs"]
    assert run["trigger"] == "scheduled" and run["createdAt"] == FIRST_RUN * 1000
    assert run["status"] in ("pending", "inProgress", "success")
    assert mock.platform.runner.wait(60)
    [export] = mock.exports(runId=run["runId"])
    assert export["status"] == "success" and len(export["files"]) == 1


def moved_past_unseen(mock):
    """The clock moved past 10:00 without the engine looking (as the server's ticker might not have
    yet), then moved back to T0 through the admin API."""
    a = mock.audiences[0]
    mock.flow(a)
    mock.platform.clock.set(FIRST_RUN + HOUR)
    return a, moved(mock, {"set": T0})


def test_moving_back_keeps_runs_due_before_the_move(mock):
    a, body = moved_past_unseen(mock)
    assert body["now"] == T0
    assert mock.platform.runner.wait(60)
    assert [(e["segmentId"], e["createdAt"], e["status"]) for e in mock.exports()] == [
        (a, FIRST_RUN * 1000, "success")]
    # Moving forward again over 10:00 does not export it twice.
    assert moved(mock, {"set": FIRST_RUN + HOUR})["runs"] == []
    assert len(mock.exports()) == 1


def test_moving_back_answers_the_runs_it_started(mock):
    # The move created the 10:00 run (looking at the schedules up to the old "now"): the answer
    # lists it, finished, like every run the move started.
    a, body = moved_past_unseen(mock)
    assert [(r["segmentId"], r["createdAt"], r["status"]) for r in body["runs"]] == [
        (a, FIRST_RUN * 1000, "success")]


def test_a_reset_forgets_what_the_engine_remembers(mock):
    # A full reset restarts the seeded ids: the same requests make a flow with the same id, whose
    # schedule must run again (the engine's memory of the old one went with its tenant).
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    assert len(moved(mock, {"set": FIRST_RUN + HOUR})["runs"]) == 1
    assert mock.client.post("/_mock/reset").status_code == 200
    assert mock.exports() == []
    moved(mock, {"set": T0})
    assert mock.flow(a) == flow_id
    assert [(r["flowId"], r["createdAt"]) for r in moved(mock, {"set": FIRST_RUN + HOUR})["runs"]] == [
        (flow_id, FIRST_RUN * 1000)]


def test_a_disabled_flow_does_not_run(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    assert mock.api.post(f"/flows/{flow_id}/action?op=disable").status_code in (200, 202)
    assert moved(mock, {"set": FIRST_RUN + HOUR})["runs"] == []


def test_dataset_flow_runs_on_its_schedule(mock, tmp_path):
    flow_id = dataset_flow(mock.api)
    runs = moved(mock, {"set": T0 + 7 * HOUR})["runs"]
    assert [(r["datasetId"], r["createdAt"], r["status"]) for r in runs] == [
        ("616d53e0a6de2719486fb024", (T0 + HOUR) * 1000, "success"),
        ("616d53e0a6de2719486fb024", (T0 + 4 * HOUR) * 1000, "success"),
        ("616d53e0a6de2719486fb024", (T0 + 7 * HOUR) * 1000, "success"),
    ]
    assert all(r["flowId"] == flow_id and "segmentId" not in r for r in runs)
    for run in runs:
        for file in run["files"]:
            assert os.path.getsize(file["location"]) == file["bytes"]


# --- POST /_mock/flows/{id}/run ---------------------------------------------------------------------

def test_run_every_audience_now(mock):
    a, b = mock.audiences[:2]
    flow_id = mock.flow(a, b)  # its schedule has not run: a manual run needs no scheduled export
    response = mock.client.post(f"/_mock/flows/{flow_id}/run")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"runs"}
    assert sorted(r["segmentId"] for r in body["runs"]) == sorted([a, b])
    for run in body["runs"]:
        assert (run["trigger"], run["status"], run["createdAt"], run["flowId"]) == ("manual", "success", T0 * 1000,
                                                                                    flow_id)
        [file] = run["files"]
        assert file["rows"] == audience_members(mock.platform, run["segmentId"], T0)
        assert os.path.getsize(file["location"]) == file["bytes"]
    assert mock.run_count() == 2


def test_run_chosen_ids(mock):
    a, b = mock.audiences[:2]
    flow_id = mock.flow(a, b)
    body = mock.client.post(f"/_mock/flows/{flow_id}/run", json={"ids": [b]}).get_json()
    assert [r["segmentId"] for r in body["runs"]] == [b]
    assert mock.run_count() == 1


def test_run_wait_false(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    body = mock.client.post(f"/_mock/flows/{flow_id}/run", json={"wait": False}).get_json()
    [run] = body["runs"]
    assert "stillRunning" not in body
    assert mock.platform.runner.wait(60)
    assert mock.exports(runId=run["runId"])[0]["status"] == "success"


def test_run_a_dataset_flow(mock):
    flow_id = dataset_flow(mock.api)
    [run] = mock.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    assert run["datasetId"] == "616d53e0a6de2719486fb024" and run["status"] == "success"
    assert run["files"] and all(os.path.exists(f["location"]) for f in run["files"])


def test_run_finds_the_flow_in_any_tenant(mock):
    a = mock.audiences[0]
    other = Api(mock.client, {**HEADERS, "x-gw-ims-org-id": OTHER_ORG, "x-sandbox-name": "dev"})
    flow_id = mock.flow(a, api=other)
    [run] = mock.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    assert (run["imsOrgId"], run["sandboxName"]) == (OTHER_ORG, "dev")
    assert mock.run_count(other) == 1 and mock.run_count() == 0


def test_run_unknown_flow_is_404(mock):
    before = mock.run_count()
    body = flow_error(mock.client.post("/_mock/flows/c0ffee00-0000-4000-8000-000000000000/run", json={}), 1439, 404,
                      title="Resource not found",
                      message="The requested flows resource c0ffee00-0000-4000-8000-000000000000 is not found. "
                              "Verify the resource ID before trying again.")
    assert (body["report"]["type"], body["report"]["id"]) == ("flows", "c0ffee00-0000-4000-8000-000000000000")
    assert mock.run_count() == before


def test_run_flow_with_nothing_to_export(mock):
    flow_id = mock.api.audience_flow()["id"]  # no audience
    flow_error(mock.client.post(f"/_mock/flows/{flow_id}/run"), 1100, 400,
               message=f"The request could not be processed. Flow {flow_id} has nothing to export.")
    assert mock.run_count() == 0


def test_run_ids_not_in_the_flow(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    flow_error(mock.client.post(f"/_mock/flows/{flow_id}/run", json={"ids": ["x", "y"]}), 1100, 400,
               message=f"The request could not be processed. Flow {flow_id} has nothing to export among x, y.")
    flow_error(mock.client.post(f"/_mock/flows/{flow_id}/run", json={"ids": []}), 1100, 400)
    assert mock.run_count() == 0


@pytest.mark.parametrize("body", [{"ids": "abc"}, {"ids": [1]}, {"ids": {"a": 1}}, {"wait": "no"}, [], "x"],
                         ids=repr)
def test_run_invalid_bodies(mock, body):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    flow_error(mock.client.post(f"/_mock/flows/{flow_id}/run", json=body), 1100, 400)
    assert mock.run_count() == 0


def test_run_malformed_json(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    flow_error(mock.client.post(f"/_mock/flows/{flow_id}/run", data="{", content_type="application/json"),
               1100, 400, contains="not valid JSON")
    assert mock.run_count() == 0


# --- GET /_mock/exports ---------------------------------------------------------------------------------

@pytest.fixture
def many(mock):
    """Runs in two flows of one tenant and one flow of two others, at different times."""
    a, b = mock.audiences[:2]
    dev = Api(mock.client, {**HEADERS, "x-sandbox-name": "dev"})
    other = Api(mock.client, {**HEADERS, "x-gw-ims-org-id": OTHER_ORG})
    flows = {"prod1": mock.flow(a), "prod2": mock.flow(b, startTime="12:00"),
             "dev": mock.flow(a, api=dev, startTime="14:00"), "other": mock.flow(b, api=other, startTime="16:00")}
    moved(mock, {"set": T0 + DAY})
    return flows


def test_exports_newest_first(mock, many):
    items = mock.exports()
    assert [i["createdAt"] for i in items] == [(T0 + h * HOUR) * 1000 for h in (16, 14, 12, 10)]
    assert [i["flowId"] for i in items] == [many["other"], many["dev"], many["prod2"], many["prod1"]]
    for item in items:
        assert set(item) == {"runId", "flowId", "imsOrgId", "sandboxName", "segmentId", "trigger", "status",
                             "createdAt", "files"}


def test_exports_filters(mock, many):
    assert [i["flowId"] for i in mock.exports(flowId=many["prod2"])] == [many["prod2"]]
    assert {i["flowId"] for i in mock.exports(imsOrgId=ORG)} == {many["prod1"], many["prod2"], many["dev"]}
    assert {i["flowId"] for i in mock.exports(sandboxName="prod")} == {many["prod1"], many["prod2"], many["other"]}
    assert [i["flowId"] for i in mock.exports(imsOrgId=ORG, sandboxName="dev")] == [many["dev"]]
    assert mock.exports(imsOrgId=OTHER_ORG, sandboxName="dev") == []
    assert mock.exports(flowId="nope") == []
    run_id = mock.exports(flowId=many["dev"])[0]["runId"]
    [only] = mock.exports(runId=run_id)
    assert only["runId"] == run_id and only["flowId"] == many["dev"]
    assert mock.exports(runId=run_id, sandboxName="prod") == []


def test_exports_reads_nothing_into_state(mock, many):
    before = mock.client.get("/_mock/exports").get_json()
    assert mock.client.get("/_mock/exports").get_json() == before
    assert clock_of(mock)["now"] == T0 + DAY


def test_exports_of_a_fresh_mock(tmp_path):
    client = make_app(Settings(seed=42, storage_root=str(tmp_path))).test_client()
    assert client.get("/_mock/exports").get_json() == {"items": []}


# --- failed runs ------------------------------------------------------------------------------------------

def assert_failed(mock, run_id, details_contains):
    [export] = mock.exports(runId=run_id)
    assert export["status"] == "failed" and export["files"] == []
    assert details_contains in export["error"]
    run = mock.api.get(f"/runs/{run_id}").get_json()["items"][0]
    summary = run["metrics"]["statusSummary"]
    assert summary["status"] == "failed"
    assert summary["errors"][0]["code"] == FAILED_CODE
    assert summary["errors"][0]["message"] == "Job aborted."
    assert summary["errors"][0]["details"] == export["error"]
    assert run["metrics"]["recordSummary"]["failedInfo"] == [{"code": FAILED_CODE, "message": "Job aborted."}]
    assert [a["statusSummary"]["status"] for a in run["activities"]] == ["failed", "failed"]


def test_dataset_without_data_fails(mock, tmp_path):
    flow_id = dataset_flow(mock.api, dataset_id="000000000000000000000000")
    [run] = moved(mock, {"set": T0 + HOUR})["runs"]
    assert run["status"] == "failed" and run["files"] == []
    assert run["error"] == ("Dataset 000000000000000000000000 has no data in this mock "
                            "(see `flowservice-mock load`).")
    assert_failed(mock, run["runId"], "has no data")
    assert files_under(tmp_path) == []
    # The manual run fails the same way.
    [manual] = mock.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    assert manual["status"] == "failed" and manual["trigger"] == "manual"


def test_storage_root_that_is_a_file(tmp_path):
    root = tmp_path / "exports"
    root.write_text("not a folder")
    mock = Mock(root)
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    [run] = mock.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    assert run["status"] == "failed"
    assert_failed(mock, run["runId"], "cannot write")
    assert files_under(tmp_path) == ["exports"] and root.read_text() == "not a folder"


def test_a_file_that_cannot_be_published_leaves_nothing(mock, tmp_path):
    # A folder where the export file must go: the part is written to a temporary file, then
    # cannot be renamed; neither the file nor the temporary file may remain.
    a = mock.audiences[0]
    mock.flow(a)
    blocked = tmp_path / "exports-bucket" / "audiences" / f"AmazonS3_{a}_20260101_100000.csv"
    blocked.mkdir(parents=True)
    [run] = moved(mock, {"set": FIRST_RUN})["runs"]
    assert run["status"] == "failed"
    assert_failed(mock, run["runId"], "cannot write")
    assert files_under(tmp_path) == []
    assert os.listdir(blocked.parent) == [blocked.name]
    # The next day's run succeeds, and is a full export again (no success to start from).
    [next_run] = moved(mock, {"set": FIRST_RUN + DAY})["runs"]
    assert next_run["status"] == "success"


def manifest_flow(mock) -> str:
    a = mock.audiences[0]
    target = mock.api.s3_target(includeFileManifest=True)
    selector = {"type": "PLATFORM_SEGMENT", "value": {
        "id": a, "name": "A", "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "DAILY", "startDate": "2026-01-01", "startTime": "10:00"}}}
    return mock.api.created("/flows", {
        "name": "With manifest", "flowSpec": {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"},
        "sourceConnectionIds": [mock.api.profile_source()], "targetConnectionIds": [target],
        "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": [selector]}}}],
    })["id"]


def test_manifest_is_written_next_to_the_files(mock):
    flow_id = manifest_flow(mock)
    [run] = mock.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    data_file, manifest = run["files"]
    assert manifest["manifest"] is True
    assert os.path.basename(manifest["location"]) == f"manifest-{flow_id}-{run['runId']}.json"
    with open(manifest["location"]) as handle:
        body = json.load(handle)
    assert body["flowRunId"] == run["runId"]
    assert body["exportResults"][0]["name"] == os.path.basename(data_file["location"])
    assert body["exportResults"][0]["size"] == data_file["bytes"]


def test_a_failed_manifest_leaves_no_file_behind(tmp_path):
    # Ids are seeded: the same requests on a fresh mock give the same flow and run ids, so the
    # manifest's name is known before the run and its place can be taken by a folder.
    first = Mock(tmp_path / "first")
    flow_id = manifest_flow(first)
    [run] = first.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    manifest = run["files"][1]["location"]

    second = Mock(tmp_path / "second")
    assert manifest_flow(second) == flow_id
    blocked = tmp_path / "second" / os.path.relpath(manifest, tmp_path / "first")
    blocked.mkdir(parents=True)
    [again] = second.client.post(f"/_mock/flows/{flow_id}/run").get_json()["runs"]
    assert again["runId"] == run["runId"]
    assert again["status"] == "failed"
    assert_failed(second, again["runId"], "cannot write")
    # Neither the data file (committed before the manifest failed) nor a temporary file remain.
    assert files_under(tmp_path / "second") == []


# --- incremental exports around a failure -------------------------------------------------------------

def block(tmp_path, audience, at_name) -> None:
    """A folder where the export file of ``audience`` at ``at_name`` (YYYYMMdd_HHmmss) must go."""
    (tmp_path / "exports-bucket" / "audiences" / f"AmazonS3_{audience}_{at_name}.csv").mkdir(parents=True)


def test_incremental_exports_follow_the_last_success(mock, tmp_path):
    a = mock.audiences[0]
    mock.flow(a, mode="FIRST_FULL_THEN_INCREMENTAL")  # daily at 10:00
    block(tmp_path, a, "20260102_100000")
    runs = moved(mock, {"set": FIRST_RUN + 2 * DAY})["runs"]
    assert [(r["createdAt"], r["status"]) for r in runs] == [
        (FIRST_RUN * 1000, "success"), ((FIRST_RUN + DAY) * 1000, "failed"),
        ((FIRST_RUN + 2 * DAY) * 1000, "success")]
    full, _, after_failure = runs
    assert full["files"][0]["rows"] == audience_members(mock.platform, a, FIRST_RUN)
    # The Jan 3 run exports what changed since Jan 1, the last success: Jan 2's changes are not lost.
    expected = audience_members(mock.platform, a, FIRST_RUN + 2 * DAY, since=FIRST_RUN)
    assert expected > audience_members(mock.platform, a, FIRST_RUN + 2 * DAY, since=FIRST_RUN + DAY)
    assert after_failure["files"][0]["rows"] == expected


def test_without_a_success_the_next_export_is_full(mock, tmp_path):
    a = mock.audiences[0]
    mock.flow(a, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS")
    block(tmp_path, a, "20260101_100000")
    failed, second = moved(mock, {"set": FIRST_RUN + 3 * HOUR})["runs"]
    assert failed["status"] == "failed" and second["status"] == "success"
    assert second["files"][0]["rows"] == audience_members(mock.platform, a, FIRST_RUN + 3 * HOUR)


def test_audiences_lists_the_platform_datas_audiences(client, app):
    answer = client.get("/_mock/audiences")
    assert answer.status_code == 200
    items = answer.get_json()["items"]
    assert [a["id"] for a in items] == [a["id"] for a in app.extensions["flowservice"].data.audiences]
    assert len(items) == 5 and all(a["name"] for a in items)


def test_a_full_reset_lets_the_demo_data_follow_the_clock_again(client, app):
    platform = app.extensions["flowservice"]
    platform.clock.freeze(1_772_323_200)  # 2026-03-01
    first = platform.data
    platform.clock.set(1_772_323_200 + 400 * 86400)
    assert platform.data is first  # made once, around the day of its first use
    assert client.post("/_mock/reset").status_code == 200
    again = platform.data
    assert again is not first
    latest = max(m["lastQualificationTime"].timestamp() for b in again.profile_batches(columns=["segmentMembership"])
                 for ms in b.column(0).to_pylist() for m in ms or [])
    assert latest > 1_772_323_200 + 400 * 86400  # spread around the new day, not the old one
