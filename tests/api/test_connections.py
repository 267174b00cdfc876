"""Base connections, ``/connections`` (reference §3.5, §4.1, §5.3, §5.5, §6.9)."""

from __future__ import annotations

import base64
import json
import re

import pytest

from mockserver.settings import Settings

from ..support import BASE, CAMPAIGN, ORG, PROFILE_STORE, S3, S3_AUTH, Api, spec, make_app
from .shapes import flow_error, if_match_missing, invalid, invalid_spec, not_found, stale_etag


DLZ = "10440537-2a7b-4583-ac39-ed38d4b848e8"
BLOB = "6d6b59bf-fb58-4107-9064-4d246c0e5bb2"
ADLS = "be2c3209-53bc-47e7-ab25-145db8b873e1"
GCS = "c5d93acb-ea8b-4b14-8f53-02138444ae99"
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"
ETAG = re.compile(r'^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$')
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# §5.3: one valid create body per card and auth spec
VALID_AUTH = [
    pytest.param(S3, S3_AUTH, id="s3"),
    pytest.param(BLOB, {"specName": "ConnectionString", "params": {"connectionString": "DefaultEndpoints..."}},
                 id="azure-blob"),
    pytest.param(ADLS, {"specName": "Azure Service Principal Auth", "params": {
        "url": "https://acct.dfs.core.windows.net", "servicePrincipalId": "sp", "servicePrincipalKey": "k",
        "tenant": "t"}}, id="adls"),
    pytest.param(GCS, {"specName": "Google Cloud Storage authentication credentials",
                       "params": {"accessKeyId": "GOOG1", "secretAccessKey": "s"}}, id="gcs"),
    pytest.param(SFTP, {"specName": "SFTP with Password",
                        "params": {"domain": "sftp.example.com", "username": "u", "password": "p"}},
                 id="sftp-password"),
    pytest.param(SFTP, {"specName": "SFTP with SSH Key",
                        "params": {"domain": "sftp.example.com", "username": "u", "sshKey": "c3NoLWtleQ=="}},
                 id="sftp-ssh-key"),
    pytest.param(CAMPAIGN, {"specName": "S3", "params": {"accessId": "id", "secretKey": "key"}}, id="campaign-s3"),
]


def create_body(spec_id=S3, auth=S3_AUTH, **extra) -> dict:
    body = {"name": "Destination account", "connectionSpec": spec(spec_id), **extra}
    if auth is not None:
        body["auth"] = auth
    return body


# --- create -------------------------------------------------------------------------------------

def test_create_answers_201_with_id_etag_location(api):
    response = api.post("/connections", create_body(description="desc"))
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "etag"}
    assert UUID.match(body["id"]) and ETAG.match(body["etag"])
    assert response.headers["Location"].endswith(f"{BASE}/connections/{body['id']}")
    assert response.headers["ETag"] == body["etag"]


def test_created_connection_as_get_shows_it(api):
    created = api.created("/connections", create_body(description="desc"))
    response = api.get(f"/connections/{created['id']}")
    assert response.status_code == 200
    assert response.headers["ETag"] == created["etag"]
    body = response.get_json()
    assert list(body) == ["items"] and len(body["items"]) == 1
    entity = body["items"][0]
    assert entity["id"] == created["id"]
    assert entity["name"] == "Destination account" and entity["description"] == "desc"
    assert entity["connectionSpec"] == spec(S3)
    assert entity["state"] == "enabled"
    assert entity["etag"] == entity["version"] == created["etag"]
    assert entity["imsOrgId"] == ORG and entity["sandboxName"] == "prod"
    assert UUID.match(entity["sandboxId"])
    assert isinstance(entity["createdAt"], int) and entity["createdAt"] == entity["updatedAt"]
    assert entity["createdBy"] == entity["updatedBy"] == "mockuser@AdobeID"
    assert entity["createdClient"] == entity["updatedClient"] == "test-api-key"
    assert entity["auth"]["specName"] == "Access Key"
    assert entity["auth"]["params"]["s3AccessKey"] == S3_AUTH["params"]["s3AccessKey"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", entity["auth"]["params"]["authorizedDate"])


def test_created_at_comes_from_the_platform_clock(app, api):
    app.extensions["flowservice"].clock.freeze(1_700_000_000.5)
    entity = api.entity(f"/connections/{api.s3_base()}")
    assert entity["createdAt"] == 1_700_000_000_500
    assert entity["auth"]["params"]["authorizedDate"] == "2023-11-14"


def test_identity_of_a_jwt_becomes_created_by(api):
    claims = base64.urlsafe_b64encode(json.dumps({"user_id": "ABC@AdobeID", "client_id": "exc_app"}).encode())
    token = "eyJhbGciOiJub25lIn0." + claims.decode().rstrip("=") + ".sig"
    response = api.post("/connections", create_body(), headers={"Authorization": f"Bearer {token}"})
    entity = api.entity(f"/connections/{response.get_json()['id']}")
    assert (entity["createdBy"], entity["createdClient"]) == ("ABC@AdobeID", "exc_app")


@pytest.mark.parametrize("spec_id, auth", VALID_AUTH)
def test_every_documented_auth_spec_is_accepted(api, spec_id, auth):
    entity = api.entity(f"/connections/{api.created('/connections', create_body(spec_id, auth))['id']}")
    assert entity["auth"]["specName"] == auth["specName"]
    assert set(auth["params"]) | {"authorizedDate"} == set(entity["auth"]["params"])


def test_dlz_needs_no_auth(api):
    entity = api.entity(f"/connections/{api.created('/connections', create_body(DLZ, None))['id']}")
    assert "auth" not in entity
    assert entity["connectionSpec"] == spec(DLZ)


def test_legacy_profile_store_base_connection_has_no_auth(api):
    created = api.created("/connections", create_body(PROFILE_STORE, None, description="legacy two-step"))
    assert "auth" not in api.entity(f"/connections/{created['id']}")


def test_authorized_date_sent_by_client_is_kept(api):
    auth = {"specName": "Access Key", "params": {**S3_AUTH["params"], "authorizedDate": "2022-11-03"}}
    entity = api.entity(f"/connections/{api.created('/connections', create_body(auth=auth))['id']}")
    assert entity["auth"]["params"]["authorizedDate"] == "2022-11-03"


@pytest.mark.parametrize("encryption_shape", ["top-level", "inside-auth-params"])
def test_encryption_in_both_documented_shapes_is_stored_top_level(api, encryption_shape):
    if encryption_shape == "top-level":
        body = create_body(encryption={"specName": "File Encryption",
                                       "params": {"encryptionAlgo": "PGP/GPG", "publicKey": "cHVi"}})
        expected_name, algo = "File Encryption", "PGP/GPG"
    else:
        body = create_body(auth={"specName": "Access Key", "params": {
            **S3_AUTH["params"], "encryptionSpecs": {"encryptionAlgo": "PGPGPG", "publicKey": "cHVi"}}})
        expected_name, algo = "File PGP/GPG Encryption", "PGPGPG"
    entity = api.entity(f"/connections/{api.created('/connections', body)['id']}")
    assert entity["encryption"] == {"specName": expected_name,
                                    "params": {"encryptionAlgo": algo, "publicKey": "cHVi"}}
    assert "encryptionSpecs" not in entity["auth"]["params"]


def test_encryption_without_public_key_is_refused(api):
    invalid(api.post("/connections", create_body(encryption={"params": {"encryptionAlgo": "PGP/GPG"}})),
            contains="publicKey")


# --- create: refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    pytest.param({"name": "x", "auth": S3_AUTH}, id="no-connectionSpec"),
    pytest.param({"name": "Data Landing Zone(DLZ) Base Connection"}, id="dlz-without-spec-as-in-ED"),
    pytest.param(create_body("4fce964d-0000-0000-0000-000000000000"), id="unknown-id"),
    pytest.param({"name": "x", "connectionSpec": {"version": "1.0"}, "auth": S3_AUTH}, id="no-id"),
    pytest.param({"name": "x", "connectionSpec": {"id": S3, "version": "2.0"}, "auth": S3_AUTH}, id="wrong-version"),
    pytest.param({"name": "x", "connectionSpec": S3, "auth": S3_AUTH}, id="spec-as-string"),
])
def test_invalid_spec_is_400_with_message(api, body):
    invalid_spec(api.post("/connections", body))


def test_missing_spec_version_is_422(api):
    flow_error(api.post("/connections", {"name": "x", "connectionSpec": {"id": S3}, "auth": S3_AUTH}), 1100, 422,
               message="connectionSpec.version 'version' is required for spec info")


def test_unknown_auth_spec_name_is_1415(api):
    flow_error(api.post("/connections", create_body(auth={"specName": "Basic", "params": {}})), 1415, 400,
               message=f"The auth spec 'Basic' could not be found for the connection spec ID {S3}.")


@pytest.mark.parametrize("body, fragment", [
    pytest.param(create_body(auth=None), "'auth' is required", id="auth-missing"),
    pytest.param(create_body(DLZ, auth=S3_AUTH), "takes no 'auth'", id="auth-on-dlz"),
    pytest.param(create_body(auth={"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP"}}),
                 "'s3SecretKey' is a required property", id="secret-missing"),
    pytest.param(create_body(auth={"specName": "Access Key",
                                   "params": {"s3AccessKey": "lowercase", "s3SecretKey": "a" * 40}}),
                 "auth.params.s3AccessKey", id="access-key-pattern"),
    pytest.param(create_body(auth={"specName": "Access Key",
                                   "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "short"}}),
                 "auth.params.s3SecretKey", id="secret-pattern"),
    pytest.param(create_body(SFTP, {"specName": "SFTP with Password", "params": {"domain": "d", "username": "u"}}),
                 "'password' is a required property", id="sftp-password-missing"),
    pytest.param(create_body(auth={"specName": "Access Key"}), "auth.params", id="params-missing"),
    pytest.param({"connectionSpec": spec(S3), "auth": S3_AUTH}, "'name'", id="name-missing"),
    pytest.param(create_body(name="  "), "'name'", id="name-blank"),
    pytest.param(create_body(name=5), "'name'", id="name-number"),
    pytest.param(create_body(description=["x"]), "'description'", id="description-array"),
])
def test_invalid_body_is_1100(api, body, fragment):
    invalid(api.post("/connections", body), contains=fragment)


# --- PATCH ---------------------------------------------------------------------------------------

def patch(api, entity_id, ops, etag=None):
    etag = etag or api.entity(f"/connections/{entity_id}")["etag"]
    return api.patch(f"/connections/{entity_id}", ops, etag)


NEW_PARAMS = {"s3AccessKey": "BBBBABCDEFGHIJKLMNOP", "s3SecretKey": "b" * 40}


def test_rotate_credentials_with_replace_auth_params(app, api):
    connection = api.s3_base()
    before = api.entity(f"/connections/{connection}")
    response = patch(api, connection, [{"op": "replace", "path": "/auth/params", "value": NEW_PARAMS}])
    assert response.status_code == 200
    assert response.get_json() == {"id": connection, "etag": response.headers["ETag"]}
    after = api.entity(f"/connections/{connection}")
    assert after["etag"] == after["version"] == response.headers["ETag"] != before["etag"]
    assert after["auth"]["params"]["s3AccessKey"] == NEW_PARAMS["s3AccessKey"]
    assert after["auth"]["params"]["authorizedDate"] == before["auth"]["params"]["authorizedDate"]
    stored = app.extensions["flowservice"].store.tenant(ORG, "prod").get("connections", connection)
    assert stored["auth"]["params"]["s3SecretKey"] == "b" * 40


@pytest.mark.parametrize("op", ["add", "replace"])
def test_name_and_description_change(api, op):
    connection = api.s3_base()
    response = patch(api, connection, [{"op": op, "path": "/name", "value": "Renamed"},
                                       {"op": op, "path": "/description", "value": "new"}])
    assert response.status_code == 200
    entity = api.entity(f"/connections/{connection}")
    assert (entity["name"], entity["description"]) == ("Renamed", "new")
    assert entity["updatedAt"] >= entity["createdAt"]


def test_invalid_new_credentials_are_refused_and_nothing_changes(api):
    connection = api.s3_base()
    before = api.entity(f"/connections/{connection}")
    invalid(patch(api, connection, [{"op": "replace", "path": "/auth/params", "value": {"s3AccessKey": "x"}}]),
            contains="auth.params")
    assert api.entity(f"/connections/{connection}") == before


def test_connection_spec_cannot_change(api):
    connection = api.s3_base()
    flow_error(patch(api, connection, [{"op": "replace", "path": "/connectionSpec/id", "value": CAMPAIGN}]),
               1414, 400, message="The connection spec of a connection cannot be updated.")


@pytest.mark.parametrize("path", ["/state", "/id", "/etag", "/createdAt", "/imsOrgId"])
def test_system_fields_cannot_change(api, path):
    connection = api.s3_base()
    flow_error(patch(api, connection, [{"op": "replace", "path": path, "value": "x"}]), 1455, 400,
               contains=f'"{path}"')


def test_patch_needs_if_match(api, client):
    connection = api.s3_base()
    response = client.patch(f"{BASE}/connections/{connection}", json=[{"op": "replace", "path": "/name",
                                                                       "value": "n"}],
                            headers=api.headers)
    if_match_missing(response)


def test_patch_with_stale_etag_is_412(api):
    connection = api.s3_base()
    first = api.entity(f"/connections/{connection}")["etag"]
    assert patch(api, connection, [{"op": "replace", "path": "/name", "value": "a"}], first).status_code == 200
    current = api.entity(f"/connections/{connection}")["etag"]
    stale_etag(patch(api, connection, [{"op": "replace", "path": "/name", "value": "b"}], first), first, current)


def test_patch_of_missing_connection_is_404(api):
    not_found(api.patch("/connections/nope", [{"op": "replace", "path": "/name", "value": "x"}], '"x"'),
              "connections", "nope")


@pytest.mark.parametrize("profile", ["default", "seed"])
def test_patch_connection_answers_200_in_every_profile(profile):
    api = Api(make_app(Settings(seed=3, profile=profile)).test_client())
    connection = api.s3_base()
    response = patch(api, connection, [{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 200
    assert response.get_json()["id"] == connection


def test_patch_connection_in_current_profile_is_200():
    api = Api(make_app(Settings(seed=3, profile="current")).test_client())
    connection = api.s3_base()
    response = patch(api, connection, [{"op": "replace", "path": "/name", "value": "x"}])
    assert response.status_code == 200
    assert response.get_json() == {"id": connection, "etag": api.entity(f"/connections/{connection}")["etag"]}


# --- DELETE -------------------------------------------------------------------------------------

@pytest.mark.parametrize("profile, status", [("default", 202), ("seed", 202), ("current", 204)])
def test_delete_then_get_is_404(profile, status):
    api = Api(make_app(Settings(seed=3, profile=profile)).test_client())
    connection = api.s3_base()
    response = api.delete(f"/connections/{connection}")
    assert response.status_code == status
    assert response.get_data() == b""
    not_found(api.get(f"/connections/{connection}"), "connections", connection)
    not_found(api.delete(f"/connections/{connection}"), "connections", connection)


def test_delete_base_connection_used_by_a_flow_is_1418(api):
    base = api.s3_base()
    target = api.s3_target(base)
    api.created("/flows", {
        "name": "f", "flowSpec": spec("1a0514a6-33d4-4c7f-aff8-594799c47549"),
        "sourceConnectionIds": [api.profile_source()], "targetConnectionIds": [target],
    })
    flow_error(api.delete(f"/connections/{base}"), 1418, 400, message=(
        f"The base connection with the ID {base} cannot be deleted because the base connection is being "
        "used in one or more flows. Please ensure that corresponding flows are deleted before deleting "
        "a base connection."))
    assert api.get(f"/connections/{base}").status_code == 200


def test_base_connection_with_an_unused_target_can_be_deleted(api):
    base = api.s3_base()
    api.s3_target(base)
    assert api.delete(f"/connections/{base}").status_code == 202


def test_get_missing_connection_is_404(api):
    not_found(api.get("/connections/340d288f-c020-435d-a41f-094520fa83eb"), "connections",
              "340d288f-c020-435d-a41f-094520fa83eb")
