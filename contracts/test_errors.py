"""Error bodies and codes (reference §2, FSE, DY, LBL)."""

from __future__ import annotations

import pytest

from . import checks
from .bodies import PROFILE_STORE, S3, UNKNOWN_ID, spec

COLLECTIONS = ("connections", "sourceConnections", "targetConnections", "flows")


@pytest.mark.verified(era="LBL+DY")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_unknown_entity_is_404_1439(client, collection):
    body = checks.flow_error(client.get(f"/{collection}/{UNKNOWN_ID}"), 1439, 404, "Resource not found")
    assert body["report"]["id"] == UNKNOWN_ID and body["report"]["type"] == collection
    assert body["errorMessage"] == f"{collection} not found with id = [{UNKNOWN_ID}]"


@pytest.mark.verified(era="LBL")
def test_not_found_report_names_the_resource(client):
    body = checks.flow_error(client.get(f"/flows/{UNKNOWN_ID}"), 1439, 404)
    assert body["report"]["detailed-message"] == (
        f"The requested flows resource {UNKNOWN_ID} is not found. Verify the resource ID before trying again.")


@pytest.mark.verified(era="DY")
@pytest.mark.parametrize("connection_spec", [spec("not-a-spec"), spec(UNKNOWN_ID)])
def test_unknown_connection_spec_is_a_plain_400(client, connection_spec):
    reply = client.create_reply("connections", {"name": "bad spec", "connectionSpec": connection_spec})
    checks.status(reply, 400)
    assert reply.json() == {"message": "Please provide a valid spec id"}


@pytest.mark.verified(era="DY")
@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections"])
def test_missing_connection_spec_version_is_422(client, collection):
    reply = client.create_reply(collection, {"name": "no version", "connectionSpec": {"id": PROFILE_STORE}})
    checks.status(reply, 422)
    assert "connectionSpec.version 'version' is required for spec info" in reply.text


@pytest.mark.verified(era="FSE")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_empty_create_body_is_1405(client, collection):
    reply = client.call("POST", f"/{collection}", raw=b"", headers={"Content-Type": "application/json"})
    checks.flow_error(reply, 1405, 400)


@pytest.mark.assumption("error-bodies")
def test_malformed_json_is_1100(client):
    reply = client.call("POST", "/connections", raw=b'{"name": ', headers={"Content-Type": "application/json"})
    checks.flow_error(reply, 1100, 400, "Invalid request")


@pytest.mark.verified(era="FSE")
def test_auth_spec_name_must_exist_1415(client):
    body = {"name": "bad auth", "connectionSpec": spec(S3), "auth": {"specName": "No Such Auth", "params": {}}}
    checks.flow_error(client.create_reply("connections", body), 1415, 400)


@pytest.mark.assumption("error-bodies")
def test_unknown_path_is_404(client):
    checks.flow_error(client.get("/noSuchCollection"), 1101, 404)


@pytest.mark.assumption("error-bodies")
def test_method_not_served_is_405_with_allow(client):
    reply = client.call("PUT", f"/flows/{UNKNOWN_ID}", {"name": "x"})
    checks.status(reply, 405)
    assert "PATCH" in reply.headers["Allow"]
