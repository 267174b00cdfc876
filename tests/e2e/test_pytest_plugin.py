"""The pytest plugin: its fixtures and markers, here in this session (it is installed as a pytest11
entry point), and the README's example run by a pytest of its own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]


def create_connection(mock) -> requests.Response:
    return requests.post(f"{mock.base_url}/connections", headers=mock.headers, timeout=10, json={
        "name": "S3", "connectionSpec": {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"},
        "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "s" * 40}},
    })


def test_a_running_mock_with_default_headers(flowservice_mock):
    assert flowservice_mock.url.startswith("http://127.0.0.1:")
    assert create_connection(flowservice_mock).status_code == 201
    assert [e["method"] for e in flowservice_mock.requests()] == ["POST"]


def test_state_and_journal_are_reset_between_tests(flowservice_mock):
    listing = requests.get(f"{flowservice_mock.base_url}/connections", headers=flowservice_mock.headers, timeout=10)
    assert listing.json()["items"] == []
    assert len(flowservice_mock.requests()) == 1


@pytest.mark.flowservice_fault(status=429, retry_after=3, times=1)
@pytest.mark.flowservice_fault(kind="drop", method="DELETE")
def test_fault_markers(flowservice_mock):
    assert [(r["kind"], r.get("status")) for r in flowservice_mock.faults()] == [("status", 429), ("drop", None)]
    throttled = requests.get(f"{flowservice_mock.base_url}/flows", headers=flowservice_mock.headers, timeout=10)
    assert (throttled.status_code, throttled.headers["Retry-After"]) == (429, "3")
    with pytest.raises(requests.ConnectionError):
        requests.delete(f"{flowservice_mock.base_url}/flows/x", headers=flowservice_mock.headers, timeout=10)


def test_faults_end_with_their_test(flowservice_mock):
    assert flowservice_mock.faults() == []


def test_faults_fixture(flowservice_mock, flowservice_faults):
    flowservice_faults.add(kind="token-expired", path="*/flows")
    answer = requests.get(f"{flowservice_mock.base_url}/flows", headers=flowservice_mock.headers, timeout=10)
    assert answer.json() == {"error_code": "401013", "message": "Oauth token is not valid"}
    with pytest.raises(TypeError, match="unknown fault keyword 'colour'"):
        flowservice_faults.add(colour="red")
    assert len(flowservice_faults.list()) == 1 and flowservice_faults.clear() == 1


def test_clock_fixture(flowservice_mock, flowservice_clock):
    flowservice_clock.freeze(1_800_000_000.0)
    created = create_connection(flowservice_mock).json()
    entity = requests.get(f"{flowservice_mock.base_url}/connections/{created['id']}", headers=flowservice_mock.headers,
                          timeout=10).json()["items"][0]
    assert entity["createdAt"] == 1_800_000_000_000
    flowservice_clock.advance(60)
    assert flowservice_clock.now() == 1_800_000_060.0


@pytest.mark.flowservice_clock(at=1_700_000_000.0)
def test_clock_marker(flowservice_mock):
    assert flowservice_mock.clock.frozen and flowservice_mock.clock.now() == 1_700_000_000.0


def test_the_clock_runs_again_after_a_test(flowservice_mock):
    assert not flowservice_mock.clock.frozen


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- plugin-example -->\s*```python\n(.*?)```", readme, re.S)
    assert match, "the README has no plugin example"
    return match.group(1)


def test_the_readme_example_runs(tmp_path):
    example = tmp_path / "test_readme_example.py"
    example.write_text(readme_example(), encoding="utf-8")
    # One more test, to see the conformance marker fail a test whose client breaks a rule.
    example.write_text(readme_example() + '''

@pytest.mark.flowservice_conformant
def test_a_client_without_sandbox_header(flowservice_mock):
    headers = {k: v for k, v in flowservice_mock.headers.items() if k != "x-sandbox-name"}
    requests.get(f"{flowservice_mock.base_url}/flows", headers=headers, timeout=10)
''', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", str(example)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    summary = run.stdout
    assert "1 failed" in summary and "passed" in summary and " error" not in summary, summary + run.stderr
    assert "FAILED test_readme_example.py::test_a_client_without_sandbox_header" in summary, summary
    assert "Missing header(s): x-sandbox-name." in summary


@pytest.mark.flowservice_clock(at=1772323200.0)  # 2026-03-01T00:00:00Z
def test_advance_exports_what_the_schedule_reached(flowservice_mock):
    mock, base, headers = flowservice_mock, flowservice_mock.base_url, flowservice_mock.headers

    def create(path, body):
        answer = requests.post(f"{base}/{path}", json=body, headers=headers, timeout=10)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    s3 = {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"}
    connection = create_connection(mock).json()["id"]
    target = create("targetConnections", {"name": "t", "baseConnectionId": connection, "connectionSpec": s3,
                                          "params": {"mode": "Server-to-server", "bucketName": "exports", "path": "p",
                                                     "fileType": "CSV", "compression": "NONE"}})
    source = create("sourceConnections", {"name": "s", "connectionSpec": {
        "id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}})
    audience = mock.platform.data.audiences[0]["id"]
    create("flows", {"name": "f", "flowSpec": {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"},
                     "sourceConnectionIds": [source], "targetConnectionIds": [target],
                     "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": [
                         {"type": "PLATFORM_SEGMENT", "value": {"id": audience, "exportMode": "DAILY_FULL_EXPORT",
                          "schedule": {"frequency": "DAILY", "startDate": "2026-03-01", "startTime": "06:00"}}}]}}}]})
    runs = mock.advance(2 * 86400)
    assert [r["metrics"]["statusSummary"]["status"] for r in runs] == ["success", "success"]
    exported = requests.get(f"{mock.url}/_mock/exports", timeout=10).json()["items"]
    location = Path(exported[0]["files"][0]["location"])
    assert location.is_file() and location.is_relative_to(Path(mock.platform.settings.storage_root))
    assert mock.run_due() == []
