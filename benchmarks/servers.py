"""Compare production WSGI servers for serving the Flask app in ONE process.

The emulator keeps all of its state in one process's memory, so every server
here runs a single process with several threads sharing that state.  For each
installed candidate the script starts the bare Flask app below on a free
127.0.0.1 port in a subprocess, measures start-up (spawn to first 200), warms
up, drives it with ``wrk`` (GET /item/<id>, then POST /items with a JSON
body), stops it with SIGTERM and prints a table.

Servers that can run inside a thread of a Python process (waitress, cheroot,
werkzeug) are measured exactly that way: the subprocess is this script in
``--serve`` mode, which starts the server in a background thread through its
Python API and stops it through that API on SIGTERM -- what a pytest plugin
does.  "stop ms" then shows whether that programmatic stop is clean and quick.
gunicorn, granian and uWSGI only run as their own process (see ``SUBPROCESS``);
each runs one worker process (plus its supervising master) with threads.

On a machine with two or more CPUs the server is pinned to CPU 1 and this
script and wrk to CPU 0, so the load generator does not steal the server's
core.

Usage::

    python benchmarks/servers.py [--servers waitress,cheroot] [--duration 5]
                                 [--threads 8] [--connections 16] [--json PATH]

Needs ``wrk`` (Debian: ``apt-get install -y wrk``); exits 2 without it.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.metadata
import importlib.util
import itertools
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from flask import Flask, request

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
LOADGEN_CPU, SERVER_CPU = 0, 1
STARTUP_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
WARMUP_S = 1

# --- the bare app under test ---------------------------------------------

ITEMS = {str(i): {"id": str(i), "name": f"item-{i}", "price": i * 1.5} for i in range(1000)}
_next_id = itertools.count(len(ITEMS))

app = Flask(__name__)


@app.get("/item/<item_id>")
def get_item(item_id):
    item = ITEMS.get(item_id)
    return (item, 200) if item else ({"error": "not found"}, 404)


@app.post("/items")
def post_item():
    item_id = str(next(_next_id))
    ITEMS[item_id] = {**request.get_json(), "id": item_id}
    return {"id": item_id}, 201


# --- servers that run in a thread: (port, threads) -> (serve, stop) --------


def _waitress(port, threads):
    import waitress
    from waitress import wasyncore

    server = waitress.create_server(app, host=HOST, port=port, threads=threads)

    def serve():
        server.run()
        server.task_dispatcher.shutdown()

    def stop():
        # server.close() alone leaves run() looping while keep-alive
        # connections are open; close every channel from the loop's thread.
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))

    return serve, stop


def _cheroot(port, threads):
    from cheroot import wsgi

    server = wsgi.Server((HOST, port), app, numthreads=threads)
    server.prepare()  # binds now, so a bad port fails here, not in the thread
    return server.serve, server.stop


def _werkzeug(port, threads):
    # Flask's development server: a baseline, not a production candidate.
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request log
    server = make_server(HOST, port, app, threaded=True)

    def stop():
        server.shutdown()
        server.server_close()

    return server.serve_forever, stop


IN_THREAD = {"waitress": _waitress, "cheroot": _cheroot, "werkzeug": _werkzeug}

# --- servers that only run as their own process: (port, threads) -> argv -----

SUBPROCESS = {
    "gunicorn": lambda port, threads: [
        sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}",
        "--workers", "1", "--worker-class", "gthread", "--threads", str(threads),
        "--log-level", "warning", "servers:app",
    ],
    "granian": lambda port, threads: [
        sys.executable, "-m", "granian", "--interface", "wsgi",
        "--host", HOST, "--port", str(port), "--workers", "1",
        "--blocking-threads", str(threads), "--no-ws", "--log-level", "warning",
        "servers:app",
    ],
    "uwsgi": lambda port, threads: [
        sys.executable, "-c", "import pyuwsgi, sys; sys.exit(pyuwsgi.run())",
        "--http11-socket", f"{HOST}:{port}", "--module", "servers:app",
        "--master", "--processes", "1", "--threads", str(threads),
        "--die-on-term", "--disable-logging", "--need-app",
    ],
}

# name -> (module that must be importable, distribution for the version)
CANDIDATES = {
    "waitress": ("waitress", "waitress"),
    "cheroot": ("cheroot", "cheroot"),
    "gunicorn": ("gunicorn", "gunicorn"),
    "granian": ("granian", "granian"),
    "uwsgi": ("pyuwsgi", "pyuwsgi"),
    "werkzeug": ("werkzeug", "werkzeug"),
}


def serve_in_thread(name, port, threads):
    """--serve mode: run one IN_THREAD server in a background thread until SIGTERM."""
    # Block SIGTERM in every thread (new threads inherit the mask) and wait for
    # it here: a handler plus Event.wait() misses signals that the kernel
    # hands to one of the server's threads.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    serve, stop = IN_THREAD[name](port, threads)
    thread = threading.Thread(target=serve, name=f"{name}-server", daemon=True)
    thread.start()
    signal.sigwait({signal.SIGTERM})
    stop()
    thread.join(STOP_TIMEOUT_S)
    return 1 if thread.is_alive() else 0


# --- measuring -------------------------------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, "p50_us": %.1f, "p99_us": %.1f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(99)))
end
"""
WRK_POST = """
wrk.method = "POST"
wrk.body = '{"name": "widget", "price": 3.5, "tags": ["a", "b"]}'
wrk.headers["Content-Type"] = "application/json"
"""


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_ready(proc, port, started):
    """Poll GET /item/1 until it answers 200; return seconds since spawn."""
    deadline = started + STARTUP_TIMEOUT_S
    while time.perf_counter() < deadline and proc.poll() is None:
        conn = http.client.HTTPConnection(HOST, port, timeout=1)
        try:
            conn.request("GET", "/item/1")
            if conn.getresponse().status == 200:
                return time.perf_counter() - started
        except (OSError, http.client.HTTPException):
            time.sleep(0.005)
        finally:
            conn.close()
    raise RuntimeError("server exited early" if proc.poll() is not None else "no 200 in time")


def run_wrk(url, script, duration, connections):
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s", "-s", script, url],
        capture_output=True, text=True, timeout=duration + 30, check=True,
    ).stdout
    stats = json.loads(next(line[4:] for line in out.splitlines() if line.startswith("WRK ")))
    return {
        "rps": round(stats["requests"] / (stats["duration_us"] / 1e6), 1),
        "p50_ms": round(stats["p50_us"] / 1000, 3),
        "p99_ms": round(stats["p99_us"] / 1000, 3),
        "errors": stats["errors"] + stats["non_2xx"],
    }


def bench(name, args, scripts, pin):
    port = free_port()
    if name in IN_THREAD:
        argv = [sys.executable, str(Path(__file__).resolve()), "--serve", name,
                "--port", str(port), "--threads", str(args.threads)]
    else:
        argv = SUBPROCESS[name](port, args.threads)
    result = {"server": name, "mode": "in-thread" if name in IN_THREAD else "subprocess"}
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=HERE, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, {SERVER_CPU})) if pin else None,
        )
        try:
            result["startup_ms"] = round(wait_ready(proc, port, started) * 1000, 1)
            base = f"http://{HOST}:{port}"
            run_wrk(f"{base}/item/42", scripts["GET"], WARMUP_S, args.connections)
            result["get"] = run_wrk(f"{base}/item/42", scripts["GET"], args.duration, args.connections)
            result["post"] = run_wrk(f"{base}/items", scripts["POST"], args.duration, args.connections)
        except (RuntimeError, subprocess.SubprocessError, StopIteration) as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            stopping = time.perf_counter()
            proc.send_signal(signal.SIGTERM)
            try:
                result["exit_code"] = proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                result["exit_code"] = f"killed after {STOP_TIMEOUT_S:.0f}s"
                proc.wait()
            result["stop_ms"] = round((time.perf_counter() - stopping) * 1000, 1)
        if "error" in result:
            log.seek(0)
            result["log_tail"] = log.read()[-2000:]
    return result


def print_table(results):
    head = ("server", "mode", "start ms", "GET req/s", "p50 ms", "p99 ms",
            "POST req/s", "p50 ms", "p99 ms", "errors", "stop ms", "exit")
    rows = []
    for r in results:
        if "get" in r:
            g, p = r["get"], r["post"]
            figures = (r["startup_ms"], g["rps"], g["p50_ms"], g["p99_ms"],
                       p["rps"], p["p50_ms"], p["p99_ms"], g["errors"] + p["errors"])
        else:
            figures = (r.get("error", ""),) + ("",) * 7
        rows.append((r["server"], r["mode"], *figures, r.get("stop_ms", ""), r.get("exit_code", "")))
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]
    for row in (head, *rows):
        print("  ".join(str(cell).rjust(width) for cell, width in zip(row, widths)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", default=",".join(CANDIDATES),
                        help="comma-separated subset of: %(default)s")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (default 5)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (default 8)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--serve", choices=sorted(IN_THREAD), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve_in_thread(args.serve, args.port, args.threads)

    names = [n.strip() for n in args.servers.split(",") if n.strip()]
    unknown = sorted(set(names) - set(CANDIDATES))
    if unknown:
        parser.error(f"unknown server(s): {', '.join(unknown)}")
    if not shutil.which("wrk"):
        print("wrk not found: install it (Debian: apt-get install -y wrk) to run this benchmark",
              file=sys.stderr)
        return 2

    pin = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2
    if pin:
        os.sched_setaffinity(0, {LOADGEN_CPU})  # wrk inherits it
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s; server threads {args.threads}; "
          + (f"server on CPU {SERVER_CPU}, wrk on CPU {LOADGEN_CPU}" if pin else "no CPU pinning"))

    results, versions = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        scripts = {"GET": Path(tmp, "get.lua"), "POST": Path(tmp, "post.lua")}
        scripts["GET"].write_text(WRK_DONE)
        scripts["POST"].write_text(WRK_POST + WRK_DONE)
        for name in names:
            module, dist = CANDIDATES[name]
            if importlib.util.find_spec(module) is None:
                print(f"{name}: not installed, skipped")
                continue
            versions[name] = importlib.metadata.version(dist)
            print(f"{name} {versions[name]} ...", flush=True)
            results.append(bench(name, args, scripts, pin))

    print()
    print_table(results)
    for r in results:
        if "log_tail" in r:
            print(f"\n{r['server']} output:\n{r['log_tail']}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "python": platform.python_version(), "cpus": os.cpu_count(), "pinned": pin,
            "duration_s": args.duration, "connections": args.connections,
            "threads": args.threads, "versions": versions, "results": results,
        }, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
