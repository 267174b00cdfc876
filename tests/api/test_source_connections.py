"""Source connections, ``/sourceConnections`` (reference §3.6, §4.2)."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from ..support import BASE, DATA_LAKE, PROFILE_STORE, S3, S3_DATASET_FLOW, S3_SEGMENT_FLOW, Api, spec, make_app
from .shapes import flow_error, if_match_missing, invalid, invalid_spec, not_found, stale_etag


PROFILE_TYPE_INFO = {"type": "ProfileFragments", "id": "ups"}


def data_lake_body(*datasets) -> dict:
    return {"name": "Data Lake Source Connection", "description": "datasets",
            "connectionSpec": spec(DATA_LAKE), "params": {"datasets": list(datasets)}}


# --- create: the three documented kinds ------------------------------------------------------------

def test_profile_store_current_form(api):
    response = api.post("/sourceConnections", {"name": "Profiles", "description": "d",
                                                "connectionSpec": spec(PROFILE_STORE)})
    assert response.status_code == 201
    created = response.get_json()
    assert set(created) == {"id", "etag"}
    assert response.headers["Location"].endswith(f"{BASE}/sourceConnections/{created['id']}")
    entity = api.entity(f"/sourceConnections/{created['id']}")
    assert entity["connectionSpec"] == spec(PROFILE_STORE)
    assert entity["typeInfo"] == PROFILE_TYPE_INFO
    assert entity["state"] == "enabled"
    assert entity["etag"] == entity["version"] == created["etag"]
    # the implicit base connection (§4.2 mock note)
    implicit = entity["inheritedAttributes"]["baseConnection"]
    assert implicit == {"id": entity["baseConnectionId"], "connectionSpec": spec(PROFILE_STORE)}
    assert "params" not in entity and "data" not in entity


def test_implicit_base_connection_is_not_listed_in_connections(api):
    entity = api.entity(f"/sourceConnections/{api.profile_source()}")
    assert api.get("/connections").get_json()["items"] == []
    not_found(api.get(f"/connections/{entity['baseConnectionId']}"), "connections", entity["baseConnectionId"])


def test_profile_store_legacy_two_step_form(api):
    base = api.created("/connections", {"name": "ups", "connectionSpec": spec(PROFILE_STORE)})["id"]
    created = api.created("/sourceConnections", {
        "name": "Profiles", "description": "legacy", "connectionSpec": spec(PROFILE_STORE),
        "baseConnectionId": base, "data": {"format": "CSV", "schema": None}, "params": {},
    })
    entity = api.entity(f"/sourceConnections/{created['id']}")
    assert entity["baseConnectionId"] == base
    assert entity["inheritedAttributes"]["baseConnection"] == {"id": base, "connectionSpec": spec(PROFILE_STORE)}
    assert entity["data"] == {"format": "CSV", "schema": None}
    assert entity["params"] == {}
    assert entity["typeInfo"] == PROFILE_TYPE_INFO


def test_data_lake_form(api):
    datasets = [{"dataSetId": "616d53e0a6de2719486fb024", "name": "Company Dataset"},
                {"dataSetId": "5ef3e324052581191aa6a466"}]
    entity = api.entity(f"/sourceConnections/{api.created('/sourceConnections', data_lake_body(*datasets))['id']}")
    assert entity["params"] == {"datasets": datasets}
    assert entity["connectionSpec"] == spec(DATA_LAKE)
    assert entity["inheritedAttributes"]["baseConnection"]["connectionSpec"] == spec(DATA_LAKE)
    assert entity["baseConnectionId"] == entity["inheritedAttributes"]["baseConnection"]["id"]
    assert "typeInfo" not in entity
    assert entity["description"] == "datasets"


def test_each_create_gets_its_own_ids(api):
    first, second = (api.entity(f"/sourceConnections/{api.profile_source()}") for _ in range(2))
    assert first["id"] != second["id"]
    assert first["baseConnectionId"] != second["baseConnectionId"]
    assert first["etag"] != second["etag"]


# --- create: refusals ------------------------------------------------------------------------------------

@pytest.mark.parametrize("connection_spec", [
    pytest.param(spec(S3), id="a-destination-spec"),
    pytest.param({"id": "nope", "version": "1.0"}, id="unknown"),
    pytest.param({"id": PROFILE_STORE, "version": "9.9"}, id="wrong-version"),
    pytest.param(None, id="missing"),
])
def test_invalid_spec(api, connection_spec):
    body = {"name": "x"}
    if connection_spec is not None:
        body["connectionSpec"] = connection_spec
    invalid_spec(api.post("/sourceConnections", body))


def test_missing_spec_version_is_422(api):
    flow_error(api.post("/sourceConnections", {"name": "x", "connectionSpec": {"id": PROFILE_STORE}}), 1100, 422,
               message="connectionSpec.version 'version' is required for spec info")


@pytest.mark.parametrize("body, fragment", [
    pytest.param({"connectionSpec": spec(PROFILE_STORE)}, "'name'", id="name-missing"),
    pytest.param({"name": "", "connectionSpec": spec(PROFILE_STORE)}, "'name'", id="name-empty"),
    pytest.param({"name": "x", "connectionSpec": spec(PROFILE_STORE), "data": {"format": "JSON"}},
                 "data.format", id="profile-data-not-csv"),
    pytest.param({"name": "x", "connectionSpec": spec(PROFILE_STORE), "data": "CSV"}, "'data'", id="data-string"),
    pytest.param({"name": "x", "connectionSpec": spec(PROFILE_STORE), "params": []}, "'params'", id="params-array"),
    pytest.param({"name": "x", "connectionSpec": spec(DATA_LAKE)}, "'params'", id="datalake-no-params"),
    pytest.param(data_lake_body(), "params.datasets", id="datalake-no-datasets"),
    pytest.param(data_lake_body({"name": "no id"}), "dataSetId", id="dataset-without-id"),
    pytest.param(data_lake_body({"dataSetId": "has spaces"}), "dataSetId", id="dataset-id-shape"),
    pytest.param(data_lake_body({"dataSetId": "abc", "name": 5}), "name", id="dataset-name-number"),
    pytest.param(data_lake_body({"dataSetId": "abc"}, {"dataSetId": "abc"}), "listed twice", id="duplicate"),
])
def test_invalid_body(api, body, fragment):
    invalid(api.post("/sourceConnections", body), contains=fragment)


@pytest.mark.parametrize("base_kind", ["unknown", "of-another-spec"])
def test_base_connection_must_exist_and_match(api, base_kind):
    base = "3c7dc58e-a1ee-4e29-b3b2-a7757fb82044" if base_kind == "unknown" else api.s3_base()
    invalid(api.post("/sourceConnections", {"name": "x", "connectionSpec": spec(PROFILE_STORE),
                                            "baseConnectionId": base}), contains=base)


# --- PATCH ----------------------------------------------------------------------------------------------

def test_rename(api):
    source = api.dataset_source()
    before = api.entity(f"/sourceConnections/{source}")
    response = api.patch(f"/sourceConnections/{source}", [{"op": "replace", "path": "/name", "value": "New"}],
                         before["etag"])
    assert response.status_code == 200
    after = api.entity(f"/sourceConnections/{source}")
    assert after["name"] == "New" and after["etag"] == response.headers["ETag"] != before["etag"]
    assert after["params"] == before["params"]


@pytest.mark.parametrize("path", ["/params/datasets", "/params", "/connectionSpec", "/baseConnectionId", "/state"])
def test_datasets_and_other_members_are_immutable(api, path):
    source = api.dataset_source()
    before = api.entity(f"/sourceConnections/{source}")
    response = api.patch(f"/sourceConnections/{source}",
                         [{"op": "replace", "path": path, "value": [{"dataSetId": "other"}]}], before["etag"])
    flow_error(response, 1455, 400, contains=path)
    assert api.entity(f"/sourceConnections/{source}") == before


def test_patch_if_match_rules(api, client):
    source = api.profile_source()
    etag = api.entity(f"/sourceConnections/{source}")["etag"]
    ops = [{"op": "replace", "path": "/description", "value": "d"}]
    if_match_missing(client.patch(f"{BASE}/sourceConnections/{source}", json=ops, headers=api.headers))
    stale_etag(api.patch(f"/sourceConnections/{source}", ops, '"stale"'), '"stale"', etag)
    not_found(api.patch("/sourceConnections/missing", ops, etag), "sourceConnections", "missing")


def test_patch_source_connection_is_200(api):
    source = api.profile_source()
    response = api.patch(f"/sourceConnections/{source}", [{"op": "replace", "path": "/name", "value": "n"}],
                         api.entity(f"/sourceConnections/{source}")["etag"])
    assert response.status_code == 200


# --- DELETE -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile, status", [("default", 202), ("current", 204)])
def test_delete(profile, status):
    api = Api(make_app(Settings(seed=5, profile=profile)).test_client())
    source = api.dataset_source()
    response = api.delete(f"/sourceConnections/{source}")
    assert (response.status_code, response.get_data()) == (status, b"")
    not_found(api.get(f"/sourceConnections/{source}"), "sourceConnections", source)


@pytest.mark.parametrize("kind", ["audiences", "datasets"])
def test_delete_source_used_by_a_flow_is_1447(api, kind):
    if kind == "audiences":
        source, target, flow_spec, extra = api.profile_source(), api.s3_target(), S3_SEGMENT_FLOW, {}
    else:
        source, target, flow_spec = api.dataset_source(), api.s3_target(datasetFileType="JSON"), S3_DATASET_FLOW
        extra = {"scheduleParams": {"interval": 1, "timeUnit": "day", "startTime": 1700000000}}
    flow = api.created("/flows", {"name": "f", "flowSpec": spec(flow_spec), "sourceConnectionIds": [source],
                                  "targetConnectionIds": [target], **extra})
    flow_error(api.delete(f"/sourceConnections/{source}"), 1447, 400,
               message=f"Found active flows containing id {source}.")
    assert api.delete(f"/flows/{flow['id']}").status_code == 202
    assert api.delete(f"/sourceConnections/{source}").status_code == 202


def test_get_missing_source_is_404(api):
    not_found(api.get("/sourceConnections/097e3d72-921b-47f5-9e99-a4487cdbd1bd"), "sourceConnections",
              "097e3d72-921b-47f5-9e99-a4487cdbd1bd")
