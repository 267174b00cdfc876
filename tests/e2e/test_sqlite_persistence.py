"""``serve --store sqlite:PATH`` as a real process: what it acknowledged survives ``kill -9`` in the
middle of traffic, and a SIGTERM, and the next process on the file serves it with the same etags."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from contracts import bodies

BASE = "/data/foundation/flowservice"
HEADERS = {"Authorization": "Bearer t", "x-api-key": "k", "x-gw-ims-org-id": "5555467B5D8013E50A494220@AdobeOrg"}
START_TIMEOUT_S = 30


class Served:
    """``python -m mockserver serve --store sqlite:PATH`` as a child process."""

    def __init__(self, path: Path, log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--store", f"sqlite:{path}", "--port", "0",
             "--scheduler-interval", "0"],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT_S)
        found = re.search(r"flowservice-mock serving on (http://127\.0\.0\.1:\d+)", line[0]) if line else None
        if found is None:
            self.stop(signal.SIGKILL)
            raise AssertionError(f"the server did not start: {line!r}; stderr: {log.read_text()[-2000:]}")
        self.url = found.group(1) + BASE
        self.session = requests.Session()
        self.session.headers.update(HEADERS)

    def call(self, method: str, path: str, body=None, **headers) -> requests.Response:
        return self.session.request(method, self.url + path, json=body, headers=headers, timeout=10)

    def create(self, path: str, body: dict) -> tuple[str, str, str]:
        response = self.call("POST", path, body)
        assert response.status_code == 201, response.text
        return path, response.json()["id"], response.json()["etag"]

    def stop(self, how: int = signal.SIGTERM) -> int:
        self.process.send_signal(how)
        try:
            code = self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(15)
        self.process.stdout.close()
        self.log.close()
        return code


@pytest.fixture
def state(tmp_path) -> Path:
    return tmp_path / "state" / "mock.db"


def create_flows(server: Served, sets: int) -> list[tuple[str, str, str]]:
    """``sets`` times a base connection, a target and a source connection and a flow of them."""
    created = []
    for _ in range(sets):
        base = server.create("/connections", bodies.s3_connection())
        target = server.create("/targetConnections", bodies.s3_target(base[1]))
        source = server.create("/sourceConnections", bodies.profile_source())
        created += [base, target, source, server.create("/flows", bodies.audience_flow(source[1], target[1]))]
    return created


def assert_served(server: Served, created: list[tuple[str, str, str]]) -> None:
    for path, entity_id, etag in created:
        response = server.call("GET", f"{path}/{entity_id}")
        assert response.status_code == 200, (path, entity_id, response.text)
        assert response.json()["items"][0]["etag"] == etag, (path, entity_id)


class Traffic:
    """Creates, one after another, from a thread, until the server stops answering; keeps every
    create that was answered 201."""

    def __init__(self, server: Served, target: tuple[str, str, str]) -> None:
        self.server = server
        self.target = target
        self.acknowledged: list[tuple[str, str, str]] = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        session = requests.Session()
        session.headers.update(HEADERS)
        n = 0
        while True:
            n += 1
            path, body = (("/connections", bodies.s3_connection()) if n % 2 else
                          ("/targetConnections", bodies.s3_target(self.target[1])))
            try:
                response = session.post(self.server.url + path, json=body, timeout=5)
            except requests.RequestException:
                return
            if response.status_code == 201:
                self.acknowledged.append((path, response.json()["id"], response.json()["etag"]))


def test_what_was_acknowledged_survives_kill_9_mid_traffic(state, tmp_path):
    server = Served(state, tmp_path / "first.log")
    try:
        created = create_flows(server, 25)
        assert len(created) == 100
        traffic = Traffic(server, created[0])
        deadline = time.monotonic() + 20
        while len(traffic.acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(traffic.acknowledged) >= 40, "the traffic did not get going"
    finally:
        server.stop(signal.SIGKILL)  # while the thread is sending
    traffic.thread.join(10)
    assert not traffic.thread.is_alive()

    restarted = Served(state, tmp_path / "second.log")  # the same file, the lock gone with the process
    try:
        assert_served(restarted, created)
        assert_served(restarted, traffic.acknowledged)
        listed = restarted.call("GET", "/flows").json()["items"]
        assert {f["id"] for f in listed} == {entity_id for path, entity_id, _ in created if path == "/flows"}
        # Ids continue: what the restarted process makes is new.
        made = restarted.create("/connections", bodies.s3_connection())
        assert made[1] not in {entity_id for _, entity_id, _ in created + traffic.acknowledged}
    finally:
        restarted.stop(signal.SIGKILL)


def test_changes_survive_sigterm_and_a_second_process_is_refused(state, tmp_path):
    server = Served(state, tmp_path / "first.log")
    try:
        created = create_flows(server, 3)
        # The file is this process's: a second one on it says so and stops.
        second = subprocess.run([sys.executable, "-m", "mockserver", "serve", "--store", f"sqlite:{state}",
                                 "--port", "0"], capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert f"{state} is in use by another flowservice-mock store" in second.stderr
        # A patch and a delete, acknowledged before the SIGTERM.
        _, flow_id, etag = created[3]
        patched = server.call("PATCH", f"/flows/{flow_id}", [{"op": "replace", "path": "/name", "value": "renamed"}],
                              **{"If-Match": etag})
        assert patched.status_code in (200, 202), patched.text
        created[3] = ("/flows", flow_id, patched.json()["etag"])
        _, gone_flow, _ = created.pop(7)
        assert server.call("DELETE", f"/flows/{gone_flow}").status_code in (200, 202, 204)
    finally:
        assert server.stop(signal.SIGTERM) == 0

    restarted = Served(state, tmp_path / "second.log")
    try:
        assert_served(restarted, created)
        assert restarted.call("GET", f"/flows/{flow_id}").json()["items"][0]["name"] == "renamed"
        assert restarted.call("GET", f"/flows/{gone_flow}").status_code == 404
    finally:
        restarted.stop()
