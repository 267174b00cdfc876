"""The limits on a request that are checked before anything reads it: query, headers, body size.

Checked at the HTTP edge (api/wire.py), on the WSGI environ, so that an oversized body is
refused before a byte of it is read, and the refusal is journaled like any answer. The limits
on what a body holds (depth, patch operations, the entity it makes) are the domain's
(domain/limits.py). docs/fidelity.md, "Limits".
"""

from __future__ import annotations

from ..domain.errors import (
    ApiError, body_too_large, headers_too_many, invalid_request, query_too_long,
)
from ..settings import Settings
from ..text import parse_int, shown


STATE_PATH = "/_mock/state"


def refusal(environ: dict, settings: Settings) -> ApiError | None:
    """The error answering this request before it reaches the app, or None."""
    query = environ.get("QUERY_STRING", "")
    if len(query) > settings.max_query_length:
        return query_too_long(len(query), settings.max_query_length)
    headers = sum(1 for key in environ if key[:5] == "HTTP_")
    if headers > settings.max_headers:
        return headers_too_many(headers, settings.max_headers)
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            size = parse_int(length, 0)
        except ValueError:
            return invalid_request(1100, f"Invalid Content-Length {shown(length)}.")
        # A snapshot is as large as the state it holds (waitress still bounds it, at 1 GiB).
        if size > settings.max_body_bytes and environ.get("PATH_INFO") != STATE_PATH:
            return body_too_large(size, settings.max_body_bytes)
    return None
