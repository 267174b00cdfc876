"""``flowservice-mock serve`` on each HTTP server: GET /flows/{id} and POST /flows req/s and p99.

Starts the mock as a child process (journal on, every Flow Service header, the ticker off so that
the figures are the request path's), makes one flow through the API, and loads it with wrk
(``-t2 -c16``, the 477-byte flow body on POST), rounds alternating the configurations. With
``--redis`` also granian with 1 and 2 workers on one redis-server (started here, no persistence).

Usage::

    python benchmarks/serve_servers.py [--duration 5] [--rounds 2] [--redis]

Needs wrk (Debian: ``apt-get install -y wrk``) and, for ``--redis``, redis-server.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from contracts import bodies  # noqa: E402

HEADERS = {"Authorization": "Bearer bench", "x-api-key": "bench", "x-gw-ims-org-id": "BENCH@AdobeOrg",
           "x-sandbox-name": "prod", "Content-Type": "application/json"}
BASE = "/data/foundation/flowservice"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(flags: list[str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--seed", "1",
                                "--scheduler-interval", "0", *flags], cwd=tempfile.gettempdir(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/_mock/health", timeout=1)
            return process, url
        except requests.RequestException:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"serve {' '.join(flags)} did not answer")


def wrk(duration: float, args: list[str]) -> tuple[float, float]:
    headers = [part for k, v in HEADERS.items() for part in ("-H", f"{k}: {v}")]
    done = subprocess.run(["wrk", "-t2", "-c16", f"-d{max(1, round(duration))}s", "--latency", *headers, *args],
                          capture_output=True, text=True, timeout=duration + 30)
    out = done.stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk {' '.join(args)}: {out[-500:]} {done.stderr[-500:]}")
    rps = float(found.group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return rps, float(p99.group(1)) * scale


def measure(flags: list[str], duration: float, folder: Path) -> dict:
    process, url = start(flags)
    try:
        def created(path: str, body: dict) -> str:
            response = requests.post(url + BASE + path, json=body, headers=HEADERS, timeout=10)
            assert response.status_code in (200, 201), response.text
            return response.json()["id"]

        source = created("/sourceConnections", bodies.profile_source())
        target = created("/targetConnections", bodies.s3_target(created("/connections", bodies.s3_connection())))
        flow_body = bodies.audience_flow(source, target)
        flow = created("/flows", flow_body)
        script = folder / "post.lua"
        script.write_text(f"wrk.method = 'POST'\nwrk.body = [==[{json.dumps(flow_body)}]==]\n")
        get = wrk(duration, [f"{url}{BASE}/flows/{flow}"])
        post = wrk(duration, ["-s", str(script), f"{url}{BASE}/flows"])
        return {"GET req/s": get[0], "GET p99 ms": get[1], "POST req/s": post[0], "POST p99 ms": post[1]}
    finally:
        process.terminate()
        process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--redis", action="store_true", help="also 1 and 2 granian workers on one Redis")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not on PATH (apt-get install -y wrk)", file=sys.stderr)
        return 2
    configurations = {"waitress": ["--server", "waitress"], "granian": ["--server", "granian"]}
    redis = None
    with tempfile.TemporaryDirectory() as folder:
        if args.redis:
            port = free_port()
            redis = subprocess.Popen(["redis-server", "--port", str(port), "--save", "", "--appendonly", "no",
                                      "--dir", folder], stdout=subprocess.DEVNULL)
            time.sleep(0.5)
            store = ["--store", f"redis://127.0.0.1:{port}/0"]
            configurations["granian redis 1 worker"] = ["--server", "granian", *store]
            configurations["granian redis 2 workers"] = ["--server", "granian", "--workers", "2", *store]
        try:
            for round_ in range(1, args.rounds + 1):
                for name, flags in configurations.items():
                    figures = measure(flags, args.duration, Path(folder))
                    print(f"round {round_} {name:24} " + "  ".join(f"{k} {v:.1f}" for k, v in figures.items()),
                          flush=True)
        finally:
            if redis is not None:
                redis.terminate()
                redis.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
