"""The example client (examples/retrying_client.py) against injected faults, with the pytest plugin.

Each test injects one kind of failure and checks that the client gets through it, that the
journal shows the failure happened, and that the client's traffic conforms.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import requests

SPEC = importlib.util.spec_from_file_location(
    "retrying_client", Path(__file__).resolve().parents[2] / "examples" / "retrying_client.py")
retrying_client = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(retrying_client)

S3 = {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"}
S3_AUTH = {"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "s" * 40}}


@pytest.fixture
def client(flowservice_mock):
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # real waits (the conformance rules measure them), kept short
        sleeps.append(seconds)
        __import__("time").sleep(seconds)

    made = retrying_client.FlowServiceClient(
        flowservice_mock.url, api_key="example-client", org_id=flowservice_mock.headers["x-gw-ims-org-id"],
        token_provider=retrying_client.ims_token_provider(flowservice_mock.url, "example-client", "secret"),
        backoff=0.01, sleep=sleep,
    )
    made.sleeps = sleeps
    return made


def statuses(mock, **filters) -> list:
    return [e["response"] and e["response"]["status"] for e in mock.requests(**filters)]


def connection(client) -> dict:
    return client.create("connections", {"name": "S3", "connectionSpec": S3, "auth": S3_AUTH})


@pytest.mark.flowservice_conformant
@pytest.mark.flowservice_fault(status=429, retry_after=1, times=1, method="GET")
def test_waits_out_a_429(flowservice_mock, client):
    created = connection(client)
    assert client.get("connections", created["id"])["name"] == "S3"
    assert statuses(flowservice_mock, method="GET") == [429, 200]
    assert client.sleeps == [1.0]


@pytest.mark.flowservice_conformant
@pytest.mark.parametrize("status", [500, 502, 503])
def test_retries_server_errors_on_reads(flowservice_mock, flowservice_faults, client, status):
    created = connection(client)
    flowservice_faults.add(status=status, times=2, method="GET")
    assert client.get("connections", created["id"])["id"] == created["id"]
    assert statuses(flowservice_mock, method="GET") == [status, status, 200]


@pytest.mark.flowservice_conformant
def test_does_not_repeat_a_create_after_a_500(flowservice_mock, flowservice_faults, client):
    flowservice_faults.add(status=500, times=1, method="POST", path="*/connections")
    with pytest.raises(retrying_client.FlowServiceError):
        connection(client)
    assert statuses(flowservice_mock, method="POST", path="*/connections") == [500]


@pytest.mark.flowservice_conformant
def test_refreshes_an_expired_token(flowservice_mock, flowservice_faults, client):
    flowservice_faults.add(kind="token-expired", times=1, path="/data/*")
    assert list(client.list("flows")) == []
    assert statuses(flowservice_mock, path="/data/*") == [401, 200]
    assert statuses(flowservice_mock, path="/ims/*") == [200, 200]  # the first token, then a new one


@pytest.mark.flowservice_conformant
def test_survives_a_dropped_connection_on_reads(flowservice_mock, flowservice_faults, client):
    created = connection(client)
    flowservice_faults.add(kind="drop", times=1, method="GET")
    assert client.get("connections", created["id"])["id"] == created["id"]
    assert statuses(flowservice_mock, method="GET") == [None, 200]


def test_does_not_repeat_a_create_after_a_dropped_connection(flowservice_mock, flowservice_faults, client):
    flowservice_faults.add(kind="drop", times=1, method="POST", path="*/connections")
    with pytest.raises(requests.ConnectionError):
        connection(client)


@pytest.mark.flowservice_conformant
def test_patches_under_the_current_etag_and_rereads_after_412(flowservice_mock, client):
    created = connection(client)
    client.patch("connections", created["id"], [{"op": "replace", "path": "/name", "value": "first"}])
    # Another client renames it behind our back between our read and our write: one 412, then success.
    other = dict(flowservice_mock.headers, **{"x-api-key": "other-client"})
    real_get = client.get

    def get_then_race(collection, entity_id):
        entity = real_get(collection, entity_id)
        if not getattr(get_then_race, "raced", False):
            get_then_race.raced = True
            requests.patch(f"{flowservice_mock.base_url}/connections/{entity_id}", headers={**other, "If-Match": entity["etag"]},
                           json=[{"op": "replace", "path": "/description", "value": "theirs"}], timeout=10)
        return entity

    client.get = get_then_race
    client.patch("connections", created["id"], [{"op": "replace", "path": "/name", "value": "second"}])
    assert real_get("connections", created["id"])["name"] == "second"
    assert statuses(flowservice_mock, method="PATCH") == [200, 200, 412, 200]


@pytest.mark.flowservice_conformant
def test_lists_every_page(flowservice_mock, client):
    ids = {connection(client)["id"] for _ in range(5)}
    assert {c["id"] for c in client.list("connections", limit="2")} == ids
    assert len(flowservice_mock.requests(method="GET", path="*/connections")) == 3


@pytest.mark.flowservice_conformant
@pytest.mark.flowservice_fault(kind="latency", latency_ms=100, probability=0.5, seed=1)
def test_slow_answers_are_waited_for(flowservice_mock, client):
    for _ in range(4):
        connection(client)
    assert any(e["fault"] for e in flowservice_mock.requests()) and len(list(client.list("connections"))) == 4
