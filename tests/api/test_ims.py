"""The IMS token stand-in (``POST /ims/token/v3``) that lets log-in-first clients use the mock."""

from __future__ import annotations

import base64
import json

import pytest

from mockserver.settings import Settings

from ..support import BASE, HEADERS, PROFILE_STORE, make_app, spec


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_client_credentials_give_a_token_that_names_the_client(client):
    response = client.post("/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": "cid", "client_secret": "x", "scope": "openid"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 86399
    assert claims(body["access_token"])["client_id"] == "cid"

    headers = {**HEADERS, "Authorization": f"Bearer {body['access_token']}"}
    created = client.post(f"{BASE}/sourceConnections", headers=headers,
                          json={"name": "s", "connectionSpec": spec(PROFILE_STORE)}).get_json()
    entity = client.get(f"{BASE}/sourceConnections/{created['id']}", headers=headers).get_json()["items"][0]
    assert (entity["createdBy"], entity["createdClient"]) == ("cid@AdobeID", "cid")


@pytest.mark.parametrize("form, error", [
    ({"client_id": "cid"}, "unsupported_grant_type"),
    ({"grant_type": "password", "client_id": "cid"}, "unsupported_grant_type"),
    ({"grant_type": "client_credentials"}, "invalid_client"),
])
def test_bad_requests_get_the_oauth_error_shape(client, form, error):
    response = client.post("/ims/token/v3", data=form)
    assert response.status_code == 400
    assert response.get_json()["error"] == error


def test_tokens_do_not_move_the_seeded_id_sequence(app, client):
    untouched = make_app(Settings(seed=42))  # the same seed, on a store of its own
    assert client.post("/ims/token/v3", data={"grant_type": "client_credentials", "client_id": "c"}).status_code == 200
    assert app.extensions["flowservice"].ids.uuid() == untouched.extensions["flowservice"].ids.uuid()
