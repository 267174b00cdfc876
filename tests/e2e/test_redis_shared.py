"""Several real mock processes on one Redis (``serve --store redis://...``) are one service:
what one writes the others read at once, one etag lets exactly one PATCH win whichever process
answers, ids never collide, and a reset or a moved clock on one is seen by all.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ..redis_server import RedisServer
from ..support import (BASE, HEADERS, PROFILE_STORE, S3, S3_AUTH, S3_SEGMENT_FLOW, S3_TARGET_PARAMS, spec,
                       stop_process)

ROOT = Path(__file__).resolve().parents[2]
#: The databases of these tests on the session's redis-server (the unit tests use 1).
DB, SEEDED_DB = 2, 3


class MockProcess:
    """``python -m mockserver serve`` on a free port, its URL read from the line it prints."""

    def __init__(self, store: str, *options: str) -> None:
        self.store, self.options = store, options
        self.process: subprocess.Popen | None = None
        self.url = ""
        self.start()

    def start(self, timeout: float = 30.0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--store", self.store, "--port", "0",
             "--scheduler-interval", "0", *self.options],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines: "queue.Queue[str | None]" = queue.Queue()
        threading.Thread(target=self._read, args=(self.process, lines), daemon=True).start()
        deadline, seen = time.monotonic() + timeout, []
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            seen.append(line)
            if line.startswith("flowservice-mock serving on "):
                self.url = line.split()[3]
                return
        self.stop()
        raise RuntimeError(f"the mock did not start ({' | '.join(seen)[-2000:]})")

    @staticmethod
    def _read(process: subprocess.Popen, lines: "queue.Queue[str | None]") -> None:
        for line in process.stdout:  # drained to the end, so that the server never blocks on a full pipe
            lines.put(line.strip())
        lines.put(None)

    def restart(self) -> None:
        self.stop()
        self.start()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            stop_process(process)

    def __call__(self, method: str, path: str, body=None, headers=None, **params) -> requests.Response:
        return requests.request(method, self.url + BASE + path, json=body, params=params or None, timeout=15,
                                headers={**HEADERS, "accept": "application/json", **(headers or {})})

    def admin(self, method: str, path: str, body=None) -> requests.Response:
        return requests.request(method, self.url + "/_mock" + path, json=body, timeout=15)


def _wired() -> bool:
    return "open_store" in (ROOT / "mockserver" / "platform.py").read_text()


@pytest.fixture(scope="module")
def wired():
    if not _wired():
        pytest.skip("the app does not open settings.store yet (mockserver/platform.py)")


@pytest.fixture(scope="module")
def processes(redis_server, wired):
    """Three mock processes on one Redis database, for the module."""
    redis_server.flush(DB)
    started: list[MockProcess] = []
    try:
        for _ in range(3):
            started.append(MockProcess(redis_server.url(DB)))
        yield started
    finally:
        for process in started:
            process.stop()


@pytest.fixture
def mocks(processes):
    """The three processes, after a reset (sent to the first: it is the store's)."""
    processes[0].admin("POST", "/reset").raise_for_status()
    processes[0].admin("POST", "/clock", {"reset": True}).raise_for_status()
    return processes


def _source(mock: MockProcess, name: str = "s") -> dict:
    response = mock("POST", "/sourceConnections", {"name": name, "connectionSpec": spec(PROFILE_STORE)})
    assert response.status_code == 201, response.text
    return response.json()


def _flow(mocks: list[MockProcess]) -> dict:
    a, b, c = (mocks * 3)[:3]
    base = a("POST", "/connections", {"name": "s3", "connectionSpec": spec(S3), "auth": S3_AUTH}).json()["id"]
    target = b("POST", "/targetConnections", {"name": "t", "baseConnectionId": base, "connectionSpec": spec(S3),
                                              "params": S3_TARGET_PARAMS}).json()["id"]
    source = c("POST", "/sourceConnections", {"name": "s", "connectionSpec": spec(PROFILE_STORE)}).json()["id"]
    response = a("POST", "/flows", {"name": "f", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
                                    "targetConnectionIds": [target], "transformations": []})
    assert response.status_code == 201, response.text
    return response.json()


def test_of_concurrent_patches_with_one_etag_over_the_processes_exactly_one_wins(mocks):
    flow = _flow(mocks)
    writers = 12

    def rename(n: int) -> int:
        return mocks[n % len(mocks)]("PATCH", f"/flows/{flow['id']}", headers={"If-Match": flow["etag"]},
                                     body=[{"op": "replace", "path": "/name", "value": f"writer {n}"}]).status_code

    with ThreadPoolExecutor(writers) as pool:
        statuses = sorted(pool.map(rename, range(writers)))
    assert statuses.count(412) == writers - 1, statuses
    assert 200 <= statuses[0] < 300
    names = {m("GET", f"/flows/{flow['id']}").json()["items"][0]["name"] for m in mocks}
    assert len(names) == 1 and names.pop().startswith("writer ")


def test_what_one_process_creates_changes_and_deletes_the_others_see_at_once(mocks):
    a, b, c = mocks
    flow = _flow(mocks)
    for mock in (b, c):
        seen = mock("GET", f"/flows/{flow['id']}")
        assert seen.status_code == 200 and seen.json()["items"][0]["etag"] == flow["etag"]
    source = _source(a, "first")
    assert b("GET", f"/sourceConnections/{source['id']}").json()["items"][0]["name"] == "first"
    patched = b("PATCH", f"/sourceConnections/{source['id']}", headers={"If-Match": source["etag"]},
                body=[{"op": "replace", "path": "/name", "value": "second"}])
    assert patched.status_code == 200, patched.text
    assert c("GET", f"/sourceConnections/{source['id']}").json()["items"][0]["name"] == "second"
    stale = a("PATCH", f"/sourceConnections/{source['id']}", headers={"If-Match": source["etag"]},
              body=[{"op": "replace", "path": "/name", "value": "third"}])
    assert stale.status_code == 412
    assert c("DELETE", f"/sourceConnections/{source['id']}").status_code in (200, 202, 204)
    assert a("GET", f"/sourceConnections/{source['id']}").status_code == 404


def test_lists_counts_and_pages_agree_across_processes(mocks):
    created = {_source(mocks[n % 3], f"source {n:02d}")["id"] for n in range(25)}
    counts = [m("GET", "/sourceConnections", count="true").json() for m in mocks]
    assert counts == [{"count": 25}] * 3
    walks = []
    for first in range(3):
        # Each page from the next process: a continuation token of one is good on the others.
        response, ids, n = mocks[first]("GET", "/sourceConnections", limit="10", orderby="name"), [], first
        while True:
            body = response.json()
            ids += [item["id"] for item in body["items"]]
            href = body.get("_links", {}).get("next", {}).get("href")
            if not href:
                break
            n += 1
            token = href.split("continuationToken=", 1)[1]
            response = mocks[n % 3]("GET", "/sourceConnections", continuationToken=token)
        walks.append(ids)
    assert walks[0] == walks[1] == walks[2]
    assert len(walks[0]) == 25 and set(walks[0]) == created


def _ids_over(mocks: list[MockProcess], n: int, offset: int = 0) -> list[str]:
    def create(i: int) -> list[str]:
        entity = _source(mocks[i % len(mocks)], f"source {offset + i}")
        return [entity["id"], entity["etag"]]

    with ThreadPoolExecutor(6) as pool:
        return [value for pair in pool.map(create, range(n)) for value in pair]


def test_ids_never_collide_across_processes(mocks):
    values = _ids_over(mocks, 200)
    assert len(set(values)) == len(values) == 400


def test_seeded_ids_never_collide_across_processes_nor_after_a_restart(redis_server, wired):
    redis_server.flush(SEEDED_DB)
    started = [MockProcess(redis_server.url(SEEDED_DB), "--seed", "1") for _ in range(3)]
    try:
        values = _ids_over(started, 200)
        assert len(set(values)) == len(values) == 400
        started[1].restart()
        more = _ids_over(started, 60, offset=200)
        assert len(set(values + more)) == len(values) + len(more)
        # A process started alone on the store continues the sequence too.
        for process in started:
            process.stop()
        started[0].start()
        last = _ids_over(started[:1], 10, offset=260)
        assert not set(last) & set(values + more)
    finally:
        for process in started:
            process.stop()


def test_a_reset_on_one_process_is_a_reset_for_all(mocks):
    a, b, c = mocks
    source = _source(b)
    other = _source(b, "another")
    dev = b("POST", "/sourceConnections", {"name": "dev", "connectionSpec": spec(PROFILE_STORE)},
            headers={"x-sandbox-name": "dev"})
    assert dev.status_code == 201
    reset = a.admin("POST", "/reset", {"sandboxName": "dev"})
    assert reset.status_code == 200 and reset.json() == {"reset": 1}, reset.text
    assert c("GET", f"/sourceConnections/{dev.json()['id']}", headers={"x-sandbox-name": "dev"}).status_code == 404
    assert c("GET", f"/sourceConnections/{source['id']}").status_code == 200
    assert a.admin("POST", "/reset").status_code == 200
    for mock in (b, c):
        assert mock("GET", f"/sourceConnections/{source['id']}").status_code == 404
        assert mock("GET", f"/sourceConnections/{other['id']}").status_code == 404
        assert mock("GET", "/sourceConnections", count="true").json() == {"count": 0}


def test_a_clock_frozen_and_moved_on_one_process_is_the_clock_of_all(mocks):
    a, b, c = mocks
    moved = a.admin("POST", "/clock", {"freeze": True, "set": "2026-03-01T00:00:00Z"})
    assert moved.status_code == 200, moved.text
    for mock in (b, c):
        clock = mock.admin("GET", "/clock").json()
        assert clock["frozen"] is True and clock["iso"].startswith("2026-03-01T00:00:00")
    assert b.admin("POST", "/clock", {"advance": "1d"}).status_code == 200
    for mock in (a, c):
        assert mock.admin("GET", "/clock").json()["iso"].startswith("2026-03-02T00:00:00")
    # What a process creates is stamped with the shared clock.
    created = _source(c)
    stamped = a("GET", f"/sourceConnections/{created['id']}").json()["items"][0]
    assert stamped["createdAt"] == 1772409600000
    assert a.admin("POST", "/clock", {"reset": True}).status_code == 200
    assert c.admin("GET", "/clock").json()["frozen"] is False


def test_a_lost_redis_is_a_503_and_the_service_comes_back_with_it(tmp_path, redis_server, wired):
    server = RedisServer(tmp_path).start()  # its own, to be killed
    mocks = [MockProcess(server.url(0)) for _ in range(2)]
    try:
        source = _source(mocks[0])
        server.stop(kill=True)
        for mock in mocks:
            started = time.monotonic()
            lost = mock("GET", f"/sourceConnections/{source['id']}")
            assert time.monotonic() - started < 5
            assert lost.status_code == 503, lost.text
            assert lost.headers["content-type"].startswith("application/json")
            assert mock("POST", "/sourceConnections", {"name": "x", "connectionSpec": spec(PROFILE_STORE)}
                        ).status_code == 503
        server.start()  # the same port, empty: no persistence
        for mock in mocks:
            assert mock("GET", f"/sourceConnections/{source['id']}").status_code == 404
        again = _source(mocks[1])
        assert mocks[0]("GET", f"/sourceConnections/{again['id']}").status_code == 200
    finally:
        for mock in mocks:
            mock.stop()
        server.stop()
