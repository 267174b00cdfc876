"""Costs that must not grow with the size of the state, measured in-process (no socket).

* the journal: ``GET /_mock/requests`` whole and with ``?limit=100``, for journals of N exchanges;
* listing: walking every page of ``GET /flows`` by ``continuationToken``, for N flows in one tenant;
* runs: ``GET /runs/{id}`` (its first call, then the median), for N flows in one tenant;
* connections: a PATCH of a target connection that one flow uses (the flows that use it are looked
  up: first call, then the median), for N flows in one tenant.

Each figure is the median of ``--repeat`` timings. Bounded in count (``--sizes``) and time
(``--max-seconds`` per size: a size whose setup passes it is reported and the rest skipped).

Usage::

    python benchmarks/state_size.py [--sizes 1000,10000,100000] [--repeat 3] [--part journal|pages|runs|connections|all]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from contracts import bodies  # noqa: E402
from mockserver import create_app  # noqa: E402
from mockserver.settings import Settings  # noqa: E402

BASE = "/data/foundation/flowservice"
HEADERS = {"Authorization": "Bearer bench-token", "x-api-key": "bench", "x-gw-ims-org-id": "BENCH@AdobeOrg",
           "x-sandbox-name": "prod"}


def timed(action, repeat: int) -> float:
    """Median seconds of ``repeat`` calls of ``action``."""
    spent = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def first_then(action, repeat: int) -> dict:
    """Milliseconds of the first call (the first look at the state), then the median of the next."""
    first = timed(action, 1)
    return {"first ms": first * 1000, "then ms": timed(action, max(repeat, 20)) * 1000}


def journal(size: int, repeat: int) -> dict:
    app = create_app(Settings(seed=1, journal_size=size, scheduler_interval=0))
    journal = app.extensions["flowservice"].journal
    headers = {"HTTP_AUTHORIZATION": "Bearer bench-token", "HTTP_X_GW_IMS_ORG_ID": "BENCH@AdobeOrg"}
    for number in range(size):
        journal.record(at=time.time(), duration=0.0001, method="GET", path=f"{BASE}/flows/{number}", query="",
                       request_headers=dict(headers), request_body=b"", status=404,
                       response_headers=[("Content-Type", "application/json"), ("x-request-id", str(number))],
                       response_body=b'{"error_code":"404"}')
    client = app.test_client()

    def listing(query: str):
        def call():
            response = client.get(f"/_mock/requests{query}")
            assert response.status_code == 200, response.get_data()
        return call

    return {"whole s": timed(listing(""), repeat), "limit=100 ms": timed(listing("?limit=100"), repeat) * 1000}


def with_flows(size: int):
    """An app whose tenant holds ``size`` enabled audience flows: one made through the API, the
    others its copies under new ids, put straight into the store (fast)."""
    app = create_app(Settings(seed=1, scheduler_interval=0))
    client = app.test_client()

    def created(path: str, body: dict) -> str:
        response = client.post(f"{BASE}/{path}", json=body, headers=HEADERS)
        assert response.status_code in (200, 201), response.get_data()
        return response.get_json()["id"]

    source = created("sourceConnections", bodies.profile_source())
    base = created("connections", bodies.s3_connection())
    target, others = (created("targetConnections", bodies.s3_target(base)) for _ in range(2))
    body = bodies.audience_flow(source, target)
    body["transformations"][0]["params"]["segmentSelectors"]["selectors"] = [
        bodies.selector(app.extensions["flowservice"].data.audiences[0]["id"])]
    model = client.get(f"{BASE}/flows/{created('flows', body)}", headers=HEADERS).get_json()["items"][0]
    tenant = app.extensions["flowservice"].store.tenant(HEADERS["x-gw-ims-org-id"], HEADERS["x-sandbox-name"])
    stored = tenant.get("flows", model["id"])
    for number in range(size - 1):
        # The copies export elsewhere: the first target connection is used by the model flow only.
        tenant.put("flows", {**stored, "id": f"{number:08d}-0000-4000-8000-000000000000", "name": f"flow {number}",
                             "targetConnectionIds": [others], "updatedAt": stored["updatedAt"] + number + 1,
                             "etag": f'"{number}"'})
    return app, tenant


def runs(size: int, repeat: int) -> dict:
    app, tenant = with_flows(size)
    tenant.put("runs", {"id": "run-1", "flowId": tenant.values("flows")[0]["id"], "createdAt": 0,
                        "updatedAt": 0, "etag": '"1"', "metrics": {"statusSummary": {"status": "success"}},
                        "activities": []})
    client = app.test_client()

    def read():
        response = client.get(f"{BASE}/runs/run-1", headers=HEADERS)
        assert response.status_code == 200, response.get_data()

    return first_then(read, repeat)


def connections(size: int, repeat: int) -> dict:
    app, tenant = with_flows(size)
    client = app.test_client()
    target = min(tenant.values("flows"), key=lambda flow: flow["updatedAt"])["targetConnectionIds"][0]

    def patch():
        etag = client.get(f"{BASE}/targetConnections/{target}", headers=HEADERS).get_json()["items"][0]["etag"]
        response = client.patch(f"{BASE}/targetConnections/{target}", headers={**HEADERS, "If-Match": etag},
                                json=[{"op": "replace", "path": "/name", "value": f"t{time.perf_counter()}"}])
        assert response.status_code == 200, response.get_data()

    return first_then(patch, repeat)


def pages(size: int, repeat: int) -> dict:
    app, _ = with_flows(size)
    client = app.test_client()

    def walk():
        query, walked = "", 0
        while True:
            body = client.get(f"{BASE}/flows{query}", headers=HEADERS).get_json()
            walked += len(body["items"])
            following = body["_links"].get("next")
            if not following:
                break
            query = "?" + following["href"].split("?", 1)[1]
        assert walked == size, walked

    whole = timed(walk, repeat)
    return {"walk s": whole, "pages": -(-size // 100), "per page ms": whole / -(-size // 100) * 1000}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--part", choices=("journal", "pages", "runs", "connections", "all"), default="all")
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    parts = {"journal": journal, "pages": pages, "runs": runs, "connections": connections}
    for name, measure in parts.items():
        if args.part not in (name, "all"):
            continue
        for size in (int(text) for text in args.sizes.split(",")):
            started = time.perf_counter()
            figures = measure(size, args.repeat)
            print(f"{name:8} {size:>7,}: " + ", ".join(f"{k} {v:.3g}" for k, v in figures.items()), flush=True)
            if time.perf_counter() - started > args.max_seconds:
                print(f"{name}: stopping after {size:,} (over {args.max_seconds} s)")
                break
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
