"""What the fuzz targets share: a counting, checking client of the app and hostile-input strategies.

Run: `.venv/bin/python -m pytest tests/fuzz -q -p no:cacheprovider -x`. Knobs (env): FLOWSERVICE_FUZZ_EXAMPLES
(a multiplier of the budget, default 1: ~30 s, ~25,000 requests), CI=true or FLOWSERVICE_FUZZ_DERANDOMIZE=1
(deterministic), FLOWSERVICE_FUZZ_SHRINK=1 (shrink a failure; slow), FLOWSERVICE_FUZZ_SURVEY=1 (note every
failure and carry on: the summary lists each kind once, and the tests pass).

Every request goes through :class:`Fuzzer.send`, which counts it and checks what holds for every
answer: no 5xx (nor an exception escaping the app), a JSON body that parses when the answer says
it is JSON, no CR/LF in a response header, and no secret the fuzz has put into a base connection
anywhere in the answer.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings, strategies as st

from mockserver import create_app
from mockserver.settings import Settings

BASE = "/data/foundation/flowservice"
ORG = "5555467B5D8013E50A494220@AdobeOrg"
HEADERS = {
    "Authorization": "Bearer fuzz-token",
    "x-api-key": "fuzz-api-key",
    "x-gw-ims-org-id": ORG,
    "x-sandbox-name": "prod",
}
COLLECTIONS = ("connections", "sourceConnections", "targetConnections", "flows")
STORAGE = tempfile.mkdtemp(prefix="flowservice-fuzz-")
atexit.register(shutil.rmtree, STORAGE, ignore_errors=True)

# --- budget ----------------------------------------------------------------------------------

#: A multiplier of the default budget (``FLOWSERVICE_FUZZ_EXAMPLES=10`` runs ten times as many).
SCALE = max(0.05, float(os.environ.get("FLOWSERVICE_FUZZ_EXAMPLES", "1") or 1))
#: Deterministic in CI (``CI=true``) or when asked (``FLOWSERVICE_FUZZ_DERANDOMIZE=1``); random locally.
DERANDOMIZE = (os.environ.get("CI", "").lower() in ("1", "true", "yes")
               or os.environ.get("FLOWSERVICE_FUZZ_DERANDOMIZE", "") not in ("", "0"))


#: Shrinking a failing sequence can take minutes; off unless asked (``FLOWSERVICE_FUZZ_SHRINK=1``).
SHRINK = os.environ.get("FLOWSERVICE_FUZZ_SHRINK", "") not in ("", "0")
PHASES = tuple(p for p in Phase if SHRINK or p not in (Phase.shrink, Phase.explain))


def budget(examples: int, **extra: Any) -> settings:
    return settings(
        phases=PHASES,
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=DERANDOMIZE,
        database=None,
        print_blob=True,
        suppress_health_check=list(HealthCheck),
        **extra,
    )


# --- counters (printed by conftest.py) ----------------------------------------------------------

@dataclass
class Stats:
    requests: int = 0
    server_errors: int = 0
    leaks: int = 0
    malformed_tenants: int = 0
    failures: list[str] = field(default_factory=list)
    kinds: set = field(default_factory=set)

    def note(self, text: str) -> None:
        """Keeps one message per kind of failure (the message up to the request, and the path)."""
        head, _, request = text.partition(" <- ")
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", request.split(",")[0])
        key = (re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", head)[:160], path)
        if key not in self.kinds and len(self.failures) < 60:
            self.kinds.add(key)
            self.failures.append(text)


STATS = Stats()


# --- the server's own error log ------------------------------------------------------------------

class _Capture(logging.Handler):
    """Keeps the traceback of the last unhandled error the app logged (api/errors.py)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.last = logging.Formatter().formatException(record.exc_info)


CAPTURE = _Capture()
_errors_log = logging.getLogger("mockserver.api.errors")
if CAPTURE not in _errors_log.handlers:
    _errors_log.addHandler(CAPTURE)


def _last_lines(traceback: str | None, count: int = 3) -> str:
    if not traceback:
        return "(no server traceback logged)"
    lines = [line for line in traceback.strip().splitlines() if line.strip()]
    return " | ".join(line.strip() for line in lines[-count:])


# --- the client -------------------------------------------------------------------------------

#: Survey mode (``FLOWSERVICE_FUZZ_SURVEY=1``): note every failure and carry on, to list all the distinct
#: bugs of one run in the summary instead of stopping at the first (the tests then pass).
SURVEY = os.environ.get("FLOWSERVICE_FUZZ_SURVEY", "") not in ("", "0")


class FuzzFailure(AssertionError):
    pass


def fail(message: str) -> None:
    STATS.note(message[:1500])
    if not SURVEY:
        raise FuzzFailure(message)


def _describe(method: str, path: str, query: Any, headers: Any, body: Any, environ: Any) -> str:
    def short(value: Any, limit: int = 600) -> str:
        text = repr(value)
        return text if len(text) <= limit else text[:limit] + f"...<{len(text)} chars>"
    parts = [f"{method} {short(path, 300)}"]
    if query:
        parts.append(f"query_string={short(query)}")
    if headers and headers != HEADERS:
        parts.append(f"headers={short(headers)}")
    if environ:
        parts.append(f"environ_overrides={short(environ)}")
    if body is not None:
        parts.append(f"data={short(body)}")
    return ", ".join(parts)


class Fuzzer:
    """A Flask test client of a fresh app that counts and checks every exchange."""

    def __init__(self, **overrides: Any) -> None:
        overrides.setdefault("seed", 1)
        overrides.setdefault("storage_root", STORAGE)
        overrides.setdefault("scheduler_interval", 0)
        self.settings = Settings(**overrides)
        self.app = create_app(self.settings)
        self.client = self.app.test_client()
        #: Secrets the fuzz sent in base connections: distinctive cores that no answer may contain.
        self.secrets: set[str] = set()
        #: Secrets the fuzz itself put in a query string (the journal may quote those queries).
        self.queried: set[str] = set()

    def send(self, method: str, path: str, *, headers: Any = None, query: Any = None, body: Any = None,
             environ: dict | None = None, content_type: str | None = None, allow_5xx: bool = False,
             journal: bool = False):
        """One request; ``body`` is bytes, or anything JSON (sent as JSON with ``\\u`` escapes)."""
        headers = HEADERS if headers is None else headers
        headers, environ = _wsgi_headers(headers, dict(environ or {}))
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=True).encode()
            content_type = content_type or "application/json"
        STATS.requests += 1
        CAPTURE.last = None
        kwargs: dict[str, Any] = {"method": method, "headers": headers, "data": data,
                                  "environ_overrides": environ or {}}
        if query is not None:
            kwargs["query_string"] = query
        if content_type is not None:
            kwargs["content_type"] = content_type
        what = _describe(method, path, query, headers, data, environ)
        target = path
        if path.startswith("//"):
            # The test client would read '//host/...' as a URL with a host; a server hands it over as the path.
            kwargs["environ_overrides"] = {**kwargs["environ_overrides"],
                                          "PATH_INFO": path.encode("utf-8", "surrogatepass").decode("latin-1")}
            target = "/"
        try:
            response = self.client.open(target, **kwargs)
        except Exception as exc:  # escaped the app (the WSGI edge, or werkzeug itself)
            STATS.server_errors += 1
            text = f"exception escaped the app: {type(exc).__name__}: {exc}"[:300]
            fail(f"{text} <- {what}")
            raise FuzzFailure(f"{text}\nrequest: {what}") from exc
        if response.status_code >= 500 and not allow_5xx:
            STATS.server_errors += 1
            trace = _last_lines(CAPTURE.last)
            fail(f"{response.status_code}: {trace} <- {what}")
        self.check_answer(response, what, journal or path.startswith("/_mock/requests"))
        return response

    def check_answer(self, response: Any, what: str, journal: bool = False) -> None:
        for name, value in response.headers.items():
            if "\r" in value or "\n" in value:
                fail(f"response header {name} carries CR/LF: {value!r} <- {what}")
        data = response.get_data()
        if data and (response.mimetype or "").endswith("json"):
            try:
                json.loads(data)
            except ValueError as exc:
                fail(f"answer is not valid JSON ({exc}): {data[:200]!r} <- {what}")
                return
        if journal and response.status_code == 200 and data:
            self.check_journal_items(json.loads(data).get("items", []))
            return
        self.check_leaks(data.decode("utf-8", "replace") + repr(list(response.headers.items())), what)

    def check_leaks(self, text: str, what: str, ignore: set[str] = frozenset()) -> None:
        for secret in self.secrets - ignore:
            if secret in text:
                STATS.leaks += 1
                at = text.index(secret)
                fail(f"secret leaked: ...{text[max(0, at - 200):at + 50]!r} <- {what}")

    # --- shared checks ---------------------------------------------------------------------

    def check_health(self) -> dict:
        response = self.send("GET", "/_mock/health")
        assert response.status_code == 200, response.get_data(as_text=True)
        health = response.get_json()
        for tenant in health["tenants"]:
            for key in ("imsOrgId", "sandboxName"):
                if malformed_header_value(tenant[key]):
                    STATS.malformed_tenants += 1
                    fail(f"a tenant was created from a malformed header: {key}={tenant[key]!r}")
        return health

    def check_journal(self, query: Any = None) -> None:
        """The journal answers, and neither it nor its answers hold a secret in clear."""
        self.send("GET", "/_mock/requests", query=query)

    def check_journal_items(self, items: list) -> None:
        for item in items:
            # The fuzz's own oracle probes put secrets in query strings: those may be quoted as sent.
            rest = {k: v for k, v in item.items() if k != "query"}
            what = f"GET /_mock/requests: journal entry {item.get('method')} {item.get('path')}"
            self.check_leaks(json.dumps(rest, ensure_ascii=False), what)
            self.check_leaks(str(item.get("query")), what, ignore=self.queried)


def _wsgi_headers(headers: Any, environ: dict) -> tuple[list, dict]:
    """Header values werkzeug's test client refuses (CR, LF, beyond latin-1) go in the environ, as a
    server would hand them over (UTF-8 bytes read as latin-1)."""
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    kept = []
    for name, value in items:
        if value is None:
            continue
        if "\r" in value or "\n" in value or any(ord(ch) > 255 for ch in value):
            key = "HTTP_" + name.upper().replace("-", "_")
            environ[key] = value.encode("utf-8", "surrogatepass").decode("latin-1")
        else:
            kept.append((name, value))
    return kept, environ


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def malformed_header_value(value: str) -> bool:
    """Control characters, or two values joined as a duplicated header is (``A, B``)."""
    return bool(_CONTROL.search(value)) or "," in value or value != value.strip()


# --- strategies ---------------------------------------------------------------------------------

SURROGATES = ["\ud800", "\udfff", "\udc00", "\udbff\udbff", "a\ud83dz"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\t", "\r", "\n", "\x85", "\u2028", "\ufeff"]
DIGITS = ["\u0661\u0662", "\u00b2", "\uff11", "\u0967", "\u2460", "\U0001d7d9", "1" * 5000, "9" * 50, "-1",
          "0x10", "1e3", " 5", "5 ", "+5", "007", "\u09e6"]
NASTY = (SURROGATES + CONTROLS + DIGITS + [
    "", " ", "%", "%00", "%ED%A0%80", "\\", "\"", "'", "../..", "~0~1", "/", "null", "true", "[]", "{}",
    "\u202e", "\U0010ffff", "\ufffd", "💥", "é", "Ⅻ", "NaN", "Infinity", "==", ",", "[]", "a" * 70000,
])


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Text built from hostile pieces and ordinary characters (surrogates included)."""
    return st.lists(
        st.one_of(st.sampled_from(NASTY), st.text(max_size=8),
                  st.characters(min_codepoint=0, max_codepoint=0x10FFFF).map(str)),
        max_size=4,
    ).map("".join).map(lambda s: s[:max(max_size, 70000)])


def latin1_text() -> st.SearchStrategy[str]:
    """What a WSGI header value can be: latin-1 characters, control characters included."""
    return st.one_of(
        st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=30),
        st.sampled_from(["A\x00B", "A\nB", "A\r\nX-Injected: 1", " ", "\t", "A,B", "A, B", "\x7f", "é"]),
    )


def nested(depth: int, leaf: Any = 1, key: str = "a") -> Any:
    value = leaf
    for level in range(depth):
        value = {key: value} if level % 2 else [value]
    return value


def chain(depth: int, key: str = "a") -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {key: value}
    return value


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**63, max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), nasty_text(),
)

JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(nasty_text(12), children, max_size=4)),
    max_leaves=12,
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


CLAIM_VALUES = st.one_of(nasty_text(), JSON, st.just("\ud800"), st.just("x\x00y"), st.just("u" * 10000))


@st.composite
def tokens(draw) -> str:
    """Authorization header values: JWTs whose claims are hostile, and broken tokens."""
    kind = draw(st.sampled_from(["jwt", "jwt", "jwt", "payload", "plain", "scheme"]))
    if kind == "jwt":
        claims = draw(st.dictionaries(st.sampled_from(["user_id", "sub", "client_id", "exp", "type"]),
                                      CLAIM_VALUES, min_size=1, max_size=3))
        payload = json.dumps(claims, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        return f"Bearer {b64(b'{}')}.{b64(payload)}.sig"
    if kind == "payload":
        payload = draw(st.sampled_from([
            b"[" * 3000, b'{"user_id":' * 2000, b"\xff\xfe", b'"just a string"', b"[1,2]", b"null",
            b'{"user_id": "\\udfff", "client_id": "\\ud800"}', b'{"sub": 1e999}', b"1" * 5000,
            b'{"user_id": "a\\u0000b"}', b'{"user_id": "x", "client_id": ["\\ud800"]}',
        ]))
        return f"Bearer e30.{b64(payload)}.sig"
    if kind == "plain":
        return "Bearer " + draw(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=30))
    return draw(st.sampled_from(["", "Bearer", "Bearer ", "Basic abc", "bearer   x", "Bearer a.b.c.d", "Bearer ..",
                                 "Bearer a..b", "Bearer é.é.é"]))


def token_of(claims: dict) -> str:
    payload = json.dumps(claims, ensure_ascii=True).encode()
    return f"Bearer {b64(b'{}')}.{b64(payload)}.sig"


@st.composite
def continuation_tokens(draw) -> str:
    kind = draw(st.sampled_from(["state", "state", "raw", "text"]))
    if kind == "state":
        query = draw(st.dictionaries(
            st.sampled_from(["property", "orderby", "limit", "count", "continuationToken", "x", "\ud800"]),
            st.lists(st.one_of(
                nasty_text(), st.sampled_from(["name==\ud800", "name==a\udfffb", "\ud800", "-name\ud800",
                                               "createdBy==\ud800", "name>\ud800", "+\ud800"])),
                min_size=1, max_size=2),
            max_size=3))
        offset = draw(st.one_of(st.integers(0, 5), st.just(10**400), st.just(-1), st.just(2**64)))
        state: Any = {"o": offset, "q": query}
        if draw(st.booleans()):
            state = draw(st.sampled_from([state, [state], {"o": "1", "q": {}}, {"o": 0, "q": []},
                                          {"o": 0.5, "q": {}}, {"o": True, "q": {}}]))
        try:
            text = json.dumps(state, ensure_ascii=True)
        except ValueError:
            text = "{}"
        return b64(text.encode())
    if kind == "raw":
        return b64(draw(st.sampled_from([b"[" * 5000, b"\xff", b'{"o":0,"q":{"property":["' + b"a" * 9000 + b'"]}}',
                                         b'{"o": 1e999, "q": {}}', b'{"o": 0, "q": {"limit": ["\\u0661"]}}'])))
    return draw(nasty_text())


def query_values() -> st.SearchStrategy[str]:
    return st.one_of(nasty_text(), st.sampled_from(DIGITS), st.text(max_size=20))


@st.composite
def list_queries(draw, collection: str = "connections") -> list[tuple[str, str]]:
    """Query strings of a list request: filters, sorts, limits, counts, tokens, unknown names."""
    fields = ["name", "id", "createdAt", "createdBy", "updatedBy", "state", "auth.params.s3SecretKey",
              "auth.params.password", "connectionSpec.id", "transformations[].params", "params.bucketName",
              "inheritedAttributes.baseConnection.id", "a.b.c", "name[]", "\ud800", ""]
    ops = ["==", "!=", ">", "<", ">=", "<=", "=", "~", "=>", "!", "==="]
    pairs: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.sampled_from(["property", "property", "orderby", "limit", "count", "continuationToken",
                                     "start", "\ud800", "Property"]))
        if name == "property":
            value = draw(st.sampled_from(fields)) + draw(st.sampled_from(ops)) + draw(
                st.one_of(nasty_text(), st.sampled_from(["a,b", "\"x\"", "1", "true", "null", ",", "a" * 10000])))
        elif name == "orderby":
            value = draw(st.one_of(st.sampled_from(["name", "-name", "+createdAt", "name,-id", "-", "+", "--name",
                                                    "auth.params.s3SecretKey", "a" * 5000, "name\ud800", " name",
                                                    "", ","]), nasty_text()))
        elif name == "limit":
            value = draw(st.one_of(st.sampled_from(DIGITS + ["1", "100", "101", "0"]), nasty_text()))
        elif name == "count":
            value = draw(st.sampled_from(["true", "false", "TRUE", "1", "", "\ud800"]))
        elif name == "continuationToken":
            value = draw(continuation_tokens())
        else:
            value = draw(query_values())
        pairs.append((name, value))
    return pairs


def encode_query(pairs: list[tuple[str, str]]) -> str:
    """A query string; lone surrogates cannot travel in a URL, so they are dropped here (they arrive
    decoded from continuation tokens instead)."""
    from urllib.parse import quote

    def enc(text: str) -> str:
        return quote(text.encode("utf-8", "ignore").decode("utf-8", "ignore"), safe="")
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in pairs)


# --- patch documents ---------------------------------------------------------------------------------

PATHS = {
    "connections": ["/name", "/description", "/auth/params/x", "/auth/params/s3AccessKey", "/auth/specName",
                    "/auth", "/auth/params", "/encryption", "/connectionSpec/version", "/connectionSpec",
                    "/auth/params/password", "/auth/params/-"],
    "sourceConnections": ["/name", "/description", "/params", "/params/datasets/0", "/id"],
    "targetConnections": ["/name", "/description", "/params/path", "/params/bucketName", "/params/x",
                          "/params/fileType", "/params/mode", "/params", "/params/compression"],
    "flows": ["/name", "/description", "/transformations/0/params/x", "/transformations/0/params/segmentSelectors/selectors/-",
              "/transformations/0/params/segmentSelectors/selectors/0", "/labels", "/labels/-", "/scheduleParams",
              "/sourceConnectionIds/0", "/sourceConnectionIds", "/transformations", "/transformations/-",
              "/transformations/0/params/profileSelectors/selectors/-", "/transformations/0/params/mandatoryFields/-"],
}
WEIRD_PATHS = ["", "/", "name", "//", "/name/", "/name/0", "/name/a/b", "/~", "/~2", "/~0~1", "/%6eame",
               "/etag", "/id", "/createdBy", "/state", "/\ud800", "/name\x00", "/" + "a/" * 300,
               "/transformations/99999999999999999999", "/transformations/-1", "/transformations/01",
               "/labels/\u0661", "/description/-"]


def patch_ops(collection: str, segment: str | None = None) -> st.SearchStrategy[list]:
    paths = PATHS[collection]
    value = st.one_of(JSON, nasty_text(), st.just("x" * 200000), st.builds(nested, st.integers(150, 198)),
                      st.builds(chain, st.integers(100, 198)), st.just(segment or "seg"))
    op = st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "replace", "remove", "test", "ADD", "Replace", "move", "copy", "nope", 1]),
         "path": st.one_of(st.sampled_from(paths), st.sampled_from(WEIRD_PATHS), nasty_text(20))},
        optional={"value": value, "from": st.sampled_from(paths)},
    )
    valid = st.fixed_dictionaries({"op": st.sampled_from(["replace", "add"]), "path": st.sampled_from(["/name", "/description"]),
                                   "value": nasty_text()})
    return st.one_of(st.lists(st.one_of(valid, op), min_size=1, max_size=4),
                     st.sampled_from([[], {}, None, "x", [1], [{}], [[]], {"op": "add"}]))


def if_match_values(current: str, stale: list[str]) -> st.SearchStrategy[str | None]:
    return st.one_of(
        st.just(current), st.just(current), st.none(),
        st.sampled_from(stale or [current]),
        st.just(current.strip('"')), st.just("*"), st.just(""), st.just(f"W/{current}"),
        st.just(current + ", " + current), st.just('"' + "e" * 10000 + '"'), latin1_text(),
    )
