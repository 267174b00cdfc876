"""Keeping secrets out of the journal: headers, query strings and bodies, redacted on the way in.

A redacted value is replaced by ``[redacted sha256:<8 hex>]``: the fingerprint lets the
conformance rules compare values (is the ``x-api-key`` the token's client id? does one token
serve two orgs?) without the journal holding the secret.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any, Iterable
from urllib.parse import parse_qsl, urlencode

import orjson

from .text import claim, token_claims

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
    client = claim(token_claims(token), "client_id")
    return fingerprint(client) if client else None


def query(raw: str, secret_keys: frozenset[str] = frozenset()) -> str:
    """The query string with the values of credential-like parameters redacted, and those of
    filters on secret fields (``property=auth.params.s3SecretKey==<value>``)."""
    if not raw:
        return raw
    pairs = parse_qsl(raw, keep_blank_values=True)
    changed = [(n, _query_value(n, v, secret_keys)) for n, v in pairs]
    if changed == pairs:
        return raw
    return urlencode(changed)


_FILTER = re.compile(r"^([^=!<>~]*)([=!<>~]+)(.*)$", re.S)


def _query_value(name: str, value: str, secret_keys: frozenset[str]) -> str:
    if name.lower() in SECRET_QUERY_NAMES:
        return redacted(value)
    if name == "property" and secret_keys:
        match = _FILTER.match(value)
        if match and match.group(1).rsplit(".", 1)[-1].removesuffix("[]") in secret_keys and match.group(3):
            return match.group(1) + match.group(2) + redacted(match.group(3))
    return value


class BodyRedactor:
    """Redacts secret members of bodies: JSON (also inside JSON Patch operations), form bodies, and
    bodies that are neither but still name a secret (malformed JSON, cut-off bodies)."""

    def __init__(self, secret_keys: Iterable[str]) -> None:
        self.keys = frozenset(secret_keys) | TOKEN_KEYS
        names = b"|".join(re.escape(key.encode()) for key in sorted(self.keys))
        # A body that mentions none of the names is kept as it is, unparsed: nearly every body.
        self._mentions = re.compile(names).search
        # In text that does not parse: the value after a secret's name, or after "value" (a JSON
        # Patch operation's), whether a string (perhaps cut off) or a bare token.
        self._pairs = re.compile(
            rb'((?:"(?:' + names + rb'|value)"|\b(?:' + names + rb'))\s*[:=]\s*)'
            rb'("(?:[^"\\]|\\.)*"?|[^\s,}\]&]+)'
        )

    def __call__(self, body: bytes, content_type: str = "") -> bytes:
        # A name may hide behind JSON escapes ("s3Secret\u004bey"): such bodies are parsed.
        if not body or (self._mentions(body) is None and b"\\u" not in body):
            return body
        if content_type.startswith("application/x-www-form-urlencoded"):
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            return urlencode([(n, redacted(v) if n in self.keys else v) for n, v in pairs]).encode()
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            # Not JSON, yet it names a secret (or may, behind escapes): the values after names go,
            # then every quoted text (comments or single quotes can part a name from its value).
            return _TOKENS.sub(_redact_token, self._pairs.sub(self._redact_pair, body))
        try:
            return orjson.dumps(self.walk(document))
        except (RecursionError, TypeError):
            # Too deep to rewrite (the mock refuses such bodies anyway): kept out rather than kept in clear.
            return WITHHELD

    def _redact_pair(self, match: re.Match) -> bytes:
        value = match.group(2).decode("utf-8", "replace")
        return match.group(1) + b'"' + redacted(value.strip('"')).encode() + b'"'

    def walk(self, node: Any) -> Any:
        """A copy of a parsed document with every secret value redacted."""
        if isinstance(node, list):
            return [self.walk(item) for item in node]
        if isinstance(node, str):  # JSON (or a form) sent as a string inside the document
            if self._mentions(node.encode("utf-8", "replace")) is None:
                return node
            return self._pairs.sub(self._redact_pair, node.encode("utf-8", "replace")).decode("utf-8", "replace")
        if not isinstance(node, dict):
            return node
        out = {key: _redact_value(value) if key in self.keys else self.walk(value) for key, value in node.items()}
        # A JSON Patch operation that sets a secret: {"op": "replace", "path": ".../s3SecretKey", "value": "..."},
        # or the whole of what holds one: {"op": "add", "path": "/auth/params", "value": {...}}.
        path = node.get("path")
        if isinstance(path, str) and "value" in node and path.rsplit("/", 1)[-1] in self.keys:
            out["value"] = _redact_value(node["value"])
        return out


#: In text that does not parse, left to right: a value already redacted (kept), every quoted text in
#: double or single quotes, whole or cut off, and every bare token after a ':' or '=' (a secret whose
#: name hides behind escapes, "s3Secret\u004bey": abc, has lost its quotes as often as not).
_TOKENS = re.compile(rb'"\[redacted[^"]*"|"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|(?<=[:=])\s*[^\s,}\]&"\'\[{]+')


def _redact_token(match: re.Match) -> bytes:
    token = match.group()
    if token.startswith(b'"[redacted'):
        return token
    space = token[:len(token) - len(token.lstrip())]
    return space + b'"' + redacted(token.strip().decode("utf-8", "replace").strip("\"'")).encode() + b'"'


def _redact_value(value: Any) -> Any:
    if value is None:
        return None
    return redacted(value if isinstance(value, str) else orjson.dumps(value).decode())


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each of the ``secrets`` values (as given, or as Python quotes them) redacted:
    for messages that may quote what a client sent, such as a schema violation's."""
    for secret in secrets:
        if isinstance(secret, str) and secret:
            text = text.replace(repr(secret), repr(MASK)).replace(secret, MASK)
    return text


#: What answers show in place of a secret.
MASK = "********"
