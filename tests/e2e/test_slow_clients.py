"""Slow and idle clients do not starve the others, on the production server (``serve``, a child process).

docs/design.md, "Slow and idle clients"; benchmarks/idle_clients.py measures the same at length.
"""

from __future__ import annotations

import http.client
import selectors
import socket
import subprocess
import sys
import threading
import time

import pytest

from ..support import HEADERS, served_port, stop_process

HOST = "127.0.0.1"
PATH = "/data/foundation/flowservice/flows"
_HEAD = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
SLOW_HEADERS = f"GET {PATH} HTTP/1.1\r\nHost: {HOST}\r\n{_HEAD}X-Slow: ".encode() + b"a" * 1000
SLOW_BODY_HEAD = (f"POST {PATH} HTTP/1.1\r\nHost: {HOST}\r\n{_HEAD}Content-Type: application/json\r\n"
                  f"Content-Length: 100000\r\n\r\n").encode()
KINDS = ("idle", "slow headers", "slow body")


@pytest.fixture(scope="module", autouse=True)
def enough_files():
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 2048:
        resource.setrlimit(resource.RLIMIT_NOFILE, (2048 if hard == resource.RLIM_INFINITY else min(2048, hard), hard))


def serve(*flags: str):
    """``python -m mockserver serve`` as a child process; yields its port, stops it after."""
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", "0", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = served_port(process)
    try:
        assert port, "the server did not start"
        yield port
    finally:
        stop_process(process)
        process.stdout.close()


@pytest.fixture(scope="module")
def production_port():
    yield from serve()


@pytest.fixture(scope="module")
def short_timeouts_port():
    yield from serve("--channel-timeout", "1", "--request-timeout", "2")


class Held:
    """Sockets of the three kinds, a thread dribbling a byte into each slow one every 0.5 s (bounded)."""

    def __init__(self, port: int, count: int, limit_s: float = 10) -> None:
        self.entries = []
        for i in range(count):
            sock = socket.create_connection((HOST, port), timeout=5)
            kind = KINDS[i % 3]
            if kind == "slow body":
                sock.sendall(SLOW_BODY_HEAD)
            sock.setblocking(False)
            self.entries.append({"sock": sock, "kind": kind, "opened": time.monotonic(), "sent": 0,
                                 "closed": None, "answer": b""})
        self._stop = threading.Event()
        self._deadline = time.monotonic() + limit_s
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            for entry in self.entries:
                selector.register(entry["sock"], selectors.EVENT_READ, entry)
            next_tick = 0.0
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + 0.5
                    for entry in self.entries:
                        if entry["closed"] is None and entry["kind"] != "idle":
                            data = SLOW_HEADERS if entry["kind"] == "slow headers" else b"a" * 1000
                            try:
                                entry["sent"] += entry["sock"].send(data[entry["sent"]:entry["sent"] + 1])
                            except BlockingIOError:
                                pass
                            except OSError:
                                self._close(entry, selector)
                for key, _ in selector.select(timeout=0.05):
                    entry = key.data
                    try:
                        data = entry["sock"].recv(4096)
                    except BlockingIOError:
                        continue
                    except OSError:
                        data = b""
                    if data:
                        entry["answer"] += data
                    else:
                        self._close(entry, selector)

    @staticmethod
    def _close(entry, selector) -> None:
        entry["closed"] = time.monotonic() - entry["opened"]
        selector.unregister(entry["sock"])

    def open_count(self) -> int:
        return sum(1 for entry in self.entries if entry["closed"] is None)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for entry in self.entries:
            entry["sock"].close()


def fresh_get(port: int, timeout: float = 5) -> tuple[int, float]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", PATH, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        conn.close()


def test_a_fresh_client_is_answered_within_a_second_while_500_slow_sockets_are_held(production_port):
    held = Held(production_port, 500)
    try:
        time.sleep(1.0)  # a couple of dribbled bytes each; all accepted
        answers = [fresh_get(production_port) for _ in range(5)]
        assert held.open_count() == 500  # nothing was closed to make room
    finally:
        held.stop()
    assert [status for status, _ in answers] == [200] * 5
    assert max(elapsed for _, elapsed in answers) < 1.0, answers


def test_an_endless_header_gets_431(production_port):
    sock = socket.create_connection((HOST, production_port), timeout=5)
    try:
        sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: {HOST}\r\nX-Long: ".encode())
        sent, answer = 0, b""
        sock.settimeout(0.05)
        deadline = time.monotonic() + 5
        while not answer and sent < (1 << 20) and time.monotonic() < deadline:
            try:
                sent += sock.send(b"a" * 4096)
            except (socket.timeout, BlockingIOError):
                pass
            try:
                answer = sock.recv(100)
            except socket.timeout:
                pass
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.0 431 "), answer
    assert sent <= 65536 + 8192  # refused at the default max_request_header_size, 64 KiB


def test_idle_and_slow_sockets_are_closed_after_their_timeouts(short_timeouts_port):
    held = Held(short_timeouts_port, 60)
    try:
        deadline = time.monotonic() + 6
        while held.open_count() and time.monotonic() < deadline:
            time.sleep(0.1)
        status, elapsed = fresh_get(short_timeouts_port)
    finally:
        held.stop()
    assert status == 200 and elapsed < 1.0
    closed = {kind: [e["closed"] for e in held.entries if e["kind"] == kind] for kind in KINDS}
    assert None not in sum(closed.values(), []), closed
    # channel_timeout 1: silent connections go after 1 s (checked every second).
    assert all(0.9 <= t <= 3.0 for t in closed["idle"]), closed["idle"]
    # A byte every 0.5 s is not silence; request_timeout 2 closes them, with a 408.
    for kind in ("slow headers", "slow body"):
        assert all(1.9 <= t <= 4.5 for t in closed[kind]), (kind, closed[kind])
        assert all(e["answer"].startswith(b"HTTP/1.1 408 ") for e in held.entries if e["kind"] == kind)
