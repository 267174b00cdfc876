"""Each conformance rule on a conforming and a violating request sequence (exchanges built by the journal)."""

from __future__ import annotations

import base64
import json

import pytest

from mockserver.checks.conformance import render_text, report
from mockserver.checks.journal import Journal
from mockserver.checks.rules import RULES, Options

BASE = "/data/foundation/flowservice"
ORG = "ORG1@AdobeOrg"
HEADERS = {"HTTP_AUTHORIZATION": "Bearer token-1", "HTTP_X_API_KEY": "client-1",
           "HTTP_X_GW_IMS_ORG_ID": ORG, "HTTP_X_SANDBOX_NAME": "prod"}
E1, E2, E3 = '"etag-1"', '"etag-2"', '"etag-3"'


class Sequence:
    """A client's requests and the mock's answers, at chosen times."""

    def __init__(self) -> None:
        self.journal = Journal(100)
        self.now = 1000.0

    def add(self, method, path, *, status=200, query="", headers=None, body=None, answer=None,
            answer_headers=(), after=1.0, duration=0.01, drop_headers=(), content_type="application/json"):
        self.now += after
        request_headers = {**HEADERS, **(headers or {})}
        for name in drop_headers:
            request_headers.pop(name, None)
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        if raw and content_type:
            request_headers["CONTENT_TYPE"] = content_type
        self.journal.record(
            at=self.now, duration=duration, method=method, path=BASE + path, query=query,
            request_headers=request_headers, request_body=raw, status=status,
            response_headers=[("Content-Type", "application/json"), *answer_headers],
            response_body=b"" if answer is None else json.dumps(answer).encode(),
        )
        return self

    def findings(self, rule_id: str, **options) -> list[dict]:
        result = report(self.journal.exchanges(), Options(**options))
        return [f for f in result["findings"] if f["rule"] == rule_id]


def jwt(claims: dict) -> str:
    segment = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{segment}.sig"


def test_every_rule_cites_a_doc():
    assert len(RULES) == 9  # repeat-after-403: tests/unit/test_permissions.py
    for rule in RULES:
        assert rule.doc.startswith(("https://experienceleague.adobe.com/", "https://developer.adobe.com/",
                                    "https://www.rfc-editor.org/"))


# --- required headers ------------------------------------------------------------------------------

def test_required_headers_conforming():
    token = jwt({"client_id": "client-1"})
    seq = Sequence().add("GET", "/flows", headers={"HTTP_AUTHORIZATION": f"Bearer {token}"})
    assert seq.findings("required-headers") == []


@pytest.mark.parametrize("change, message", [
    ({"drop_headers": ["HTTP_X_SANDBOX_NAME"]}, "Missing header(s): x-sandbox-name."),
    ({"drop_headers": ["HTTP_X_API_KEY", "HTTP_AUTHORIZATION"]}, "Missing header(s): authorization, x-api-key."),
    ({"headers": {"HTTP_AUTHORIZATION": "Basic dTpw"}}, "Authorization is not 'Bearer <access token>'."),
    ({"headers": {"HTTP_AUTHORIZATION": "Bearer " + jwt({"client_id": "someone-else"})}},
     "x-api-key is not the client id the access token was issued to."),
])
def test_required_headers_violations(change, message):
    seq = Sequence().add("GET", "/flows", **change)
    assert [f["message"] for f in seq.findings("required-headers")] == [message]


def test_one_token_for_two_orgs_is_inconsistent():
    seq = Sequence().add("GET", "/flows").add("GET", "/flows", headers={"HTTP_X_GW_IMS_ORG_ID": "ORG2@AdobeOrg"})
    found = seq.findings("required-headers")
    assert [(f["requestNumber"], f["message"]) for f in found] == [
        (2, f"The same access token was sent for org {ORG} and for org ORG2@AdobeOrg.")]


# --- content type --------------------------------------------------------------------------------------

def test_content_type_conforming():
    seq = Sequence().add("POST", "/flows", body={"name": "x"}, status=201,
                         content_type="application/json; charset=utf-8")
    seq.add("POST", "/flows/f1/action", query="op=enable")  # no body, no Content-Type needed
    assert seq.findings("content-type") == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/json-patch+json", ""])
def test_content_type_violations(content_type):
    seq = Sequence().add("PATCH", "/flows/f1", body=[{"op": "replace", "path": "/name", "value": "x"}],
                         headers={"HTTP_IF_MATCH": E1}, content_type=content_type, status=400)
    assert [f["requestNumber"] for f in seq.findings("content-type")] == [1]


# --- If-Match ---------------------------------------------------------------------------------------------

PATCH = [{"op": "replace", "path": "/name", "value": "renamed"}]


def created(seq: Sequence, etag=E1) -> Sequence:
    return seq.add("POST", "/flows", body={"name": "x"}, status=201, answer={"id": "f1", "etag": etag},
                   answer_headers=[("ETag", etag)])


def test_if_match_conforming():
    seq = created(Sequence())
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E1}, status=202,
            answer={"id": "f1", "etag": E2}, answer_headers=[("ETag", E2)])
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E2}, status=202,
            answer={"id": "f1", "etag": E3}, answer_headers=[("ETag", E3)])
    # A 412 caused by someone else, then the entity read again and the PATCH retried: conforming.
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E3, "HTTP_X_API_KEY": "other"},
            status=202, answer_headers=[("ETag", '"etag-4"')])
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E3}, status=412)
    seq.add("GET", "/flows/f1", answer={"items": [{"id": "f1", "etag": '"etag-4"'}]},
            answer_headers=[("ETag", '"etag-4"')])
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": '"etag-4"'}, status=202)
    assert seq.findings("if-match") == []


def test_if_match_stale_etag_never_read():
    seq = created(Sequence())
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E1}, status=202,
            answer={"id": "f1", "etag": E2}, answer_headers=[("ETag", E2)])
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E1}, status=412)
    found = seq.findings("if-match")
    assert [(f["requestNumber"], f["status"]) for f in found] == [(3, 412)]
    assert "request #2 had already returned the current etag" in found[0]["message"]


def test_if_match_resent_after_412():
    seq = Sequence()
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E1}, status=412)
    seq.add("PATCH", "/flows/f1", body=PATCH, headers={"HTTP_IF_MATCH": E1}, status=412)
    found = seq.findings("if-match")
    assert [f["requestNumber"] for f in found] == [2]
    assert "already refused with 412" in found[0]["message"]


@pytest.mark.parametrize("headers, message", [
    ({}, "PATCH without If-Match"),
    ({"HTTP_IF_MATCH": "etag-1"}, "keep its double quotes"),
])
def test_if_match_missing_or_unquoted(headers, message):
    seq = created(Sequence()).add("PATCH", "/flows/f1", body=PATCH, headers=headers, status=400)
    assert [message in f["message"] for f in seq.findings("if-match")] == [True]


# --- JSON Patch paths ----------------------------------------------------------------------------------------

def test_patch_paths_conforming():
    seq = Sequence()
    seq.add("PATCH", "/flows/f1", headers={"HTTP_IF_MATCH": E1}, body=[
        {"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-", "value": {}},
        {"op": "remove", "path": "/transformations/0/params/segmentSelectors/selectors/1"},
        {"op": "REPLACE", "path": "/name", "value": "x"},
    ])
    seq.add("PATCH", "/connections/c1", headers={"HTTP_IF_MATCH": E1},
            body=[{"op": "replace", "path": "/auth/params", "value": {}}])
    seq.add("PATCH", "/targetConnections/t1", headers={"HTTP_IF_MATCH": E1},
            body=[{"op": "replace", "path": "/params/appendSegmentId", "value": True}])
    assert seq.findings("patch-paths") == []


@pytest.mark.parametrize("collection, op, message", [
    ("flows", {"op": "replace", "path": "/state", "value": "enabled"}, "path '/state' is not one the docs allow"),
    ("flows", {"op": "move", "from": "/name", "path": "/description"}, "'move' is not one of"),
    ("targetConnections", {"op": "replace", "path": "/baseConnectionId", "value": "x"}, "not one the docs allow"),
    ("sourceConnections", {"op": "add", "path": "/params/datasets/-", "value": {}}, "not one the docs allow"),
])
def test_patch_paths_violations(collection, op, message):
    seq = Sequence().add("PATCH", f"/{collection}/x1", headers={"HTTP_IF_MATCH": E1}, body=[op], status=400)
    assert [message in f["message"] for f in seq.findings("patch-paths")] == [True]


# --- paging ---------------------------------------------------------------------------------------------------------

PAGE_1 = {"items": [{"id": "f1", "etag": E1}], "_links": {"next": {"href": "/flows?continuationToken=abc"}}}
LAST_PAGE = {"items": [{"id": "f2", "etag": E1}], "_links": {}}


def test_paging_conforming():
    seq = Sequence().add("GET", "/flows", query="limit=1", answer=PAGE_1)
    seq.add("GET", "/flows", query="continuationToken=abc", answer=LAST_PAGE)
    seq.add("GET", "/flows", query="limit=1", answer=PAGE_1)  # a new listing after the first was followed
    assert seq.findings("paging") == []


def test_paging_by_requerying():
    seq = Sequence().add("GET", "/flows", query="limit=1", answer=PAGE_1)
    seq.add("GET", "/flows", query="limit=1", answer=PAGE_1)
    assert [(f["requestNumber"], "request #1" in f["message"]) for f in seq.findings("paging")] == [(2, True)]


def test_paging_with_parameters_of_other_apis():
    seq = Sequence().add("GET", "/flows", query="limit=10&start=10", status=400)
    assert [f["requestNumber"] for f in seq.findings("paging")] == [1]


# --- Retry-After -------------------------------------------------------------------------------------------------------

def throttled(seq: Sequence, status=429) -> Sequence:
    return seq.add("GET", "/flows", status=status, answer={"error_code": "429001"},
                   answer_headers=[("Retry-After", "2")])


def test_retry_after_conforming():
    seq = throttled(Sequence())
    seq.add("GET", "/flows", after=0.005)  # already sent when the 429 came back: not a violation
    seq.add("GET", "/flows", after=2.05)
    assert seq.findings("retry-after") == []


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_ignored(status):
    seq = throttled(Sequence(), status).add("GET", "/flows/f1", after=0.5)
    found = seq.findings("retry-after")
    assert [(f["requestNumber"], "Retry-After: 2" in f["message"]) for f in found] == [(2, True)]


# --- run polling -------------------------------------------------------------------------------------------------------------

def test_run_polling_conforming():
    seq = Sequence()
    for _ in range(3):
        seq.add("GET", "/runs", query="property=flowId==f1", after=5.0)
    seq.add("GET", "/runs", query="property=flowId==f2", after=0.1)  # another flow's runs
    assert seq.findings("run-polling") == []


def test_run_polling_too_fast():
    seq = Sequence().add("GET", "/runs/r1").add("GET", "/runs/r1", after=0.5)
    assert [f["requestNumber"] for f in seq.findings("run-polling")] == [2]
    assert seq.findings("run-polling", min_poll_interval=0.2) == []


# --- secrets in query strings -------------------------------------------------------------------------------------------------

def test_no_secrets_in_query_conforming():
    seq = Sequence().add("GET", "/flows", query="continuationToken=abc&property=name==x")
    assert seq.findings("no-secrets-in-query") == []


def test_secrets_in_query():
    seq = Sequence().add("GET", "/flows", query="access_token=eyJhbGci&limit=5")
    found = seq.findings("no-secrets-in-query")
    assert [f["requestNumber"] for f in found] == [1]
    assert "access_token" in found[0]["message"] and "eyJhbGci" not in json.dumps(found)


# --- the report ----------------------------------------------------------------------------------------------------------------

def test_report_names_the_request_and_the_rule():
    seq = Sequence().add("GET", "/flows", drop_headers=["HTTP_X_SANDBOX_NAME"])
    result = report(seq.journal.exchanges())
    assert result["conformant"] is False and result["requests"] == 1
    assert result["findings"][0] | {"requestId": None} == {
        "rule": "required-headers", "requestNumber": 1, "requestId": None, "method": "GET",
        "path": BASE + "/flows", "status": 200, "message": "Missing header(s): x-sandbox-name."}
    text = render_text(result)
    assert "FAIL required-headers" in text and "request #1 GET /data/foundation/flowservice/flows -> 200" in text
    assert "see https://experienceleague.adobe.com/" in text


def test_an_empty_journal_conforms():
    result = report([])
    assert result["conformant"] is True and result["findings"] == []
    assert {r["id"] for r in result["rules"]} == {r.id for r in RULES}
