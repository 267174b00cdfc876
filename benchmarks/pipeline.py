"""The mock's full request pipeline against a bare Flask app, under the same server.

Two measurements:

1. **Throughput.** ``GET /flows/{id}`` and ``POST /flows`` on the mock
   (``flowservice-mock serve``: gateway checks, tenant, validation, store,
   etags) and on a bare Flask app that keeps flows in a dict and answers the
   same paths, both under waitress with the same threads, driven by ``wrk`` on
   loopback. The target is a ratio mock/bare of at least 0.7.
2. **Scale.** GET by id through the WSGI app in-process with 1 flow and with
   ``--flows`` flows (100,000 by default) in one tenant, and the memory they take.

Usage::

    python benchmarks/pipeline.py [--duration 5] [--rounds 3] [--threads 8] [--connections 16]
                                  [--flows 100000] [--json PATH]

Needs ``wrk`` (Debian: ``apt-get install -y wrk``) for part 1; part 2 runs without it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from servers import HOST, LOADGEN_CPU, SERVER_CPU, WRK_DONE, free_port, run_wrk  # noqa: E402

BASE = "/data/foundation/flowservice"
HEADERS = {
    "Authorization": "Bearer bench-token",
    "x-api-key": "bench",
    "x-gw-ims-org-id": "BENCH@AdobeOrg",
    "x-sandbox-name": "prod",
    "Content-Type": "application/json",
}
S3 = {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"}


# --- the bare app: a dict of flows behind the same paths ------------------------------

def bare_app():
    from flask import Flask, Response, request

    app = Flask("bare")
    flows: dict[str, dict] = {}

    @app.get(f"{BASE}/flows/<flow_id>")
    def get_flow(flow_id):
        flow = flows.get(flow_id)
        if flow is None:
            return Response('{"error":"not found"}', 404, mimetype="application/json")
        return Response(json.dumps({"items": [flow]}), mimetype="application/json")

    @app.post(f"{BASE}/flows")
    def create_flow():
        flow = {**request.get_json(), "id": str(uuid.uuid4()), "etag": '"1"'}
        flows[flow["id"]] = flow
        return Response(json.dumps({"id": flow["id"], "etag": flow["etag"]}), 201,
                        mimetype="application/json")

    return app


def serve_bare(port: int, threads: int) -> int:
    from waitress import serve

    serve(bare_app(), host=HOST, port=port, threads=threads, _quiet=True)
    return 0


# --- driving a server ----------------------------------------------------------------

def request(port: int, method: str, path: str, body=None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        conn.request(method, path, json.dumps(body) if body is not None else None, HEADERS)
        response = conn.getresponse()
        data = response.read()
        is_json = response.getheader("Content-Type", "").startswith("application/json")
        return response.status, json.loads(data) if data and is_json else {}
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            request(port, "GET", f"{BASE}/flows/none")
            return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError("server did not start")


def flow_body(port: int) -> dict:
    """Create the connections a flow needs (the bare app ignores the ids) and return a flow body."""
    status, source = request(port, "POST", f"{BASE}/sourceConnections", {
        "name": "profiles", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}})
    if status != 201:  # the bare app has no such route
        source = target = {"id": str(uuid.uuid4())}
    else:
        _, base = request(port, "POST", f"{BASE}/connections", {
            "name": "s3", "connectionSpec": S3,
            "auth": {"specName": "Access Key",
                     "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "a" * 40}}})
        _, target = request(port, "POST", f"{BASE}/targetConnections", {
            "name": "s3", "baseConnectionId": base["id"], "connectionSpec": S3,
            "params": {"mode": "Server-to-server", "bucketName": "bench", "path": "out",
                       "fileType": "CSV", "compression": "NONE"}})
    return {
        "name": "bench flow",
        "flowSpec": {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"},
        "sourceConnectionIds": [source["id"]],
        "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": [{
            "type": "PLATFORM_SEGMENT",
            "value": {"id": "seg-1", "exportMode": "DAILY_FULL_EXPORT",
                      "schedule": {"frequency": "DAILY", "startDate": "2026-01-01", "startTime": "10:00"}},
        }]}}}],
    }


def lua(method: str, body: dict | None) -> str:
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in HEADERS.items()]
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    return "\n".join(lines) + "\n" + WRK_DONE


class Target:
    """One server under test, started and ready, with its wrk scripts."""

    def __init__(self, name: str, argv: list[str], port: int, pin: bool, tmp: str) -> None:
        self.name = name
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=HERE.parent,
            preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if pin else None,
        )
        wait_ready(self.proc, port)
        body = flow_body(port)
        status, created = request(port, "POST", f"{BASE}/flows", body)
        assert status == 201, (name, status, created)
        self.get_script, self.post_script = Path(tmp, f"{name}-get.lua"), Path(tmp, f"{name}-post.lua")
        self.get_script.write_text(lua("GET", None))
        self.post_script.write_text(lua("POST", body))
        self.url = f"http://{HOST}:{port}{BASE}/flows"
        self.flow_id = created["id"]

    def run(self, duration: int, connections: int) -> dict:
        return {
            "get": run_wrk(f"{self.url}/{self.flow_id}", str(self.get_script), duration, connections),
            "post": run_wrk(self.url, str(self.post_script), duration, connections),
        }

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def throughput(args) -> dict | None:
    """Rounds alternate mock and bare, so that a drift of the machine's speed hits both alike;
    the ratio reported is the median of the rounds' ratios."""
    if not shutil.which("wrk"):
        print("wrk not found: throughput skipped (Debian: apt-get install -y wrk)", file=sys.stderr)
        return None
    pin = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2
    if pin:
        os.sched_setaffinity(0, {LOADGEN_CPU})
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        mock_port, bare_port = free_port(), free_port()
        targets = [
            Target("mock", [sys.executable, "-m", "mockserver", "serve", "--port", str(mock_port),
                            "--threads", str(args.threads), "--seed", "1"], mock_port, pin, tmp),
            Target("bare", [sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port),
                            "--threads", str(args.threads)], bare_port, pin, tmp),
        ]
        try:
            for target in targets:
                target.run(1, args.connections)  # warm-up
            for _ in range(args.rounds):
                rounds.append({t.name: t.run(args.duration, args.connections) for t in targets})
        finally:
            for target in targets:
                target.stop()
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s per run, {args.rounds} rounds, waitress "
          f"{args.threads} threads" + (f", server on CPU {SERVER_CPU}, wrk on CPU {LOADGEN_CPU}" if pin else ""))
    print(f"{'round':6}{'':6}{'GET req/s':>12}{'p99 ms':>9}{'POST req/s':>12}{'p99 ms':>9}")
    for number, result in enumerate(rounds, 1):
        for name in ("mock", "bare"):
            g, p = result[name]["get"], result[name]["post"]
            print(f"{number:<6}{name:6}{g['rps']:>12}{g['p99_ms']:>9}{p['rps']:>12}{p['p99_ms']:>9}")
    ratios = {op: [r["mock"][op]["rps"] / r["bare"][op]["rps"] for r in rounds] for op in ("get", "post")}
    medians = {op: round(statistics.median(values), 3) for op, values in ratios.items()}
    print(f"mock/bare, median of {args.rounds} rounds: GET {medians['get']}, POST {medians['post']} "
          f"(GET {min(ratios['get']):.2f}-{max(ratios['get']):.2f}, POST {min(ratios['post']):.2f}-{max(ratios['post']):.2f})")
    return {"rounds": rounds, "get_ratio": medians["get"], "post_ratio": medians["post"]}


# --- scale: GET by id with many flows in memory ----------------------------------------

def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scale(flows: int) -> dict:
    from werkzeug.test import EnvironBuilder

    from mockserver import create_app
    from mockserver.domain.context import Caller
    from mockserver.settings import Settings

    app = create_app(Settings(seed=1))
    platform = app.extensions["flowservice"]
    tenant = platform.store.tenant(HEADERS["x-gw-ims-org-id"], "prod")
    caller = Caller(tenant, "bench@AdobeID", "bench")
    source = platform.source_connections.create(caller, {
        "name": "p", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}})
    base = platform.connections.create(caller, {"name": "s3", "connectionSpec": S3, "auth": {
        "specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "a" * 40}}})
    target = platform.target_connections.create(caller, {
        "name": "t", "baseConnectionId": base["id"], "connectionSpec": S3,
        "params": {"mode": "Server-to-server", "bucketName": "bench", "path": "out",
                   "fileType": "CSV", "compression": "NONE"}})
    body = {
        "name": "f", "flowSpec": {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"},
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [],
    }

    def get_latency_us(ids: list[str], rounds: int = 3000) -> float:
        environs = [EnvironBuilder(path=f"{BASE}/flows/{i}", headers=HEADERS).get_environ() for i in ids]
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            for n in range(rounds):
                b"".join(app(dict(environs[n % len(environs)]), lambda status, headers: None))
            samples.append((time.perf_counter() - started) / rounds * 1e6)
        return round(statistics.median(samples), 1)

    first = platform.flows.create(caller, body)["id"]
    one = get_latency_us([first])
    rss_before = rss_mib()
    started = time.perf_counter()
    ids = [first] + [platform.flows.create(caller, body)["id"] for _ in range(flows - 1)]
    create_s = time.perf_counter() - started
    rss_after = rss_mib()
    many = get_latency_us(random.Random(1).sample(ids, min(1000, len(ids))))
    result = {
        "flows": flows,
        "get_us_1_flow": one,
        f"get_us_{flows}_flows": many,
        "create_seconds": round(create_s, 2),
        "rss_mib_added": round(rss_after - rss_before, 1),
        "kib_per_flow": round((rss_after - rss_before) * 1024 / flows, 2),
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"GET /flows/{{id}} in-process: {one} us with 1 flow, {many} us with {flows:,} flows; "
          f"{flows:,} flows created in {create_s:.1f} s, +{result['rss_mib_added']} MiB "
          f"({result['kib_per_flow']} KiB per flow)")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating mock/bare rounds (default 3)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--flows", type=int, default=100_000, help="flows for the scale run (default 100000)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_bare:
        return serve_bare(args.serve_bare, args.threads)
    results = {"throughput": throughput(args), "scale": scale(args.flows)}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
