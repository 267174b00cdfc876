"""The request journal: a bounded ring, capped bodies, secrets redacted, filters."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

import pytest

from mockserver.checks.journal import Journal
from mockserver.redaction import WITHHELD, redacted

CONNECTIONS = "/data/foundation/flowservice/connections"


def record(journal: Journal, path="/data/foundation/flowservice/flows", method="GET", status=200, *,
           headers=None, body=b"", answer=b"{}", query="", at=1.0):
    journal.record(at=at, duration=0.001, method=method, path=path, query=query,
                   request_headers=dict(headers or {}), request_body=body, status=status,
                   response_headers=[("x-request-id", "rid")], response_body=answer)
    return journal.exchanges()[-1]


def test_the_ring_keeps_the_newest():
    journal = Journal(3)
    for n in range(5):
        record(journal, path=f"/p{n}")
    assert [e.path for e in journal.exchanges()] == ["/p2", "/p3", "/p4"]
    assert [e.id for e in journal.exchanges()] == [3, 4, 5]
    assert journal.evicted == 2
    assert journal.clear() == 3 and journal.exchanges() == [] and journal.evicted == 0


def test_size_zero_is_off():
    assert Journal(0).enabled is False and Journal(1).enabled is True


def test_long_bodies_keep_head_and_tail():
    journal = Journal(5, body_limit=1024)
    answer = b'{"items": [' + b"x" * 5000 + b'], "_links": {"next": {"href": "/flows?continuationToken=t"}}}'
    exchange = record(journal, answer=answer)
    assert len(exchange.response_body) == 1024 and exchange.response_size == len(answer)
    assert exchange.response_body.startswith(b'{"items"') and exchange.response_body.endswith(b'=t"}}}')
    shown = exchange.to_json()["response"]
    assert shown["bodyTruncated"] is True and isinstance(shown["body"], str)
    assert exchange.json() is None  # a capped body is not parsed


def test_headers_are_redacted_with_fingerprints():
    journal = Journal(5)
    exchange = record(journal, headers={"HTTP_AUTHORIZATION": "Bearer secret-token", "HTTP_X_API_KEY": "key-1",
                                        "HTTP_X_GW_IMS_ORG_ID": "ORG@AdobeOrg", "HTTP_COOKIE": "s=1"})
    headers = exchange.to_json()["request"]["headers"]
    assert headers == {"authorization": f"Bearer {redacted('secret-token')}", "x-api-key": redacted("key-1"),
                       "x-gw-ims-org-id": "ORG@AdobeOrg", "cookie": redacted("s=1")}
    assert "secret-token" not in json.dumps(exchange.to_json())
    assert exchange.org == "ORG@AdobeOrg" and exchange.request_id == "rid"


def test_query_credentials_are_redacted():
    exchange = record(Journal(5), query="access_token=abc&continuationToken=page2&limit=5")
    assert parse_qsl(exchange.query) == [("access_token", redacted("abc")), ("continuationToken", "page2"),
                                         ("limit", "5")]


def test_secret_auth_params_and_patches_are_redacted():
    journal = Journal(5, secret_keys={"s3SecretKey"})
    create = {"name": "S3", "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIA", "s3SecretKey": "shh"}}}
    exchange = record(journal, CONNECTIONS, "POST", 201, body=json.dumps(create).encode(),
                      headers={"CONTENT_TYPE": "application/json"})
    assert exchange.json(response=False)["auth"]["params"] == {"s3AccessKey": "AKIA", "s3SecretKey": redacted("shh")}
    patch = [{"op": "replace", "path": "/auth/params/s3SecretKey", "value": "new-secret"}]
    exchange = record(journal, CONNECTIONS + "/c1", "PATCH", body=json.dumps(patch).encode())
    assert exchange.json(response=False)[0]["value"] == redacted("new-secret")


def test_ims_client_secrets_and_tokens_are_redacted():
    journal = Journal(5)
    exchange = record(journal, "/ims/token/v3", "POST", body=b"grant_type=client_credentials&client_id=c&client_secret=s",
                      headers={"CONTENT_TYPE": "application/x-www-form-urlencoded"},
                      answer=b'{"access_token": "eyJ.abc.def", "expires_in": 86399}')
    assert b"client_secret=%5Bredacted" in exchange.request_body and b"client_secret=s&" not in exchange.request_body
    assert exchange.json()["access_token"] == redacted("eyJ.abc.def")


def test_a_body_too_deep_to_redact_is_withheld():
    deep = b'{"s3SecretKey": "x", "a": ' + b"[" * 300 + b"]" * 300 + b"}"
    exchange = record(Journal(5, secret_keys={"s3SecretKey"}), CONNECTIONS, "POST", body=deep)
    assert exchange.request_body == WITHHELD


@pytest.fixture
def filled() -> Journal:
    journal = Journal(10)
    record(journal, method="GET", status=200, headers={"HTTP_X_GW_IMS_ORG_ID": "A", "HTTP_X_SANDBOX_NAME": "dev"})
    record(journal, path="/data/foundation/flowservice/flows/f1", method="PATCH", status=412,
           headers={"HTTP_X_GW_IMS_ORG_ID": "B"})
    record(journal, path="/data/foundation/flowservice/runs", status=None, headers={"HTTP_X_GW_IMS_ORG_ID": "B"})
    return journal


@pytest.mark.parametrize("filters, ids", [
    ({}, [1, 2, 3]),
    ({"method": "patch"}, [2]),
    ({"path": "/data/foundation/flowservice/flows*"}, [1, 2]),
    ({"status": "4xx"}, [2]),
    ({"status": "200"}, [1]),
    ({"status": "dropped"}, [3]),
    ({"org": "B"}, [2, 3]),
    ({"sandbox": "prod"}, [2, 3]),
    ({"sandbox": "dev"}, [1]),
    ({"since": 1}, [2, 3]),
    ({"limit": 2}, [2, 3]),
    ({"limit": 1, "org": "B"}, [3]),
    ({"limit": 5, "org": "B"}, [2, 3]),
    ({"limit": 1, "status": "200"}, [1]),
    ({"since": 2, "org": "A"}, []),
    ({"since": 1, "limit": 1, "method": "patch"}, [2]),
])
def test_filters(filled, filters, ids):
    assert [e.id for e in filled.select(**filters)] == ids


def test_with_a_limit_only_the_exchanges_answered_are_built(filled, monkeypatch):
    built = []
    finish = Journal._finish
    monkeypatch.setattr(Journal, "_finish", lambda self, row: built.append(row[0]) or finish(self, row))
    assert [e.id for e in filled.select(limit=1)] == [3]
    assert built == [3]
