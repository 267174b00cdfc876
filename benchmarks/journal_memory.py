"""The request journal's memory under a long load: it must stay bounded by ``journal_size``.

Drives the WSGI app in-process (no socket) with a bounded mix of requests (list with large
answers, GET by id, POST with secrets, PATCH) and reports, every ``--every`` requests, the
journal's entries and the bytes it holds (its exchanges, walked) and the traced memory of the
process (tracemalloc). The store does not grow (creates are refused), so what grows is the journal's. Bounded in count (``--requests``) and time (``--max-seconds``).

Usage::

    python benchmarks/journal_memory.py [--requests 50000] [--journal-size 1000] [--every 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mockserver import create_app  # noqa: E402
from mockserver.settings import Settings  # noqa: E402

BASE = "/data/foundation/flowservice"
HEADERS = {"HTTP_AUTHORIZATION": "Bearer bench-token", "HTTP_X_API_KEY": "bench",
           "HTTP_X_GW_IMS_ORG_ID": "BENCH@AdobeOrg", "HTTP_X_SANDBOX_NAME": "prod"}
S3 = {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"}


def call(app, method: str, path: str, body=None, query: str = "", headers=None) -> tuple[int, dict]:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "bench",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr, "CONTENT_LENGTH": str(len(raw)),
               "CONTENT_TYPE": "application/json" if raw else "", **HEADERS, **(headers or {})}
    answer: dict = {}
    data = b"".join(app(environ, lambda status, hdrs, *exc: answer.update(status=int(status[:3]))))
    return answer["status"], json.loads(data) if data else {}


def journal_bytes(journal) -> int:
    """Bytes held by the journal's ring (its rows: tuples of strings, bytes, numbers; shared objects once)."""
    seen: set[int] = set()

    def size(value) -> int:
        if id(value) in seen:
            return 0
        seen.add(id(value))
        total = sys.getsizeof(value)
        if isinstance(value, tuple):
            total += sum(size(v) for v in value)
        return total

    return sys.getsizeof(journal._ring) + sum(size(row) for row in list(journal._ring))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50_000)
    parser.add_argument("--journal-size", type=int, default=1000)
    parser.add_argument("--every", type=int, default=10_000)
    parser.add_argument("--max-seconds", type=float, default=300)
    args = parser.parse_args()

    app = create_app(Settings(seed=1, journal_size=args.journal_size))
    journal = app.extensions["flowservice"].journal
    connection = {"name": "S3", "connectionSpec": S3,
                  "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP",
                                                                "s3SecretKey": "a" * 40}}}
    ids = []
    for _ in range(100):  # list answers of 100 connections: bodies over the cap
        status, created = call(app, "POST", BASE + "/connections", connection)
        assert status == 201, created
        ids.append(created)
    journal.clear()
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    started = time.monotonic()
    print(f"journal_size {args.journal_size}, body limit {journal.body_limit} B; "
          f"mix: list (100 connections, ~{len(json.dumps(call(app, 'GET', BASE + '/connections')[1])) // 1024} KiB), "
          "GET by id, POST with a secret (refused: the store stays the same size), PATCH")
    print(f"{'requests':>9} {'entries':>8} {'journal KiB':>12} {'traced KiB':>11} {'s':>6}")
    done = 0
    while done < args.requests and time.monotonic() - started < args.max_seconds:
        kind = done % 4
        if kind == 0:
            call(app, "GET", BASE + "/connections")
        elif kind == 1:
            call(app, "GET", f"{BASE}/connections/{ids[done % 100]['id']}")
        elif kind == 2:  # refused (no spec version), so the store does not grow; its secret is journaled
            call(app, "POST", BASE + "/connections", {**connection, "name": f"c{done}", "connectionSpec": {"id": S3["id"]}})
        else:
            entity = ids[done % 100]
            status, updated = call(app, "PATCH", f"{BASE}/connections/{entity['id']}",
                                   [{"op": "replace", "path": "/name", "value": f"n{done}"}],
                                   headers={"HTTP_IF_MATCH": entity["etag"]})
            if status == 200:
                entity["etag"] = updated["etag"]
        done += 1
        if done % args.every == 0 or done == args.requests:
            traced = tracemalloc.get_traced_memory()[0] - baseline
            print(f"{done:>9} {len(journal._ring):>8} {journal_bytes(journal) / 1024:>12.0f} "
                  f"{traced / 1024:>11.0f} {time.monotonic() - started:>6.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
