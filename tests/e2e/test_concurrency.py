"""Concurrent writers over a real server: the etag lets exactly one of them win."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from ..support import BASE, HEADERS, PROFILE_STORE, S3, S3_AUTH, S3_SEGMENT_FLOW, S3_TARGET_PARAMS, spec

WRITERS = 8


def test_one_of_many_patches_with_the_same_etag_wins(server, http):
    base = http("POST", "/connections", {"name": "s3", "connectionSpec": spec(S3), "auth": S3_AUTH}).json()["id"]
    target = http("POST", "/targetConnections", {"name": "t", "baseConnectionId": base, "connectionSpec": spec(S3),
                                                 "params": S3_TARGET_PARAMS}).json()["id"]
    source = http("POST", "/sourceConnections", {"name": "s", "connectionSpec": spec(PROFILE_STORE)}).json()["id"]
    flow = http("POST", "/flows", {"name": "f", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
                                   "targetConnectionIds": [target], "transformations": []}).json()

    def rename(n: int) -> int:
        return requests.patch(f"{server.url}{BASE}/flows/{flow['id']}", timeout=10,
                              headers={**HEADERS, "If-Match": flow["etag"]},
                              json=[{"op": "replace", "path": "/name", "value": f"writer {n}"}]).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        statuses = sorted(pool.map(rename, range(WRITERS)))
    assert statuses.count(412) == WRITERS - 1
    assert statuses[0] < 300
    stored = http("GET", f"/flows/{flow['id']}").json()["items"][0]
    assert stored["name"].startswith("writer ") and stored["etag"] != flow["etag"]
