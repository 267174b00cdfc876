"""Keeping secrets out of the journal: headers, query strings and bodies, redacted on the way in.

A redacted value is replaced by ``[redacted sha256:<8 hex>]``: the fingerprint lets the
conformance rules compare values (is the ``x-api-key`` the token's client id? does one token
serve two orgs?) without the journal holding the secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import lru_cache
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlencode

import orjson

MARK = "[redacted"
#: What the journal keeps of a body that holds a secret but cannot be rewritten.
WITHHELD = b"[body withheld: it names a secret and is too deep to redact]"
#: Request headers whose values are secrets.
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})
#: Query parameters that carry credentials when a client puts them in the URL (exact names:
#: ``continuationToken`` is a page token, not a secret).
SECRET_QUERY_NAMES = frozenset({
    "access_token", "token", "id_token", "refresh_token", "api_key", "apikey", "x-api-key",
    "client_secret", "password", "secret", "authorization", "bearer",
})
#: Body members that are secrets besides the auth params the catalogue marks ``format: password``:
#: those of the IMS token exchange.
TOKEN_KEYS = frozenset({"access_token", "refresh_token", "id_token", "client_secret"})


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:8]


@lru_cache(maxsize=256)  # the same x-api-key comes with every request
def redacted(value: str) -> str:
    return f"{MARK} sha256:{fingerprint(value)}]"


@lru_cache(maxsize=256)
def authorization(value: str) -> tuple[str, str | None]:
    """The redacted header (scheme kept) and the fingerprint of the token's ``client_id`` claim.

    Cached: a client sends the same token on every request, and decoding it costs more than the
    rest of the journal's work.
    """
    scheme, _, token = value.strip().partition(" ")
    if not token:
        return redacted(value), None
    return f"{scheme} {redacted(token.strip())}", _client_id_fingerprint(token.strip())


def _client_id_fingerprint(token: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    client = claims.get("client_id") if isinstance(claims, dict) else None
    return fingerprint(client) if isinstance(client, str) and client else None


def query(raw: str) -> str:
    """The query string with the values of credential-like parameters redacted."""
    if not raw:
        return raw
    pairs = parse_qsl(raw, keep_blank_values=True)
    if not any(name.lower() in SECRET_QUERY_NAMES for name, _ in pairs):
        return raw
    return urlencode([(n, redacted(v) if n.lower() in SECRET_QUERY_NAMES else v) for n, v in pairs])


class BodyRedactor:
    """Redacts secret members of JSON bodies (also inside JSON Patch operations) and form bodies."""

    def __init__(self, secret_keys: Iterable[str]) -> None:
        self.keys = frozenset(secret_keys) | TOKEN_KEYS
        # A body that mentions none of the names is kept as it is, unparsed: nearly every body.
        self._mentions = re.compile(b"|".join(re.escape(key.encode()) for key in sorted(self.keys))).search

    def __call__(self, body: bytes, content_type: str) -> bytes:
        if not body or self._mentions(body) is None:
            return body
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            return urlencode([(n, redacted(v) if n in self.keys else v) for n, v in pairs]).encode()
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            return body
        try:
            return orjson.dumps(self._walk(document))
        except (RecursionError, TypeError):
            # Too deep to rewrite (the mock refuses such bodies anyway): kept out rather than kept in clear.
            return WITHHELD

    def _walk(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key in self.keys and isinstance(value, str):
                out[key] = redacted(value)
            else:
                out[key] = self._walk(value)
        # A JSON Patch operation that sets a secret: {"op": "replace", "path": ".../s3SecretKey", "value": "..."}.
        path = node.get("path")
        if isinstance(path, str) and path.rsplit("/", 1)[-1] in self.keys and isinstance(node.get("value"), str):
            out["value"] = redacted(node["value"])
        return out
