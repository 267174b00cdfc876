"""``serve --server granian``: the same service on granian (a child process), its ticker in the
worker that holds the state, a clean stop, a busy port refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
import requests

from ..support import (BASE, HEADERS, PROFILE_STORE, S3, S3_AUTH, S3_SEGMENT_FLOW, served_port, spec,
                       stop_process)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Granian:
    def __init__(self, *flags: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--server", "granian", "--port", "0", *flags],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        port = served_port(self.process)
        if port is None:
            stop_process(self.process)
            raise AssertionError("granian did not start")
        self.port = port
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        stop_process(self.process)
        self.process.stdout.close()


@pytest.fixture
def granian(tmp_path):
    server = Granian("--storage-root", str(tmp_path), "--scheduler-interval", "0.05", "--seed", "3")
    yield server
    server.stop()


def created(url: str, path: str, body: dict) -> str:
    response = requests.post(url + BASE + path, json=body, headers=HEADERS, timeout=10)
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def test_the_contract_suite_passes_on_granian():
    env = {**os.environ, "FLOWSERVICE_MOCK_SERVER": "granian"}
    done = subprocess.run([sys.executable, "-m", "pytest", "contracts", "--target=http", "--mock-store=memory", "-q",
                           "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert re.search(r"\d+ passed", done.stdout)


def test_the_ticker_runs_in_the_worker_and_exports_with_nobody_asking(granian, tmp_path):
    due = datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc).timestamp()
    assert requests.post(granian.url + "/_mock/clock", json={"set": due - 3600, "freeze": True}, timeout=10).ok
    audience = requests.get(granian.url + "/_mock/audiences", timeout=10).json()["items"][0]["id"]
    base = created(granian.url, "/connections", {"name": "S3", "connectionSpec": spec(S3), "auth": S3_AUTH})
    target = created(granian.url, "/targetConnections", {
        "name": "t", "baseConnectionId": base, "connectionSpec": spec(S3),
        "params": {"mode": "Server-to-server", "bucketName": "ticks", "path": "out", "fileType": "CSV",
                   "compression": "NONE"}})
    source = created(granian.url, "/sourceConnections", {"name": "p", "connectionSpec": spec(PROFILE_STORE)})
    created(granian.url, "/flows", {
        "name": "f", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
        "targetConnectionIds": [target], "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": [{"type": "PLATFORM_SEGMENT", "value": {
                "id": audience, "exportMode": "DAILY_FULL_EXPORT",
                "schedule": {"frequency": "DAILY", "startDate": "2026-03-01", "startTime": "06:00"}}}]}}}]})
    # The clock runs again a second before the instant; nothing is asked of the mock after this.
    assert requests.post(granian.url + "/_mock/clock", json={"set": due - 1, "freeze": False}, timeout=10).ok
    folder = tmp_path / "ticks" / "out"
    deadline = time.monotonic() + 15
    while not list(folder.glob("*.csv")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.name for p in folder.glob("*.csv")] == [f"AmazonS3_{audience}_20260301_060000.csv"]


def test_sigterm_stops_it_within_a_second_and_a_busy_port_exits_1(granian):
    assert requests.get(granian.url + "/_mock/health", timeout=10).json()["status"] == "ok"
    busy = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--server", "granian", "--port",
                           str(granian.port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert busy.returncode == 1
    assert busy.stderr.strip().splitlines() == [
        f"flowservice-mock: cannot listen on 127.0.0.1:{granian.port}: Address already in use"]
    started = time.monotonic()
    granian.process.terminate()
    assert granian.process.wait(5) == 0
    assert time.monotonic() - started < 1.0


def test_several_workers_need_a_shared_store():
    done = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--server", "granian", "--workers", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "workers above 1 need --server granian and a shared store" in done.stderr
