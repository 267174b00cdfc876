"""Target connections, ``/targetConnections`` (reference §3.7, §4.3, §5.4)."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from ..support import (
    BASE,
    CAMPAIGN,
    PROFILE_STORE,
    S3,
    S3_AUTH,
    S3_DATASET_FLOW,
    S3_SEGMENT_FLOW,
    S3_TARGET_PARAMS,
    Api,
    make_app,
    spec,
)
from .shapes import flow_error, if_match_missing, invalid, invalid_spec, not_found, stale_etag


CSV_OPTIONS = {"nullValue": "null", "emptyValue": "", "escape": "\\", "quote": "", "delimiter": ","}
CAMPAIGN_AUTH = {"specName": "S3", "params": {"accessId": "id", "secretKey": "key"}}
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"
BLOB = "6d6b59bf-fb58-4107-9064-4d246c0e5bb2"
DLZ = "10440537-2a7b-4583-ac39-ed38d4b848e8"


def base_for(api, spec_id) -> str:
    auth = {
        S3: S3_AUTH, CAMPAIGN: CAMPAIGN_AUTH,
        SFTP: {"specName": "SFTP with Password", "params": {"domain": "d", "username": "u", "password": "p"}},
        BLOB: {"specName": "ConnectionString", "params": {"connectionString": "c"}},
        DLZ: None,
    }[spec_id]
    body = {"name": "account", "connectionSpec": spec(spec_id)}
    if auth:
        body["auth"] = auth
    return api.created("/connections", body)["id"]


def target_body(base, params, spec_id=S3, **extra) -> dict:
    return {"name": "Target", "baseConnectionId": base, "connectionSpec": spec(spec_id), "params": params, **extra}


# --- create: documented params per destination ----------------------------------------------------------

VALID = [
    pytest.param(S3, {**S3_TARGET_PARAMS, "csvOptions": CSV_OPTIONS}, id="s3-csv-options"),
    pytest.param(S3, {**S3_TARGET_PARAMS, "fileType": "PARQUET", "compression": "GZIP"}, id="s3-parquet"),
    pytest.param(S3, {**S3_TARGET_PARAMS, "path": "exports/%SEGMENT_NAME%/%SEGMENT_ID%"}, id="s3-path-macros"),
    pytest.param(S3, {"mode": "Server-to-server", "bucketName": "b-1.x", "path": "d", "datasetFileType": "JSON",
                      "compression": "GZIP"}, id="s3-datasets"),
    pytest.param(S3, {**S3_TARGET_PARAMS, "csvOptions": {**CSV_OPTIONS, "delimiter": "\t", "quote": '"'}},
                 id="s3-tab-delimiter"),
    pytest.param(BLOB, {"mode": "Server-to-server", "container": "my-container", "path": "p", "fileType": "JSON",
                        "compression": "NONE"}, id="azure-blob"),
    pytest.param(SFTP, {"mode": "Server-to-server", "remotePath": "/upload", "fileType": "CSV",
                        "compression": "GZIP"}, id="sftp"),
    pytest.param(DLZ, {"mode": "Server-to-server", "path": "p", "datasetFileType": "PARQUET",
                       "compression": "NONE"}, id="dlz"),
    pytest.param(CAMPAIGN, {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"}, id="campaign-s3"),
    pytest.param(CAMPAIGN, {"mode": "AZURE_BLOB", "container": "c", "path": "p", "format": "CSV"},
                 id="campaign-blob"),
    pytest.param(CAMPAIGN, {"mode": "FTP", "remotePath": "/x", "format": "CSV", "includeFileManifest": True},
                 id="campaign-ftp-manifest"),
]


@pytest.mark.parametrize("spec_id, params", VALID)
def test_create_and_get(api, spec_id, params):
    base = base_for(api, spec_id)
    response = api.post("/targetConnections", target_body(base, params, spec_id, description="d"))
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert set(created) == {"id", "etag"}
    assert response.headers["Location"].endswith(f"{BASE}/targetConnections/{created['id']}")
    entity = api.entity(f"/targetConnections/{created['id']}")
    assert entity["params"] == params
    assert entity["baseConnectionId"] == base
    assert entity["connectionSpec"] == spec(spec_id)
    assert entity["inheritedAttributes"] == {"baseConnection": {"id": base, "connectionSpec": spec(spec_id)}}
    assert entity["state"] == "enabled"
    assert entity["etag"] == entity["version"] == created["etag"]


def test_legacy_data_block_is_kept(api):
    base = base_for(api, CAMPAIGN)
    data = {"format": "json", "schema": {"id": "1.0", "version": "1.0"}}
    created = api.created("/targetConnections", target_body(
        base, {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"}, CAMPAIGN, data=data))
    assert api.entity(f"/targetConnections/{created['id']}")["data"] == data


# --- create: refusals -------------------------------------------------------------------------------

INVALID_PARAMS = [
    pytest.param({"mode": "Server-to-server", "bucketName": "abc", "path": "p", "compression": "NONE"},
                 "'params.fileType' or 'params.datasetFileType' is required", id="no-file-type"),
    pytest.param({**S3_TARGET_PARAMS, "bucketName": "Bad_Bucket"}, "params.bucketName", id="bucket-pattern"),
    pytest.param({**S3_TARGET_PARAMS, "bucketName": "192.168.1.1"}, "params.bucketName", id="bucket-ip"),
    pytest.param({**S3_TARGET_PARAMS, "bucketName": "ab"}, "params.bucketName", id="bucket-too-short"),
    pytest.param({k: v for k, v in S3_TARGET_PARAMS.items() if k != "bucketName"}, "'bucketName'", id="no-bucket"),
    pytest.param({k: v for k, v in S3_TARGET_PARAMS.items() if k != "compression"}, "'compression'",
                 id="no-compression"),
    pytest.param({**S3_TARGET_PARAMS, "compression": "SNAPPY"}, "params.compression", id="snappy"),
    pytest.param({**S3_TARGET_PARAMS, "fileType": "XML"}, "params.fileType", id="file-type"),
    pytest.param({**S3_TARGET_PARAMS, "datasetFileType": "CSV"}, "params.datasetFileType", id="dataset-csv"),
    pytest.param({**S3_TARGET_PARAMS, "mode": "S3"}, "params.mode", id="legacy-mode-on-new-card"),
    pytest.param({**S3_TARGET_PARAMS, "csvOptions": {"delimiter": "#"}}, "params.csvOptions.delimiter",
                 id="csv-delimiter"),
    pytest.param({**S3_TARGET_PARAMS, "csvOptions": {"escape": "/"}}, "params.csvOptions.escape", id="csv-escape"),
    pytest.param({**S3_TARGET_PARAMS, "csvOptions": "comma"}, "params.csvOptions", id="csv-options-string"),
    pytest.param({**S3_TARGET_PARAMS, "includeFileManifest": "yes"}, "params.includeFileManifest",
                 id="manifest-not-boolean"),
    pytest.param("bucket", "'params'", id="params-string"),
    pytest.param(None, "'params'", id="params-missing"),
]


@pytest.mark.parametrize("params, fragment", INVALID_PARAMS)
def test_invalid_params(api, params, fragment):
    body = target_body(api.s3_base(), params)
    if params is None:
        del body["params"]
    invalid(api.post("/targetConnections", body), contains=fragment)


@pytest.mark.parametrize("params, fragment", [
    pytest.param({"mode": "S3", "bucketName": "b"}, "'path' is a required property", id="s3-mode-needs-path"),
    pytest.param({"mode": "FTP", "path": "p"}, "'remotePath' is a required property", id="ftp-needs-remotePath"),
    pytest.param({"mode": "FTP", "remotePath": "/x", "format": "JSON"}, "params.format", id="csv-only"),
    pytest.param({"mode": "Server-to-server", "remotePath": "/x"}, "params.mode", id="new-mode-on-legacy"),
])
def test_invalid_legacy_params(api, params, fragment):
    invalid(api.post("/targetConnections", target_body(base_for(api, CAMPAIGN), params, CAMPAIGN)),
            contains=fragment)


def test_base_connection_is_required(api):
    body = target_body(None, S3_TARGET_PARAMS)
    del body["baseConnectionId"]
    invalid(api.post("/targetConnections", body), contains="'baseConnectionId'")


def test_unknown_base_connection(api):
    invalid(api.post("/targetConnections", target_body("e95b83b3-ddf7-4b7d-9e21-e02e75d85036", S3_TARGET_PARAMS)),
            contains="e95b83b3-ddf7-4b7d-9e21-e02e75d85036 not found")


def test_base_connection_of_another_spec(api):
    base = base_for(api, CAMPAIGN)
    invalid(api.post("/targetConnections", target_body(base, S3_TARGET_PARAMS)), contains=f"belongs to connection spec {CAMPAIGN}")


@pytest.mark.parametrize("connection_spec", [spec(PROFILE_STORE), {"id": "x", "version": "1.0"},
                                             {"id": S3, "version": "2.0"}])
def test_invalid_spec(api, connection_spec):
    body = target_body(api.s3_base(), S3_TARGET_PARAMS)
    body["connectionSpec"] = connection_spec
    invalid_spec(api.post("/targetConnections", body))


def test_missing_spec_version_is_422(api):
    body = target_body(api.s3_base(), S3_TARGET_PARAMS)
    body["connectionSpec"] = {"id": S3}
    flow_error(api.post("/targetConnections", body), 1100, 422,
               message="connectionSpec.version 'version' is required for spec info")


# --- PATCH ---------------------------------------------------------------------------------------

def patch(api, target, ops, etag=None):
    return api.patch(f"/targetConnections/{target}", ops, etag or api.entity(f"/targetConnections/{target}")["etag"])


def test_change_export_location(api):
    target = api.s3_target()
    before = api.entity(f"/targetConnections/{target}")
    new_params = {**S3_TARGET_PARAMS, "bucketName": "newbucketname", "path": "updatedPath"}
    response = patch(api, target, [{"op": "replace", "path": "/params", "value": new_params}])
    assert response.status_code == 200
    assert response.get_json() == {"id": target, "etag": response.headers["ETag"]}
    after = api.entity(f"/targetConnections/{target}")
    assert after["params"] == new_params
    assert after["etag"] != before["etag"]


def test_add_one_param(api):
    target = api.s3_target()
    assert patch(api, target, [{"op": "add", "path": "/params/includeFileManifest", "value": True}]).status_code == 200
    assert api.entity(f"/targetConnections/{target}")["params"]["includeFileManifest"] is True


def test_replace_params_with_a_partial_object_is_refused(api):
    # RFC 6902 replaces the whole value: EDIT's {bucketName, path} example drops compression.
    target = api.s3_target()
    before = api.entity(f"/targetConnections/{target}")
    invalid(patch(api, target, [{"op": "replace", "path": "/params",
                                 "value": {"bucketName": "newbucketname", "path": "updatedPath"}}]),
            contains="'compression' is a required property")
    assert api.entity(f"/targetConnections/{target}") == before


@pytest.mark.parametrize("path", ["/baseConnectionId", "/connectionSpec", "/state", "/data"])
def test_other_members_are_immutable(api, path):
    flow_error(patch(api, api.s3_target(), [{"op": "replace", "path": path, "value": "x"}]), 1455, 400,
               contains=f'"{path}"')


def test_file_type_of_a_target_in_use_is_kept_for_its_flow(api):
    both = {**S3_TARGET_PARAMS, "datasetFileType": "JSON"}
    dataset_target = api.s3_target(datasetFileType="JSON")
    api.created("/flows", {
        "name": "datasets", "flowSpec": spec(S3_DATASET_FLOW), "sourceConnectionIds": [api.dataset_source()],
        "targetConnectionIds": [dataset_target],
        "scheduleParams": {"interval": 1, "timeUnit": "day", "startTime": 1700000000}})
    assert api.entity(f"/targetConnections/{dataset_target}")["params"] == both
    invalid(patch(api, dataset_target, [{"op": "remove", "path": "/params/datasetFileType"}]),
            contains="'params.datasetFileType' of the target connection is required for dataset exports")
    # the audience file type is not needed by a dataset flow
    assert patch(api, dataset_target, [{"op": "remove", "path": "/params/fileType"}]).status_code == 200


def test_patch_if_match_rules(api, client):
    target = api.s3_target()
    etag = api.entity(f"/targetConnections/{target}")["etag"]
    ops = [{"op": "replace", "path": "/name", "value": "n"}]
    if_match_missing(client.patch(f"{BASE}/targetConnections/{target}", json=ops, headers=api.headers))
    unquoted = etag.strip('"')
    stale_etag(patch(api, target, ops, unquoted), unquoted, etag)
    not_found(patch(api, "nope", ops, etag), "targetConnections", "nope")


def test_unquoted_if_match_accepted_when_lenient():
    api = Api(make_app(Settings(seed=8, lenient_if_match=True)).test_client())
    target = api.s3_target()
    etag = api.entity(f"/targetConnections/{target}")["etag"]
    assert patch(api, target, [{"op": "replace", "path": "/name", "value": "n"}], etag.strip('"')).status_code == 200


def test_patch_target_connection_is_200(api):
    target = api.s3_target()
    assert patch(api, target, [{"op": "replace", "path": "/name", "value": "n"}]).status_code == 200


# --- DELETE -------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile, status", [("default", 202), ("seed", 202), ("current", 204)])
def test_delete(profile, status):
    api = Api(make_app(Settings(seed=5, profile=profile)).test_client())
    target = api.s3_target()
    response = api.delete(f"/targetConnections/{target}")
    assert (response.status_code, response.get_data()) == (status, b"")
    not_found(api.get(f"/targetConnections/{target}"), "targetConnections", target)


def test_delete_target_used_by_a_flow_is_1447(api):
    target = api.s3_target()
    flow = api.created("/flows", {"name": "f", "flowSpec": spec(S3_SEGMENT_FLOW),
                                  "sourceConnectionIds": [api.profile_source()], "targetConnectionIds": [target]})
    flow_error(api.delete(f"/targetConnections/{target}"), 1447, 400,
               message=f"Found active flows containing id {target}.")
    api.delete(f"/flows/{flow['id']}")
    assert api.delete(f"/targetConnections/{target}").status_code == 202


def test_get_missing_target_is_404(api):
    not_found(api.get("/targetConnections/e8ebfb80-5387-454d-812d-34202541f17f"), "targetConnections",
              "e8ebfb80-5387-454d-812d-34202541f17f")
