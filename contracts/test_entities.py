"""Create, read, update, delete of connections, source and target connections (reference §3.5-§3.7, §6.8)."""

from __future__ import annotations

import pytest

from . import bodies, checks
from .bodies import ETAG, S3, UNKNOWN_ID


@pytest.mark.verified(era="DY+AS")
def test_create_answers_id_and_quoted_etag(client):
    reply = client.create_reply("connections", bodies.s3_connection())
    created = checks.created(reply)
    assert set(created) == {"id", "etag"}


@pytest.mark.assumption("responses-by-doc-era--profile")
def test_create_location_header_names_the_entity(client):
    reply = client.create_reply("sourceConnections", bodies.profile_source())
    created = checks.created(reply)
    assert reply.headers["Location"].endswith(f"/sourceConnections/{created['id']}")


@pytest.mark.verified(era="DY")
def test_get_by_id_is_wrapped_and_etag_equals_version(client):
    created = client.create("connections", bodies.s3_connection())
    entity = client.entity("connections", created["id"])
    assert entity["id"] == created["id"] and entity["etag"] == created["etag"] == entity["version"]
    assert entity["connectionSpec"] == bodies.spec(S3) and entity["state"] == "enabled"
    assert entity["auth"]["specName"] == "Access Key"
    for field in ("createdAt", "updatedAt"):
        assert isinstance(entity[field], int)


@pytest.mark.assumption("resources")
def test_secret_auth_params_are_masked(client):
    created = client.create("connections", bodies.s3_connection())
    params = client.entity("connections", created["id"])["auth"]["params"]
    assert params["s3AccessKey"] == "AKIAABCDEFGHIJKLMNOP" and params["s3SecretKey"] == "********"


@pytest.mark.verified(era="EDIT+DY")
def test_patch_connection_auth_params(client):
    created = client.create("connections", bodies.s3_connection())
    new = {"s3AccessKey": "AKIAZZZZZZZZZZZZZZZZ", "s3SecretKey": "t" * 40}
    reply = client.patch(f"/connections/{created['id']}", [{"op": "replace", "path": "/auth/params", "value": new}],
                         created["etag"])
    checks.status(reply, 200)
    updated = checks.id_and_etag(reply, created["id"], created["etag"])
    entity = client.entity("connections", created["id"])
    assert entity["etag"] == updated["etag"]
    assert entity["auth"]["params"]["s3AccessKey"] == "AKIAZZZZZZZZZZZZZZZZ"


@pytest.mark.verified(era="EDIT")
def test_patch_target_connection_params(client):
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    params = {**bodies.s3_target(base["id"])["params"], "bucketName": "new-bucket-name", "path": "updatedPath"}
    reply = client.patch(f"/targetConnections/{target['id']}", [{"op": "replace", "path": "/params", "value": params}],
                         target["etag"])
    checks.status(reply, 200)
    checks.id_and_etag(reply, target["id"], target["etag"])
    assert client.entity("targetConnections", target["id"])["params"]["bucketName"] == "new-bucket-name"


@pytest.mark.verified(era="FSE")
def test_patch_without_if_match_is_1403(client):
    created = client.create("connections", bodies.s3_connection())
    reply = client.patch(f"/connections/{created['id']}", [{"op": "replace", "path": "/name", "value": "n"}], None)
    checks.flow_error(reply, 1403, 400, "Header is missing")


@pytest.mark.verified(era="DY+FSE")
def test_stale_if_match_is_412_with_dy_text(client):
    created = client.create("connections", bodies.s3_connection())
    stale = '"00000000-0000-0000-0000-000000000000"'
    reply = client.patch(f"/connections/{created['id']}", [{"op": "replace", "path": "/name", "value": "n"}], stale)
    body = checks.flow_error(reply, 1404, 412, "Version not matching")
    assert body["errorMessage"] == (f"Supplied version=[{stale}] does not match the current version "
                                    f"on entity=[{created['etag']}]")


@pytest.mark.verified(era="DY")
def test_unquoted_if_match_is_412(client):
    created = client.create("connections", bodies.s3_connection())
    reply = client.patch(f"/connections/{created['id']}", [{"op": "replace", "path": "/name", "value": "n"}],
                         created["etag"].strip('"'))
    checks.flow_error(reply, 1404, 412)


@pytest.mark.verified(era="FSE")
def test_connection_spec_cannot_change_1414(client):
    created = client.create("connections", bodies.s3_connection())
    reply = client.patch(f"/connections/{created['id']}",
                         [{"op": "replace", "path": "/connectionSpec/id", "value": UNKNOWN_ID}], created["etag"])
    checks.flow_error(reply, 1414, 400)


@pytest.mark.verified(era="DY+DDA")
@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections"])
def test_delete_then_404(client, collection):
    base = client.create("connections", bodies.s3_connection())
    entity_id = {
        "connections": lambda: base["id"],
        "sourceConnections": lambda: client.create("sourceConnections", bodies.profile_source())["id"],
        "targetConnections": lambda: client.create("targetConnections", bodies.s3_target(base["id"]))["id"],
    }[collection]()
    reply = client.delete(f"/{collection}/{entity_id}")
    checks.status(reply, 202, 204)
    checks.empty(reply)
    checks.flow_error(client.get(f"/{collection}/{entity_id}"), 1439, 404)


@pytest.mark.verified(era="ED")
def test_dataset_source_connection(client):
    created = client.create("sourceConnections", bodies.dataset_source())
    entity = client.entity("sourceConnections", created["id"])
    assert entity["params"]["datasets"][0]["dataSetId"] == "616d53e0a6de2719486fb024"
    assert ETAG.match(entity["etag"])


@pytest.mark.verified(era="CA")
def test_legacy_profile_store_base_and_source_connection(client):
    base = client.create("connections", {"name": "Base to Platform", "description": "seed",
                                         "connectionSpec": bodies.spec(bodies.PROFILE_STORE)})
    source = client.create("sourceConnections", {
        **bodies.profile_source(), "baseConnectionId": base["id"], "data": {"format": "CSV", "schema": None},
        "params": {}})
    assert client.entity("sourceConnections", source["id"])["baseConnectionId"] == base["id"]
