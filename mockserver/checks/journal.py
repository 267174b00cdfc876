"""The request journal: every exchange with the mock, in a bounded ring.

Kept compactly: one raw row per exchange, bodies as bytes capped at ``body_limit`` (a longer body
keeps its head and its tail, so that a list's ``_links``, which comes last, survives). Nothing
leaves the journal unredacted (``mockserver.redaction``): bodies are redacted as they are
recorded (a body that names no secret is left unparsed), headers and query strings when the
journal is read, which keeps the work done on every request small.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
import threading
from collections import deque
from typing import Any, Iterable

import orjson

from .. import redaction
from ..domain.limits import depth, may_be_deeper

IMS_PREFIX = "/ims/"
#: Bytes of a capped body kept from its end.
TAIL = 512


class Exchange:
    """One request and its answer (``status`` None: the connection was dropped), as read.

    The ring holds raw rows (``Journal.record``); an Exchange, with its headers and query
    redacted, is made from a row when the journal is read.
    """

    __slots__ = (
        "id", "at", "duration", "method", "path", "query", "org", "sandbox", "request_headers",
        "request_body", "request_size", "status", "response_headers", "response_body",
        "response_size", "fault", "request_id", "token_client",
    )

    def __init__(self, *row: Any) -> None:
        for name, value in zip(self.__slots__, row):
            setattr(self, name, value)

    @property
    def end(self) -> float:
        return self.at + self.duration

    def header(self, name: str, response: bool = False) -> str | None:
        """A header's value (names compared without case)."""
        if not response:
            key = environ_name(name)
            return next((value for k, value in self.request_headers if k == key), None)
        name = name.lower()
        for key, value in self.response_headers:
            if key.lower() == name:
                return value
        return None

    def json(self, response: bool = True) -> Any:
        """The body parsed as JSON, or None (none, not JSON, or capped)."""
        body, size = (self.response_body, self.response_size) if response else (self.request_body, self.request_size)
        if not body or len(body) != size:
            return None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return None

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "at": round(self.at, 6),
            "durationMs": round(self.duration * 1000, 3),
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "imsOrgId": self.org,
            "sandboxName": self.sandbox,
            "requestId": self.request_id,
            "request": {"headers": {header_name(k): v for k, v in self.request_headers}, **_body(self.request_body, self.request_size)},
            "response": None if self.status is None else {
                "status": self.status, "headers": dict(self.response_headers),
                **_body(self.response_body, self.response_size),
            },
            "fault": self.fault,
        }


#: Deepest body the journal shows parsed (the rest as text): its answer nests bodies 4 levels down.
SHOWN_DEPTH = 100


def _body(data: bytes, size: int) -> dict:
    truncated = len(data) != size
    text = data.decode("utf-8", "replace")
    body: Any = text
    if data and not truncated:
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        else:
            # Shown parsed unless so deep that the journal's own answer could not hold it.
            if not (may_be_deeper(data, SHOWN_DEPTH) and depth(parsed) > SHOWN_DEPTH):
                body = parsed
    return {"body": body if data else None, "bodySize": size, "bodyTruncated": truncated}


class Journal:
    def __init__(self, size: int, body_limit: int = 8192, secret_keys: Iterable[str] = (),
                 answers_reveal_secrets: bool = False) -> None:
        self.size = size
        # Answers hold secrets only when the mock reveals them (setting reveal_secrets; it masks
        # them otherwise) and from the IMS stand-in (tokens): only those are scanned.
        self._scan_answers = answers_reveal_secrets
        self.body_limit = body_limit
        self._ring: deque[Exchange] = deque(maxlen=size or None)
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._redact_body = redaction.BodyRedactor(secret_keys)
        self._cleared = 0  # the number of the last exchange a clear() forgot

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def record(
        self, *, at: float, duration: float, method: str, path: str, query: str,
        request_headers: dict[str, str], request_body: bytes, status: int | None,
        response_headers: list[tuple[str, str]], response_body: bytes, fault: str | None = None,
    ) -> None:
        """Keep one exchange; the oldest goes when the ring is full.

        This runs on every request, so it only caps the bodies and appends: headers and query
        strings are redacted when the journal is read (``_finish``). Bodies that can carry
        secrets are redacted here, before capping, since a capped body cannot be parsed.
        ``request_headers`` is keyed by environ names and must be the caller's own copy.
        """
        # Every path: a client may send credentials anywhere (a '//' in the path, a wrong route).
        request_body = self._redact_body(request_body, request_headers.get("CONTENT_TYPE", ""))
        if self._scan_answers or path.startswith(IMS_PREFIX):
            response_body = self._redact_body(response_body, "application/json")
        # deque.append and count's next are atomic: no lock on the request path.
        self._ring.append((
            next(self._ids), at, duration, method, path, query, request_headers,
            self._cap(request_body), len(request_body), status, response_headers,
            self._cap(response_body), len(response_body), fault,
        ))

    def _finish(self, raw: tuple) -> Exchange:
        """The stored row as an Exchange, with its headers and query string redacted."""
        (number, at, duration, method, path, query, request_headers, request_body, request_size,
         status, response_headers, response_body, response_size, fault) = raw
        headers = dict(request_headers)
        client = _redact_headers(headers)
        request_id = next((v for k, v in response_headers if k == "x-request-id"), None)
        return Exchange(
            number, at, duration, method, path, redaction.query(query, self._redact_body.keys),
            headers.get("HTTP_X_GW_IMS_ORG_ID"), headers.get("HTTP_X_SANDBOX_NAME"),
            tuple(headers.items()), request_body, request_size,
            status, tuple(response_headers), response_body, response_size,
            fault, request_id, client,
        )

    @property
    def evicted(self) -> int:
        """Exchanges pushed out of the full ring since the last clear."""
        return max(0, self._recorded() - self._cleared - len(self._ring))

    def _recorded(self) -> int:
        ring = self._ring.copy()
        return ring[-1][0] if ring else self._cleared

    def _cap(self, body: bytes) -> bytes:
        if len(body) <= self.body_limit:
            return body
        tail = min(TAIL, self.body_limit // 2)
        return body[: self.body_limit - tail] + body[len(body) - tail:]

    def exchanges(self) -> list[Exchange]:
        """The exchanges kept, oldest first (a copy)."""
        return [self._finish(row) for row in self._ring.copy()]

    def clear(self) -> int:
        with self._lock:
            ring = self._ring.copy()
            self._ring.clear()
            self._cleared = ring[-1][0] if ring else self._cleared
            return len(ring)

    def select(self, *, method: str | None = None, path: str | None = None, status: str | None = None,
               org: str | None = None, sandbox: str | None = None, since: int | None = None,
               limit: int | None = None) -> list[Exchange]:
        """Exchanges matching every filter given, oldest first; ``limit`` keeps the newest.

        The filters read the stored rows; only the exchanges answered are built (redacted), and
        with a ``limit`` the walk goes from the newest and stops when it has enough.
        """
        path_match = re.compile(fnmatch.translate(path)).match if path else None
        status_match = _status_matcher(status) if status else None
        wanted = method.upper() if method else None

        def matches(row: tuple) -> bool:
            headers = row[6]
            return ((wanted is None or row[3] == wanted)
                    and (path_match is None or path_match(row[4]) is not None)
                    and (status_match is None or status_match(row[9]))
                    and (org is None or headers.get("HTTP_X_GW_IMS_ORG_ID") == org)
                    and (sandbox is None or (headers.get("HTTP_X_SANDBOX_NAME") or "prod") == sandbox))

        ring = self._ring.copy()
        if since is not None:  # rows are numbered in order: skip the older ones without looking
            ring = itertools.dropwhile(lambda row: row[0] <= since, ring)
        if limit:
            newest = list(itertools.islice((row for row in reversed(list(ring)) if matches(row)), limit))
            rows = newest[::-1]
        else:
            rows = [row for row in ring if matches(row)]
        return [self._finish(row) for row in rows]


def _status_matcher(status: str):
    """``412``, ``4xx`` or ``dropped`` (a dropped connection)."""
    if status == "dropped":
        return lambda s: s is None
    if len(status) == 3 and status.endswith("xx"):
        return lambda s: s is not None and str(s)[0] == status[0]
    return lambda s: str(s) == status


def valid_status_filter(status: str) -> bool:
    return status == "dropped" or bool(re.fullmatch(r"[1-5](xx|\d\d)", status))


def environ_name(header: str) -> str:
    name = header.upper().replace("-", "_")
    return name if name in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + name


def header_name(environ_key: str) -> str:
    return (environ_key[5:] if environ_key.startswith("HTTP_") else environ_key).replace("_", "-").lower()


_SECRET_KEYS = tuple(environ_name(h) for h in redaction.SECRET_HEADERS if h != "authorization")


def _redact_headers(headers: dict[str, str]) -> str | None:
    """Redacts in place; returns the fingerprint of the token's client id, if it has one."""
    client = None
    authorization = headers.get("HTTP_AUTHORIZATION")
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"], client = redaction.authorization(authorization)
    for key in _SECRET_KEYS:
        if key in headers:
            headers[key] = redaction.redacted(headers[key])
    return client
