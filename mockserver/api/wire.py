"""The HTTP edge, around the Flask app: fault injection and the request journal.

A WSGI middleware rather than Flask hooks, because both need what Flask does not give a hook:
the request body before Flask reads it, the response bytes as sent, the time of the whole
exchange, and a way to drop a connection (an exception that must reach the server, past
Flask's error handlers). Runs once per request; with no fault rule set it adds a dictionary
look-up, and the journal a copy of the headers and bodies (docs/benchmarks.md).
"""

from __future__ import annotations

import io
import os
import re
import time
from typing import Any, Callable, Iterable

import orjson
from flask import Flask
from waitress.channel import ClientDisconnected

from ..domain.errors import store_unavailable
from ..store import StoreUnavailable
from ..text import parse_int
from . import limits

ADMIN_PREFIX = "/_mock/"
#: A client's x-request-id is echoed when it is a short printable word; otherwise one is made.
_REQUEST_ID = re.compile(r"[!-~]{1,128}")
#: The environ key under which the request id reaches the app (api/hooks.py).
REQUEST_ID = "flowservice.request_id"
#: The environ key under which a body the edge has already read reaches the app (api/requests.py).
REQUEST_BODY = "flowservice.body"


class DroppedConnection(ClientDisconnected):
    """Raised to the server to close the connection without an answer.

    waitress closes the socket on ClientDisconnected without writing anything (other
    exceptions get a 500); in-process (Flask's test client) it reaches the caller.
    """


class Wire:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inner = app.wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Every answer carries the request id (fault answers too): set once, here, for all.
        request_id = environ.get("HTTP_X_REQUEST_ID")
        if request_id is None or not _REQUEST_ID.fullmatch(request_id):
            request_id = os.urandom(16).hex()
        environ[REQUEST_ID] = request_id

        def start(status: str, headers: list, *exc_info: Any) -> Callable:
            headers.append(("x-request-id", request_id))
            return start_response(status, headers, *exc_info)

        platform = self.app.extensions["flowservice"]
        path = environ.get("PATH_INFO", "")
        try:
            platform.refresh()  # the clock, faults and permissions as another process may have set them
        except StoreUnavailable:
            return self._exchange(environ, start, platform, None, False, store_unavailable())
        admin = path.startswith(ADMIN_PREFIX)
        journal = platform.journal
        record = journal.enabled and (not admin or platform.settings.journal_admin)
        # The admin API is never faulted: it must stay usable to clear the faults.
        rule = None
        if platform.faults.active and not admin:
            rule = platform.faults.decide(
                environ.get("REQUEST_METHOD", "GET"), path,
                environ.get("HTTP_X_GW_IMS_ORG_ID"), environ.get("HTTP_X_SANDBOX_NAME"),
            )
        refused = limits.refusal(environ, platform.settings)
        if not record and rule is None and refused is None:
            return self.inner(environ, start)
        return self._exchange(environ, start, platform, rule, record, refused)

    def _exchange(self, environ: dict, start_response: Callable, platform: Any, rule: Any,
                  record: bool, refused: Any = None) -> Iterable[bytes]:
        started_at, started = time.time(), time.perf_counter()
        if refused is not None:  # answered before the body is read, and never faulted
            rule = None
        request_body = _read_body(environ) if record and refused is None else b""
        if rule is not None and rule.latency_ms:
            time.sleep(rule.latency_ms / 1000)
        answer = refused if rule is None else rule.error()
        if rule is not None and rule.kind == "drop":
            status, headers, body = None, [], b""
        elif answer is not None:
            status, headers, body = _render(answer, environ[REQUEST_ID], rule and rule.retry_after)
            start_response(f"{status} {_REASONS.get(status, '')}".rstrip(), headers)
        else:
            status, headers, body = self._call_app(environ, start_response)
        if record:
            platform.journal.record(
                at=started_at, duration=time.perf_counter() - started,
                method=environ.get("REQUEST_METHOD", "GET"), path=environ.get("PATH_INFO", ""),
                query=environ.get("QUERY_STRING", ""), request_headers=_request_headers(environ),
                request_body=request_body, status=status, response_headers=headers, response_body=body,
                fault=rule.id if rule is not None else None,
            )
        if status is None:
            raise DroppedConnection("connection dropped by a fault rule")
        return [body]

    def _call_app(self, environ: dict, start_response: Callable) -> tuple[int, list, bytes]:
        answered: dict[str, Any] = {}

        def capture(status: str, headers: list, *exc_info: Any) -> Callable:
            answered["status"], answered["headers"] = status, headers
            return start_response(status, headers, *exc_info)

        chunks = self.inner(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        return int(answered["status"][:3]), answered["headers"], body


def _read_body(environ: dict) -> bytes:
    """The request body, read once: handed to the app as bytes, and put back as a stream for Flask."""
    length = environ.get("CONTENT_LENGTH", "")
    size = parse_int(length, 0) if length else 0  # limits.refusal has checked it
    if not size:
        return b""
    body = environ["wsgi.input"].read(size)
    environ["wsgi.input"] = io.BytesIO(body)
    environ[REQUEST_BODY] = body
    return body


def _request_headers(environ: dict) -> dict[str, str]:
    """The request's headers by their environ names (the journal turns them back into header names)."""
    headers = {key: value for key, value in environ.items() if key[:5] == "HTTP_"}
    if environ.get("CONTENT_TYPE"):
        headers["CONTENT_TYPE"] = environ["CONTENT_TYPE"]
    return headers


def _render(error: Any, request_id: str, retry_after: int | None) -> tuple[int, list, bytes]:
    body = orjson.dumps(error.body(request_id))
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if retry_after is not None:
        headers.append(("Retry-After", str(retry_after)))
    return error.status, headers, body


_REASONS = {400: "Bad Request", 401: "Unauthorized", 413: "Content Too Large", 414: "URI Too Long",
            429: "Too Many Requests", 431: "Request Header Fields Too Large",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
