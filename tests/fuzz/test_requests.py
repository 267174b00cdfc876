"""Stateless fuzz: random methods, paths, query strings, headers and bodies thrown at the app.

Every answer must be below 500, and a body that says it is JSON must parse (``Fuzzer.send``); the
admin API must keep answering and no tenant may come from a malformed header.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from contracts.bodies import CAMPAIGN, PROFILE_STORE, S3, S3_SEGMENT_FLOW, UNKNOWN_ID

from .harness import (
    BASE, HEADERS, JSON, Fuzzer, budget, chain, continuation_tokens, encode_query, latin1_text,
    list_queries, nasty_text, nested, query_values, tokens,
)

FLOW_PATHS = [
    "/connections", "/sourceConnections", "/targetConnections", "/flows", "/runs",
    "/connectionSpecs", "/flowSpecs", f"/connectionSpecs/{S3}", f"/flowSpecs/{S3_SEGMENT_FLOW}",
    f"/connectionSpecs/{S3}/configs", f"/connectionSpecs/{CAMPAIGN}", f"/connectionSpecs/{PROFILE_STORE}/configs",
    f"/connections/{UNKNOWN_ID}", f"/flows/{UNKNOWN_ID}/action", f"/runs/{UNKNOWN_ID}", "/flows/", "/",
]
OTHER_PATHS = [
    "/data/core/activation/disflowprovider/adhocrun", "/data/core/ups/config/entityTypes/_xdm.context.profile",
    "/data/core/idnamespace/identities", "/data/foundation/conversion/schemas",
    "/data/foundation/conversion/mappingSets", f"/data/foundation/conversion/schemas/{UNKNOWN_ID}",
    "/ims/token/v3", "/ims/token/v2", "/",
]
ADMIN_PATHS = [
    "/_mock/health", "/_mock/requests", "/_mock/conformance", "/_mock/exports", "/_mock/audiences",
    "/_mock/openapi.json", "/_mock/reset", "/_mock/clock", f"/_mock/flows/{UNKNOWN_ID}/run", "/_mock/",
    "/_mock/faults/x", "/_mock/state", "/_mock/permissions", "/_mock/permissions/table",
]
#: The admin query parameters, with values that break number parsing (non-ASCII digits, thousands of
#: digits), and the clock's bodies.
ADMIN_QUERIES = ["limit", "since", "status", "path", "method", "imsOrgId", "sandboxName", "flowId", "runId",
                 "minPollInterval", "x"]
NUMBERS = st.sampled_from(["\u0661\u0662", "\u00b2", "\uff11", "\u2460", "1" * 5000, "9" * 4301, "1e999", "nan",
                           "-0", "0", "1", "+1", " 1", "1_000", "0x1f", "\U0001d7d9", "Infinity", "-1e-999"])

SEGMENTS = st.one_of(st.sampled_from(["connections", "flows", "action", UNKNOWN_ID, "..", ".", "%2e%2e", "",
                                      "%00", "%ED%A0%80", "%C3%A9", "a" * 3000, "%25", "~"]),
                     st.text(st.characters(min_codepoint=33, max_codepoint=0x2FFF, exclude_characters="/?#%"),
                             max_size=12))


@st.composite
def paths(draw) -> str:
    kind = draw(st.sampled_from(["flow", "flow", "flow", "admin", "admin", "other", "random"]))
    if kind == "flow":
        path = BASE + draw(st.sampled_from(FLOW_PATHS))
    elif kind == "admin":
        path = draw(st.sampled_from(ADMIN_PATHS))
    elif kind == "other":
        path = draw(st.sampled_from(OTHER_PATHS))
    else:
        path = draw(st.sampled_from([BASE, "/_mock", "/data", ""]))
    for _ in range(draw(st.integers(0, 2))):
        path += "/" + draw(SEGMENTS)
    return path


@st.composite
def queries(draw, path: str) -> str:
    kind = draw(st.sampled_from(["list", "admin", "admin", "raw", "none"]))
    if kind == "list":
        return encode_query(draw(list_queries()))
    if kind == "admin":
        pairs = draw(st.lists(st.tuples(st.sampled_from(ADMIN_QUERIES + ["op", "outputType", "outputField"]),
                                        st.one_of(NUMBERS, query_values())), max_size=3))
        return encode_query(pairs)
    if kind == "raw":
        return draw(st.sampled_from(["%", "%zz", "a=%ED%A0%80", "=&=&", "limit=%C2%B2", "&&&", "a" * 9000,
                                     "continuationToken=%FF", "property=name%3D%3D%ED%A0%80", "op=enable&op=disable",
                                     "limit=1&limit=2", "count=true&limit=1"]))
    return ""


@st.composite
def header_sets(draw) -> list[tuple[str, str]]:
    headers = dict(HEADERS)
    for name in draw(st.lists(st.sampled_from(sorted(HEADERS)), max_size=2, unique=True)):
        action = draw(st.sampled_from(["drop", "hostile", "hostile"]))
        if action == "drop":
            headers.pop(name)
        elif name == "Authorization":
            headers[name] = draw(tokens())
        else:
            headers[name] = draw(latin1_text())
    items = list(headers.items())
    extra = draw(st.lists(st.tuples(
        st.sampled_from(["x-gw-ims-org-id", "x-sandbox-name", "If-Match", "Accept", "x-request-id",
                         "Transfer-Encoding", "Content-Encoding", "Authorization", "x-api-key", "X-Forwarded-For"]),
        st.one_of(latin1_text(), st.sampled_from(["chunked", "gzip", "application/vnd.adobe.adhoc.activation+json; version=2",
                                                  '"x"', "*", "identity, chunked"]))),
        max_size=2))
    return items + extra


BODIES = st.one_of(
    st.none(),
    st.binary(max_size=64),
    JSON,
    st.builds(nested, st.integers(150, 1200)),
    st.builds(chain, st.integers(190, 300)),
    st.sampled_from([b'"\\ud800"', b'{"name": "\\ud800"}', b'{"\\udfff": 1}', b'["\\ud800\\udc00", "\\udc00"]',
                     b"1" * 5000, b"-" + b"9" * 5000, b"1e999999", b"[1e400]", b'{"a":' * 50000, b"[" * 100000,
                     b"\xef\xbb\xbf{}", b"\xff\xfe{\x00}\x00", b"{}" * 3, b"nul", b'{"a": NaN}', b"\x00",
                     b'{"advance": "99999999999999w"}', b'{"set": 1e300}', b'{"set": "9999-12-31T23:59:59"}',
                     b'{"set": -1e18}', b'{"advance": 1e308}', b'{"freeze": "yes"}', b'{"ids": ["\\ud800"]}',
                     b'{"imsOrgId": "\\ud800"}', b'{"wait": false, "advance": "1d"}']),
)


def _encode(body) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    return json.dumps(body, ensure_ascii=True).encode()


pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


@pytest.fixture(scope="module")
def fuzzer() -> Fuzzer:
    return Fuzzer()


def fresh(fuzzer: Fuzzer) -> None:
    """Each example starts from an empty journal, no tenant and the real clock: a failure is its own."""
    fuzzer.client.delete("/_mock/requests")
    fuzzer.client.post("/_mock/reset")
    fuzzer.client.post("/_mock/clock", json={"reset": True})
    fuzzer.client.delete("/_mock/permissions")


#: Faults are not under test: a rule added by a random POST would make the next answers 5xx on purpose.
def _skip_faults(method: str, path: str) -> bool:
    return path.startswith("/_mock/faults") and method in ("POST", "PUT", "PATCH")


@budget(800)
@given(data=st.data(), method=st.sampled_from(["GET", "GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS",
                                                "TRACE", "BREW", "get"]),
       body=BODIES, content_type=st.sampled_from([None, "application/json", "application/json; charset=utf-8",
                                                   "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded",
                                                   "application/json-patch+json", ""]))
def test_random_requests(fuzzer, data, method, body, content_type):
    path = data.draw(paths(), label="path")
    if _skip_faults(method, path):
        return
    query = data.draw(queries(path), label="query")
    headers = data.draw(header_sets(), label="headers")
    fresh(fuzzer)
    fuzzer.send(method, path, query=query or None, headers=headers, body=_encode(body),
                content_type=content_type if body is not None else None)
    fuzzer.check_health()
    fuzzer.check_journal()  # the exchange just recorded must not break the journal


@budget(150)
@given(path=st.sampled_from(["/_mock/requests", "/_mock/exports", "/_mock/conformance", "/_mock/reset",
                             "/_mock/health", "/_mock/audiences"]),
       pairs=st.lists(st.tuples(st.sampled_from(ADMIN_QUERIES), st.one_of(NUMBERS, query_values())),
                      min_size=1, max_size=3))
def test_admin_queries(fuzzer, path, pairs):
    method = "POST" if path == "/_mock/reset" else "GET"
    fresh(fuzzer)
    fuzzer.send(method, path, query=encode_query(pairs))


@budget(120)
@given(collection=st.sampled_from(["connections", "sourceConnections", "targetConnections", "flows", "runs"]),
       token=continuation_tokens(), extra=list_queries())
def test_continuation_tokens(collection, token, extra):
    """Tokens carry a decoded query (surrogates included, where a URL cannot): with entities to list."""
    fuzzer = _populated()
    pairs = [("continuationToken", token)] + extra
    fuzzer.send("GET", f"{BASE}/{collection}", query=encode_query(pairs))


@budget(80)
@given(body=st.one_of(JSON, st.builds(lambda d: {"advance": d}, st.one_of(NUMBERS, JSON, nasty_text())),
                      st.builds(lambda d: {"set": d}, st.one_of(NUMBERS, JSON, nasty_text(),
                                                                 st.floats(allow_nan=False)))))
def test_clock_bodies(body):
    """Moving the clock anywhere leaves the mock answering (no flows: no exports run)."""
    fuzzer = Fuzzer()
    fuzzer.send("POST", "/_mock/clock", body=body)
    fuzzer.send("GET", "/_mock/clock")
    fuzzer.send("GET", "/_mock/exports")
    fuzzer.send("GET", f"{BASE}/runs")
    fuzzer.check_health()


_POPULATED: list[Fuzzer] = []


def _populated() -> Fuzzer:
    """One app with a few entities of each kind (made once), to page and filter over."""
    if _POPULATED:
        return _POPULATED[0]
    from contracts import bodies

    fuzzer = Fuzzer()
    for _ in range(3):
        base = fuzzer.send("POST", f"{BASE}/connections", body=bodies.s3_connection()).get_json()["id"]
        target = fuzzer.send("POST", f"{BASE}/targetConnections", body=bodies.s3_target(base)).get_json()["id"]
        source = fuzzer.send("POST", f"{BASE}/sourceConnections", body=bodies.profile_source()).get_json()["id"]
        fuzzer.send("POST", f"{BASE}/flows", body=bodies.audience_flow(source, target))
    fuzzer.secrets.add(bodies.s3_connection()["auth"]["params"]["s3SecretKey"])
    _POPULATED.append(fuzzer)
    return fuzzer
