"""Fresh clients' answer time while many idle or slow sockets are held open.

Starts ``python -m mockserver serve --port 0`` (waitress, as in production), opens N sockets to
it, a third of each kind: *idle* (connect, send nothing), *slow headers* (one byte of a request's
headers every 0.5 s, never finishing) and *slow body* (whole headers with a Content-Length, then
one byte of the body every 0.5 s); plus a few *slow readers* (many pipelined requests, answers
never read). Then R fresh clients, one after the other, each on a new connection, GET
/data/foundation/flowservice/flows; their answer times are reported. Then one client sends an
endless header, and with ``--watch S`` the sockets are watched for S seconds more to see when the
server closes them. Everything is bounded: the whole run ends within 60 s.

Usage::

    python benchmarks/idle_clients.py [--sockets 500] [--requests 20] [--watch 0] [--waitress-defaults]
                                      [any flowservice-mock serve flag, e.g. --channel-timeout 5]

``--waitress-defaults`` serves with the limits waitress has by default (the mock before it set
its own): connection_limit 100, channel_timeout 120, no request deadline, 256 KiB of headers.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HOST = "127.0.0.1"
PATH = "/data/foundation/flowservice/flows"
HEADERS = {"Authorization": "Bearer t", "x-api-key": "k", "x-gw-ims-org-id": "ORG@AdobeOrg"}
#: The whole benchmark ends within this many seconds, whatever the flags.
TOTAL_S = 60
WAITRESS_DEFAULTS = ["--connection-limit", "100", "--channel-timeout", "120", "--request-timeout", "0",
                     "--max-request-header-size", "262144"]
KINDS = ("idle", "slow headers", "slow body")

_HEAD = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
SLOW_HEADERS = (f"GET {PATH} HTTP/1.1\r\nHost: {HOST}\r\n{_HEAD}X-Slow: ").encode() + b"a" * 100_000
SLOW_BODY_HEAD = (f"POST {PATH} HTTP/1.1\r\nHost: {HOST}\r\n{_HEAD}Content-Type: application/json\r\n"
                  f"Content-Length: 100000\r\n\r\n").encode()
PIPELINED = (f"GET {PATH} HTTP/1.1\r\nHost: {HOST}\r\n{_HEAD}\r\n").encode()


def raise_file_limit(needed: int) -> None:
    try:
        import resource
    except ImportError:  # not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE,
                           (needed if hard == resource.RLIM_INFINITY else min(needed, hard), hard))


class Server:
    """The mock as a child process, its URL read off its first line of output."""

    def __init__(self, flags: list[str]) -> None:
        self.log = tempfile.TemporaryFile(mode="w+")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--host", HOST, "--port", "0", *flags],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(20)
        found = re.search(r"http://127\.0\.0\.1:(\d+)", line[0]) if line else None
        if found is None:
            self.stop()
            raise RuntimeError(f"the server did not start: {line[0] if line else 'no output'!r}")
        self.port = int(found.group(1))

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.seek(0)
        return self.log.read()


class Holder:
    """The held sockets, and one thread that dribbles bytes into them and notices when they close."""

    def __init__(self, port: int, count: int, slow_readers: int, pipelined: int, interval: float,
                 deadline: float) -> None:
        self.interval, self.deadline = interval, deadline
        self.sockets: list[dict] = []
        for i in range(count):
            self.sockets.append(self._open(port, KINDS[i % len(KINDS)]))
        for _ in range(slow_readers):
            entry = self._open(port, "slow reader")
            # As much as the kernel takes at once; the server stops reading while answers wait.
            try:
                entry["sock"].send(PIPELINED * pipelined)
            except BlockingIOError:
                pass
            self.sockets.append(entry)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dribbler", daemon=True)
        self._thread.start()

    @staticmethod
    def _open(port: int, kind: str) -> dict:
        sock = socket.create_connection((HOST, port), timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # slow readers: fill up soon
        if kind == "slow body":
            sock.sendall(SLOW_BODY_HEAD)
        sock.setblocking(False)
        return {"sock": sock, "kind": kind, "opened": time.monotonic(), "sent": 0, "closed": None,
                "answer": b""}

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        for entry in self.sockets:
            selector.register(entry["sock"], selectors.EVENT_READ, entry)
        next_tick = time.monotonic()
        while not self._stop.is_set() and time.monotonic() < self.deadline:
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + self.interval
                for entry in self.sockets:
                    if entry["closed"] is None and entry["kind"] in ("slow headers", "slow body"):
                        self._dribble(entry, selector)
            for key, _ in selector.select(timeout=max(0.0, min(next_tick, self.deadline) - time.monotonic())):
                entry = key.data
                if entry["kind"] == "slow reader":
                    continue  # never reads: that is the point
                try:
                    data = entry["sock"].recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if data:
                    entry["answer"] += data[:200]
                else:
                    self._closed(entry, selector)
        selector.close()

    def _dribble(self, entry: dict, selector) -> None:
        data = SLOW_HEADERS if entry["kind"] == "slow headers" else b"a" * 100_000
        try:
            entry["sent"] += entry["sock"].send(data[entry["sent"]:entry["sent"] + 1])
        except BlockingIOError:
            pass
        except OSError:
            self._closed(entry, selector)

    @staticmethod
    def _closed(entry: dict, selector) -> None:
        entry["closed"] = time.monotonic() - entry["opened"]
        selector.unregister(entry["sock"])

    def closed(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for entry in self.sockets:
            out.setdefault(entry["kind"], [])
            if entry["closed"] is not None:
                out[entry["kind"]].append(entry["closed"])
        return out

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for entry in self.sockets:
            entry["sock"].close()


def fresh_client(port: int, timeout: float) -> tuple[float, str]:
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", PATH, headers=HEADERS)
        response = conn.getresponse()
        response.read()
        outcome = str(response.status)
    except (OSError, http.client.HTTPException) as exc:
        outcome = type(exc).__name__
    finally:
        conn.close()
    return time.perf_counter() - started, outcome


def endless_header(port: int, limit: int = 1 << 20, timeout: float = 5) -> str:
    """Send header bytes until the server answers or closes (at most ``limit`` bytes)."""
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sent, answer = 0, b""
    started = time.monotonic()
    try:
        sock.sendall(f"GET {PATH} HTTP/1.1\r\nHost: {HOST}\r\nX-Long: ".encode())
        chunk = b"a" * 4096
        sock.settimeout(0.05)
        while sent < limit and time.monotonic() - started < timeout:
            try:
                answer = sock.recv(200)
                break
            except socket.timeout:
                pass
            try:
                sent += sock.send(chunk)
            except socket.timeout:
                pass
        else:
            return f"not refused after {sent:,} bytes"
    except OSError as exc:
        return f"closed by the server after {sent:,} bytes ({type(exc).__name__})"
    finally:
        sock.close()
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
    return f"{status!r} after {sent:,} bytes"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=500, help="idle and slow sockets held (default 500)")
    parser.add_argument("--slow-readers", type=int, default=10, help="sockets that never read (default 10)")
    parser.add_argument("--pipelined", type=int, default=200, help="requests each slow reader sends")
    parser.add_argument("--requests", type=int, default=20, help="fresh clients timed (default 20)")
    parser.add_argument("--client-timeout", type=float, default=5.0, help="seconds a fresh client waits")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between dribbled bytes")
    parser.add_argument("--watch", type=float, default=0.0, help="seconds to watch the held sockets close")
    parser.add_argument("--waitress-defaults", action="store_true", help="serve with waitress's default limits")
    args, serve_flags = parser.parse_known_args(argv)
    if args.waitress_defaults:
        serve_flags = WAITRESS_DEFAULTS + serve_flags
    began = time.monotonic()
    deadline = began + TOTAL_S
    raise_file_limit(args.sockets + args.slow_readers + 256)

    server = Server(serve_flags)
    holder = None
    try:
        holder = Holder(server.port, args.sockets, args.slow_readers, args.pipelined, args.interval, deadline)
        time.sleep(1.0)  # every socket accepted (or queued) and dribbling
        times, outcomes = [], []
        for _ in range(args.requests):
            if time.monotonic() + args.client_timeout > deadline - args.watch - 5:
                break
            elapsed, outcome = fresh_client(server.port, args.client_timeout)
            times.append(elapsed)
            outcomes.append(outcome)
            time.sleep(0.1)
        ms = sorted(t * 1000 for t in times)
        print(f"server flags: {' '.join(serve_flags) or '(defaults)'}")
        print(f"held: {args.sockets} sockets ({', '.join(KINDS)}, a third each) + {args.slow_readers} slow readers")
        print(f"fresh clients: {len(ms)}, outcomes {dict((o, outcomes.count(o)) for o in sorted(set(outcomes)))}")
        if ms:
            print(f"answer time ms: median {statistics.median(ms):.1f}, max {ms[-1]:.1f}, min {ms[0]:.1f}")
        print(f"endless header: {endless_header(server.port)}")
        watch_until = min(time.monotonic() + args.watch, deadline - 5)
        while time.monotonic() < watch_until:
            time.sleep(0.2)
        for kind, closed in holder.closed().items():
            if kind == "slow reader":
                continue  # never read, so a close by the server is not seen
            total = sum(1 for e in holder.sockets if e["kind"] == kind)
            when = f", after {min(closed):.1f}-{max(closed):.1f} s" if closed else ""
            print(f"closed by the server ({kind}): {len(closed)}/{total}{when}")
        answers = {e["answer"].split(b"\r\n", 1)[0] for e in holder.sockets if e["answer"]}
        if answers:
            print(f"answers seen on held sockets: {sorted(a.decode(errors='replace') for a in answers)}")
    finally:
        if holder is not None:
            holder.stop()
        log = server.stop()
    limit_lines = log.count("reached the connection limit")
    if limit_lines:
        print(f"server log: 'connection limit reached' {limit_lines} time(s)")
    print(f"total {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
