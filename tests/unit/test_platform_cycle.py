"""The create / get / patch / delete cycle of every resource, driven through Platform directly (no Flask).

Contract: reference §3.5–§3.8 (resources), §4.0 (system fields), §6.8 (etag / If-Match),
§6.9 (referential rules), §2 (error bodies).
"""

from __future__ import annotations

import calendar
import copy
import re
from contextlib import contextmanager

import pytest

from mockserver.domain.catalog import Catalog
from mockserver.domain.context import Caller
from mockserver.domain.errors import ApiError, FlowServiceError, PlainMessageError
from mockserver.platform import Platform
from mockserver.settings import Settings

ORG = "5555467B5D8013E50A494220@AdobeOrg"
USER = "0A4334FA556585B77F000101@AdobeID"
PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE = "23598e46-f560-407b-88d5-ea6207e49db0"
S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
S3_SEGMENT_FLOW = "1a0514a6-33d4-4c7f-aff8-594799c47549"
S3_DATASET_FLOW = "269ba276-16fc-47db-92b0-c1049a3c131f"
DATASET_ID = "5ef3e324052581191aa6a466"
SECRET = "a" * 40
S3_AUTH = {"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": SECRET}}
T0 = calendar.timegm((2023, 8, 31, 12, 0, 0))       # 2023-08-31T12:00:00Z
ETAG = re.compile(r'^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{8}0000"$')
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

CATALOG = Catalog()  # read-only; shared to keep the tests fast


def ref(spec_id):
    return {"id": spec_id, "version": "1.0"}


def make_platform(**settings) -> Platform:
    platform = Platform(Settings(seed=1, **settings), catalog=CATALOG)
    platform.clock.freeze(T0)
    return platform


def caller_of(platform, sandbox="prod", user=USER, client="exc_app", org=ORG) -> Caller:
    return Caller(platform.store.tenant(org, sandbox), user, client)


@contextmanager
def refused(code: int, status: int = 400):
    with pytest.raises(FlowServiceError) as info:
        yield info
    assert (info.value.code, info.value.status) == (code, status)


# --- builders ------------------------------------------------------------------------------------

def s3_base(p, c, **extra):
    return p.connections.create(c, {"name": "S3", "connectionSpec": ref(S3), "auth": copy.deepcopy(S3_AUTH), **extra})


def profile_source(p, c):
    return p.source_connections.create(c, {"name": "Profiles", "connectionSpec": ref(PROFILE_STORE)})


def dataset_source(p, c, dataset=DATASET_ID):
    return p.source_connections.create(c, {
        "name": "Datasets", "connectionSpec": ref(DATA_LAKE),
        "params": {"datasets": [{"dataSetId": dataset, "name": "Company Dataset"}]},
    })


def s3_target(p, c, base, **params):
    return p.target_connections.create(c, {
        "name": "S3 target", "baseConnectionId": base["id"], "connectionSpec": ref(S3),
        "params": {"mode": "Server-to-server", "bucketName": "exports-bucket", "path": "audiences",
                   "compression": "NONE", **params},
    })


def audience_flow(p, c, source, target, **extra):
    return p.flows.create(c, {
        "name": "Audiences to S3", "flowSpec": ref(S3_SEGMENT_FLOW),
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": []}}}],
        **extra,
    })


def dataset_flow(p, c, source, target, **schedule):
    return p.flows.create(c, {
        "name": "Datasets to S3", "flowSpec": ref(S3_DATASET_FLOW),
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                           "startTime": T0 + 3600, **schedule},
    })


def segment(audience_id="seg-1", **schedule):
    return {"type": "PLATFORM_SEGMENT", "value": {
        "id": audience_id, "name": "Gold", "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "DAILY", "triggerType": "SCHEDULED", "startDate": "2024-01-10",
                     "startTime": "10:00", **schedule},
    }}


SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


@pytest.fixture
def platform() -> Platform:
    return make_platform()


@pytest.fixture
def caller(platform) -> Caller:
    return caller_of(platform)


@pytest.fixture
def world(platform, caller) -> dict:
    """A base connection, an audience source, an audience target and a flow between them."""
    base = s3_base(platform, caller)
    source = profile_source(platform, caller)
    target = s3_target(platform, caller, base, fileType="CSV")
    flow = audience_flow(platform, caller, source, target)
    return {"connections": base, "source_connections": source, "target_connections": target, "flows": flow}


RESOURCES = ["connections", "source_connections", "target_connections", "flows"]
COLLECTION = {"connections": "connections", "source_connections": "sourceConnections",
              "target_connections": "targetConnections", "flows": "flows"}


# --- create and get --------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", RESOURCES)
def test_create_stamps_the_system_fields(platform, caller, world, resource):
    entity = world[resource]
    assert UUID.match(entity["id"])
    assert (entity["createdAt"], entity["updatedAt"]) == (T0 * 1000, T0 * 1000)
    assert (entity["createdBy"], entity["updatedBy"]) == (USER, USER)
    assert (entity["createdClient"], entity["updatedClient"]) == ("exc_app", "exc_app")
    assert entity["sandboxId"] == caller.tenant.sandbox_id
    assert (entity["sandboxName"], entity["imsOrgId"]) == ("prod", ORG)
    assert ETAG.match(entity["etag"]) and entity["version"] == entity["etag"]
    assert entity["state"] == "enabled"
    assert getattr(platform, resource).get(caller, entity["id"]) == entity


def test_ids_and_etags_are_the_same_for_the_same_seed():
    def run():
        p = make_platform()
        c = caller_of(p)
        base = s3_base(p, c)
        return base["id"], base["etag"], profile_source(p, c)["id"]
    assert run() == run()


def test_the_base_connection_keeps_its_auth_and_gets_an_authorized_date(platform, caller):
    base = s3_base(platform, caller, description="mine")
    assert base["connectionSpec"] == ref(S3)
    assert base["auth"] == {"specName": "Access Key", "params": {**S3_AUTH["params"], "authorizedDate": "2023-08-31"}}
    assert base["description"] == "mine"


@pytest.mark.parametrize("reveal, shown", [(False, "********"), (True, SECRET)])
def test_secrets_are_masked_on_presentation_unless_revealed(reveal, shown):
    p = make_platform(reveal_secrets=reveal)
    c = caller_of(p)
    base = s3_base(p, c)
    presented = p.connections.present(base)
    assert presented["auth"]["params"]["s3SecretKey"] == shown
    assert presented["auth"]["params"]["s3AccessKey"] == S3_AUTH["params"]["s3AccessKey"]
    listed = p.connections.list(c, {}, "/connections")["items"]
    assert listed == [presented]
    assert base["auth"]["params"]["s3SecretKey"] == SECRET      # the store keeps the secret


def test_the_profile_store_source_names_an_implicit_base_connection(platform, caller):
    source = profile_source(platform, caller)
    assert source["typeInfo"] == {"type": "ProfileFragments", "id": "ups"}
    base_id = source["baseConnectionId"]
    assert UUID.match(base_id)
    assert source["inheritedAttributes"] == {"baseConnection": {"id": base_id, "connectionSpec": ref(PROFILE_STORE)}}


def test_the_data_lake_source_keeps_its_datasets(platform, caller):
    source = dataset_source(platform, caller)
    assert source["params"] == {"datasets": [{"dataSetId": DATASET_ID, "name": "Company Dataset"}]}
    assert "typeInfo" not in source
    assert source["inheritedAttributes"]["baseConnection"]["connectionSpec"] == ref(DATA_LAKE)


def test_a_destination_spec_is_not_a_source(platform, caller):
    with pytest.raises(PlainMessageError) as info:
        platform.source_connections.create(caller, {"name": "x", "connectionSpec": ref(S3)})
    assert info.value.body("r") == {"message": "Please provide a valid spec id"}


@pytest.mark.parametrize("spec, error, status", [
    ({"id": "00000000-0000-0000-0000-000000000000", "version": "1.0"}, PlainMessageError, 400),
    ({"id": S3}, FlowServiceError, 422),
    (None, PlainMessageError, 400),
])
def test_an_invalid_connection_spec_is_refused(platform, caller, spec, error, status):
    with pytest.raises(error) as info:
        platform.connections.create(caller, {"name": "x", "connectionSpec": spec, "auth": S3_AUTH})
    assert info.value.status == status


def test_a_target_connection_needs_an_existing_base_connection_of_its_spec(platform, caller):
    with refused(1100):
        s3_target(platform, caller, {"id": "no-such-base"}, fileType="CSV")
    profile_base = platform.connections.create(caller, {"name": "P", "connectionSpec": ref(PROFILE_STORE)})
    with refused(1100):
        s3_target(platform, caller, profile_base, fileType="CSV")


def test_a_flow_inherits_what_it_connects(world):
    flow, source, target, base = world["flows"], world["source_connections"], world["target_connections"], \
        world["connections"]
    assert flow["flowSpec"] == ref(S3_SEGMENT_FLOW)
    assert (flow["sourceConnectionIds"], flow["targetConnectionIds"]) == ([source["id"]], [target["id"]])
    assert flow["inheritedAttributes"] == {
        "sourceConnections": [{"id": source["id"], "connectionSpec": ref(PROFILE_STORE),
                               "baseConnection": source["inheritedAttributes"]["baseConnection"],
                               "typeInfo": {"type": "ProfileFragments", "id": "ups"}}],
        "targetConnections": [{"id": target["id"], "connectionSpec": ref(S3),
                               "baseConnection": {"id": base["id"], "connectionSpec": ref(S3)}}],
        "properties": {"isDestinationFlow": True},
    }
    assert flow["runs"] == f"/runs?property=flowId=={flow['id']}"
    assert flow["lastOperation"]["operation"] == "create"


def test_state_is_not_allowed_in_a_create_flow_request(platform, caller, world):
    with refused(1410):
        audience_flow(platform, caller, world["source_connections"], world["target_connections"], state="enabled")


def test_an_unknown_flow_spec_is_1413(platform, caller, world):
    with refused(1413):
        platform.flows.create(caller, {
            "name": "x", "flowSpec": ref("00000000-0000-0000-0000-000000000000"),
            "sourceConnectionIds": [world["source_connections"]["id"]],
            "targetConnectionIds": [world["target_connections"]["id"]],
        })


def test_a_dataset_flow_gets_the_default_end_time_six_months_after_creation(platform, caller):
    base = s3_base(platform, caller)
    target = s3_target(platform, caller, base, datasetFileType="JSON")
    flow = dataset_flow(platform, caller, dataset_source(platform, caller), target,
                        folderNameTemplate="%DATASET_ID%")
    # created 2023-08-31T12:00Z -> 2024-02-29T12:00Z (month-end clamped, leap year)
    assert flow["scheduleParams"]["endTime"] == calendar.timegm((2024, 2, 29, 12, 0, 0))
    assert flow["scheduleParams"]["foldernameTemplate"] == "%DATASET_ID%"
    assert flow["transformations"] == []
    assert flow["inheritedAttributes"]["sourceConnections"][0].keys() == {"id", "connectionSpec"}


def test_an_audience_target_cannot_serve_a_dataset_flow(platform, caller, world):
    with refused(1100):
        dataset_flow(platform, caller, dataset_source(platform, caller), world["target_connections"])


# --- get / list across tenants -------------------------------------------------------------------------

@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("other", [{"sandbox": "dev"}, {"org": "OTHER@AdobeOrg"}])
def test_another_tenant_cannot_see_the_entity(platform, world, resource, other):
    stranger = caller_of(platform, **other)
    entity_id = world[resource]["id"]
    collection = COLLECTION[resource]
    with refused(1439, 404) as info:
        getattr(platform, resource).get(stranger, entity_id)
    assert info.value.body("r")["errorMessage"] == f"{collection} not found with id = [{entity_id}]"
    assert getattr(platform, resource).list(stranger, {}, f"/{collection}")["items"] == []
    with refused(1439, 404):
        getattr(platform, resource).patch(stranger, entity_id, world[resource]["etag"],
                                          [{"op": "replace", "path": "/name", "value": "x"}])
    with refused(1439, 404):
        getattr(platform, resource).delete(stranger, entity_id)


def test_sandbox_ids_differ_between_sandboxes(platform):
    assert caller_of(platform).tenant.sandbox_id != caller_of(platform, "dev").tenant.sandbox_id


def test_list_filters_through_the_resource(platform, caller, world):
    flow = world["flows"]
    platform.flows.action(caller, flow["id"], "disable", None)
    assert platform.flows.list(caller, {"property": ["state==disabled"]}, "/flows")["items"][0]["id"] == flow["id"]
    assert platform.flows.list(caller, {"property": ["state==enabled"]}, "/flows")["items"] == []
    assert platform.flows.list(caller, {"property": ["inheritedAttributes.properties.isDestinationFlow==true"],
                                        "count": ["true"]}, "/flows") == {"count": 1}


# --- patch ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", RESOURCES)
def test_a_patch_changes_the_entity_and_its_etag(platform, world, resource):
    old = world[resource]
    platform.clock.advance(90)
    editor = caller_of(platform, user="editor@AdobeID", client="acp_foundation_connectors")
    new = getattr(platform, resource).patch(editor, old["id"], old["etag"], [
        {"op": "REPLACE", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/description", "value": "about"},
    ])
    assert (new["name"], new["description"]) == ("renamed", "about")
    assert ETAG.match(new["etag"]) and new["etag"] != old["etag"] and new["version"] == new["etag"]
    assert new["updatedAt"] == (T0 + 90) * 1000 and new["createdAt"] == old["createdAt"]
    assert (new["updatedBy"], new["updatedClient"]) == ("editor@AdobeID", "acp_foundation_connectors")
    assert (new["createdBy"], new["createdClient"]) == (USER, "exc_app")
    assert getattr(platform, resource).get(editor, old["id"]) == new


@pytest.mark.parametrize("resource", RESOURCES)
def test_the_old_etag_is_stale_after_a_patch(platform, caller, world, resource):
    old = world[resource]
    rename = [{"op": "replace", "path": "/name", "value": "renamed"}]
    new = getattr(platform, resource).patch(caller, old["id"], old["etag"], rename)
    with refused(1404, 412) as info:
        getattr(platform, resource).patch(caller, old["id"], old["etag"], rename)
    assert info.value.message == (f"Supplied version=[{old['etag']}] does not match the current version "
                                  f"on entity=[{new['etag']}]")
    assert info.value.body("r")["report"]["type"] == COLLECTION[resource]


@pytest.mark.parametrize("resource", RESOURCES)
def test_if_match_is_required_on_patch(platform, caller, world, resource):
    with refused(1403):
        getattr(platform, resource).patch(caller, world[resource]["id"], None,
                                          [{"op": "replace", "path": "/name", "value": "x"}])


@pytest.mark.parametrize("lenient, form, accepted", [
    (False, "exact", True),
    (False, "padded", True),
    (False, "unquoted", False),
    (False, "other", False),
    (False, "empty", False),
    (True, "exact", True),
    (True, "unquoted", True),
    (True, "other", False),
    (True, "other-unquoted", False),
    (True, "empty", False),
])
@pytest.mark.parametrize("resource", RESOURCES)
def test_check_version_honours_lenient_if_match(lenient, form, accepted, resource):
    p = make_platform(lenient_if_match=lenient)
    c = caller_of(p)
    base = s3_base(p, c)
    source = profile_source(p, c)
    target = s3_target(p, c, base, fileType="CSV")
    entity = {"connections": base, "source_connections": source, "target_connections": target,
              "flows": audience_flow(p, c, source, target)}[resource]
    etag = entity["etag"]
    header = {"exact": etag, "padded": f"  {etag} ", "unquoted": etag.strip('"'),
              "other": '"00000000-0000-0200-0000-000000000000"',
              "other-unquoted": "00000000-0000-0200-0000-000000000000", "empty": ""}[form]
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    if accepted:
        assert getattr(p, resource).patch(c, entity["id"], header, ops)["name"] == "renamed"
    else:
        with refused(1404, 412):
            getattr(p, resource).patch(c, entity["id"], header, ops)
        assert getattr(p, resource).get(c, entity["id"]) == entity


SCENARIOS = {
    "connection-spec-change": ("connections", [{"op": "replace", "path": "/connectionSpec/id", "value": PROFILE_STORE}], 1414),
    "connection-empty-name": ("connections", [{"op": "replace", "path": "/name", "value": ""}], 1100),
    "connection-unknown-auth": ("connections", [{"op": "replace", "path": "/auth/specName", "value": "Nope"}], 1415),
    "connection-bad-secret": ("connections", [{"op": "replace", "path": "/auth/params/s3SecretKey", "value": "short"}], 1100),
    "connection-state": ("connections", [{"op": "replace", "path": "/state", "value": "disabled"}], 1455),
    "source-move": ("source_connections", [{"op": "move", "from": "/name", "path": "/description"}], 1434),
    "source-params": ("source_connections", [{"op": "add", "path": "/params", "value": {}}], 1455),
    "target-bad-file-type": ("target_connections", [{"op": "replace", "path": "/params/fileType", "value": "XLS"}], 1100),
    "target-drops-file-type": ("target_connections", [{"op": "remove", "path": "/params/fileType"}], 1100),
    "target-base": ("target_connections", [{"op": "replace", "path": "/baseConnectionId", "value": "x"}], 1455),
    "flow-state": ("flows", [{"op": "replace", "path": "/state", "value": "disabled"}], 1455),
    "flow-copy": ("flows", [{"op": "copy", "from": "/name", "path": "/description"}], 1434),
    "flow-bad-selector": ("flows", [{"op": "add", "path": f"{SELECTORS}/-", "value": segment(startTime="17:30")}], 1100),
    "flow-second-op-fails": ("flows", [{"op": "replace", "path": "/name", "value": "ok"},
                                       {"op": "add", "path": f"{SELECTORS}/-", "value": segment(startDate="2023-02-30")}], 1100),
    "flow-duplicate-audience": ("flows", [{"op": "add", "path": f"{SELECTORS}/-", "value": segment("a")},
                                          {"op": "add", "path": f"{SELECTORS}/-", "value": segment("a")}], 1100),
    "flow-bad-pointer": ("flows", [{"op": "remove", "path": f"{SELECTORS}/5"}], 1455),
    "flow-schedule-on-audiences": ("flows", [{"op": "add", "path": "/scheduleParams", "value": {}}], 1100),
    "flow-missing-value": ("flows", [{"op": "add", "path": "/labels"}], 1455),
    "flow-empty-body": ("flows", [], 1405),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_rejected_patch_changes_nothing(platform, caller, world, scenario):
    resource, ops, code = SCENARIOS[scenario]
    entity = world[resource]
    snapshot = copy.deepcopy(caller.tenant.get(COLLECTION[resource], entity["id"]))
    platform.clock.advance(5)
    with refused(code):
        getattr(platform, resource).patch(caller, entity["id"], entity["etag"], copy.deepcopy(ops))
    assert caller.tenant.get(COLLECTION[resource], entity["id"]) == snapshot
    # the etag still works
    assert getattr(platform, resource).patch(caller, entity["id"], entity["etag"],
                                             [{"op": "replace", "path": "/name", "value": "n"}])["name"] == "n"


def test_a_stale_etag_is_checked_before_the_patch_is_read(platform, caller, world):
    flow = world["flows"]
    with refused(1404, 412):
        platform.flows.patch(caller, flow["id"], '"00000000-0000-0200-0000-000000000000"',
                             [{"op": "move", "from": "/name", "path": "/x"}])


def test_sending_back_the_masked_auth_keeps_the_secret(platform, caller, world):
    base = world["connections"]
    shown = platform.connections.present(base)["auth"]
    assert shown["params"]["s3SecretKey"] == "********"
    platform.clock.advance(86_400 * 3)
    new = platform.connections.patch(caller, base["id"], base["etag"], [{"op": "replace", "path": "/auth", "value": shown}])
    assert new["auth"]["params"]["s3SecretKey"] == SECRET
    assert new["auth"]["params"]["authorizedDate"] == "2023-08-31"


def test_rotating_credentials_replaces_auth_params(platform, caller, world):
    base = world["connections"]
    params = {"s3AccessKey": "ZZZZABCDEFGHIJKLMNOP", "s3SecretKey": "b" * 40}
    new = platform.connections.patch(caller, base["id"], base["etag"],
                                     [{"op": "replace", "path": "/auth/params", "value": params}])
    assert new["auth"]["params"] == {**params, "authorizedDate": "2023-08-31"}


def test_target_params_can_be_replaced(platform, caller, world):
    target = world["target_connections"]
    params = {"mode": "Server-to-server", "bucketName": "new-bucket", "path": "updated", "fileType": "JSON",
              "compression": "GZIP"}
    new = platform.target_connections.patch(caller, target["id"], target["etag"],
                                            [{"op": "replace", "path": "/params", "value": params}])
    assert new["params"] == params


# --- flows: audiences, their times and the record of operations -----------------------------------------------

def test_adding_an_audience_stamps_it_and_records_the_ops(platform, caller, world):
    flow = world["flows"]
    platform.clock.advance(60)
    new = platform.flows.patch(caller, flow["id"], flow["etag"],
                               [{"op": "ADD", "path": f"{SELECTORS}/-", "value": segment()}])
    value = new["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]["value"]
    assert (value["createTime"], value["updateTime"]) == (str(T0 + 60), str(T0 + 60))
    assert value["filenameTemplate"] == "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
    assert new["lastOperation"]["operation"] == "update"
    assert new["lastOperation"]["ops"] == [{"op": "add", "path": f"{SELECTORS}/-", "value": segment()}]
    assert new["lastOperation"]["started"] == (T0 + 60) * 1000


def test_replacing_an_audience_keeps_create_time_and_moves_update_time_only_on_change(platform, caller, world):
    flow = platform.flows.patch(caller, world["flows"]["id"], world["flows"]["etag"],
                                [{"op": "add", "path": f"{SELECTORS}/-", "value": segment()}])
    stored = flow["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]

    platform.clock.advance(100)
    same = platform.flows.patch(caller, flow["id"], flow["etag"],
                                [{"op": "replace", "path": f"{SELECTORS}/0", "value": copy.deepcopy(stored)}])
    value = same["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]["value"]
    assert (value["createTime"], value["updateTime"]) == (str(T0), str(T0))

    platform.clock.advance(100)
    changed = copy.deepcopy(stored)
    changed["value"]["schedule"]["startTime"] = "11:00"
    moved = platform.flows.patch(caller, same["id"], same["etag"],
                                 [{"op": "replace", "path": f"{SELECTORS}/0", "value": changed}])
    value = moved["transformations"][0]["params"]["segmentSelectors"]["selectors"][0]["value"]
    assert (value["createTime"], value["updateTime"]) == (str(T0), str(T0 + 200))


def test_profile_selectors_are_expanded_on_a_legacy_style_patch(platform, caller, world):
    flow = world["flows"]
    new = platform.flows.patch(caller, flow["id"], flow["etag"], [
        {"op": "add", "path": "/transformations/0/params/profileSelectors",
         "value": {"selectors": [{"type": "JSON_PATH", "value": {"path": "person.name.firstName"}}]}},
        {"op": "add", "path": "/transformations/0/params/primaryFields",
         "value": [{"fieldType": "IDENTITY", "identityNamespace": "ECID"}]},
        {"op": "add", "path": "/transformations/0/params/profileMapping",
         "value": {"mappingId": "5d21b87871df4f5ea93b436c5e8da224", "mappingVersion": 0}},
    ])
    params = new["transformations"][0]["params"]
    assert params["profileSelectors"]["selectors"][0]["value"]["operator"] == "EXISTS"
    assert params["profileSelectors"]["selectors"][0]["value"]["mapping"]["destinationXdmPath"] == "person.name.firstName"
    assert params["primaryFields"] == [{"fieldType": "IDENTITY", "identityNamespace": "ECID"}]


def test_a_mixed_deduplication_key_is_refused_on_a_flow(platform, caller, world):
    flow = world["flows"]
    with refused(1100):
        platform.flows.patch(caller, flow["id"], flow["etag"], [
            {"op": "add", "path": "/transformations/0/params/primaryFields",
             "value": [{"fieldType": "IDENTITY", "identityNamespace": "ECID"},
                       {"fieldType": "ATTRIBUTE", "attributePath": "a.b"}]}])


def test_replacing_the_source_of_a_dataset_flow(platform, caller):
    base = s3_base(platform, caller)
    target = s3_target(platform, caller, base, datasetFileType="PARQUET")
    flow = dataset_flow(platform, caller, dataset_source(platform, caller), target)
    other = dataset_source(platform, caller, dataset="616d53e0a6de2719486fb024")
    new = platform.flows.patch(caller, flow["id"], flow["etag"],
                               [{"op": "replace", "path": "/sourceConnectionIds", "value": [other["id"]]}])
    assert new["sourceConnectionIds"] == [other["id"]]
    assert new["inheritedAttributes"]["sourceConnections"][0]["id"] == other["id"]
    with refused(1100):  # an audience source cannot replace a dataset source
        platform.flows.patch(caller, flow["id"], new["etag"],
                             [{"op": "replace", "path": "/sourceConnectionIds",
                               "value": [profile_source(platform, caller)["id"]]}])


def test_replacing_the_schedule_of_a_dataset_flow_revalidates_it(platform, caller):
    base = s3_base(platform, caller)
    target = s3_target(platform, caller, base, datasetFileType="JSON")
    flow = dataset_flow(platform, caller, dataset_source(platform, caller), target)
    schedule = {"interval": 3, "timeUnit": "hour", "startTime": 1668470400, "endTime": 1668479500}
    new = platform.flows.patch(caller, flow["id"], flow["etag"],
                               [{"op": "replace", "path": "/scheduleParams", "value": schedule}])
    assert new["scheduleParams"] == schedule
    with refused(1100):
        platform.flows.patch(caller, flow["id"], new["etag"],
                             [{"op": "replace", "path": "/scheduleParams/interval", "value": 1}])


# --- enable / disable --------------------------------------------------------------------------------------------

def test_disable_and_enable(platform, caller, world):
    flow = world["flows"]
    platform.clock.advance(10)
    off = platform.flows.action(caller, flow["id"], "disable", None)
    assert off["state"] == "disabled" and off["etag"] != flow["etag"]
    assert off["lastOperation"]["operation"] == "disable"
    on = platform.flows.action(caller, flow["id"], "ENABLE", off["etag"])
    assert on["state"] == "enabled" and on["etag"] != off["etag"]


@pytest.mark.parametrize("op, code", [("enable", 1422), ("publish", 1435), ("", 1435), (None, 2119)])
def test_refused_actions(platform, caller, world, op, code):
    flow = world["flows"]
    with refused(code):
        platform.flows.action(caller, flow["id"], op, None)
    assert caller.tenant.get("flows", flow["id"]) == flow


def test_an_action_checks_if_match_when_it_is_given(platform, caller, world):
    with refused(1404, 412):
        platform.flows.action(caller, world["flows"]["id"], "disable", '"00000000-0000-0200-0000-000000000000"')


# --- delete -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("resource, code", [
    ("connections", 1418), ("source_connections", 1447), ("target_connections", 1447),
])
def test_what_a_flow_uses_cannot_be_deleted(platform, caller, world, resource, code):
    with refused(code) as info:
        getattr(platform, resource).delete(caller, world[resource]["id"])
    assert world[resource]["id"] in info.value.message
    assert getattr(platform, resource).get(caller, world[resource]["id"]) == world[resource]


def test_delete_in_order_then_everything_is_gone(platform, caller, world):
    for resource in ["flows", "target_connections", "source_connections", "connections"]:
        entity_id = world[resource]["id"]
        assert getattr(platform, resource).delete(caller, entity_id) is None
        with refused(1439, 404):
            getattr(platform, resource).get(caller, entity_id)
        with refused(1439, 404):
            getattr(platform, resource).delete(caller, entity_id)
    assert all(n == 0 for n in caller.tenant.counts().values())


# --- platform reset -----------------------------------------------------------------------------------------------

def test_a_full_reset_forgets_everything_and_restarts_the_id_sequence(platform, caller):
    first = s3_base(platform, caller)
    s3_base(platform, caller)
    assert platform.reset() == 1
    assert platform.store.tenant(ORG, "prod").counts()["connections"] == 0
    again = s3_base(platform, caller_of(platform))
    assert (again["id"], again["etag"]) == (first["id"], first["etag"])


def test_a_partial_reset_keeps_the_id_sequence_and_the_other_tenants(platform, caller):
    first = s3_base(platform, caller)
    s3_base(platform, caller_of(platform, "dev"))
    assert platform.reset(ORG, "prod") == 1
    assert platform.store.tenant(ORG, "dev").counts()["connections"] == 1
    assert s3_base(platform, caller_of(platform))["id"] != first["id"]


def test_every_error_raised_is_an_api_error(platform, caller):
    with pytest.raises(ApiError):
        platform.flows.get(caller, "nope")
