"""How long ``SqliteStore(path)`` takes to open a file of many flows (every row loaded into memory).

The file is built once: one real flow, with its base, source and target connections, is made
through the domain (so the bodies are what the API stores, ~1.7 kB a flow), then copied under
new ids through the store API, each with an engine record as the scheduler leaves it. Each
timing opens the file in a fresh interpreter (a warm process would reuse the memory it freed).

Usage::

    python benchmarks/sqlite_startup.py [--flows 100000] [--runs 3] [--file /tmp/flows.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(path: str, flows: int) -> None:
    from mockserver.engine.runner import _FlowState
    from mockserver.store.sqlite import SqliteStore
    from tests.support import Api, make_app

    app = make_app()
    Api(app.test_client()).audience_flow()
    memory = app.extensions["flowservice"].store
    model = next(iter(memory.tenants()))
    store = SqliteStore(path)
    tenant = store.tenant(model.org, model.sandbox)
    for name in ("connections", "sourceConnections", "targetConnections"):
        for entity in model.values(name):
            tenant.put(name, entity)
    flow = model.values("flows")[0]
    started = time.perf_counter()
    with store.lock:  # one transaction for the lot: the build is not what is measured
        store._db.execute("BEGIN")
        for n in range(flows):
            flow_id = str(uuid.UUID(int=n, version=4))
            tenant.put("flows", {**flow, "id": flow_id, "name": f"Flow {n}",
                                 "runs": f"/runs?property=flowId=={flow_id}"})
            tenant.save_engine_state(flow_id, _FlowState(
                {"segment:a": 1.7e9}, {"segment:a": 1.7e9}, {"segment:a": 1.7e9},
                (flow["etag"], "enabled"), float("inf")))
        store._db.execute("COMMIT")
    store.close()
    print(f"built {path}: {flows:,} flows in {time.perf_counter() - started:.1f} s, "
          f"{os.path.getsize(path) / 1e6:.0f} MB", flush=True)


def open_once(path: str) -> None:
    from mockserver.store.sqlite import SqliteStore

    started = time.perf_counter()
    store = SqliteStore(path)
    elapsed = time.perf_counter() - started
    flows = sum(t.counts()["flows"] for t in store.tenants())
    store.close()
    print(f"{elapsed:.3f} {flows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--file", default="/tmp/flowservice-mock-startup.db")
    parser.add_argument("--open", help=argparse.SUPPRESS)  # the child: time one opening
    args = parser.parse_args()
    if args.open:
        open_once(args.open)
        return
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(args.file + suffix):
            os.remove(args.file + suffix)
    build(args.file, args.flows)
    times = []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, __file__, "--open", args.file], check=True,
                             capture_output=True, text=True).stdout.split()
        times.append(float(out[0]))
        assert int(out[1]) == args.flows, out
    print(f"SqliteStore(path) with {args.flows:,} flows: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s ({args.runs} fresh processes)")


if __name__ == "__main__":
    main()
