"""The admin API of the client checks: /_mock/requests, /_mock/faults, /_mock/conformance; every fault kind."""

from __future__ import annotations

import time

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_headers_conformance, response_schema_conformance, status_code_conformance,
)

from mockserver.api.wire import DroppedConnection
from mockserver.settings import Settings

from ..support import BASE, HEADERS, S3, S3_AUTH, make_app, spec
from .shapes import flow_error


# --- the journal -------------------------------------------------------------------------------------

def test_every_request_and_its_answer_is_journaled(client, api):
    api.s3_base()
    api.get("/flows", query_string={"limit": "5"})
    client.get("/_mock/health")  # admin requests are not journaled by default
    body = client.get("/_mock/requests").get_json()
    assert (body["count"], body["capacity"], body["evicted"]) == (2, 1000, 0)
    create, listing = body["items"]
    assert (create["method"], create["path"], create["response"]["status"]) == ("POST", BASE + "/connections", 201)
    assert create["request"]["body"]["auth"]["params"]["s3SecretKey"].startswith("[redacted sha256:")
    assert create["request"]["headers"]["authorization"].startswith("Bearer [redacted sha256:")
    assert create["request"]["headers"]["x-api-key"].startswith("[redacted sha256:")
    assert S3_AUTH["params"]["s3SecretKey"] not in client.get("/_mock/requests").get_data(as_text=True)
    assert create["response"]["body"]["id"] and create["requestId"] == create["response"]["headers"]["x-request-id"]
    assert (create["imsOrgId"], create["sandboxName"], create["fault"]) == (HEADERS["x-gw-ims-org-id"], "prod", None)
    assert listing["query"] == "limit=5" and listing["durationMs"] >= 0 and listing["at"] >= create["at"]


def test_filters_and_clearing(client, api):
    api.get("/flows")
    api.get("/flows/nope")
    api.post("/connections", {"name": "x"})
    assert [e["response"]["status"] for e in client.get("/_mock/requests?status=4xx").get_json()["items"]] == [404, 400]
    assert [e["method"] for e in client.get("/_mock/requests?method=POST").get_json()["items"]] == ["POST"]
    assert client.get(f"/_mock/requests?path={BASE}/flows/*").get_json()["count"] == 1
    assert [e["id"] for e in client.get("/_mock/requests?since=1&limit=1").get_json()["items"]] == [3]
    assert client.delete("/_mock/requests").get_json() == {"cleared": 3}
    assert client.get("/_mock/requests").get_json()["count"] == 0


@pytest.mark.parametrize("query, name", [
    ("status=teapot", "status"), ("since=-1", "since"), ("limit=0", "limit"), ("colour=red", "colour"),
])
def test_bad_journal_filters_are_refused(client, query, name):
    response = client.get(f"/_mock/requests?{query}")
    assert response.status_code == 400
    flow_error(response, 1100, 400)
    assert name in response.get_json()["report"]["detailed-message"]


def test_the_ring_is_bounded_by_the_setting():
    client = make_app(Settings(seed=1, journal_size=3)).test_client()
    for _ in range(5):
        client.get(BASE + "/flows", headers=HEADERS)
    body = client.get("/_mock/requests").get_json()
    assert (body["count"], body["capacity"], body["evicted"]) == (3, 3, 2)
    assert [e["id"] for e in body["items"]] == [3, 4, 5]


def test_admin_requests_are_journaled_when_asked():
    client = make_app(Settings(seed=1, journal_admin=True)).test_client()
    client.get("/_mock/health")
    assert [e["path"] for e in client.get("/_mock/requests").get_json()["items"]] == ["/_mock/health"]


def test_journal_off():
    client = make_app(Settings(seed=1, journal_size=0)).test_client()
    client.get(BASE + "/flows", headers=HEADERS)
    assert client.get("/_mock/requests").get_json()["count"] == 0


# --- fault rules over the API ---------------------------------------------------------------------------

def test_faults_are_added_listed_removed_and_cleared(client):
    added = client.post("/_mock/faults", json=[{"kind": "status", "status": 503, "retryAfter": 2, "every": 2},
                                               {"kind": "drop", "method": "DELETE"}])
    assert added.status_code == 201
    assert [r["id"] for r in added.get_json()["items"]] == ["fault-1", "fault-2"]
    assert client.get("/_mock/faults").get_json()["items"][0] == {
        "id": "fault-1", "kind": "status", "status": 503, "retryAfter": 2, "every": 2, "seed": 42,
        "path": "*", "matched": 0, "injected": 0}
    assert client.delete("/_mock/faults/fault-1").status_code == 204
    assert client.delete("/_mock/faults/fault-1").status_code == 404
    assert client.delete("/_mock/faults").get_json() == {"cleared": 1}
    assert client.get("/_mock/faults").get_json() == {"items": []}


@pytest.mark.parametrize("body", [None, {"kind": "status", "status": 418}, [{"kind": "drop"}, {"kind": "nope"}]])
def test_a_refused_rule_changes_nothing(client, body):
    response = client.post("/_mock/faults", json=body) if body is not None else client.post("/_mock/faults")
    assert response.status_code == 400
    assert client.get("/_mock/faults").get_json() == {"items": []}


def test_the_admin_api_is_never_faulted(client):
    client.post("/_mock/faults", json={"kind": "drop"})
    assert client.get("/_mock/faults").status_code == 200
    assert client.delete("/_mock/faults").status_code == 200


# --- every fault kind, in-process -----------------------------------------------------------------------

@pytest.mark.parametrize("rule, status, body, retry_after", [
    ({"kind": "status", "status": 429, "retryAfter": 7}, 429, {"error_code": "429001", "message": "Too many requests"}, "7"),
    ({"kind": "status", "status": 429}, 429, {"error_code": "429001", "message": "Too many requests"}, "1"),
    ({"kind": "status", "status": 502}, 502, {"error_code": "502000", "message": "Bad Gateway"}, None),
    ({"kind": "status", "status": 503, "retryAfter": 3}, 503, {"error_code": "503000", "message": "Service Unavailable"}, "3"),
    ({"kind": "token-expired"}, 401, {"error_code": "401013", "message": "Oauth token is not valid"}, None),
])
def test_status_faults(client, api, rule, status, body, retry_after):
    client.post("/_mock/faults", json={**rule, "times": 1})
    response = api.get("/flows")
    assert response.status_code == status and response.get_json() == body
    assert response.headers.get("Retry-After") == retry_after
    assert response.headers["x-request-id"]
    assert api.get("/flows").status_code == 200  # times: 1
    assert client.get("/_mock/requests").get_json()["items"][0]["fault"] == "fault-1"


def test_a_500_fault_has_the_service_body(client, api):
    client.post("/_mock/faults", json={"kind": "status", "status": 500})
    response = api.get("/flows", headers={"x-request-id": "req-1"})
    flow_error(response, 1102, 500, title="Internal Error")
    assert response.get_json()["report"]["request-id"] == "req-1"


def test_a_faulted_create_changes_nothing(client, api):
    client.post("/_mock/faults", json={"kind": "status", "status": 503, "method": "POST"})
    assert api.post("/connections", {"name": "S3", "connectionSpec": spec(S3), "auth": S3_AUTH}).status_code == 503
    client.delete("/_mock/faults")
    assert api.get("/connections").get_json()["items"] == []


def test_latency_fault(client, api):
    client.post("/_mock/faults", json={"kind": "latency", "latencyMs": 150, "path": BASE + "/flows"})
    started = time.perf_counter()
    assert api.get("/flows").status_code == 200
    assert time.perf_counter() - started >= 0.15
    started = time.perf_counter()
    assert api.get("/connections").status_code == 200  # out of the rule's path
    assert time.perf_counter() - started < 0.15


def test_a_dropped_connection_reaches_the_server(client, api):
    # In-process there is no socket: the exception the server would close the connection on reaches the caller.
    client.post("/_mock/faults", json={"kind": "drop", "times": 1})
    with pytest.raises(DroppedConnection):
        api.get("/flows")
    assert api.get("/flows").status_code == 200
    first = client.get("/_mock/requests").get_json()["items"][0]
    assert (first["response"], first["fault"]) == (None, "fault-1")
    assert client.get("/_mock/requests?status=dropped").get_json()["count"] == 1


def test_faults_scoped_by_tenant(client, api):
    client.post("/_mock/faults", json={"kind": "status", "status": 502, "sandboxName": "dev"})
    assert api.get("/flows").status_code == 200
    assert api.get("/flows", headers={"x-sandbox-name": "dev"}).status_code == 502


# --- the conformance report ------------------------------------------------------------------------------

def test_conformance_of_a_conforming_client(client, api):
    flow = api.audience_flow()
    api.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/name", "value": "renamed"}], flow["etag"])
    report = client.get("/_mock/conformance").get_json()
    assert report["conformant"] is True, report["findings"]
    assert report["requests"] == 5 and report["options"] == {"minPollInterval": 5.0}


def test_conformance_names_the_request_and_rule(client, api):
    flow = api.audience_flow()
    api.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/state", "value": "disabled"}], flow["etag"])
    report = client.get("/_mock/conformance").get_json()
    assert report["conformant"] is False
    [finding] = report["findings"]
    assert (finding["rule"], finding["requestNumber"], finding["method"], finding["status"]) == (
        "patch-paths", 5, "PATCH", 400)
    assert finding["requestId"] == client.get("/_mock/requests").get_json()["items"][4]["requestId"]


@pytest.mark.parametrize("value", ["-1", "x", "86401"])
def test_bad_conformance_options(client, value):
    assert client.get(f"/_mock/conformance?minPollInterval={value}").status_code == 400


def test_poll_interval_option(client, api):
    api.get("/runs/r1")
    api.get("/runs/r1")
    assert client.get("/_mock/conformance").get_json()["conformant"] is False
    assert client.get("/_mock/conformance?minPollInterval=0").get_json()["conformant"] is True


# --- the OpenAPI document describes these answers ----------------------------------------------------------------

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance]


def test_admin_answers_conform_to_the_document():
    app = make_app(Settings(seed=1))
    client = app.test_client()
    client.get(BASE + "/flows", headers=HEADERS)
    schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", app)
    cases = [
        ("/_mock/faults", "POST", {"body": {"kind": "status", "status": 429, "path": "/nowhere"}}, 201),
        ("/_mock/faults", "POST", {"body": [{"kind": "drop", "path": "/nowhere"}]}, 201),
        ("/_mock/faults", "POST", {"body": {"kind": "nope"}}, 400),
        ("/_mock/faults", "GET", {}, 200),
        ("/_mock/faults/{ruleId}", "DELETE", {"path_parameters": {"ruleId": "fault-1"}}, 204),
        ("/_mock/faults/{ruleId}", "DELETE", {"path_parameters": {"ruleId": "fault-9"}}, 404),
        ("/_mock/faults", "DELETE", {}, 200),
        ("/_mock/requests", "GET", {}, 200),
        ("/_mock/requests", "GET", {"query": {"status": "4xx", "limit": 1}}, 200),
        ("/_mock/requests", "GET", {"query": {"since": -1}}, 400),
        ("/_mock/conformance", "GET", {}, 200),
        ("/_mock/conformance", "GET", {"query": {"minPollInterval": 1.5}}, 200),
        ("/_mock/requests", "DELETE", {}, 200),
    ]
    for path, method, kwargs, expected in cases:
        if "body" in kwargs:
            kwargs = {**kwargs, "media_type": "application/json"}
        response = schema[path][method].Case(**kwargs).call_and_validate(checks=CHECKS)
        assert response.status_code == expected, (path, method, response.text)
