"""Header rules of the gateway and the service (reference §1.2-§1.4, TS)."""

from __future__ import annotations

import json

import pytest

from . import checks
from .bodies import PROFILE_STORE, spec
from .client import OMIT


@pytest.mark.verified(era="TS+FY")
def test_missing_authorization_is_403010(client):
    reply = client.get("/flows", headers={"Authorization": OMIT})
    checks.gateway_error(reply, 403, "403010", "Oauth token is missing.")


@pytest.mark.assumption("headers")
def test_authorization_that_is_not_bearer_is_401013(client):
    checks.gateway_error(client.get("/flows", headers={"Authorization": "Basic abc"}), 401, "401013",
                         "Oauth token is not valid")


@pytest.mark.verified(era="TS")
def test_missing_api_key_is_403000(client):
    checks.gateway_error(client.get("/flows", headers={"x-api-key": OMIT}), 403, "403000", "Api Key is required")


@pytest.mark.verified(era="TS")
def test_missing_org_is_400003(client):
    checks.gateway_error(client.get("/flows", headers={"x-gw-ims-org-id": OMIT}), 400, "400003", "Missing header")


@pytest.mark.assumption("headers")
def test_gateway_checks_authorization_first(client):
    reply = client.get("/flows", headers={"Authorization": OMIT, "x-api-key": OMIT, "x-gw-ims-org-id": OMIT})
    checks.gateway_error(reply, 403, "403010", "Oauth token is missing.")


@pytest.mark.verified(era="TS")
@pytest.mark.parametrize("content_type", [OMIT, "text/plain", "application/xml"])
def test_body_without_json_content_type_is_a_generic_400(client, content_type):
    reply = client.post("/connections", raw=b'{"name": "x"}', headers={"Content-Type": content_type})
    checks.status(reply, 400)
    assert reply.json() == {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                            "detail": "A valid content-type must be specified"}


@pytest.mark.assumption("headers")
def test_content_type_with_charset_is_json(client):
    body = client.named({"name": "charset", "connectionSpec": spec(PROFILE_STORE)})
    reply = client.call("POST", "/sourceConnections", raw=json.dumps(body).encode(),
                        headers={"Content-Type": "application/json; charset=utf-8"})
    created = checks.created(reply)
    client.created.append(("sourceConnections", created["id"]))


@pytest.mark.verified(era="UD+EDIT+DDF+DDA")
def test_missing_sandbox_header_is_served(client):
    # Read-only on purpose: without the header the real service works in the prod sandbox.
    checks.items(client.get("/flows", headers={"x-sandbox-name": OMIT}, params={"limit": 1}))


@pytest.mark.verified(era="CA+UD")
def test_header_names_are_case_insensitive(client):
    headers = {name: OMIT for name in client.target.headers()}
    headers.update({name.upper(): value for name, value in client.target.headers().items()})
    checks.items(client.get("/flowSpecs", headers=headers, params={"property": f"id=={PROFILE_STORE}"}))


@pytest.mark.assumption("headers")
def test_request_id_is_echoed(client):
    reply = client.get("/flows", headers={"x-request-id": "contract-request-1"}, params={"limit": 1})
    checks.status(reply, 200)
    assert reply.headers["x-request-id"] == "contract-request-1"
