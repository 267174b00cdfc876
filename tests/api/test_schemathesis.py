"""Schemathesis against the mock, in-process, with the mock's own OpenAPI document.

Every generated request (positive and negative, from the document the app
serves at ``GET /_mock/openapi.json``) must get an answer that is not a 5xx
and that conforms to the document: a documented status code, its content
type, its response schema and its required headers.

* The state the requests act on is fixed. Before a case that follows a request
  which may have changed something, the app is reset and seeded again (base
  connections, source connections, target connections, audience and dataset
  flows, one of them disabled). Ids are deterministic (the app has a seed), so
  the ids and etags of that state are given to schemathesis as dictionaries
  for the ``id`` path parameter, ``If-Match``, ``x-sandbox-name`` and the ids a
  create body refers to: part of the cases reach real entities and the success
  paths, not only the 404s.
* The gateway headers are the document's security schemes: valid values are
  configured once (``auth``), schemathesis' negative cases send missing or
  invalid ones, and ``ignored_auth`` re-sends one successful request per
  operation without credentials, which the gateway must refuse (401/403).
* After a successful create, PATCH or action the entity is read back and that
  answer is validated too: a change the mock accepts but stores in a shape the
  document does not allow is caught there.
* The IMS token stand-in is fuzzed like the emulated API. The admin API
  (``/_mock``) is not fuzzed (a reset would wipe the state other cases rely
  on); each of its operations is called and validated once.
* Each response profile (``default``, ``seed``, ``current``) answers PATCH and
  DELETE as the document says.
* ``KNOWN_CASES`` replays, with the same checks, requests that found bugs of
  the mock outside the generated inputs' reach (deep JSON, legacy flows...).

Bounded for CI: ``MAX_EXAMPLES`` per operation in the fuzzing phase, Hypothesis
derandomized (fixed seed, no example database), a per-example deadline. Run:
``python -m pytest tests/api/test_schemathesis.py -q``; set
``SCHEMATHESIS_MAX_EXAMPLES`` for a deeper local run.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockserver import create_app
from mockserver.settings import PROFILES, Settings

SEED = 20240611
BASE = "/data/foundation/flowservice"
ORG = "5555467B5D8013E50A494220@AdobeOrg"
TOKEN = "schemathesis-token"
API_KEY = "schemathesis"
GATEWAY_HEADERS = {"Authorization": f"Bearer {TOKEN}", "x-api-key": API_KEY, "x-gw-ims-org-id": ORG}

#: Examples per operation in the fuzzing phase; raise it for a deeper local run.
# The generated requests test the HTTP layer, which no backend changes; the other API tests run on
# every store. Three runs of this module would be most of the suite's time.
pytestmark = pytest.mark.memory_store_only

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
CAMPAIGN = {"id": "0b23e41a-cb4a-4321-a78f-3b654f5d7d97", "version": "1.0"}
PROFILE_STORE = {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}
DATA_LAKE = {"id": "23598e46-f560-407b-88d5-ea6207e49db0", "version": "1.0"}
S3_SEGMENT_FLOW = {"id": "1a0514a6-33d4-4c7f-aff8-594799c47549", "version": "1.0"}
S3_DATASET_FLOW = {"id": "269ba276-16fc-47db-92b0-c1049a3c131f", "version": "1.0"}
CAMPAIGN_FLOW = {"id": "71471eba-b620-49e4-90fd-23f1fa0174d8", "version": "1.0"}
#: A dataset schedule's start: the next day, on the hour (epoch seconds).
TOMORROW = (int(time.time()) // 3600 + 24) * 3600
S3_AUTH = {"specName": "Access Key", "params": {"s3AccessKey": "ABCDEFGHIJKLMNOPQRST", "s3SecretKey": "s" * 40}}


# --- the seeded state -------------------------------------------------------------------------------

def _post(client, path: str, body: dict) -> dict:
    response = client.post(BASE + path, json=body, headers=GATEWAY_HEADERS)
    assert response.status_code == 201, (path, response.status_code, response.get_json())
    return response.get_json()


def _audience(audience_id: str) -> dict:
    return {"type": "PLATFORM_SEGMENT", "value": {
        "id": audience_id, "name": "Loyal customers", "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "ONCE", "startDate": "2030-01-01", "startTime": "10:00"},
    }}


def seed(client) -> dict[str, list[dict]]:
    """Reset the app and create the state every case starts from: ``{collection: [{id, etag}]}``."""
    assert client.post("/_mock/reset").status_code == 200
    s3 = _post(client, "/connections", {"name": "S3 account", "connectionSpec": S3, "auth": S3_AUTH})
    dlz = _post(client, "/connections", {"name": "DLZ account", "connectionSpec": DLZ})
    campaign = _post(client, "/connections", {
        "name": "Campaign account", "connectionSpec": CAMPAIGN,
        "auth": {"specName": "S3", "params": {"accessId": "campaign-access", "secretKey": "campaign-secret"}},
    })
    audiences = _post(client, "/sourceConnections", {"name": "Profile Store", "connectionSpec": PROFILE_STORE})
    datasets = _post(client, "/sourceConnections", {
        "name": "Data Lake", "connectionSpec": DATA_LAKE,
        "params": {"datasets": [{"dataSetId": "5ef3e324052581191aa6a466", "name": "AAM profiles"}]},
    })
    s3_target = _post(client, "/targetConnections", {
        "name": "S3 target", "baseConnectionId": s3["id"], "connectionSpec": S3,
        "params": {"mode": "Server-to-server", "bucketName": "exports-bucket", "path": "exports",
                   "fileType": "CSV", "datasetFileType": "JSON", "compression": "NONE"},
    })
    campaign_target = _post(client, "/targetConnections", {
        "name": "Campaign target", "baseConnectionId": campaign["id"], "connectionSpec": CAMPAIGN,
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {"mode": "S3", "bucketName": "campaign-bucket", "path": "exports", "format": "CSV"},
    })
    audience_flow = _post(client, "/flows", {
        "name": "Audiences to S3", "flowSpec": S3_SEGMENT_FLOW,
        "sourceConnectionIds": [audiences["id"]], "targetConnectionIds": [s3_target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": [_audience("9f7e2f3b-5a34-4c6e-9a21-7c1f0b2d3e4f")]},
            "profileMapping": {}, "mandatoryFields": [], "primaryFields": [],
        }}],
    })
    legacy_flow = _post(client, "/flows", {
        "name": "Audiences to Campaign", "flowSpec": CAMPAIGN_FLOW,
        "sourceConnectionIds": [audiences["id"]], "targetConnectionIds": [campaign_target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "profileSelectors": {"selectors": [{"type": "JSON_PATH", "value": {"path": "personalEmail.address"}}]},
            "segmentSelectors": {"selectors": [_audience("3c5a1e0b-7d2f-4b8e-9c6a-0f1e2d3c4b5a")]},
        }}],
    })
    dataset_flow = _post(client, "/flows", {
        "name": "Datasets to S3", "flowSpec": S3_DATASET_FLOW,
        "sourceConnectionIds": [datasets["id"]], "targetConnectionIds": [s3_target["id"]],
        "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "startTime": TOMORROW,
                           "interval": 3, "timeUnit": "hour"},
    })
    disabled = client.post(f"{BASE}/flows/{dataset_flow['id']}/action?op=disable", headers=GATEWAY_HEADERS)
    assert disabled.status_code == 200, disabled.get_json()
    return {
        "connections": [s3, dlz, campaign],
        "sourceConnections": [audiences, datasets],
        "targetConnections": [s3_target, campaign_target],
        "flows": [audience_flow, legacy_flow, disabled.get_json()],
    }


APP = create_app(Settings(seed=SEED))
CLIENT = APP.test_client()
SEEDED = seed(CLIENT)
ETAG_OF = {e["id"]: e["etag"] for entities in SEEDED.values() for e in entities}
#: Ids each path's ``{id}`` is drawn from, part of the time (the rest is generated).
KNOWN_IDS = {
    **{collection: [e["id"] for e in entities] for collection, entities in SEEDED.items()},
    "connectionSpecs": [S3["id"], DLZ["id"], PROFILE_STORE["id"], DATA_LAKE["id"]],
    "flowSpecs": [S3_SEGMENT_FLOW["id"], S3_DATASET_FLOW["id"], CAMPAIGN_FLOW["id"]],
}


def _config() -> schemathesis.Config:
    bound = 0.7  # how often a bound parameter takes a dictionary value
    dictionaries = {
        **{f"{collection}-ids": {"values": ids} for collection, ids in KNOWN_IDS.items()},
        "etags": {"values": list(ETAG_OF.values())},
        "sandboxes": {"values": ["prod"]},
    }
    per_collection = [
        {"include-path-regex": f"^{BASE}/{collection}/",
         "parameters": {"path.id": {"dictionary": f"{collection}-ids", "probability": bound}}}
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
            "header.If-Match": {"dictionary": "etags", "probability": bound},
            "header.x-sandbox-name": {"dictionary": "sandboxes", "probability": bound},
            "body.baseConnectionId": {"dictionary": "connections-ids", "probability": bound},
            "body.sourceConnectionIds[*]": {"dictionary": "sourceConnections-ids", "probability": bound},
            "body.targetConnectionIds[*]": {"dictionary": "targetConnections-ids", "probability": bound},
            "body.flowSpec.id": {"dictionary": "flowSpecs-ids", "probability": bound},
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

    The dictionaries are drawn independently; without this, a known etag would almost always be
    another entity's. Generated (unknown) etags are left as they are.
    """
    entity_id = (case.path_parameters or {}).get("id")
    if_match = case.headers.get("If-Match") if case.headers else None
    if entity_id in ETAG_OF and if_match in ETAG_OF.values():
        case.headers["If-Match"] = ETAG_OF[entity_id]


def _read_back(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """After a successful change, GET the entity and validate that answer too."""
    if case.method.upper() not in ("POST", "PATCH") or not 200 <= response.status_code < 300:
        return
    if not case.operation.path.startswith(BASE + "/"):  # the IMS stand-in changes nothing
        return
    collection = case.operation.path[len(BASE) + 1:].split("/")[0]
    entity_id = (case.path_parameters or {}).get("id") or response.json()["id"]
    sandbox = {k: v for k, v in (case.headers or {}).items() if k.lower() == "x-sandbox-name"}
    follow = schema[f"{BASE}/{collection}/{{id}}"]["GET"].Case(
        path_parameters={"id": entity_id}, headers={**GATEWAY_HEADERS, **sandbox},
    )
    answer = follow.call_and_validate(checks=CHECKS)
    assert answer.status_code == 200, answer.text


@emulated.parametrize()
@hypothesis.settings(deadline=timedelta(seconds=5))
def test_emulated_api(case: schemathesis.Case) -> None:
    _fresh_state()
    _pair_etag(case)
    if case.method.upper() != "GET":
        _state["dirty"] = True
    # ignored_auth: a successful request is sent again without (and with invalid) gateway
    # credentials, once per operation; the gateway must refuse it (401/403).
    response = case.call_and_validate(checks=[*CHECKS, ignored_auth])
    _read_back(case, response)


# --- the document itself ----------------------------------------------------------------------------

def test_document_is_valid_openapi() -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    document = CLIENT.get("/_mock/openapi.json").get_json()
    assert document["openapi"] == "3.0.3"
    validator.validate(document)


# --- the admin API, once each ---------------------------------------------------------------------------

ADMIN_CASES = {
    "health": ("/_mock/health", "GET", {}, 200),
    "openapi": ("/_mock/openapi.json", "GET", {}, 200),
    "reset-org": ("/_mock/reset", "POST", {"body": {"imsOrgId": "nobody@AdobeOrg"}}, 200),
    "reset-sandbox": ("/_mock/reset", "POST", {"query": {"sandboxName": "nowhere"}}, 200),
    "reset-body-not-an-object": ("/_mock/reset", "POST", {"body": ["not", "an", "object"]}, 400),
    "reset-field-not-a-string": ("/_mock/reset", "POST", {"body": {"imsOrgId": 5}}, 400),
}


@pytest.mark.parametrize("path, method, kwargs, expected", ADMIN_CASES.values(), ids=ADMIN_CASES.keys())
def test_admin_api(path: str, method: str, kwargs: dict, expected: int) -> None:
    _state["dirty"] = True
    if "body" in kwargs:
        kwargs = {**kwargs, "media_type": "application/json"}
    response = schema[path][method].Case(**kwargs).call_and_validate(checks=CHECKS)
    assert response.status_code == expected, response.text


# --- response profiles ---------------------------------------------------------------------------------------

#: Deleting in this order never deletes something a flow still uses.
DELETE_ORDER = ("flows", "targetConnections", "sourceConnections", "connections")


def _assert_empty(response: schemathesis.Response) -> None:
    """An answer without a body says nothing about a content type (or says JSON)."""
    assert response.content == b""
    content_type = response.headers.get("content-type")
    assert content_type is None or content_type[0].startswith("application/json"), (
        f"empty {response.status_code} answer labelled {content_type}"
    )


@pytest.mark.parametrize("profile", PROFILES)
def test_profiles(profile: str) -> None:
    settings = Settings(seed=SEED, profile=profile)
    app = create_app(settings)
    seeded = seed(app.test_client())
    profile_schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", app)
    for collection in DELETE_ORDER:
        path = f"{BASE}/{collection}/{{id}}"
        for entity in seeded[collection]:
            patch = profile_schema[path]["PATCH"].Case(
                path_parameters={"id": entity["id"]},
                headers={**GATEWAY_HEADERS, "If-Match": entity["etag"]},
                body=[{"op": "replace", "path": "/name", "value": "renamed"}],
                media_type="application/json",
            )
            response = patch.call()
            flow = collection == "flows"  # the doc eras disagree on PATCH of flows only
            assert response.status_code == (settings.patch_status if flow else 200), response.text
            if settings.patch_has_body or not flow:
                patch.validate_response(response, checks=CHECKS)
            else:
                patch.validate_response(response, checks=[c for c in CHECKS if c is not content_type_conformance
                                                          and c is not response_schema_conformance])
                _assert_empty(response)
            delete = profile_schema[path]["DELETE"].Case(path_parameters={"id": entity["id"]},
                                                         headers=GATEWAY_HEADERS)
            response = delete.call_and_validate(checks=CHECKS)
            assert response.status_code == settings.delete_status, response.text
            _assert_empty(response)


# --- known cases ------------------------------------------------------------------------------------------------

def _deep(depth: int) -> Any:
    return json.loads("[" * depth + "]" * depth)


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _legacy_flow(profile_value: dict, seeded: dict) -> dict:
    return {
        "name": "legacy", "flowSpec": CAMPAIGN_FLOW,
        "sourceConnectionIds": [seeded["sourceConnections"][0]["id"]],
        "targetConnectionIds": [seeded["targetConnections"][1]["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "profileSelectors": {"selectors": [{"type": "JSON_PATH", "value": profile_value}]},
            "segmentSelectors": {"selectors": [_audience("aud-1")]},
        }}],
    }


def _flow_value(**value: Any) -> list[dict]:
    selector = _audience("aud-2")
    selector["value"].update(value)
    return [{"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-", "value": selector}]


def _can_be_renamed(response: schemathesis.Response) -> None:
    """The created flow accepts a PATCH of its name (its stored schedule passes the service's own rules)."""
    created = response.json()
    renamed = CLIENT.patch(f"{BASE}/flows/{created['id']}", json=[{"op": "replace", "path": "/name", "value": "x"}],
                           headers={**GATEWAY_HEADERS, "If-Match": created["etag"]})
    assert renamed.status_code in (200, 202), renamed.get_json()


#: (id, method, path template, request, expected status or a check of the response, or None):
#: requests that found bugs of the mock while fuzzing or probing it. Each is validated with CHECKS
#: (and read back when it changed something).
KNOWN_CASES = [
    ("encryption-specName-not-a-string", "POST", "/connections", lambda s: {"body": {
        "name": "S3", "connectionSpec": S3, "auth": S3_AUTH,
        "encryption": {"specName": [None, None], "params": {"encryptionAlgo": "NONE", "publicKey": ""}}}}, None),
    ("patch-remove-inside-a-string", "PATCH", "/connections/{id}", lambda s: {
        "id": s["connections"][0], "body": [{"op": "remove", "path": "/name/0"}]}, 400),
    ("patch-test-inside-a-string", "PATCH", "/flows/{id}", lambda s: {
        "id": s["flows"][0], "body": [{"op": "test", "path": "/name/0", "value": "A"}]}, 400),
    ("profile-selector-mapping-not-an-object", "POST", "/flows", lambda s: {
        "body": _legacy_flow({"path": "person.name.firstName", "mapping": "x"}, s)}, 400),
    ("profile-selector-operator-not-EXISTS", "POST", "/flows", lambda s: {
        "body": _legacy_flow({"path": "person.name.firstName", "operator": 5}, s)}, None),
    ("profile-selector-identity-not-an-object", "POST", "/flows", lambda s: {
        "body": _legacy_flow({"path": "person.name.firstName", "identity": "x"}, s)}, None),
    ("audience-name-null", "PATCH", "/flows/{id}", lambda s: {
        "id": s["flows"][0], "body": _flow_value(name=None, description=None)}, None),
    ("flow-description-removed", "PATCH", "/flows/{id}", lambda s: {
        "id": s["flows"][0], "body": [{"op": "remove", "path": "/description"}]}, None),
    ("continuation-token-deep-json", "GET", "/connections", lambda s: {
        "query": {"continuationToken": _token("[" * 5000)}}, 400),
    ("stored-value-too-deep-to-serialise", "POST", "/connections", lambda s: {"body": {
        "name": "S3", "connectionSpec": S3,
        "auth": {"specName": "Access Key", "params": {**S3_AUTH["params"], "extra": _deep(300)}}}}, 400),
    ("dataset-flow-default-endTime-before-startTime", "POST", "/flows", lambda s: {"body": {
        "name": "next year", "flowSpec": S3_DATASET_FLOW,
        "sourceConnectionIds": [s["sourceConnections"][1]["id"]],
        "targetConnectionIds": [s["targetConnections"][0]["id"]], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "startTime": TOMORROW + 365 * 86400,
                           "interval": 1, "timeUnit": "day"}}}, _can_be_renamed),
]


@pytest.mark.parametrize("name, method, template, request_of, expected", KNOWN_CASES,
                         ids=[case[0] for case in KNOWN_CASES])
def test_known_cases(name, method, template, request_of, expected) -> None:
    _state["dirty"] = True
    seeded = seed(CLIENT)
    request = request_of(seeded)
    entity = request.pop("id", None)
    kwargs: dict[str, Any] = {"headers": dict(GATEWAY_HEADERS)}
    if entity is not None:
        kwargs["path_parameters"] = {"id": entity["id"]}
        kwargs["headers"]["If-Match"] = entity["etag"]
    if "body" in request:
        kwargs.update(body=request["body"], media_type="application/json")
    if "query" in request:
        kwargs["query"] = request["query"]
    case = schema[BASE + template][method].Case(**kwargs)
    response = case.call_and_validate(checks=CHECKS)
    if isinstance(expected, int):
        assert response.status_code == expected, response.text
    elif expected is not None:
        expected(response)
    _read_back(case, response)
