"""Dataflows, ``/flows`` (reference §3.8, §4.4, §6.1-§6.9, Appendix A)."""

from __future__ import annotations

import copy
import re

import pytest

from mockserver.settings import Settings

from ..support import (
    BASE,
    CAMPAIGN,
    DATA_LAKE,
    LEGACY_FLOW,
    PROFILE_STORE,
    S3,
    S3_DATASET_FLOW,
    S3_SEGMENT_FLOW,
    Api,
    make_app,
    spec,
)
from .shapes import flow_error, if_match_missing, invalid, not_found, stale_etag


ETAG = re.compile(r'^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$')
NOW = 1_700_000_000  # 2023-11-14T22:13:20Z
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"
PROFILE_SELECTORS = "/transformations/0/params/profileSelectors/selectors"
LEGACY_TEMPLATE = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
NEW_DEFAULT_TEMPLATE = "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"


@pytest.fixture
def clock(app):
    clock = app.extensions["flowservice"].clock
    clock.freeze(NOW)
    return clock


# --- builders ---------------------------------------------------------------------------------

def selector(segment_id="seg-1", mode="DAILY_FULL_EXPORT", schedule=None, **value) -> dict:
    schedule = {"frequency": "DAILY", "triggerType": "SCHEDULED", "startDate": "2024-01-01",
                "startTime": "10:00"} if schedule is None else schedule
    return {"type": "PLATFORM_SEGMENT",
            "value": {"id": segment_id, "name": f"Audience {segment_id}", "exportMode": mode,
                      "schedule": schedule, **value}}


def transform(**params) -> list[dict]:
    return [{"name": "GeneralTransform", "params": params}]


def new_card_flow(api, selectors=(), **params) -> str:
    return api.audience_flow(transform(segmentSelectors={"selectors": list(selectors)}, **params))["id"]


def legacy_flow(api, selectors=()) -> str:
    """Appendix A.1: the seed's two-step Profile Store source and an Adobe Campaign target."""
    profile_base = api.created("/connections", {"name": "ups", "connectionSpec": spec(PROFILE_STORE)})["id"]
    source = api.created("/sourceConnections", {
        "name": "Profiles", "connectionSpec": spec(PROFILE_STORE), "baseConnectionId": profile_base,
        "data": {"format": "CSV", "schema": None}, "params": {}})["id"]
    campaign = api.created("/connections", {"name": "Campaign", "connectionSpec": spec(CAMPAIGN),
                                            "auth": {"specName": "S3", "params": {"accessId": "a", "secretKey": "s"}}})["id"]
    target = api.created("/targetConnections", {
        "name": "Campaign target", "baseConnectionId": campaign, "connectionSpec": spec(CAMPAIGN),
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"}})["id"]
    return api.created("/flows", {
        "name": "Campaign flow", "description": "seed", "flowSpec": spec(LEGACY_FLOW),
        "sourceConnectionIds": [source], "targetConnectionIds": [target],
        "transformations": transform(segmentSelectors={"selectors": list(selectors)},
                                     profileSelectors={"selectors": []})})["id"]


def dataset_flow_body(api, schedule=None, **extra) -> dict:
    schedule = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                "startTime": NOW, "endTime": NOW + 86400} if schedule is None else schedule
    return {"name": "Datasets to S3", "flowSpec": spec(S3_DATASET_FLOW),
            "sourceConnectionIds": [api.dataset_source()],
            "targetConnectionIds": [api.s3_target(datasetFileType="JSON")],
            "transformations": [], "scheduleParams": schedule, **extra}


def flow(api, flow_id) -> dict:
    return api.entity(f"/flows/{flow_id}")


def patch(api, flow_id, ops, etag=None):
    return api.patch(f"/flows/{flow_id}", ops, etag or flow(api, flow_id)["etag"])


def selectors_of(entity) -> list[dict]:
    return entity["transformations"][0]["params"]["segmentSelectors"]["selectors"]


def values_of(entity) -> list[dict]:
    return [s["value"] for s in selectors_of(entity)]


# --- create -----------------------------------------------------------------------------------

def test_create_legacy_seed_flow(api):
    flow_id = legacy_flow(api)
    entity = flow(api, flow_id)
    assert entity["flowSpec"] == spec(LEGACY_FLOW)
    assert entity["description"] == "seed"
    assert entity["transformations"] == transform(segmentSelectors={"selectors": []},
                                                  profileSelectors={"selectors": []})
    target = entity["inheritedAttributes"]["targetConnections"][0]
    assert target["connectionSpec"] == spec(CAMPAIGN)
    assert target["baseConnection"]["connectionSpec"] == spec(CAMPAIGN)
    source = entity["inheritedAttributes"]["sourceConnections"][0]
    assert source["typeInfo"] == {"type": "ProfileFragments", "id": "ups"}


def test_create_new_card_audience_flow(api, clock):
    response = api.post("/flows", {
        "name": "Audiences", "flowSpec": spec(S3_SEGMENT_FLOW),
        "sourceConnectionIds": [source := api.profile_source()], "targetConnectionIds": [target := api.s3_target()],
        "transformations": transform(mandatoryFields=[], primaryFields=[], profileMapping={},
                                     segmentSelectors={"selectors": []})})
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {"id", "etag"} and ETAG.match(created["etag"])
    assert response.headers["Location"].endswith(f"{BASE}/flows/{created['id']}")
    assert response.headers["ETag"] == created["etag"]
    entity = flow(api, created["id"])
    assert entity["id"] == created["id"]
    assert entity["etag"] == entity["version"] == created["etag"]
    assert entity["state"] == "enabled"
    assert entity["description"] == ""
    assert entity["flowSpec"] == spec(S3_SEGMENT_FLOW)
    assert entity["sourceConnectionIds"] == [source] and entity["targetConnectionIds"] == [target]
    assert entity["runs"] == f"/runs?property=flowId=={created['id']}"
    assert entity["inheritedAttributes"]["properties"] == {"isDestinationFlow": True}
    assert entity["inheritedAttributes"]["sourceConnections"][0]["id"] == source
    assert entity["inheritedAttributes"]["targetConnections"][0]["id"] == target
    assert entity["inheritedAttributes"]["targetConnections"][0]["connectionSpec"] == spec(S3)
    assert entity["transformations"] == transform(mandatoryFields=[], primaryFields=[], profileMapping={},
                                                  segmentSelectors={"selectors": []})
    assert entity["createdAt"] == entity["updatedAt"] == NOW * 1000
    assert entity["lastOperation"] == {
        "started": NOW * 1000, "updated": NOW * 1000, "percentCompleted": 100,
        "status": {"value": "completed", "properties": None, "errors": []}, "ops": [], "operation": "create"}


@pytest.mark.parametrize("transformations", [[], None], ids=["empty-list", "omitted"])
def test_create_audience_flow_without_transformations(api, transformations):
    body = {"name": "a", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [api.profile_source()],
            "targetConnectionIds": [api.s3_target()]}
    if transformations is not None:
        body["transformations"] = transformations
    assert flow(api, api.created("/flows", body)["id"])["transformations"] == []


def test_audience_flow_with_the_dataset_flow_spec_is_accepted(api):
    # AS (2023) creates audience flows with the dataset flow specs: the source decides.
    created = api.created("/flows", {"name": "a", "flowSpec": spec(S3_DATASET_FLOW),
                                     "sourceConnectionIds": [api.profile_source()],
                                     "targetConnectionIds": [api.s3_target()]})
    assert flow(api, created["id"])["flowSpec"] == spec(S3_DATASET_FLOW)


def test_flow_spec_version_defaults(api):
    created = api.created("/flows", {"name": "a", "flowSpec": {"id": S3_SEGMENT_FLOW},
                                     "sourceConnectionIds": [api.profile_source()],
                                     "targetConnectionIds": [api.s3_target()]})
    assert flow(api, created["id"])["flowSpec"] == spec(S3_SEGMENT_FLOW)


def test_create_dataset_flow(api, clock):
    body = dataset_flow_body(api, {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                                   "startTime": NOW, "endTime": NOW + 3600,
                                   "foldernameTemplate": "%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%"})
    entity = flow(api, api.created("/flows", body)["id"])
    assert entity["transformations"] == []
    assert entity["scheduleParams"] == body["scheduleParams"]
    assert entity["inheritedAttributes"]["sourceConnections"] == [
        {"id": body["sourceConnectionIds"][0], "connectionSpec": spec(DATA_LAKE)}]


def test_state_in_create_body_is_1410(api):
    body = {"name": "a", "flowSpec": spec(S3_SEGMENT_FLOW), "state": "enabled",
            "sourceConnectionIds": [api.profile_source()], "targetConnectionIds": [api.s3_target()]}
    flow_error(api.post("/flows", body), 1410, 400, message="`State` is not allowed in the create flow request.")
    assert api.get("/flows?count=true").get_json() == {"count": 0}


@pytest.mark.parametrize("flow_spec", [{"id": "nope", "version": "1.0"}, {"id": S3_SEGMENT_FLOW, "version": "2.0"},
                                       "1a0514a6-33d4-4c7f-aff8-594799c47549", None])
def test_invalid_flow_spec_is_1413(api, flow_spec):
    body = {"name": "a", "sourceConnectionIds": [api.profile_source()], "targetConnectionIds": [api.s3_target()]}
    if flow_spec is not None:
        body["flowSpec"] = flow_spec
    flow_error(api.post("/flows", body), 1413, 400,
               message="The spec ID provided is invalid. Please provide a valid spec ID and try again.")


def create_refusal_cases():
    missing = "00000000-0000-0000-0000-000000000000"
    return [
        pytest.param(lambda a: {"sourceConnectionIds": [missing]}, f"sourceConnections {missing} not found",
                     id="unknown-source"),
        pytest.param(lambda a: {"targetConnectionIds": [missing]}, f"targetConnections {missing} not found",
                     id="unknown-target"),
        pytest.param(lambda a: {"sourceConnectionIds": [a.profile_source(), a.profile_source()]},
                     "exactly one id", id="two-sources"),
        pytest.param(lambda a: {"targetConnectionIds": []}, "exactly one id", id="no-target"),
        pytest.param(lambda a: {"sourceConnectionIds": a.profile_source()}, "exactly one id", id="source-not-array"),
        pytest.param(lambda a: {"targetConnectionIds": [a.s3_target()], "flowSpec": spec(LEGACY_FLOW)},
                     "does not write to connection spec", id="target-not-in-flow-spec"),
        pytest.param(lambda a: {"sourceConnectionIds": [a.dataset_source()], "flowSpec": spec(LEGACY_FLOW),
                                "targetConnectionIds": [a.s3_target()]}, "does not read from", id="source-not-in-flow-spec"),
        pytest.param(lambda a: {"name": ""}, "'name'", id="empty-name"),
        pytest.param(lambda a: {"description": 3}, "'description'", id="description-number"),
        pytest.param(lambda a: {"transformations": {}}, "'transformations' must be an array", id="transformations-object"),
        pytest.param(lambda a: {"transformations": [{"name": "Mapping", "params": {}}]}, "GeneralTransform",
                     id="transformation-name"),
        pytest.param(lambda a: {"scheduleParams": {"interval": 1, "timeUnit": "day", "startTime": NOW}},
                     "'scheduleParams' applies to dataset exports", id="schedule-on-audiences"),
        pytest.param(lambda a: {"labels": "core/C12"}, "'labels'", id="labels-string"),
        pytest.param(lambda a: {"labels": [""]}, "'labels'", id="labels-empty-name"),
    ]


@pytest.mark.parametrize("change, fragment", create_refusal_cases())
def test_create_refusals(api, change, fragment):
    body = {"name": "a", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [api.profile_source()],
            "targetConnectionIds": [api.s3_target()]}
    body.update(change(api))
    invalid(api.post("/flows", body), contains=fragment)


def test_audience_flow_needs_a_target_with_file_type(api):
    target = api.created("/targetConnections", {
        "name": "t", "baseConnectionId": api.s3_base(), "connectionSpec": spec(S3),
        "params": {"mode": "Server-to-server", "bucketName": "abc", "path": "p", "compression": "NONE",
                   "datasetFileType": "JSON"}})["id"]
    body = {"name": "a", "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [api.profile_source()],
            "targetConnectionIds": [target]}
    invalid(api.post("/flows", body), contains="'params.fileType' of the target connection is required")


@pytest.mark.parametrize("change, fragment", [
    pytest.param({"scheduleParams": None}, "'scheduleParams' is required", id="no-schedule"),
    pytest.param({"transformations": transform(segmentSelectors={"selectors": []})}, "dataset exports take no",
                 id="audiences-on-datasets"),
])
def test_dataset_flow_refusals(api, change, fragment):
    body = dataset_flow_body(api)
    body.update(change)
    if body.get("scheduleParams") is None:
        del body["scheduleParams"]
    invalid(api.post("/flows", body), contains=fragment)


def test_dataset_flow_needs_dataset_file_type(api):
    body = dataset_flow_body(api)
    body["targetConnectionIds"] = [api.s3_target()]
    invalid(api.post("/flows", body), contains="'params.datasetFileType' of the target connection is required")


# --- GET / DELETE -------------------------------------------------------------------------------

def test_get_unknown_flow_is_404(api):
    not_found(api.get("/flows/df8d079d-11eb-466a-9731-6b5948a009e4"), "flows", "df8d079d-11eb-466a-9731-6b5948a009e4")


@pytest.mark.parametrize("profile, status", [("default", 202), ("seed", 202), ("current", 204)])
def test_delete_flow(profile, status):
    api = Api(make_app(Settings(seed=9, profile=profile)).test_client())
    flow_id = new_card_flow(api)
    response = api.delete(f"/flows/{flow_id}")
    assert (response.status_code, response.get_data()) == (status, b"")
    body = not_found(api.get(f"/flows/{flow_id}"), "flows", flow_id)
    assert body["errorMessage"] == f"flows not found with id = [{flow_id}]"
    not_found(api.delete(f"/flows/{flow_id}"), "flows", flow_id)
    not_found(api.patch(f"/flows/{flow_id}", [{"op": "replace", "path": "/name", "value": "x"}], '"x"'),
              "flows", flow_id)


def test_after_deleting_the_flow_its_connections_can_go(api):
    flow_id = new_card_flow(api)
    entity = flow(api, flow_id)
    base = entity["inheritedAttributes"]["targetConnections"][0]["baseConnection"]["id"]
    flow_error(api.delete(f"/connections/{base}"), 1418, 400, contains=base)
    assert api.delete(f"/flows/{flow_id}").status_code == 202
    for path in (f"/targetConnections/{entity['targetConnectionIds'][0]}",
                 f"/sourceConnections/{entity['sourceConnectionIds'][0]}", f"/connections/{base}"):
        assert api.delete(path).status_code == 202, path


# --- PATCH: etags and the response profile ---------------------------------------------------------

def test_patch_needs_if_match(api, client):
    flow_id = new_card_flow(api)
    response = client.patch(f"{BASE}/flows/{flow_id}", json=[{"op": "replace", "path": "/name", "value": "x"}],
                            headers=api.headers)
    if_match_missing(response)
    assert flow(api, flow_id)["name"] == "Audiences to S3"


def test_stale_etag_is_412_with_the_exact_text(api):
    flow_id = new_card_flow(api)
    old = flow(api, flow_id)["etag"]
    assert patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "a"}], old).status_code == 202
    current = flow(api, flow_id)["etag"]
    body = stale_etag(patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "b"}], old), old, current)
    assert body["report"]["id"] == flow_id and body["report"]["type"] == "flows"
    assert flow(api, flow_id)["name"] == "a"


@pytest.mark.parametrize("if_match", ["{etag_unquoted}", "W/{etag}", '"other"', "*"])
def test_if_match_must_equal_the_quoted_etag(api, if_match):
    flow_id = new_card_flow(api)
    etag = flow(api, flow_id)["etag"]
    sent = if_match.format(etag=etag, etag_unquoted=etag.strip('"'))
    stale_etag(patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "x"}], sent), sent, etag)


def test_successful_patch_changes_etag_version_and_header(api, clock):
    flow_id = new_card_flow(api)
    before = flow(api, flow_id)
    clock.advance(5)
    response = patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "Renamed"},
                                    {"op": "replace", "path": "/description", "value": "new"}], before["etag"])
    assert response.status_code == 202
    assert response.get_json() == {"id": flow_id, "etag": response.headers["ETag"]}
    after = flow(api, flow_id)
    assert ETAG.match(after["etag"])
    assert after["etag"] == after["version"] == response.headers["ETag"] != before["etag"]
    assert (after["name"], after["description"]) == ("Renamed", "new")
    assert after["updatedAt"] == before["updatedAt"] + 5000
    assert after["createdAt"] == before["createdAt"]
    assert after["lastOperation"]["operation"] == "update"
    assert after["lastOperation"]["ops"] == [{"op": "replace", "path": "/name", "value": "Renamed"},
                                             {"op": "replace", "path": "/description", "value": "new"}]


@pytest.mark.parametrize("profile, status, has_body", [("default", 202, True), ("seed", 202, False),
                                                       ("current", 200, True)])
def test_patch_response_by_profile(profile, status, has_body):
    api = Api(make_app(Settings(seed=9, profile=profile)).test_client())
    flow_id = new_card_flow(api)
    response = patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == status
    new_etag = flow(api, flow_id)["etag"]
    assert response.headers["ETag"] == new_etag
    if has_body:
        assert response.get_json() == {"id": flow_id, "etag": new_etag}
    else:
        assert response.get_data() == b""


@pytest.mark.parametrize("op", ["REPLACE", "Replace", "replace"])
def test_op_in_any_case(api, op):
    flow_id = new_card_flow(api)
    assert patch(api, flow_id, [{"op": op, "path": "/name", "value": "x"}]).status_code == 202
    assert flow(api, flow_id)["name"] == "x"
    assert flow(api, flow_id)["lastOperation"]["ops"][0]["op"] == "replace"


@pytest.mark.parametrize("op", ["move", "MOVE", "copy"])
def test_move_and_copy_are_1434(api, op):
    flow_id = new_card_flow(api)
    flow_error(patch(api, flow_id, [{"op": op, "from": "/name", "path": "/description"}]), 1434, 400,
               contains=f"'{op}'")


@pytest.mark.parametrize("ops, code, fragment", [
    pytest.param([], 1405, "cannot be null or empty", id="empty-array"),
    pytest.param({"op": "replace", "path": "/name", "value": "x"}, 1455, "array", id="object-not-array"),
    pytest.param([{"path": "/name", "value": "x"}], 1455, '"op"', id="no-op"),
    pytest.param([{"op": "replace", "value": "x"}], 1455, '"path"', id="no-path"),
    pytest.param([{"op": "replace", "path": "/name"}], 1455, '"value"', id="no-value"),
    pytest.param([{"op": "replace", "path": "name", "value": "x"}], 1455, "JSON Pointer", id="no-leading-slash"),
    pytest.param([{"op": "replace", "path": "/state", "value": "disabled"}], 1455, '"/state"', id="state"),
    pytest.param([{"op": "replace", "path": "/flowSpec/id", "value": S3_DATASET_FLOW}], 1455, "/flowSpec",
                 id="flow-spec"),
    pytest.param([{"op": "replace", "path": "/targetConnectionIds", "value": []}], 1455, "/targetConnectionIds",
                 id="target-ids"),
    pytest.param([{"op": "replace", "path": "/id", "value": "x"}], 1455, '"/id"', id="id"),
    pytest.param([{"op": "remove", "path": "/transformations/0/params/segmentSelectors/selectors/3"}], 1455, None,
                 id="remove-out-of-range"),
    pytest.param([{"op": "replace", "path": "/nope/deeper", "value": 1}], 1455, None, id="unknown-member"),
    pytest.param([{"op": "test", "path": "/name", "value": "not the name"}], 1455, None, id="failed-test"),
    pytest.param([{"op": "frobnicate", "path": "/name", "value": 1}], 1434, "'frobnicate'", id="unknown-op"),
])
def test_invalid_patch_documents(api, ops, code, fragment):
    flow_id = new_card_flow(api)
    flow_error(patch(api, flow_id, ops), code, 400, contains=fragment)


def rejected_patch_cases():
    return [
        pytest.param([{"op": "replace", "path": "/name", "value": "changed"},
                      {"op": "move", "from": "/name", "path": "/description"}], id="second-op-move"),
        pytest.param([{"op": "replace", "path": "/name", "value": "changed"},
                      {"op": "add", "path": f"{SELECTORS}/-", "value": selector(mode="BAD")}], id="second-op-invalid"),
        pytest.param([{"op": "replace", "path": "/name", "value": "changed"},
                      {"op": "remove", "path": f"{SELECTORS}/7"}], id="second-op-out-of-range"),
        pytest.param([{"op": "replace", "path": "/name", "value": None}], id="name-null"),
        pytest.param([{"op": "remove", "path": "/sourceConnectionIds"}], id="remove-source"),
        pytest.param([{"op": "replace", "path": "/transformations", "value": "x"}], id="transformations-string"),
    ]


@pytest.mark.parametrize("ops", rejected_patch_cases())
def test_a_rejected_patch_changes_nothing(api, ops):
    flow_id = new_card_flow(api, [selector()])
    before = flow(api, flow_id)
    response = patch(api, flow_id, ops, before["etag"])
    assert response.status_code == 400
    assert flow(api, flow_id) == before


def test_rfc6902_remove_indices_apply_in_order(api):
    flow_id = new_card_flow(api, [selector("a"), selector("b"), selector("c")])
    ops = [{"op": "remove", "path": f"{SELECTORS}/0", "value": {"type": "PLATFORM_SEGMENT", "value": {}}},
           {"op": "remove", "path": f"{SELECTORS}/1", "value": {"type": "PLATFORM_SEGMENT", "value": {}}}]
    assert patch(api, flow_id, ops).status_code == 202
    assert [v["id"] for v in values_of(flow(api, flow_id))] == ["b"]


def test_passing_test_op_lets_the_patch_apply(api):
    flow_id = new_card_flow(api)
    ops = [{"op": "test", "path": "/name", "value": "Audiences to S3"}, {"op": "replace", "path": "/name", "value": "x"}]
    assert patch(api, flow_id, ops).status_code == 202
    assert flow(api, flow_id)["name"] == "x"


# --- PATCH: documented paths (§6.6) -----------------------------------------------------------------

def test_add_audiences_then_profile_mapping_and_dedup_fields(api):
    flow_id = new_card_flow(api)
    ops = [
        {"op": "add", "path": f"{SELECTORS}/-", "value": selector("a")},
        {"op": "add", "path": f"{SELECTORS}/-", "value": selector("b", "FIRST_FULL_THEN_INCREMENTAL",
                                                                    {"frequency": "EVERY_3_HOURS",
                                                                     "startDate": "2024-01-01",
                                                                     "startTime": "06:00"})},
        {"op": "ADD", "path": "/transformations/0/params/profileMapping",
         "value": {"mappingId": "5d21b87871df4f5ea93b436c5e8da224", "mappingVersion": 0}},
        {"op": "add", "path": "/transformations/0/params/mandatoryFields", "value": ["ECID"]},
        {"op": "add", "path": "/transformations/0/params/primaryFields",
         "value": [{"identityNamespace": "ECID", "fieldType": "IDENTITY"}]},
        {"op": "add", "path": "/labels", "value": ["core/C12"]},
    ]
    assert patch(api, flow_id, ops).status_code == 202
    entity = flow(api, flow_id)
    params = entity["transformations"][0]["params"]
    assert [v["id"] for v in values_of(entity)] == ["a", "b"]
    assert params["profileMapping"] == {"mappingId": "5d21b87871df4f5ea93b436c5e8da224", "mappingVersion": 0}
    assert params["mandatoryFields"] == ["ECID"]
    assert params["primaryFields"] == [{"identityNamespace": "ECID", "fieldType": "IDENTITY"}]
    assert entity["labels"] == ["core/C12"]


def test_legacy_seed_flow_patch_cycle(api, clock):
    """Appendix A.1 steps 7-8: segment and profile selectors on the seed flow."""
    flow_id = legacy_flow(api)
    ops = [
        {"op": "add", "path": f"{SELECTORS}/-", "value": selector(
            "seg-legacy", filenameTemplate="%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%")},
        {"op": "add", "path": f"{PROFILE_SELECTORS}/-", "value": {"type": "JSON_PATH",
                                                                   "value": {"path": "person.name.firstName"}}},
        {"op": "add", "path": f"{PROFILE_SELECTORS}/-", "value": {"type": "JSON_PATH", "value": {
            "path": "personalEmail.address", "identity": {"namespace": "Email"}}}},
    ]
    assert patch(api, flow_id, ops).status_code == 202
    params = flow(api, flow_id)["transformations"][0]["params"]
    first, second = params["profileSelectors"]["selectors"]
    assert first == {"type": "JSON_PATH", "value": {
        "path": "person.name.firstName", "operator": "EXISTS",
        "mapping": {"sourceType": "text/x.schema-path", "source": "person.name.firstName",
                    "destination": "person.name.firstName", "identity": False, "primaryIdentity": False,
                    "functionVersion": 0, "copyModeMapping": False, "sourceAttribute": "person.name.firstName",
                    "destinationXdmPath": "person.name.firstName"}}}
    assert second["value"]["identity"] == {"namespace": "Email"}
    assert second["value"]["operator"] == "EXISTS"
    value = params["segmentSelectors"]["selectors"][0]["value"]
    assert value["createTime"] == value["updateTime"] == str(NOW)


def test_legacy_profile_selector_dedup_fields(api):
    flow_id = legacy_flow(api)
    ops = [{"op": "add", "path": "/transformations/0/params/profileSelectors/mandatoryFields",
            "value": ["person.name.firstName", "person.name.lastName"]},
           {"op": "add", "path": "/transformations/0/params/profileSelectors/primaryFields",
            "value": [{"fieldType": "ATTRIBUTE", "attributePath": "personalEmail.address"}]}]
    assert patch(api, flow_id, ops).status_code == 202
    block = flow(api, flow_id)["transformations"][0]["params"]["profileSelectors"]
    assert block["mandatoryFields"] == ["person.name.firstName", "person.name.lastName"]
    assert block["primaryFields"] == [{"fieldType": "ATTRIBUTE", "attributePath": "personalEmail.address"}]


def test_profile_selector_keeps_a_full_expanded_form(api):
    flow_id = legacy_flow(api)
    value = {"path": "a.b", "operator": "EXISTS", "mapping": {"destination": "a_b"}}
    assert patch(api, flow_id, [{"op": "add", "path": f"{PROFILE_SELECTORS}/-",
                                 "value": {"type": "JSON_PATH", "value": value}}]).status_code == 202
    mapping = flow(api, flow_id)["transformations"][0]["params"]["profileSelectors"]["selectors"][0]["value"]["mapping"]
    assert mapping["destination"] == "a_b" and mapping["source"] == "a.b"


@pytest.mark.parametrize("item, fragment", [
    pytest.param({"type": "XDM", "value": {"path": "a"}}, "JSON_PATH", id="type"),
    pytest.param({"type": "JSON_PATH", "value": {}}, "value.path", id="no-path"),
    pytest.param({"type": "JSON_PATH"}, "value", id="no-value"),
])
def test_invalid_profile_selector(api, item, fragment):
    flow_id = legacy_flow(api)
    invalid(patch(api, flow_id, [{"op": "add", "path": f"{PROFILE_SELECTORS}/-", "value": item}]), contains=fragment)


@pytest.mark.parametrize("fields", [
    [{"fieldType": "IDENTITY", "identityNamespace": "Email"}],
    [{"fieldType": "ATTRIBUTE", "attributePath": "a"}],
    [{"fieldType": "ATTRIBUTE", "attributePath": "a"}, {"fieldType": "ATTRIBUTE", "attributePath": "b"}],
    [],
])
def test_valid_deduplication_keys(api, fields):
    flow_id = new_card_flow(api)
    assert patch(api, flow_id, [{"op": "add", "path": "/transformations/0/params/primaryFields",
                                 "value": fields}]).status_code == 202


@pytest.mark.parametrize("fields, fragment", [
    pytest.param([{"fieldType": "IDENTITY", "identityNamespace": "Email"},
                  {"fieldType": "ATTRIBUTE", "attributePath": "a"}], "cannot be combined", id="mixed"),
    pytest.param([{"fieldType": "IDENTITY", "identityNamespace": "Email"},
                  {"fieldType": "IDENTITY", "identityNamespace": "ECID"}], "cannot be combined", id="two-identities"),
    pytest.param([{"fieldType": "ATTRIBUTE", "attributePath": x} for x in "abc"], "at most two", id="three-attributes"),
    pytest.param([{"fieldType": "SEGMENT", "attributePath": "a"}], "fieldType", id="unknown-type"),
    pytest.param([{"fieldType": "IDENTITY"}], "identityNamespace", id="identity-without-namespace"),
    pytest.param("ECID", "must be an array", id="not-array"),
])
def test_invalid_deduplication_keys(api, fields, fragment):
    flow_id = new_card_flow(api)
    invalid(patch(api, flow_id, [{"op": "add", "path": "/transformations/0/params/primaryFields", "value": fields}]),
            contains=fragment)


@pytest.mark.parametrize("value, fragment", [
    pytest.param(["ECID", 3], "mandatoryFields", id="number-in-list"),
    pytest.param("ECID", "mandatoryFields", id="string"),
])
def test_invalid_mandatory_fields(api, value, fragment):
    invalid(patch(api, new_card_flow(api), [{"op": "add", "path": "/transformations/0/params/mandatoryFields",
                                             "value": value}]), contains=fragment)


@pytest.mark.parametrize("mapping, fragment", [
    pytest.param({"mappingVersion": 0}, "mappingId", id="no-id"),
    pytest.param({"mappingId": "m", "mappingVersion": -1}, "mappingVersion", id="negative-version"),
    pytest.param({"mappingId": "m", "mappingVersion": "0"}, "mappingVersion", id="string-version"),
    pytest.param({"mappingId": "m", "mappingVersion": True}, "mappingVersion", id="boolean-version"),
    pytest.param(["m"], "profileMapping", id="array"),
])
def test_invalid_profile_mapping(api, mapping, fragment):
    invalid(patch(api, new_card_flow(api), [{"op": "add", "path": "/transformations/0/params/profileMapping",
                                             "value": mapping}]), contains=fragment)


def test_same_audience_twice_is_refused(api):
    flow_id = new_card_flow(api, [selector("a")])
    invalid(patch(api, flow_id, [{"op": "add", "path": f"{SELECTORS}/-", "value": selector("a")}]),
            contains="audience a is already in this dataflow")


# --- segment selector schedules (§6.1) --------------------------------------------------------------

FULL, INCREMENTAL = "DAILY_FULL_EXPORT", "FIRST_FULL_THEN_INCREMENTAL"
ALLOWED = [(FULL, f) for f in ("ONCE", "DAILY", "WEEKLY", "MONTHLY")] + [
    (INCREMENTAL, f) for f in ("DAILY", "EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS")]
REFUSED = [(FULL, f) for f in ("EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS", "CHAINED",
                               "HOURLY", "EVERY_HOUR", "daily")] + [
    (INCREMENTAL, f) for f in ("ONCE", "WEEKLY", "MONTHLY", "EVERY_1_HOURS", "EVERY_24_HOURS")]


def add_selector(api, flow_id, item):
    return patch(api, flow_id, [{"op": "add", "path": f"{SELECTORS}/-", "value": item}])


@pytest.mark.parametrize("mode, frequency", ALLOWED)
def test_allowed_frequency_for_export_mode(api, mode, frequency):
    flow_id = new_card_flow(api)
    schedule = {"frequency": frequency, "triggerType": "SCHEDULED", "startDate": "2024-01-01", "startTime": "00:00"}
    assert add_selector(api, flow_id, selector(mode=mode, schedule=schedule)).status_code == 202
    assert values_of(flow(api, flow_id))[0]["schedule"] == schedule


@pytest.mark.parametrize("mode, frequency", REFUSED)
def test_refused_frequency_for_export_mode(api, mode, frequency):
    schedule = {"frequency": frequency, "startDate": "2024-01-01", "startTime": "00:00"}
    invalid(add_selector(api, new_card_flow(api), selector(mode=mode, schedule=schedule)),
            contains="frequency' must be one of")


@pytest.mark.parametrize("start_time", ["00:00", "09:00", "23:00"])
def test_start_time_on_the_hour(api, start_time):
    schedule = {"frequency": "DAILY", "startDate": "2024-01-01", "startTime": start_time}
    assert add_selector(api, new_card_flow(api), selector(schedule=schedule)).status_code == 202


@pytest.mark.parametrize("start_time, fragment", [
    ("10:30", "on the hour"), ("10:01", "on the hour"), ("24:00", "HH:MM"), ("9:00", "HH:MM"),
    ("10:00:00", "HH:MM"), ("1000", "HH:MM"), (10, "HH:MM"),
])
def test_start_time_refusals(api, start_time, fragment):
    schedule = {"frequency": "DAILY", "startDate": "2024-01-01", "startTime": start_time}
    invalid(add_selector(api, new_card_flow(api), selector(schedule=schedule)), contains=fragment)


@pytest.mark.parametrize("trigger", ["SCHEDULED", None])
def test_start_time_required_unless_after_segment_eval(api, trigger):
    schedule = {"frequency": "DAILY", "startDate": "2024-01-01"}
    if trigger:
        schedule["triggerType"] = trigger
    invalid(add_selector(api, new_card_flow(api), selector(schedule=schedule)),
            contains="startTime' (HH:MM, UTC) is required unless triggerType is AFTER_SEGMENT_EVAL")


def test_after_segment_eval_without_start_time(api):
    flow_id = new_card_flow(api)
    schedule = {"frequency": "ONCE", "triggerType": "AFTER_SEGMENT_EVAL", "startDate": "2024-01-01"}
    assert add_selector(api, flow_id, selector(schedule=schedule)).status_code == 202
    assert values_of(flow(api, flow_id))[0]["schedule"] == schedule


def test_omitted_trigger_type_stays_omitted(api):
    flow_id = new_card_flow(api)
    schedule = {"frequency": "ONCE", "startDate": "2024-01-01", "startTime": "10:00"}
    assert add_selector(api, flow_id, selector(schedule=schedule)).status_code == 202
    assert "triggerType" not in values_of(flow(api, flow_id))[0]["schedule"]


@pytest.mark.parametrize("schedule, fragment", [
    pytest.param({"frequency": "DAILY", "startDate": "2024/01/01", "startTime": "10:00"}, "startDate", id="slashes"),
    pytest.param({"frequency": "DAILY", "startDate": "2024-02-30", "startTime": "10:00"}, "not a valid date",
                 id="no-such-day"),
    pytest.param({"frequency": "DAILY", "startTime": "10:00"}, "startDate", id="start-missing"),
    pytest.param({"frequency": "DAILY", "startDate": "2024-01-10", "endDate": "2024-01-09", "startTime": "10:00"},
                 "endDate' must not be before startDate", id="end-before-start"),
    pytest.param({"frequency": "DAILY", "startDate": "2024-01-10", "endDate": "10-01-2024", "startTime": "10:00"},
                 "endDate", id="end-format"),
    pytest.param({"frequency": "DAILY", "triggerType": "LATER", "startDate": "2024-01-01", "startTime": "10:00"},
                 "triggerType", id="trigger-type"),
    pytest.param({"startDate": "2024-01-01", "startTime": "10:00"}, "frequency", id="frequency-missing"),
    pytest.param("daily", "schedule", id="schedule-string"),
])
def test_schedule_refusals(api, schedule, fragment):
    invalid(add_selector(api, new_card_flow(api), selector(schedule=schedule)), contains=fragment)


def test_end_date_equal_to_start_date_is_fine(api):
    schedule = {"frequency": "DAILY", "startDate": "2024-01-10", "endDate": "2024-01-10", "startTime": "10:00"}
    assert add_selector(api, new_card_flow(api), selector(schedule=schedule)).status_code == 202


@pytest.mark.parametrize("item, fragment", [
    pytest.param({**selector(), "type": "SEGMENT"}, "PLATFORM_SEGMENT", id="type"),
    pytest.param({"type": "PLATFORM_SEGMENT", "value": {"exportMode": FULL}}, "value.id", id="no-id"),
    pytest.param(selector(mode=None), "exportMode", id="no-export-mode"),
    pytest.param(selector(mode="INCREMENTAL"), "exportMode", id="unknown-export-mode"),
    pytest.param(selector(name=5), "value.name", id="name-number"),
    pytest.param({"type": "PLATFORM_SEGMENT"}, "value", id="no-value"),
])
def test_selector_refusals(api, item, fragment):
    invalid(add_selector(api, new_card_flow(api), item), contains=fragment)


# --- createTime / updateTime ----------------------------------------------------------------------

def test_create_and_update_time_are_server_set_strings(api, clock):
    flow_id = new_card_flow(api)
    assert add_selector(api, flow_id, selector(createTime="1", updateTime="2")).status_code == 202
    value = values_of(flow(api, flow_id))[0]
    assert value["createTime"] == value["updateTime"] == str(NOW)


def test_unchanged_replace_keeps_times(api, clock):
    flow_id = new_card_flow(api, [selector()])
    full = selectors_of(flow(api, flow_id))[0]
    clock.advance(3600)
    assert patch(api, flow_id, [{"op": "replace", "path": f"{SELECTORS}/0", "value": full}]).status_code == 202
    clock.advance(3600)
    assert patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "renamed"}]).status_code == 202
    value = values_of(flow(api, flow_id))[0]
    assert (value["createTime"], value["updateTime"]) == (str(NOW), str(NOW))


def test_changed_replace_moves_update_time_only(api, clock):
    flow_id = new_card_flow(api, [selector()])
    full = copy.deepcopy(selectors_of(flow(api, flow_id))[0])
    full["value"]["schedule"]["startTime"] = "11:00"
    full["value"]["createTime"] = "123"  # the client cannot move it
    clock.advance(60)
    assert patch(api, flow_id, [{"op": "replace", "path": f"{SELECTORS}/0", "value": full}]).status_code == 202
    value = values_of(flow(api, flow_id))[0]
    assert value["schedule"]["startTime"] == "11:00"
    assert (value["createTime"], value["updateTime"]) == (str(NOW), str(NOW + 60))


def test_re_added_audience_gets_new_times(api, clock):
    flow_id = new_card_flow(api, [selector("a")])
    clock.advance(10)
    assert patch(api, flow_id, [{"op": "remove", "path": f"{SELECTORS}/0"}]).status_code == 202
    clock.advance(10)
    assert add_selector(api, flow_id, selector("a")).status_code == 202
    value = values_of(flow(api, flow_id))[0]
    assert value["createTime"] == value["updateTime"] == str(NOW + 20)


# --- file name templates (§6.4) ------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["filenameTemplate", "fileNameTemplate"])
def test_filename_template_aliases(api, key):
    flow_id = new_card_flow(api)
    assert add_selector(api, flow_id, selector(**{key: "%SEGMENT_NAME%_%TIMESTAMP%"})).status_code == 202
    value = values_of(flow(api, flow_id))[0]
    assert value["filenameTemplate"] == "%SEGMENT_NAME%_%TIMESTAMP%"
    assert "fileNameTemplate" not in value


def test_both_filename_spellings_are_refused(api):
    invalid(add_selector(api, new_card_flow(api), selector(filenameTemplate="a", fileNameTemplate="b")),
            contains="not both")


@pytest.mark.parametrize("make_flow, expected", [(new_card_flow, NEW_DEFAULT_TEMPLATE),
                                                 (legacy_flow, LEGACY_TEMPLATE)], ids=["new-card", "legacy"])
def test_default_filename_template(api, make_flow, expected):
    flow_id = make_flow(api)
    assert add_selector(api, flow_id, selector()).status_code == 202
    assert values_of(flow(api, flow_id))[0]["filenameTemplate"] == expected


@pytest.mark.parametrize("template, missing", [
    ("%SEGMENT_ID%_%TIMESTAMP%", "%DESTINATION_NAME%"),
    ("%DESTINATION_NAME%_%SEGMENT_NAME%", "%SEGMENT_ID%"),
    ("%DESTINATION%_%SEGMENT_NAME%", "%DESTINATION_NAME% and %SEGMENT_ID%"),
])
def test_legacy_templates_need_the_mandatory_macros(api, template, missing):
    invalid(add_selector(api, legacy_flow(api), selector(filenameTemplate=template)), contains=f"must contain {missing}")


@pytest.mark.parametrize("template", [
    "%DESTINATION_NAME%_%SEGMENT_ID%",
    "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_NAME%_%TIMESTAMP%_custom-text",
    "%DESTINATION_NAME%_%SEGMENT_ID%_%this is custom text%",
])
def test_legacy_templates_accepted(api, template):
    assert add_selector(api, legacy_flow(api), selector(filenameTemplate=template)).status_code == 202


@pytest.mark.parametrize("template", [
    ("%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_%DESTINATION_INSTANCE_NAME%_"
     "%DATETIME(YYYYMMdd_HHmmss)%"),
    "%ORGANIZATION_NAME%_%SANDBOX_NAME%", "static-name", "x" * 255,
])
def test_new_card_templates_all_optional(api, template):
    assert add_selector(api, new_card_flow(api), selector(filenameTemplate=template)).status_code == 202


@pytest.mark.parametrize("template, fragment", [
    ("x" * 256, "255"), ("", "non-empty"), ("a/b", "'/'"), ("a\\b", "'/'"),
    ("%DATETIME(YYYYMMdd)%_%TIMESTAMP%", "not both"), (5, "non-empty"),
])
def test_template_refusals(api, template, fragment):
    invalid(add_selector(api, new_card_flow(api), selector(filenameTemplate=template)), contains=fragment)


# --- dataset scheduleParams (§6.2) -----------------------------------------------------------------------

@pytest.mark.parametrize("mode, unit, interval", [
    (FULL, "day", 0), (INCREMENTAL, "day", 1), (INCREMENTAL, "hour", 3), (INCREMENTAL, "hour", 6),
    (INCREMENTAL, "hour", 9), (INCREMENTAL, "hour", 12), (None, "hour", 3), (None, "day", 1),
])
def test_dataset_schedule_combinations_accepted(api, mode, unit, interval):
    schedule = {"interval": interval, "timeUnit": unit, "startTime": NOW, "endTime": NOW + 1}
    if mode:
        schedule["exportMode"] = mode
    entity = flow(api, api.created("/flows", dataset_flow_body(api, schedule))["id"])
    assert entity["scheduleParams"] == schedule


@pytest.mark.parametrize("mode, unit, interval", [
    (FULL, "day", 1), (FULL, "hour", 3), (FULL, "hour", 0), (INCREMENTAL, "day", 0), (INCREMENTAL, "hour", 1),
    (INCREMENTAL, "hour", 24), (INCREMENTAL, "day", 3), (None, "hour", 2), (INCREMENTAL, "minute", 3),
    (INCREMENTAL, "HOUR", 3),
])
def test_dataset_schedule_combinations_refused(api, mode, unit, interval):
    schedule = {"interval": interval, "timeUnit": unit, "startTime": NOW}
    if mode:
        schedule["exportMode"] = mode
    invalid(api.post("/flows", dataset_flow_body(api, schedule)), contains="scheduleParams")


@pytest.mark.parametrize("change, fragment", [
    pytest.param({"startTime": None}, "startTime", id="start-missing"),
    pytest.param({"startTime": "soon"}, "startTime", id="start-string"),
    pytest.param({"interval": "three"}, "interval", id="interval-string"),
    pytest.param({"startTime": 1.5}, "startTime", id="start-float"),
    pytest.param({"interval": None}, "interval", id="interval-missing"),
    pytest.param({"timeUnit": None}, "timeUnit", id="unit-missing"),
    pytest.param({"exportMode": "SOMETIMES"}, "exportMode", id="mode"),
    pytest.param({"endTime": NOW}, "endTime", id="end-equals-start"),
    pytest.param({"endTime": NOW - 1}, "endTime", id="end-before-start"),
    pytest.param({"endTime": "never"}, "endTime", id="end-string"),
    pytest.param({"foldernameTemplate": "a", "folderNameTemplate": "b"}, "not both", id="both-spellings"),
    pytest.param({"foldernameTemplate": "%DATETIME(YYYY)%_%EXPORT_TIME%"}, "not both", id="datetime-and-export-time"),
    pytest.param({"foldernameTemplate": ""}, "foldernameTemplate", id="empty-template"),
])
def test_dataset_schedule_field_refusals(api, change, fragment):
    schedule = {"exportMode": INCREMENTAL, "interval": 3, "timeUnit": "hour", "startTime": NOW, **change}
    schedule = {k: v for k, v in schedule.items() if v is not None}
    invalid(api.post("/flows", dataset_flow_body(api, schedule)), contains=fragment)


def test_numeric_strings_are_read_as_integers(api):
    # aepp sends "interval": "1"; the Java service coerces (docs/fidelity.md)
    schedule = {"interval": "3", "timeUnit": "hour", "startTime": str(NOW), "endTime": str(NOW + 60)}
    params = flow(api, api.created("/flows", dataset_flow_body(api, schedule))["id"])["scheduleParams"]
    assert params == {"interval": 3, "timeUnit": "hour", "startTime": NOW, "endTime": NOW + 60}


def test_default_end_time_is_six_months_after_creation(api, clock):
    clock.set(1_706_659_200)  # 2024-01-31T00:00:00Z: July has 31 days, so it is 2024-07-31
    schedule = {"exportMode": INCREMENTAL, "interval": 1, "timeUnit": "day", "startTime": NOW}
    entity = flow(api, api.created("/flows", dataset_flow_body(api, schedule))["id"])
    assert entity["scheduleParams"]["endTime"] == 1_722_384_000  # 2024-07-31T00:00:00Z


def test_default_end_time_clamps_to_month_end(api, clock):
    clock.set(1_693_440_000)  # 2023-08-31T00:00:00Z -> 2024-02-29 (leap year)
    schedule = {"interval": 3, "timeUnit": "hour", "startTime": NOW}
    entity = flow(api, api.created("/flows", dataset_flow_body(api, schedule))["id"])
    assert entity["scheduleParams"]["endTime"] == 1_709_164_800  # 2024-02-29T00:00:00Z


@pytest.mark.parametrize("key", ["foldernameTemplate", "folderNameTemplate"])
def test_folder_template_aliases(api, key):
    template = "%DESTINATION_NAME%_%DATASET_ID%_%DATASET_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"
    schedule = {"interval": 3, "timeUnit": "hour", "startTime": NOW, "endTime": NOW + 1, key: template}
    params = flow(api, api.created("/flows", dataset_flow_body(api, schedule))["id"])["scheduleParams"]
    assert params["foldernameTemplate"] == template
    assert "folderNameTemplate" not in params


def test_replace_schedule_params(api, clock):
    flow_id = api.created("/flows", dataset_flow_body(api))["id"]
    clock.advance(86400 * 40)
    new = {"interval": 3, "timeUnit": "hour", "startTime": 1668470400}
    assert patch(api, flow_id, [{"op": "replace", "path": "/scheduleParams", "value": new}]).status_code == 202
    params = flow(api, flow_id)["scheduleParams"]
    assert params == {**new, "endTime": 1715724800}  # six months after creation (NOW), not after the PATCH


def test_replace_schedule_params_with_an_invalid_combination(api):
    flow_id = api.created("/flows", dataset_flow_body(api))["id"]
    before = flow(api, flow_id)
    invalid(patch(api, flow_id, [{"op": "replace", "path": "/scheduleParams/interval", "value": 2}]),
            contains="scheduleParams")
    assert flow(api, flow_id) == before


def test_swap_datasets_through_source_connection_ids(api):
    flow_id = api.created("/flows", dataset_flow_body(api))["id"]
    new_source = api.dataset_source("5ef3e324052581191aa6a466")
    assert patch(api, flow_id, [{"op": "replace", "path": "/sourceConnectionIds",
                                 "value": [new_source]}]).status_code == 202
    entity = flow(api, flow_id)
    assert entity["sourceConnectionIds"] == [new_source]
    assert entity["inheritedAttributes"]["sourceConnections"][0]["id"] == new_source


@pytest.mark.parametrize("value, fragment", [
    pytest.param("profile-source", "same kind of data", id="profile-source-on-dataset-flow"),
    pytest.param("missing", "not found", id="unknown-source"),
    pytest.param("two", "exactly one id", id="two-sources"),
])
def test_swap_source_refusals(api, value, fragment):
    flow_id = api.created("/flows", dataset_flow_body(api))["id"]
    ids = {"profile-source": [api.profile_source()], "missing": ["nope"],
           "two": [api.dataset_source(), api.dataset_source()]}[value]
    invalid(patch(api, flow_id, [{"op": "replace", "path": "/sourceConnectionIds", "value": ids}]), contains=fragment)


def test_schedule_params_cannot_be_added_to_an_audience_flow(api):
    invalid(patch(api, new_card_flow(api), [{"op": "add", "path": "/scheduleParams",
                                             "value": {"interval": 1, "timeUnit": "day", "startTime": NOW}}]),
            contains="audiences carry their schedule")


# --- enable / disable ------------------------------------------------------------------------------

def action(api, flow_id, op, **kw):
    return api.post(f"/flows/{flow_id}/action?op={op}", **kw)


def test_disable_then_enable(api, clock):
    flow_id = new_card_flow(api)
    before = flow(api, flow_id)
    clock.advance(1)
    response = action(api, flow_id, "disable")
    assert response.status_code == 200
    assert response.get_json() == {"id": flow_id, "etag": response.headers["ETag"]}
    disabled = flow(api, flow_id)
    assert disabled["state"] == "disabled"
    assert disabled["etag"] == disabled["version"] == response.headers["ETag"] != before["etag"]
    assert disabled["lastOperation"]["operation"] == "disable"
    assert disabled["updatedAt"] == before["updatedAt"] + 1000
    response = action(api, flow_id, "enable")
    assert response.status_code == 200
    assert flow(api, flow_id)["state"] == "enabled"
    assert flow(api, flow_id)["lastOperation"]["operation"] == "enable"


@pytest.mark.parametrize("op, state", [("enable", "enabled"), ("disable", "disabled")])
def test_repeated_action_is_1422(api, op, state):
    flow_id = new_card_flow(api)
    if op == "disable":
        assert action(api, flow_id, "disable").status_code == 200
    before = flow(api, flow_id)
    flow_error(action(api, flow_id, op), 1422, 400,
               message=f"The action {op} cannot be applied on the current state {state}. "
                       "Please update the action and try again.")
    assert flow(api, flow_id) == before


@pytest.mark.parametrize("op", ["DISABLE", "Disable"])
def test_action_op_in_any_case(api, op):
    flow_id = new_card_flow(api)
    assert action(api, flow_id, op).status_code == 200
    assert flow(api, flow_id)["state"] == "disabled"


@pytest.mark.parametrize("op", ["finalize", "pause", "RE_TRIGGER", ""])
def test_unsupported_action_is_1435(api, op):
    flow_error(action(api, new_card_flow(api), op), 1435, 400, contains=f"'{op}'")


def test_action_without_op_is_2119(api):
    flow_error(api.post(f"/flows/{new_card_flow(api)}/action"), 2119, 400, contains="op")


def test_action_on_unknown_flow_is_404(api):
    not_found(action(api, "nope", "disable"), "flows", "nope")


def test_action_if_match_optional_but_checked(api):
    flow_id = new_card_flow(api)
    etag = flow(api, flow_id)["etag"]
    stale_etag(action(api, flow_id, "disable", headers={"If-Match": '"old"'}), '"old"', etag)
    assert action(api, flow_id, "disable", headers={"If-Match": etag}).status_code == 200


def test_disabled_flow_can_still_be_patched_and_state_is_kept(api):
    flow_id = new_card_flow(api)
    action(api, flow_id, "disable")
    assert patch(api, flow_id, [{"op": "replace", "path": "/name", "value": "x"}]).status_code == 202
    assert flow(api, flow_id)["state"] == "disabled"
