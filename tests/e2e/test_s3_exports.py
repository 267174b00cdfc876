"""Exports to a real S3-compatible server (moto's, on loopback) through a live mock."""

from __future__ import annotations

import csv
import io
import time

import pytest
import requests

from mockserver.server import MockServer
from mockserver.settings import Settings

from ..support import BASE, HEADERS, PROFILE_STORE, S3, S3_SEGMENT_FLOW, spec

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

START = 1_772_323_200  # 2026-03-01T00:00:00Z
ACCESS_KEY, SECRET_KEY = "AKIAABCDEFGHIJKLMNOP", "s" * 40


@pytest.fixture(scope="module")
def s3_url():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def s3(s3_url):
    return boto3.client("s3", endpoint_url=s3_url, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1")


@pytest.fixture(scope="module")
def mock(s3_url, tmp_path_factory):
    settings = Settings(port=0, seed=3, s3_endpoint_url=s3_url,
                        storage_root=str(tmp_path_factory.mktemp("local")), scheduler_interval=0)
    with MockServer(settings) as running:
        yield running


@pytest.fixture
def http(mock):
    requests.post(mock.url + "/_mock/reset", timeout=10).raise_for_status()
    requests.post(mock.url + "/_mock/clock", json={"reset": True, "set": START, "freeze": True},
                  timeout=10).raise_for_status()
    session = requests.Session()
    session.headers.update(HEADERS)
    return session


def create(http, mock, path, body) -> str:
    answer = http.post(mock.url + BASE + path, json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def s3_flow(http, mock, bucket: str) -> tuple[str, str]:
    base = create(http, mock, "/connections", {
        "name": "S3", "connectionSpec": spec(S3),
        "auth": {"specName": "Access Key", "params": {"s3AccessKey": ACCESS_KEY, "s3SecretKey": SECRET_KEY}},
    })
    target = create(http, mock, "/targetConnections", {
        "name": "S3 target", "baseConnectionId": base, "connectionSpec": spec(S3),
        "params": {"mode": "Server-to-server", "bucketName": bucket, "path": "activation/out",
                   "fileType": "CSV", "compression": "NONE"},
    })
    source = create(http, mock, "/sourceConnections", {"name": "Profiles", "connectionSpec": spec(PROFILE_STORE)})
    audience = demo_audience(mock)
    flow = create(http, mock, "/flows", {
        "name": "To S3", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [target],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": [{"type": "PLATFORM_SEGMENT", "value": {
                "id": audience, "exportMode": "DAILY_FULL_EXPORT",
                "schedule": {"frequency": "DAILY", "startDate": "2026-03-01", "startTime": "06:00"}}}]},
            "profileSelectors": {"selectors": [{"type": "JSON_PATH", "value": {"path": "personalEmail.address"}}]},
        }}],
    })
    return flow, audience


def demo_audience(mock) -> str:
    return mock.app.extensions["flowservice"].data.audiences[0]["id"]


def test_a_scheduled_export_lands_in_the_bucket_with_the_connection_credentials(http, mock, s3):
    s3.create_bucket(Bucket="exports")
    flow, audience = s3_flow(http, mock, "exports")
    answer = requests.post(mock.url + "/_mock/clock", json={"advance": "1d"}, timeout=60).json()
    (run,) = answer["runs"]
    assert run["status"] == "success", run
    (written,) = run["files"]
    key = f"activation/out/AmazonS3_{audience}_20260301_060000.csv"
    assert written["location"] == f"s3://exports/{key}"
    body = s3.get_object(Bucket="exports", Key=key)["Body"].read().decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["personalEmail.address"] and len(rows) - 1 == written["rows"] > 0
    listed = requests.get(mock.url + "/_mock/exports", params={"flowId": flow}, timeout=10).json()["items"]
    assert listed[0]["files"][0]["location"] == f"s3://exports/{key}"


def test_a_missing_bucket_fails_the_run_with_the_s3_error_and_writes_nothing(http, mock, s3):
    flow, _ = s3_flow(http, mock, "no-such-bucket")
    answer = requests.post(mock.url + f"/_mock/flows/{flow}/run", json={}, timeout=60).json()
    (run,) = answer["runs"]
    assert run["status"] == "failed" and "NoSuchBucket" in run["error"]
    stored = http.get(mock.url + BASE + f"/runs/{run['runId']}", timeout=10).json()["items"][0]
    assert stored["metrics"]["statusSummary"]["errors"][0]["code"] == "ACTIVATION_BATCH-0000-FAILED"
    assert "no-such-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_the_ticker_exports_due_runs_without_being_asked(tmp_path):
    settings = Settings(port=0, seed=4, storage_root=str(tmp_path), scheduler_interval=0.05)
    with MockServer(settings) as running:
        platform = running.app.extensions["flowservice"]
        platform.clock.freeze(START)
        session = requests.Session()
        session.headers.update(HEADERS)
        base = create(session, running, "/connections", {
            "name": "S3", "connectionSpec": spec(S3),
            "auth": {"specName": "Access Key", "params": {"s3AccessKey": ACCESS_KEY, "s3SecretKey": SECRET_KEY}}})
        target = create(session, running, "/targetConnections", {
            "name": "t", "baseConnectionId": base, "connectionSpec": spec(S3),
            "params": {"mode": "Server-to-server", "bucketName": "ticks", "path": "out", "fileType": "CSV",
                       "compression": "NONE"}})
        source = create(session, running, "/sourceConnections", {"name": "p", "connectionSpec": spec(PROFILE_STORE)})
        create(session, running, "/flows", {
            "name": "f", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
            "targetConnectionIds": [target], "transformations": [{"name": "GeneralTransform", "params": {
                "segmentSelectors": {"selectors": [{"type": "PLATFORM_SEGMENT", "value": {
                    "id": demo_audience(running), "exportMode": "DAILY_FULL_EXPORT",
                    "schedule": {"frequency": "DAILY", "startDate": "2026-03-01", "startTime": "06:00"}}}]}}}]})
        platform.clock.advance(7 * 3600)  # past 06:00, without telling anyone
        deadline = time.monotonic() + 10
        while not list((tmp_path / "ticks" / "out").glob("*.csv")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p.name for p in (tmp_path / "ticks" / "out").glob("*.csv")] == [
            f"AmazonS3_{demo_audience(running)}_20260301_060000.csv"]
