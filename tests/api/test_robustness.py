"""Bad input never breaks the mock: always a 4xx in one of the documented shapes (§2), never a 5xx.

The wrong-type tests walk every member of a valid body (every level: objects, arrays, leaves) and
replace it by values of every JSON type, on create (POST) and on update (PATCH ``replace``).
"""

from __future__ import annotations

import copy
import json

import pytest

from ..support import BASE, DATA_LAKE, HEADERS, PROFILE_STORE, S3, S3_AUTH, S3_DATASET_FLOW, S3_SEGMENT_FLOW, spec
from .shapes import all_json_error_shapes, flow_error


BAD_VALUES = [None, 0, -1, 1.5, True, "", "x", [], [None], [1], [[]], [{}], {}, {"a": 1}]

SELECTOR = {"type": "PLATFORM_SEGMENT", "value": {
    "id": "seg-1", "name": "n", "description": "", "exportMode": "DAILY_FULL_EXPORT",
    "filenameTemplate": "%SEGMENT_ID%_%TIMESTAMP%",
    "schedule": {"frequency": "ONCE", "triggerType": "SCHEDULED", "startDate": "2024-01-01",
                 "endDate": "2024-02-01", "startTime": "10:00"}}}
PROFILE_SELECTOR = {"type": "JSON_PATH", "value": {"path": "person.name", "operator": "EXISTS",
                                                    "identity": {"namespace": "Email"}, "mapping": {"source": "a"}}}

# Valid bodies; "<...>" strings are replaced by ids made at run time.
VALID = {
    "connections": {
        "name": "S3", "description": "d", "connectionSpec": spec(S3), "auth": S3_AUTH,
        "encryption": {"specName": "File Encryption", "params": {"encryptionAlgo": "PGP/GPG", "publicKey": "k"}}},
    "sourceConnections": {
        "name": "Profiles", "description": "d", "connectionSpec": spec(PROFILE_STORE), "baseConnectionId": "<ups-base>",
        "data": {"format": "CSV", "schema": None}, "params": {}},
    "sourceConnections-datasets": {
        "name": "Datasets", "description": "d", "connectionSpec": spec(DATA_LAKE),
        "params": {"datasets": [{"dataSetId": "616d53e0a6de2719486fb024", "name": "Company"}]}},
    "targetConnections": {
        "name": "S3 target", "description": "d", "baseConnectionId": "<base>", "connectionSpec": spec(S3),
        "data": {"format": "CSV", "schema": None},
        "params": {"mode": "Server-to-server", "bucketName": "bucket", "path": "p", "fileType": "CSV",
                   "compression": "GZIP", "includeFileManifest": False,
                   "csvOptions": {"quote": "", "escape": "\\", "delimiter": ",", "nullValue": "null",
                                  "emptyValue": ""}}},
    "flows": {
        "name": "Audiences", "description": "d", "flowSpec": spec(S3_SEGMENT_FLOW),
        "sourceConnectionIds": ["<source>"], "targetConnectionIds": ["<target>"], "labels": ["core/C12"],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": [SELECTOR]},
            "profileSelectors": {"selectors": [PROFILE_SELECTOR], "mandatoryFields": ["person.name"],
                                 "primaryFields": [{"fieldType": "ATTRIBUTE", "attributePath": "person.name"}]},
            "mandatoryFields": ["ECID"], "primaryFields": [{"fieldType": "IDENTITY", "identityNamespace": "ECID"}],
            "profileMapping": {"mappingId": "m", "mappingVersion": 0}}}]},
    "flows-datasets": {
        "name": "Datasets", "description": "d", "flowSpec": spec(S3_DATASET_FLOW),
        "sourceConnectionIds": ["<dataset-source>"], "targetConnectionIds": ["<dataset-target>"], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                           "startTime": 1700000000, "endTime": 1800000000, "foldernameTemplate": "%DATASET_ID%"}},
}
COLLECTION = {kind: kind.split("-")[0] for kind in VALID}




def members(node, prefix=()):
    """Every path into ``node`` (objects and arrays, at every level), the root excluded."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield prefix + (key,)
        yield from members(child, prefix + (key,))


def replaced(body, path, value):
    body = copy.deepcopy(body)
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


def pointer(path) -> str:
    return "/".join(str(p) for p in path)


def cases():
    for kind, body in VALID.items():
        for path in members(body):
            where = pointer(path)
            yield pytest.param(kind, path, id=f"{kind}:{where}")


def materialise(api, node):
    """``node`` with its ``<...>`` placeholders replaced by the ids of fresh entities."""
    makers = {
        "<base>": api.s3_base,
        "<ups-base>": lambda: api.created("/connections", {"name": "ups", "connectionSpec": spec(PROFILE_STORE)})["id"],
        "<source>": api.profile_source,
        "<target>": api.s3_target,
        "<dataset-source>": api.dataset_source,
        "<dataset-target>": lambda: api.s3_target(datasetFileType="JSON"),
    }
    text = json.dumps(node)
    for placeholder, make in makers.items():
        if placeholder in text:
            text = text.replace(f'"{placeholder}"', json.dumps(make()))
    return json.loads(text)


def check(api, response, collection) -> str | None:
    """None when the answer is well-formed, else a description of what went wrong."""
    status = response.status_code
    if 200 <= status < 300:
        if response.get_json(silent=True) and "id" in response.get_json():
            shown = api.get(f"/{collection}/{response.get_json()['id']}")
            if shown.status_code != 200:
                return f"accepted, then GET answered {shown.status_code}"
        return None
    if not 400 <= status < 500:
        return f"status {status}: {response.get_data(as_text=True)[:200]}"
    try:
        all_json_error_shapes(response)
    except AssertionError as exc:
        return f"status {status} with an undocumented body: {exc}"
    return None


# --- malformed JSON and wrong top-level types ---------------------------------------------------------

MALFORMED = [
    pytest.param(b"{", id="unclosed"), pytest.param(b'{"name": }', id="missing-value"),
    pytest.param(b"[1,]", id="trailing-comma"), pytest.param(b"{'name': 'x'}", id="single-quotes"),
    pytest.param(b"nul", id="bad-literal"), pytest.param(b"NaN", id="nan"),
    pytest.param(b'{"startTime": Infinity}', id="infinity"), pytest.param(b'{"a": 01}', id="leading-zero"),
    pytest.param(b'"unterminated', id="unterminated-string"), pytest.param(b"\xff\xfe{}", id="not-utf8"),
    pytest.param("\ufeff{}".encode(), id="bom"), pytest.param(b"{} {}", id="two-documents"),
    pytest.param(b"[" * 100_000, id="deep-unclosed"), pytest.param(b'{"a":' * 50_000, id="deep-objects"),
    pytest.param(b'{"a": "\\ud800"}', id="lone-surrogate"), pytest.param(b"\x00", id="nul-byte"),
]


@pytest.fixture
def targets(api):
    """Every endpoint that takes a JSON body: (method, path, headers)."""
    flow_id = api.audience_flow()["id"]
    entity_ids = {"flows": flow_id}
    flow = api.entity(f"/flows/{flow_id}")
    entity_ids["sourceConnections"] = flow["sourceConnectionIds"][0]
    entity_ids["targetConnections"] = flow["targetConnectionIds"][0]
    entity_ids["connections"] = flow["inheritedAttributes"]["targetConnections"][0]["baseConnection"]["id"]
    found = [("POST", f"{BASE}/{c}", {}) for c in ("connections", "sourceConnections", "targetConnections", "flows")]
    for collection, entity_id in entity_ids.items():
        etag = api.entity(f"/{collection}/{entity_id}")["etag"]
        found.append(("PATCH", f"{BASE}/{collection}/{entity_id}", {"If-Match": etag}))
    found.append(("POST", "/_mock/reset", {}))
    return found


@pytest.mark.parametrize("raw", MALFORMED)
def test_malformed_json_on_every_body_endpoint(api, targets, raw):
    for method, path, extra in targets:
        response = api.client.open(path, method=method, data=raw,
                                   headers={**HEADERS, **extra, "Content-Type": "application/json"})
        flow_error(response, 1100, 400, contains="not valid JSON")


@pytest.mark.parametrize("body", [[], ["x"], "x", 1, 1.5, True, False, {}, {"unrelated": 1}],
                         ids=lambda b: json.dumps(b))
def test_wrong_top_level_types_on_every_body_endpoint(api, targets, body):
    for method, path, extra in targets:
        if path == "/_mock/reset" and isinstance(body, dict):
            continue  # an object is what reset takes (unknown members are ignored)
        response = api.client.open(path, method=method, json=body, headers={**HEADERS, **extra})
        assert 400 <= response.status_code < 500, (method, path, response.status_code)
        all_json_error_shapes(response)


@pytest.mark.parametrize("body, code", [(None, 1405), ([], 1405), ({}, 1455), ("x", 1455), ([[]], 1455),
                                        ([None], 1455), ([1], 1455)], ids=lambda b: json.dumps(b))
def test_patch_documents_of_the_wrong_type(api, targets, body, code):
    for method, path, extra in targets:
        if method != "PATCH":
            continue
        raw = b"" if body is None else json.dumps(body).encode()
        response = api.client.open(path, method="PATCH", data=raw,
                                   headers={**HEADERS, **extra, "Content-Type": "application/json"})
        flow_error(response, code, 400)


@pytest.mark.parametrize("raw", [b"", b"null", b"   "], ids=["empty", "null", "blank"])
@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections", "flows"])
def test_empty_create_body_is_1405(api, collection, raw):
    response = api.client.post(f"{BASE}/{collection}", data=raw, headers={**HEADERS, "Content-Type": "application/json"})
    flow_error(response, 1405, 400)


# --- wrong types at every level ----------------------------------------------------------------------

@pytest.mark.parametrize("kind, path", list(cases()))
def test_create_with_a_wrong_type_anywhere(api, kind, path):
    valid = materialise(api, VALID[kind])
    assert api.post(f"/{COLLECTION[kind]}", valid).status_code == 201
    problems = {}
    for value in BAD_VALUES:
        response = api.post(f"/{COLLECTION[kind]}", replaced(valid, path, value))
        problem = check(api, response, COLLECTION[kind])
        if problem:
            problems[json.dumps(value)] = problem
    assert not problems, problems


@pytest.mark.parametrize("kind, path", list(cases()))
def test_patch_with_a_wrong_type_anywhere(api, kind, path):
    collection = COLLECTION[kind]
    entity_id = api.created(f"/{collection}", materialise(api, VALID[kind]))["id"]
    etag = api.entity(f"/{collection}/{entity_id}")["etag"]
    problems = {}
    for value in BAD_VALUES:
        for op in ("replace", "add"):
            response = api.patch(f"/{collection}/{entity_id}", [{"op": op, "path": "/" + pointer(path),
                                                                 "value": value}], etag)
            if response.status_code < 300:
                etag = response.headers["ETag"]
                if api.get(f"/{collection}/{entity_id}").status_code != 200:
                    problems[f"{op} {json.dumps(value)}"] = "accepted, then GET failed"
            elif problem := check(api, response, collection):
                problems[f"{op} {json.dumps(value)}"] = problem
    assert not problems, problems


# --- deeply nested values that are stored --------------------------------------------------------------

DEEP = json.loads("[" * 300 + "]" * 300)


@pytest.mark.parametrize("kind, where", [
    ("targetConnections", ("data", "x")),
    ("targetConnections", ("params", "extra")),
    ("flows", ("transformations", 0, "params", "extra")),
    ("connections", ("auth", "params", "extra")),
], ids=lambda x: x if isinstance(x, str) else "/".join(map(str, x)))
def test_deeply_nested_value_never_breaks_reads(api, kind, where):
    body = replaced(materialise(api, VALID[kind]), where, DEEP)
    response = api.post(f"/{COLLECTION[kind]}", body)
    assert response.status_code < 500
    if response.status_code == 201:
        assert api.get(f"/{COLLECTION[kind]}/{response.get_json()['id']}").status_code == 200
    assert api.get(f"/{COLLECTION[kind]}").status_code == 200


def test_deeply_nested_patch_operation_never_breaks_reads(api):
    flow = api.audience_flow()
    response = api.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/name", "value": "n", "x": DEEP}],
                         flow["etag"])
    assert response.status_code < 500
    assert api.get(f"/flows/{flow['id']}").status_code == 200


def test_nesting_within_the_limit_round_trips(api):
    nested = json.loads("[" * 150 + "]" * 150)
    body = replaced(materialise(api, VALID["targetConnections"]), ("data",), {"x": nested})
    created = api.created("/targetConnections", body)
    assert api.entity(f"/targetConnections/{created['id']}")["data"] == {"x": nested}


# --- queries, headers and ids ---------------------------------------------------------------------------

ODD_QUERIES = [
    "property=", "property===", "property===x", "property=a==b==c", "property=[]==x", "property=..==x",
    "property=a[][]==x", "property=%ff==x", "property=name%00==x", "property=" + "a." * 500 + "b==x",
    "property=createdAt>=abc", "property=createdAt>=1e400", "property=id==" + ",".join("x" * 5 for _ in range(500)),
    "orderby=", "orderby=,", "orderby=%00", "orderby=-+name", "orderby=" + "x" * 5000, "orderby=a.b.c.d",
    "limit=", "limit=1e2", "limit=99999999999999999999", "limit=%20", "count=", "count=1",
    "continuationToken=", "continuationToken===", "continuationToken=" + "A" * 5000, "continuationToken=%ff",
    "property=name==a&property=", "&&&", "=", "property", "limit=1&limit=2&limit=abc",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
@pytest.mark.parametrize("collection", ["flows", "connections", "runs", "connectionSpecs"])
def test_odd_queries(api, collection, query):
    response = api.get(f"/{collection}?{query}")
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 400:
        all_json_error_shapes(response)


@pytest.mark.parametrize("entity_id", ["%00", "x" * 5000, "%E2%9C%93", "..%2F..%2Fetc", "%20", "null", "-1"])
@pytest.mark.parametrize("collection", ["flows", "connections", "sourceConnections", "targetConnections", "runs",
                                        "connectionSpecs", "flowSpecs"])
def test_odd_ids_are_404(api, collection, entity_id):
    response = api.get(f"/{collection}/{entity_id}")
    assert response.status_code == 404
    all_json_error_shapes(response)


@pytest.mark.parametrize("if_match", ["", " ", '"', '""', "x" * 10_000, "\u2713", "*", "W/", '"a", "b"'])
def test_odd_if_match_values(api, if_match):
    flow = api.audience_flow()
    response = api.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/name", "value": "n"}], if_match)
    assert response.status_code in (400, 412)
    all_json_error_shapes(response)
    assert api.entity(f"/flows/{flow['id']}")["etag"] == flow["etag"]


@pytest.mark.parametrize("header, value", [
    ("x-sandbox-name", "x" * 5000), ("x-sandbox-name", "d\u00e9v"), ("x-gw-ims-org-id", "\u2713@AdobeOrg"),
    ("x-request-id", "r" * 5000), ("Authorization", "Bearer " + "t" * 10_000), ("Authorization", "Bearer a.b.c"),
    ("Authorization", "Bearer a.e30.c"), ("Authorization", "Bearer a.bnVsbA.c"), ("Authorization", "Bearer a.WzFd.c"),
])
def test_odd_header_values(client, header, value):
    body = {"name": "p", "connectionSpec": spec(PROFILE_STORE)}
    headers = {**HEADERS, header: value}
    for response in (client.get(f"{BASE}/flows", headers=headers),
                     client.post(f"{BASE}/sourceConnections", json=body, headers=headers)):
        assert response.status_code < 500, response.get_data(as_text=True)
