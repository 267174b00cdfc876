"""Assertions on answers, one per documented shape (reference §2, §3.1)."""

from __future__ import annotations

from mockserver.targets import Reply

from .bodies import ERROR_TYPE, ETAG


def status(reply: Reply, *expected: int) -> None:
    assert reply.status in expected, f"{reply.status} not in {expected}: {reply.text[:500]}"


def created(reply: Reply) -> dict:
    """201 ``{"id", "etag"}`` (DY); CA's examples show ``id`` alone, so ``etag`` is checked when present."""
    status(reply, 201)
    body = reply.json()
    assert isinstance(body["id"], str) and body["id"]
    assert ETAG.match(body["etag"]), body
    return body


def id_and_etag(reply: Reply, entity_id: str, old_etag: str | None = None) -> dict:
    body = reply.json()
    assert set(body) == {"id", "etag"} and body["id"] == entity_id, body
    assert ETAG.match(body["etag"]) and body["etag"] != old_etag, body
    return body


def empty(reply: Reply) -> None:
    assert reply.body.strip() == b"", reply.text[:200]


def flow_error(reply: Reply, code: int, http_status: int, title: str | None = None) -> dict:
    """The problem-details body of §2.3, with ``errorMessage``/``errorDetails`` (§2.4)."""
    status(reply, http_status)
    body = reply.json()
    match = ERROR_TYPE.match(body.get("type", ""))
    assert match and match.groups() == (f"{code:04d}", str(http_status)), body
    assert body["status"] == http_status
    if title is not None:
        assert body["title"] == title, body
    assert isinstance(body["report"]["detailed-message"], str) and body["report"]["request-id"]
    assert body["errorMessage"] and body["errorDetails"] == body["errorMessage"], body
    return body


def gateway_error(reply: Reply, http_status: int, code: str, message: str) -> None:
    status(reply, http_status)
    assert reply.json() == {"error_code": code, "message": message}


def items(reply: Reply) -> list:
    status(reply, 200)
    body = reply.json()
    assert isinstance(body["items"], list), body
    return body["items"]
