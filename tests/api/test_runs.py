"""Runs made by the schedule as the clock passes it (reference §3.9, §4.5, §6.1, §6.2)."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
from pathlib import Path

import pytest

from mockserver.settings import Settings

from ..support import DATA_LAKE, S3, S3_DATASET_FLOW, Api, make_app, spec

START = 1_772_323_200  # 2026-03-01T00:00:00Z
HOUR, DAY = 3600, 86400
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


@pytest.fixture
def settings(tmp_path):
    return Settings(seed=42, storage_root=str(tmp_path / "exports"))


@pytest.fixture
def mock(app):
    platform = app.extensions["flowservice"]
    # The clock is set before the demo data is first read: its memberships spread around that day.
    platform.clock.freeze(START)
    return platform


@pytest.fixture
def audience(mock):
    return mock.data.audiences[0]


def advance(client, duration) -> list[dict]:
    answer = client.post("/_mock/clock", json={"advance": duration})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["runs"]


def selector(audience, *, mode="DAILY_FULL_EXPORT", frequency="DAILY", start="2026-03-01", end=None,
             at="06:00", trigger=None, template=None) -> dict:
    schedule = {"frequency": frequency, "startDate": start, "startTime": at}
    if end:
        schedule["endDate"] = end
    if trigger:
        schedule["triggerType"] = trigger
    value = {"id": audience["id"], "name": audience["name"], "exportMode": mode, "schedule": schedule}
    if template:
        value["filenameTemplate"] = template
    return {"type": "PLATFORM_SEGMENT", "value": value}


def flow_with(api: Api, *selectors, attributes=("personalEmail.address", "person.name.firstName"),
              **target_params) -> dict:
    return api.audience_flow([{"name": "GeneralTransform", "params": {
        "segmentSelectors": {"selectors": list(selectors)},
        "profileSelectors": {"selectors": [{"type": "JSON_PATH", "value": {"path": p}} for p in attributes]},
    }}], **target_params)


def runs_of(api: Api, flow_id: str) -> list[dict]:
    answer = api.get(f"/runs?property=flowId=={flow_id}&orderby=createdAt")
    assert answer.status_code == 200
    return answer.get_json()["items"]


def read_csv(path: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(Path(path).read_text())))


# --- when runs happen ------------------------------------------------------------------------

def test_a_daily_full_export_runs_once_a_day_at_its_start_time(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    created = advance(client, "7d")
    assert [run["createdAt"] // 1000 for run in created] == [START + 6 * HOUR + d * DAY for d in range(7)]
    assert [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])] == [START + 6 * HOUR + d * DAY for d in range(7)]


def test_a_week_advanced_in_small_steps_gives_the_same_runs_as_one_step(api, client, mock, audience):
    flow = flow_with(api, selector(audience, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS"))
    for _ in range(7 * 24 // 4):
        advance(client, "4h")
    instants = [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])]
    assert instants == [START + 6 * HOUR + i * 6 * HOUR for i in range(len(instants))]
    assert len(instants) == len(set(instants)) == 7 * 4  # 06:00 on day 1 to 00:00 on day 8


def test_nothing_runs_before_the_start_date_or_on_and_after_the_end_date(api, client, mock, audience):
    flow = flow_with(api, selector(audience, start="2026-03-03", end="2026-03-05"))
    advance(client, "10d")
    days = [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])]
    assert days == [START + 2 * DAY + 6 * HOUR, START + 3 * DAY + 6 * HOUR]


def test_after_segment_eval_runs_when_the_daily_evaluation_ends(api, client, mock, audience):
    value = selector(audience, trigger="AFTER_SEGMENT_EVAL")
    del value["value"]["schedule"]["startTime"]
    flow = flow_with(api, value)
    advance(client, "2d")
    assert [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])] == [START + 2 * HOUR, START + DAY + 2 * HOUR]


def test_the_segment_evaluation_time_is_a_setting(tmp_path):
    app = make_app(Settings(seed=42, storage_root=str(tmp_path), segment_evaluation_time="05:30"))
    app.extensions["flowservice"].clock.freeze(START)
    api, client = Api(app.test_client()), app.test_client()
    value = selector(app.extensions["flowservice"].data.audiences[0], trigger="AFTER_SEGMENT_EVAL")
    del value["value"]["schedule"]["startTime"]
    flow = flow_with(api, value)
    advance(client, "1d")
    assert [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])] == [START + 5 * HOUR + 30 * 60]


def test_a_disabled_flow_does_not_run_and_enabling_resumes_without_catching_up(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    advance(client, "1d")
    assert api.post(f"/flows/{flow['id']}/action?op=disable").status_code == 200
    advance(client, "3d")
    assert len(runs_of(api, flow["id"])) == 1
    assert api.post(f"/flows/{flow['id']}/action?op=enable").status_code == 200
    advance(client, "2d")
    instants = [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])]
    assert instants == [START + 6 * HOUR, START + 4 * DAY + 6 * HOUR, START + 5 * DAY + 6 * HOUR]


def test_an_audience_added_later_starts_from_when_it_was_added(api, client, mock, audience):
    other = mock.data.audiences[1]
    flow = flow_with(api, selector(audience))
    advance(client, "2d")
    current = api.entity(f"/flows/{flow['id']}")
    patched = api.patch(f"/flows/{flow['id']}", [{"op": "add", "path": f"{SELECTORS}/-", "value": selector(other)}],
                        current["etag"])
    assert patched.status_code in (200, 202)
    advance(client, "1d")
    by_audience: dict[str, int] = {}
    for run in runs_of(api, flow["id"]):
        entity = run["metrics"]["recordSummary"]["sourceSummaries"][0]["entitySummaries"][0]["id"]
        by_audience[entity] = by_audience.get(entity, 0) + 1
    assert by_audience == {f"segment:{audience['id']}": 3, f"segment:{other['id']}": 1}


def test_a_flow_created_after_its_start_time_first_runs_at_the_next_one(api, client, mock, audience):
    mock.clock.set(START + 7 * HOUR)  # after 06:00 on the start date
    flow = flow_with(api, selector(audience))
    advance(client, "1d")
    assert [run["createdAt"] // 1000 for run in runs_of(api, flow["id"])] == [START + DAY + 6 * HOUR]


def test_once_exports_once_however_far_the_clock_goes(api, client, mock, audience):
    flow = flow_with(api, selector(audience, frequency="ONCE"))
    advance(client, "30d")
    assert len(runs_of(api, flow["id"])) == 1


def test_runs_appear_when_read_even_if_the_clock_moved_by_itself(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    mock.clock.advance(DAY)  # not through /_mock/clock: nothing has looked at the schedule yet
    runs = runs_of(api, flow["id"])
    assert len(runs) == 1


# --- what a run looks like ------------------------------------------------------------------------

def test_a_run_has_the_documented_shape_and_ends_in_success(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    advance(client, "1d")
    run = api.entity(f"/runs/{runs_of(api, flow['id'])[0]['id']}")
    assert {"id", "flowId", "createdClient", "updatedClient", "createdBy", "updatedBy", "imsOrgId",
            "sandboxId", "sandboxName", "metrics", "activities", "etag", "flowSpec", "providerRefId"} <= set(run)
    assert not any(key.startswith("_") for key in run)
    assert run["createdBy"] == "aep_activation_batch@AdobeID"
    assert run["flowSpec"] == flow_spec_of(api, flow["id"])
    metrics = run["metrics"]
    assert metrics["statusSummary"]["status"] == "success"
    assert metrics["durationSummary"]["startedAtUTC"] == START * 1000 + 6 * HOUR * 1000
    assert metrics["durationSummary"]["completedAtUTC"] >= metrics["durationSummary"]["startedAtUTC"]
    records = metrics["recordSummary"]
    target = records["targetSummaries"][0]
    assert target["entitySummaries"][0]["id"] == f"segment:{audience['id']}"
    assert records["inputRecordCount"] == records["outputRecordCount"] + records["skippedRecordCount"]
    assert records["outputRecordCount"] > 0
    assert metrics["fileSummary"]["outputFileCount"] == 1
    assert metrics["sizeSummary"]["outputBytes"] > 0
    assert [a["name"] for a in run["activities"]] == [
        "Activation Batch XdmProcessor Activity", "Activation Batch Publisher Activity"]
    assert metrics["statusSummary"]["activityRefs"] == [a["id"] for a in run["activities"]]


def flow_spec_of(api, flow_id):
    return api.entity(f"/flows/{flow_id}")["flowSpec"]


def test_the_flow_shows_its_last_run_and_keeps_its_etag(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    before = api.entity(f"/flows/{flow['id']}")
    advance(client, "2d")
    after = api.entity(f"/flows/{flow['id']}")
    last = runs_of(api, flow["id"])[-1]
    assert after["lastRunDetails"]["id"] == last["id"]
    assert after["lastRunDetails"]["state"] == "success"
    assert after["etag"] == before["etag"]


def test_runs_filter_by_status_case_insensitively_and_by_audience(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    advance(client, "2d")
    for status in ("success", "Success"):
        found = api.get(f"/runs?property=flowId=={flow['id']}&property=metrics.statusSummary.status=={status}")
        assert len(found.get_json()["items"]) == 2
    entity = f"segment:{audience['id']}"
    found = api.get(f"/runs?property=metrics.recordSummary.targetSummaries[].entitySummaries[].id=={entity}")
    assert len(found.get_json()["items"]) == 2
    assert api.get(f"/runs?property=metrics.statusSummary.status==failed&property=flowId=={flow['id']}"
                   ).get_json()["items"] == []


def test_runs_are_isolated_per_sandbox_and_go_with_a_reset(api, client, mock, audience):
    flow = flow_with(api, selector(audience))
    advance(client, "1d")
    other = Api(client, {**api.headers, "x-sandbox-name": "dev"})
    assert other.get(f"/runs?property=flowId=={flow['id']}").get_json()["items"] == []
    run_id = runs_of(api, flow["id"])[0]["id"]
    assert other.get(f"/runs/{run_id}").status_code == 404
    assert client.post("/_mock/reset").status_code == 200
    assert api.get(f"/runs/{run_id}").status_code == 404


# --- what is exported -------------------------------------------------------------------------

def test_the_first_incremental_run_is_full_and_later_ones_only_carry_new_members(api, client, mock, audience):
    flow_with(api, selector(audience, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS"))
    runs = advance(client, "2d")
    rows = [sum(f["rows"] for f in run["files"]) for run in runs]
    assert rows[0] > max(rows[1:])
    emails = [{row["personalEmail.address"] for row in read_csv(run["files"][0]["location"])} for run in runs]
    for earlier, later in zip(emails, emails[1:]):
        assert not (later - {"null"}) & (earlier - {"null"})  # an incremental file repeats no one


def test_daily_full_exports_grow_as_members_qualify(api, client, mock, audience):
    flow_with(api, selector(audience))
    runs = advance(client, "5d")
    rows = [run["files"][0]["rows"] for run in runs]
    assert rows == sorted(rows) and rows[-1] > rows[0]


def test_files_go_where_the_target_says_named_by_the_template(api, client, mock, audience, tmp_path):
    template = "%DESTINATION%_%SEGMENT_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"
    flow_with(api, selector(audience, template=template), bucketName="my-bucket", path="exports/audiences",
              fileType="CSV", compression="GZIP")
    run = advance(client, "1d")[0]
    location = Path(run["files"][0]["location"])
    assert location.parent == tmp_path / "exports" / "my-bucket" / "exports" / "audiences"
    assert location.name.startswith("AmazonS3_") and location.name.endswith("_20260301_060000.csv.gz")
    with gzip.open(location, "rt") as handle:
        header = handle.readline().strip()
    assert header == "personalEmail.address,person.name.firstName"


def test_a_dataset_flow_writes_its_export_time_folders(api, client, mock, tmp_path):
    dataset = mock.data.datasets[0]
    source = api.created("/sourceConnections", {
        "name": "Datasets", "connectionSpec": spec(DATA_LAKE),
        "params": {"datasets": [{"dataSetId": dataset["id"], "name": dataset["name"]}]},
    })["id"]
    target = api.created("/targetConnections", {
        "name": "S3", "baseConnectionId": api.s3_base(), "connectionSpec": spec(S3),
        "params": {"mode": "Server-to-server", "bucketName": "lake", "path": "datasets",
                   "datasetFileType": "JSON", "compression": "GZIP"},
    })["id"]
    flow = api.created("/flows", {
        "name": "Datasets to S3", "flowSpec": spec(S3_DATASET_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [target], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 1, "timeUnit": "day",
                           "startTime": START + 3 * HOUR},
    })
    runs = advance(client, "2d")
    assert [run["createdAt"] // 1000 for run in runs] == [START + 3 * HOUR, START + DAY + 3 * HOUR]
    first = Path(runs[0]["files"][0]["location"])
    assert first.parent == tmp_path / "exports" / "lake" / "datasets" / dataset["id"] / "exportTime=202603010300"
    assert first.name.startswith("part-00000-") and first.name.endswith(".json.gz")
    with gzip.open(first, "rt") as handle:
        json.loads(handle.readline())
    assert runs_of(api, flow["id"])[0]["metrics"]["recordSummary"]["sourceSummaries"][0]["entitySummaries"][0]["id"] \
        == f"dataset:{dataset['id']}"


def dataset_flow_starting(api, mock, start) -> dict:
    dataset = mock.data.datasets[0]
    source = api.created("/sourceConnections", {
        "name": "Datasets", "connectionSpec": spec(DATA_LAKE), "params": {"datasets": [{"dataSetId": dataset["id"]}]},
    })["id"]
    return api.created("/flows", {
        "name": "Datasets from now", "flowSpec": spec(S3_DATASET_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [api.s3_target(datasetFileType="JSON", compression="GZIP")], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                           "startTime": start},
    })


@pytest.mark.parametrize("early", [0, 1, 60])
def test_a_dataset_flow_starting_now_runs_at_once(api, client, mock, early):
    # A client sends int(time.time()): a start up to a minute before the flow's creation is "now".
    mock.clock.set(START + 0.6)
    flow = dataset_flow_starting(api, mock, START - early)
    runs = advance(client, "1s")
    assert [(run["flowId"], run["createdAt"]) for run in runs] == [(flow["id"], START * 1000 + 600)]
    assert runs[0]["status"] == "success"
    # The grid keeps its anchor: the next run is three hours after the start time.
    assert [run["createdAt"] // 1000 for run in advance(client, "3h")] == [START - early + 3 * HOUR]


def test_a_dataset_flow_starting_well_before_its_creation_waits_for_the_next_instant(api, client, mock):
    mock.clock.set(START)
    dataset_flow_starting(api, mock, START - 61)
    assert advance(client, "1h") == []
    assert [run["createdAt"] // 1000 for run in advance(client, "2h")] == [START - 61 + 3 * HOUR]


def test_a_write_that_fails_makes_a_failed_run_and_leaves_no_file(api, client, mock, audience, tmp_path):
    root = tmp_path / "exports"
    root.mkdir()
    (root / "exports-bucket").write_text("a file where the bucket's folder must be")
    flow = flow_with(api, selector(audience))
    run = advance(client, "1d")[0]
    assert run["status"] == "failed" and run["files"] == [] and run["error"]
    stored = api.entity(f"/runs/{run['runId']}")
    errors = stored["metrics"]["statusSummary"]["errors"]
    assert errors[0]["code"] == "ACTIVATION_BATCH-0000-FAILED" and errors[0]["message"] == "Job aborted."
    assert stored["metrics"]["recordSummary"]["failedInfo"][0]["code"] == "ACTIVATION_BATCH-0000-FAILED"
    assert "sizeSummary" not in stored["metrics"]
    assert sorted(p.name for p in root.rglob("*")) == ["exports-bucket"]
    assert api.entity(f"/flows/{flow['id']}")["lastRunDetails"]["state"] == "failed"


def test_after_a_failed_run_the_next_incremental_exports_what_it_missed(api, client, mock, audience, tmp_path):
    bucket = tmp_path / "exports" / "exports-bucket"
    flow_with(api, selector(audience, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS"))
    assert advance(client, "6h")[0]["status"] == "success"  # 06:00, full
    shutil.rmtree(bucket)
    bucket.write_text("a file where the bucket's folder must be")
    assert advance(client, "6h")[0]["status"] == "failed"  # 12:00
    bucket.unlink()
    recovered = advance(client, "6h")[0]  # 18:00: what qualified after 06:00, not only after 12:00

    alone = make_app(Settings(seed=42, storage_root=str(tmp_path / "other")))
    alone.extensions["flowservice"].clock.freeze(START)
    flow_with(Api(alone.test_client()), selector(alone.extensions["flowservice"].data.audiences[0],
                                                 mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS"))
    _, at_noon, at_six = advance(alone.test_client(), "18h")
    assert recovered["files"][0]["rows"] == at_noon["files"][0]["rows"] + at_six["files"][0]["rows"] > 0


def test_split_files_follow_the_row_limit(tmp_path):
    app = make_app(Settings(seed=42, storage_root=str(tmp_path), export_max_rows=50))
    app.extensions["flowservice"].clock.freeze(START)
    api, client = Api(app.test_client()), app.test_client()
    flow_with(api, selector(app.extensions["flowservice"].data.audiences[0]))
    run = advance(client, "1d")[0]
    names = [Path(f["location"]).name for f in run["files"]]
    rows = [f["rows"] for f in run["files"]]
    assert len(names) > 2 and all(r == 50 for r in rows[:-1]) and 0 < rows[-1] <= 50
    stem = names[0].removesuffix(".csv")
    assert names[1:] == [f"{stem}_{i}.csv" for i in range(2, len(names) + 1)]


def test_a_manifest_lists_the_files_when_the_target_asks_for_one(api, client, mock, audience):
    flow_with(api, selector(audience), includeFileManifest=True)
    run = advance(client, "1d")[0]
    data, manifest = run["files"]
    assert manifest["manifest"] is True
    body = json.loads(Path(manifest["location"]).read_text())
    assert body["flowRunId"] == run["runId"]
    assert body["scheduledTime"] == "2026-03-01T06:00:00Z"
    assert body["exportResults"] == [{"sinkPath": "/audiences", "name": Path(data["location"]).name,
                                      "size": data["bytes"]}]


def test_a_new_card_flow_exports_its_mapping_with_mandatory_and_dedup_rules(api, client, mock, audience):
    def created(path, body):
        answer = client.post(path, json=body, headers=api.headers)
        assert answer.status_code in (200, 201), answer.get_data(as_text=True)
        return answer.get_json()["id"]

    schema = {"name": "s", "jsonSchema": {"type": "object", "properties": {}}}
    mapping = created("/data/foundation/conversion/mappingSets", {
        "inputSchema": {"id": created("/data/foundation/conversion/schemas", schema)},
        "outputSchema": {"id": created("/data/foundation/conversion/schemas", schema)},
        "xdmVersion": "1.0",
        "mappings": [
            {"destination": "firstName", "source": "person.name.firstName", "sourceType": "ATTRIBUTE"},
            {"destination": "Email", "source": "identityMap.Email", "sourceType": "ATTRIBUTE"},
            {"destination": "segmentMembership_status", "source": "segmentMembership.ups.seg_id.status",
             "sourceType": "ATTRIBUTE"},
        ],
    })
    params = {"segmentSelectors": {"selectors": [selector(audience)]},
              "profileMapping": {"mappingId": mapping, "mappingVersion": 0},
              "mandatoryFields": ["Email"],
              "primaryFields": [{"fieldType": "ATTRIBUTE", "attributePath": "person.name.firstName"}]}
    api.audience_flow([{"name": "GeneralTransform", "params": params}])
    run = advance(client, "1d")[0]
    rows = read_csv(run["files"][0]["location"])
    assert list(rows[0]) == ["firstName", "Email", "segmentMembership_status"]
    assert rows and all(row["Email"] not in ("", "null") for row in rows)  # mandatory
    assert len({row["firstName"] for row in rows}) == len(rows)  # one profile per first name
    assert {row["segmentMembership_status"] for row in rows} <= {"realized", "existing"}
    metrics = api.entity(f"/runs/{run['runId']}")["metrics"]["recordSummary"]
    assert {i["message"] for i in metrics["skippedInfo"]} == {
        "Records didn't match attribute filter.", "Records were duplicates of the deduplication key."}
    assert metrics["inputRecordCount"] == len(rows) + metrics["skippedRecordCount"]
