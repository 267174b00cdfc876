"""Throughput of the store backends under the production server, in one run.

Two measurements, each a table:

1. **Backends.** ``GET /flows/{id}`` and ``POST /flows`` on ``flowservice-mock serve`` with
   ``--store memory``, ``--store sqlite:<tmp>/s.db`` and ``--store redis://...`` (a
   redis-server started here on loopback, without persistence), one process each, the same
   threads, driven by ``wrk``. Rounds alternate the backends, so that a drift of the machine's
   speed hits all alike; the ratios reported are medians of the rounds' ratios to memory.
   Targets: sqlite GET >= 0.8 x memory, redis GET >= 0.5 x memory.
2. **Processes on one Redis.** The same requests with 1, 2 and 4 mock processes on one Redis,
   the client going round the processes (one wrk thread per process, each on its own port).

On a machine with two or more CPUs, part 1 pins the mock to CPU 1 and wrk and redis-server to
CPU 0; part 2 pins nothing (the processes share the machine).

Usage::

    python benchmarks/store_backends.py [--duration 5] [--rounds 2] [--threads 8] [--connections 16]
                                        [--processes 1,2,4] [--json PATH]

Needs ``redis-server`` (Debian: ``apt-get install -y redis-server``). Without ``wrk`` (Debian:
``apt-get install -y wrk``) a bounded Python client with threads drives the load instead (slower:
its figures are lower and not comparable with wrk's). Loopback only; every load is bounded in time
(and the Python client's in requests too).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from pipeline import BASE, HEADERS, flow_body, request, wait_ready  # noqa: E402
from servers import HOST, LOADGEN_CPU, SERVER_CPU, WRK_DONE, free_port  # noqa: E402

#: The Python client's bound on requests per run, whatever the duration.
MAX_PYTHON_REQUESTS = 200_000


# --- redis-server and the mock processes --------------------------------------------------

class RedisServer:
    def __init__(self, tmp: str, pin: bool) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            raise SystemExit("redis-server not found (Debian: apt-get install -y redis-server)")
        self.port = free_port()
        self.proc = subprocess.Popen(
            [executable, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no",
             "--dir", tmp, "--loglevel", "warning"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=(lambda: os.sched_setaffinity(0, {LOADGEN_CPU})) if pin else None)
        deadline = time.monotonic() + 10
        while not self.command(b"PING").startswith(b"+PONG"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise SystemExit("redis-server did not start")
            time.sleep(0.02)

    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def command(self, line: bytes) -> bytes:
        import socket

        try:
            with socket.create_connection((HOST, self.port), timeout=5) as conn:
                conn.sendall(line + b"\r\n")
                return conn.recv(64)
        except OSError:
            return b""

    def stop(self) -> None:
        stop(self.proc)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_mock(store: str, threads: int, pin: bool) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--threads", str(threads),
         "--seed", "1", "--store", store, "--scheduler-interval", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=HERE.parent,
        preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if pin else None)
    wait_ready(proc, port)
    return proc, port


# --- load ---------------------------------------------------------------------------------

def wrk_script(method: str, body: dict | None, ports: list[int]) -> str:
    """wrk's script: headers and body, and one thread per port (the client going round them)."""
    lines = [f'wrk.method = "{method}"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in HEADERS.items()]
    if body is not None:
        lines.append(f"wrk.body = [[{json.dumps(body)}]]")
    lines.append("local ports = {" + ", ".join(f'"{p}"' for p in ports) + "}")
    lines.append("local n = 0")
    lines.append("setup = function(thread)")
    lines.append(f'  n = n + 1; thread.addr = wrk.lookup("{HOST}", ports[(n - 1) % #ports + 1])[1]')
    lines.append("end")
    return "\n".join(lines) + "\n" + WRK_DONE


def run_wrk(ports: list[int], path: str, method: str, body: dict | None, duration: int, connections: int,
            tmp: str) -> dict:
    script = Path(tmp, f"{method.lower()}-{len(ports)}.lua")
    script.write_text(wrk_script(method, body, ports))
    threads = len(ports)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{max(connections, threads)}", f"-d{duration}s", "--timeout", "5s",
         "-s", str(script), f"http://{HOST}:{ports[0]}{path}"],
        capture_output=True, text=True, timeout=duration + 30, check=True).stdout
    stats = json.loads(next(line[4:] for line in out.splitlines() if line.startswith("WRK ")))
    return {"rps": round(stats["requests"] / (stats["duration_us"] / 1e6)),
            "p99_ms": round(stats["p99_us"] / 1000, 1), "errors": stats["errors"] + stats["non_2xx"]}


def run_python(ports: list[int], path: str, method: str, body: dict | None, duration: int, connections: int,
               tmp: str) -> dict:
    """The fallback client: ``connections`` threads, each on a keep-alive connection to the ports
    in turn, bounded by ``duration`` and by MAX_PYTHON_REQUESTS in all."""
    payload = json.dumps(body).encode() if body is not None else None
    deadline = time.monotonic() + duration
    counts, errors, latencies = [0] * connections, [0] * connections, [[] for _ in range(connections)]
    budget = MAX_PYTHON_REQUESTS // connections

    def work(n: int) -> None:
        conn = http.client.HTTPConnection(HOST, ports[n % len(ports)], timeout=5)
        while counts[n] + errors[n] < budget and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request(method, path, payload, HEADERS)
                response = conn.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(HOST, ports[n % len(ports)], timeout=5)
                ok = False
            latencies[n].append(time.perf_counter() - started)
            if ok:
                counts[n] += 1
            else:
                errors[n] += 1
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(duration + 30)
    elapsed = time.monotonic() - started
    every = sorted(x for per in latencies for x in per)
    p99 = every[int(len(every) * 0.99)] * 1000 if every else 0.0
    return {"rps": round(sum(counts) / elapsed), "p99_ms": round(p99, 1), "errors": sum(errors)}


def prepare(port: int) -> tuple[dict, str]:
    """A flow body (its connections created) and one flow to GET."""
    body = flow_body(port)
    status, created = request(port, "POST", f"{BASE}/flows", body)
    assert status == 201, (status, created)
    return body, created["id"]


def measure(load, ports: list[int], duration: int, connections: int, tmp: str) -> dict:
    body, flow_id = prepare(ports[0])
    load(ports, f"{BASE}/flows/{flow_id}", "GET", None, 1, connections, tmp)  # warm-up
    return {"get": load(ports, f"{BASE}/flows/{flow_id}", "GET", None, duration, connections, tmp),
            "post": load(ports, f"{BASE}/flows", "POST", body, duration, connections, tmp)}


# --- the two parts --------------------------------------------------------------------------

def backends(args, load, redis: RedisServer, tmp: str, pin: bool) -> dict:
    rounds: list[dict] = []
    for number in range(args.rounds):
        result = {}
        for name in ("memory", "sqlite", "redis"):
            redis.command(b"FLUSHALL")
            store = {"memory": "memory", "sqlite": f"sqlite:{tmp}/s-{number}.db", "redis": redis.url()}[name]
            proc, port = start_mock(store, args.threads, pin)
            try:
                result[name] = measure(load, [port], args.duration, args.connections, tmp)
            finally:
                stop(proc)
        rounds.append(result)
    print(f"\n1. Backends: one mock process, {args.threads} threads, {args.connections} connections, "
          f"{args.duration} s per run" + (f", mock on CPU {SERVER_CPU}, load and redis on CPU {LOADGEN_CPU}"
                                           if pin else ""))
    print(f"{'round':6}{'store':8}{'GET req/s':>11}{'p99 ms':>8}{'POST req/s':>12}{'p99 ms':>8}{'errors':>8}")
    for number, result in enumerate(rounds, 1):
        for name, r in result.items():
            print(f"{number:<6}{name:8}{r['get']['rps']:>11}{r['get']['p99_ms']:>8}{r['post']['rps']:>12}"
                  f"{r['post']['p99_ms']:>8}{r['get']['errors'] + r['post']['errors']:>8}")
    ratios = {f"{name}_{op}": round(statistics.median(r[name][op]["rps"] / r["memory"][op]["rps"] for r in rounds), 2)
              for name in ("sqlite", "redis") for op in ("get", "post")}
    print(f"÷ memory, median of {args.rounds} rounds: sqlite GET {ratios['sqlite_get']} (target 0.8), "
          f"POST {ratios['sqlite_post']}; redis GET {ratios['redis_get']} (target 0.5), POST {ratios['redis_post']}")
    return {"rounds": rounds, "ratios": ratios}


def processes(args, load, redis: RedisServer, tmp: str) -> dict:
    counts = [int(n) for n in args.processes.split(",")]
    rounds: list[dict] = []
    for _ in range(args.rounds):
        result = {}
        for count in counts:
            redis.command(b"FLUSHALL")
            started = [start_mock(redis.url(), args.threads, False) for _ in range(count)]
            try:
                result[count] = measure(load, [port for _, port in started], args.duration, args.connections, tmp)
            finally:
                for proc, _ in started:
                    stop(proc)
        rounds.append(result)
    print(f"\n2. Processes on one Redis: the client round the processes, {args.connections} connections in all, "
          f"nothing pinned")
    print(f"{'round':6}{'procs':>5}{'GET req/s':>11}{'p99 ms':>8}{'POST req/s':>12}{'p99 ms':>8}{'errors':>8}")
    for number, result in enumerate(rounds, 1):
        for count, r in result.items():
            print(f"{number:<6}{count:>5}{r['get']['rps']:>11}{r['get']['p99_ms']:>8}{r['post']['rps']:>12}"
                  f"{r['post']['p99_ms']:>8}{r['get']['errors'] + r['post']['errors']:>8}")
    return {"rounds": rounds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each part (default 2)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="client connections (default 16)")
    parser.add_argument("--processes", default="1,2,4", help="mock processes of part 2 (default 1,2,4)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 60:
        parser.error("--duration is 1 to 60 seconds")
    load = run_wrk if shutil.which("wrk") else run_python
    if load is run_python:
        print("wrk not found: a Python client drives the load (Debian: apt-get install -y wrk)", file=sys.stderr)
    pin = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2
    with tempfile.TemporaryDirectory() as tmp:
        if pin:
            os.sched_setaffinity(0, {LOADGEN_CPU})
        redis = RedisServer(tmp, pin)
        try:
            results = {"backends": backends(args, load, redis, tmp, pin)}
            if pin:
                os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
            results["processes"] = processes(args, load, redis, tmp)
        finally:
            redis.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
