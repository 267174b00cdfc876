"""Schemathesis against the mock, in-process, with the mock's own OpenAPI document.

Every generated request (positive and negative, from the schema of
``GET /_mock/openapi.json``) must get an answer that is not a 5xx and that
conforms to the document: a documented status code, its content type, its
response schema and its required headers.

The state the requests act on is fixed: before a case runs after a request
that may have changed something, the app is reset and seeded with one base
connection per kind, source connections, a target connection and two flows.
The ids (deterministic: the app has a seed) and etags of that state are given
to schemathesis as dictionaries for the ``id`` path parameter, ``If-Match``
and ``x-sandbox-name``, so that part of the cases reach real entities and the
success paths, not only the 404s. After a successful create, PATCH or action
the entity is read back and the read is validated too, so that a change the
mock accepts but stores in a shape the document does not allow is caught.

The admin API (``/_mock``) is not fuzzed (a reset would break the seeded
state of other cases); each of its operations is called and validated once.

Run: ``python -m pytest tests/api/test_schemathesis.py -q``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver import create_app
from mockserver.settings import Settings

SEED = 20240611
BASE = "/data/foundation/flowservice"
ORG = "5555467B5D8013E50A494220@AdobeOrg"
TOKEN = "schemathesis-token"
API_KEY = "schemathesis"
GATEWAY_HEADERS = {"Authorization": f"Bearer {TOKEN}", "x-api-key": API_KEY, "x-gw-ims-org-id": ORG}

#: Examples per operation in the fuzzing phase; raise it for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]

S3 = {"id": "4fce964d-3f37-408f-9778-e597338a21ee", "version": "1.0"}
DLZ = {"id": "10440537-2a7b-4583-ac39-ed38d4b848e8", "version": "1.0"}
PROFILE_STORE = {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}
DATA_LAKE = {"id": "23598e46-f560-407b-88d5-ea6207e49db0", "version": "1.0"}
S3_SEGMENT_FLOW = {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"}
S3_DATASET_FLOW = {"id": "269ba276-16fc-47db-92b0-c1049a3c131f", "version": "1.0"}


# --- the seeded state -------------------------------------------------------------------------------

def _post(client, path: str, body: dict) -> dict:
    response = client.post(BASE + path, json=body, headers=GATEWAY_HEADERS)
    assert response.status_code == 201, (path, response.status_code, response.get_json())
    return response.get_json()


def seed(client) -> dict[str, Any]:
    """Reset the app and create the state every case starts from; its ids and etags."""
    assert client.post("/_mock/reset").status_code == 200
    s3 = _post(client, "/connections", {
        "name": "S3 account", "connectionSpec": S3,
        "auth": {"specName": "Access Key",
                 "params": {"s3AccessKey": "ABCDEFGHIJKLMNOPQRST", "s3SecretKey": "s" * 40}},
    })
    dlz = _post(client, "/connections", {"name": "DLZ account", "connectionSpec": DLZ})
    audiences = _post(client, "/sourceConnections", {"name": "Profile Store", "connectionSpec": PROFILE_STORE})
    datasets = _post(client, "/sourceConnections", {
        "name": "Data Lake", "connectionSpec": DATA_LAKE,
        "params": {"datasets": [{"dataSetId": "5ef3e324052581191aa6a466", "name": "AAM profiles"}]},
    })
    target = _post(client, "/targetConnections", {
        "name": "S3 target", "baseConnectionId": s3["id"], "connectionSpec": S3,
        "params": {"mode": "Server-to-server", "bucketName": "exports-bucket", "path": "exports",
                   "fileType": "CSV", "datasetFileType": "JSON", "compression": "NONE"},
    })
    audience_flow = _post(client, "/flows", {
        "name": "Audiences to S3", "flowSpec": S3_SEGMENT_FLOW,
        "sourceConnectionIds": [audiences["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": [{"type": "PLATFORM_SEGMENT", "value": {
                "id": "9f7e2f3b-5a34-4c6e-9a21-7c1f0b2d3e4f", "name": "Loyal customers",
                "exportMode": "DAILY_FULL_EXPORT",
                "schedule": {"frequency": "ONCE", "startDate": "2030-01-01", "startTime": "10:00"},
            }}]},
            "profileMapping": {}, "mandatoryFields": [], "primaryFields": [],
        }}],
    })
    dataset_flow = _post(client, "/flows", {
        "name": "Datasets to S3", "flowSpec": S3_DATASET_FLOW,
        "sourceConnectionIds": [datasets["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "startTime": 1900000000,
                           "interval": 3, "timeUnit": "hour"},
    })
    disabled = client.post(f"{BASE}/flows/{dataset_flow['id']}/action?op=disable", headers=GATEWAY_HEADERS)
    assert disabled.status_code == 200, disabled.get_json()
    dataset_flow = disabled.get_json()
    return {
        "connections": [s3, dlz],
        "sourceConnections": [audiences, datasets],
        "targetConnections": [target],
        "flows": [audience_flow, dataset_flow],
    }


APP = create_app(Settings(seed=SEED))
CLIENT = APP.test_client()
SEEDED = seed(CLIENT)
ETAG_OF = {e["id"]: e["etag"] for entities in SEEDED.values() for e in entities}
#: Ids each path's ``{id}`` is drawn from, part of the time (the rest is generated).
KNOWN_IDS = {
    **{collection: [e["id"] for e in entities] for collection, entities in SEEDED.items()},
    "connectionSpecs": [S3["id"], DLZ["id"], PROFILE_STORE["id"], DATA_LAKE["id"]],
    "flowSpecs": [S3_SEGMENT_FLOW["id"], S3_DATASET_FLOW["id"]],
}


def _config() -> schemathesis.Config:
    dictionaries = {
        **{f"{collection}-ids": {"values": ids} for collection, ids in KNOWN_IDS.items()},
        "etags": {"values": list(ETAG_OF.values())},
        "sandboxes": {"values": ["prod"]},
        "base-connections": {"values": KNOWN_IDS["connections"]},
        "source-connections": {"values": KNOWN_IDS["sourceConnections"]},
        "target-connections": {"values": KNOWN_IDS["targetConnections"]},
    }
    per_collection = [
        {"include-path-regex": f"^{BASE}/{collection}/", "parameters": {
            "path.id": {"dictionary": f"{collection}-ids", "probability": 0.7},
        }}
        for collection in KNOWN_IDS
    ]
    return schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "auth": {"openapi": {
            "bearerAuth": {"bearer": TOKEN},
            "apiKey": {"api_key": API_KEY},
            "imsOrg": {"api_key": ORG},
        }},
        "dictionaries": dictionaries,
        "parameters": {
            "header.If-Match": {"dictionary": "etags", "probability": 0.7},
            "header.x-sandbox-name": {"dictionary": "sandboxes", "probability": 0.7},
            "body.baseConnectionId": {"dictionary": "base-connections", "probability": 0.7},
            "body.sourceConnectionIds[*]": {"dictionary": "source-connections", "probability": 0.7},
            "body.targetConnectionIds[*]": {"dictionary": "target-connections", "probability": 0.7},
        },
        "operations": per_collection,
    })


schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", APP, config=_config())
emulated = schema.exclude(path_regex="^/_mock/")

_state = {"dirty": False}


def _fresh_state() -> None:
    if _state["dirty"]:
        assert seed(CLIENT) == SEEDED, "seeding is not deterministic"
        _state["dirty"] = False


def _pair_etag(case: schemathesis.Case) -> None:
    """A seeded etag drawn for ``If-Match`` becomes the etag of the entity the path names.

    The dictionaries are drawn independently; this keeps a stale (another entity's) etag from
    being the only kind of "known" etag the cases send. Generated etags are left alone.
    """
    entity_id = (case.path_parameters or {}).get("id")
    if_match = case.headers.get("If-Match") if case.headers else None
    if entity_id in ETAG_OF and if_match in ETAG_OF.values():
        case.headers["If-Match"] = ETAG_OF[entity_id]


def _read_back(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """After a successful change, GET the entity and validate that answer too."""
    if case.method.upper() not in ("POST", "PATCH") or not 200 <= response.status_code < 300:
        return
    parts = case.operation.path[len(BASE) + 1:].split("/")
    collection = parts[0]
    entity_id = case.path_parameters.get("id") or response.json()["id"]
    get = schema[f"{BASE}/{collection}/{{id}}"]["GET"]
    headers = {k: v for k, v in case.headers.items() if k.lower() == "x-sandbox-name"}
    follow = get.Case(path_parameters={"id": entity_id}, headers={**GATEWAY_HEADERS, **headers})
    answer = follow.call_and_validate(checks=CHECKS)
    assert answer.status_code == 200, answer.text


@emulated.parametrize()
@hypothesis.settings(deadline=timedelta(seconds=2))
def test_emulated_api(case: schemathesis.Case) -> None:
    _fresh_state()
    _pair_etag(case)
    if case.method.upper() != "GET":
        _state["dirty"] = True
    response = case.call_and_validate(checks=CHECKS)
    _read_back(case, response)


# --- the admin API, once each ---------------------------------------------------------------------------

@pytest.mark.parametrize("path, method, kwargs", [
    ("/_mock/health", "GET", {}),
    ("/_mock/openapi.json", "GET", {}),
    ("/_mock/reset", "POST", {"body": {"imsOrgId": "nobody@AdobeOrg"}, "media_type": "application/json"}),
    ("/_mock/reset", "POST", {"query": {"sandboxName": "nowhere"}}),
    ("/_mock/reset", "POST", {"body": ["not", "an", "object"], "media_type": "application/json"}),
])
def test_admin_api(path: str, method: str, kwargs: dict) -> None:
    case = schema[path][method].Case(**kwargs)
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code in (200, 400)
