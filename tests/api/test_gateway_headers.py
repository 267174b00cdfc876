"""Request headers (reference §1.2-§1.4): the gateway's checks, sandboxes, Content-Type, request ids."""

from __future__ import annotations

import re

import pytest

from mockserver.settings import Settings

from ..support import BASE, HEADERS, ORG, Api, make_app
from .shapes import content_type_error, flow_error, gateway_error, not_found


MISSING_TOKEN = (403, "403010", "Oauth token is missing.")
INVALID_TOKEN = (401, "401013", "Oauth token is not valid")
MISSING_KEY = (403, "403000", "Api Key is required")
MISSING_ORG = (400, "400003", "Missing header")


def without(*names: str, **extra: str) -> dict:
    headers = {k: v for k, v in HEADERS.items() if k not in names}
    headers.update(extra)
    return headers


def get(client, headers, path="/flows"):
    return client.get(BASE + path, headers=headers)


# --- the gateway: Authorization, x-api-key, x-gw-ims-org-id -------------------------------

@pytest.mark.parametrize("headers, expected", [
    pytest.param(without("Authorization"), MISSING_TOKEN, id="no-authorization"),
    pytest.param(without(Authorization="Basic dXNlcjpwYXNz"), INVALID_TOKEN, id="basic-scheme"),
    pytest.param(without(Authorization="test-token"), INVALID_TOKEN, id="no-scheme"),
    pytest.param(without(Authorization="Bearer"), INVALID_TOKEN, id="bearer-without-token"),
    pytest.param(without(Authorization="Bearer    "), INVALID_TOKEN, id="bearer-blank-token"),
    pytest.param(without("x-api-key"), MISSING_KEY, id="no-api-key"),
    pytest.param(without(**{"x-api-key": ""}), MISSING_KEY, id="empty-api-key"),
    pytest.param(without("x-gw-ims-org-id"), MISSING_ORG, id="no-org"),
    pytest.param(without(**{"x-gw-ims-org-id": "  "}), MISSING_ORG, id="blank-org"),
])
def test_gateway_refusals(client, headers, expected):
    gateway_error(get(client, headers), *expected)


@pytest.mark.parametrize("headers, expected", [
    pytest.param({}, MISSING_TOKEN, id="nothing"),
    pytest.param(without("Authorization", "x-api-key", "x-gw-ims-org-id"), MISSING_TOKEN, id="token-first"),
    pytest.param(without("x-api-key", "x-gw-ims-org-id", Authorization="Basic x"), INVALID_TOKEN,
                 id="token-validity-before-key"),
    pytest.param(without("x-api-key", "x-gw-ims-org-id"), MISSING_KEY, id="key-before-org"),
    pytest.param(without("x-gw-ims-org-id", **{"x-sandbox-name": "nowhere"}), MISSING_ORG,
                 id="org-before-sandbox"),
])
def test_order_of_checks(client, headers, expected):
    gateway_error(get(client, headers), *expected)


def test_header_names_are_case_insensitive(client):
    lower = {k.lower(): v for k, v in HEADERS.items()}
    assert get(client, lower).status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_bearer_scheme_in_any_case(client, scheme):
    assert get(client, without(Authorization=f"{scheme} abc")).status_code == 200


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_gateway_runs_before_routing_and_bodies(client, method):
    response = client.open(BASE + "/flows/anything", method=method, data="not json")
    gateway_error(response, *MISSING_TOKEN)


def test_gateway_guards_unknown_paths_too(client):
    gateway_error(client.get(BASE + "/nowhere"), *MISSING_TOKEN)


# --- sandboxes ------------------------------------------------------------------------------

def test_missing_sandbox_header_means_prod(api, client):
    created = Api(client, without("x-sandbox-name")).created(
        "/sourceConnections", {"name": "p", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1",
                                                               "version": "1.0"}})
    entity = api.entity(f"/sourceConnections/{created['id']}")  # api sends x-sandbox-name: prod
    assert entity["sandboxName"] == "prod"
    assert entity["imsOrgId"] == ORG


def test_blank_sandbox_header_means_prod(client):
    api = Api(client, without(**{"x-sandbox-name": ""}))
    source = api.profile_source()
    assert Api(client).entity(f"/sourceConnections/{source}")["sandboxName"] == "prod"


def test_require_sandbox_header_setting():
    client = make_app(Settings(seed=1, require_sandbox_header=True)).test_client()
    flow_error(get(client, without("x-sandbox-name")), 2105, 400, title="Header is missing",
               contains="x-sandbox-name")
    assert get(client, HEADERS).status_code == 200


@pytest.fixture
def sandboxed_client():
    return make_app(Settings(seed=1, sandboxes=("prod", "dev"))).test_client()


@pytest.mark.parametrize("name", ["prod", "dev"])
def test_configured_sandboxes_are_served(sandboxed_client, name):
    assert get(sandboxed_client, without(**{"x-sandbox-name": name})).status_code == 200


@pytest.mark.parametrize("name", ["staging", "DEV", "prod2"])
def test_unknown_sandbox_is_404(sandboxed_client, name):
    flow_error(get(sandboxed_client, without(**{"x-sandbox-name": name})), 2100, 404,
               title="Sandbox not found", contains=f"'{name}'")


def test_unknown_sandbox_checked_after_gateway(sandboxed_client):
    gateway_error(get(sandboxed_client, without("Authorization", **{"x-sandbox-name": "staging"})),
                  *MISSING_TOKEN)


def test_without_configured_sandboxes_any_name_exists(client):
    assert get(client, without(**{"x-sandbox-name": "any-name"})).status_code == 200


# --- Content-Type -------------------------------------------------------------------------------

BODY_CALLS = [
    pytest.param("POST", "/flows", id="post-flows"),
    pytest.param("POST", "/connections", id="post-connections"),
    pytest.param("POST", "/sourceConnections", id="post-source"),
    pytest.param("POST", "/targetConnections", id="post-target"),
    pytest.param("PATCH", "/flows/whatever", id="patch-flow"),
    pytest.param("PATCH", "/connections/whatever", id="patch-connection"),
]


@pytest.mark.parametrize("method, path", BODY_CALLS)
@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml",
                                          "application/x-www-form-urlencoded", "application/json-patch+json"])
def test_body_without_json_content_type_is_refused(client, method, path, content_type):
    headers = dict(HEADERS, **({"Content-Type": content_type} if content_type else {}))
    content_type_error(client.open(BASE + path, method=method, data='{"name": "x"}', headers=headers))


@pytest.mark.parametrize("method, path", BODY_CALLS)
def test_content_type_checked_before_if_match_and_existence(client, method, path):
    # PATCH of a missing entity without If-Match: the Content-Type refusal comes first.
    response = client.open(BASE + path, method=method, data="[]", headers=HEADERS)
    content_type_error(response)


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                          "Application/JSON"])
def test_json_content_type_variants_are_accepted(api, content_type):
    body = '{"name": "p", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"}}'
    response = api.client.post(BASE + "/sourceConnections", data=body,
                               headers=dict(HEADERS, **{"Content-Type": content_type}))
    assert response.status_code == 201, response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_with_a_body_and_any_content_type_are_fine(api, method):
    flow = api.audience_flow()
    response = api.client.open(BASE + f"/flows/{flow['id']}", method=method, data="whatever",
                               headers=dict(HEADERS, **{"Content-Type": "text/plain"}))
    assert response.status_code == {"GET": 200, "DELETE": 202}[method]


def test_post_without_body_needs_no_content_type(api):
    flow = api.audience_flow()
    response = api.client.post(BASE + f"/flows/{flow['id']}/action?op=disable", headers=HEADERS)
    assert response.status_code == 200
    assert response.get_json()["id"] == flow["id"]


# --- request ids, unknown paths and methods ----------------------------------------------------

def test_request_id_is_echoed(client):
    response = client.get(BASE + "/flows", headers=dict(HEADERS, **{"x-request-id": "my-trace-id"}))
    assert response.headers["x-request-id"] == "my-trace-id"


def test_request_id_is_generated_when_absent(client):
    first = get(client, HEADERS).headers["x-request-id"]
    second = get(client, HEADERS).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


def test_request_id_also_on_gateway_errors(client):
    response = client.get(BASE + "/flows", headers={"x-request-id": "abc"})
    assert response.status_code == 403
    assert response.headers["x-request-id"] == "abc"


@pytest.mark.parametrize("path", ["/nothing", "/flow", "/flows/a/b/c", "/connectionSpecs/x/y"])
def test_unknown_path_is_404(client, path):
    flow_error(client.get(BASE + path, headers=HEADERS), 1101, 404, title="Resource not found")


def test_path_outside_the_base_is_404(client):
    flow_error(client.get("/data/foundation/other", headers=HEADERS), 1101, 404, title="Resource not found")


@pytest.mark.parametrize("method, path, allowed", [
    ("PUT", "/flows", {"GET", "POST"}),
    ("DELETE", "/flows", {"GET", "POST"}),
    ("PUT", "/flows/some-id", {"GET", "PATCH", "DELETE"}),
    ("POST", "/flows/some-id", {"GET", "PATCH", "DELETE"}),
    ("GET", "/flows/some-id/action", {"POST"}),
    ("POST", "/connectionSpecs", {"GET"}),
    ("DELETE", "/runs/some-id", {"GET"}),
])
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = client.open(BASE + path, method=method, headers=HEADERS)
    flow_error(response, 1100, 405, title="Method not allowed")
    assert set(response.headers["Allow"].split(", ")) - {"HEAD", "OPTIONS"} == allowed


def test_trailing_slash_is_a_different_path_only_for_the_gateway(api):
    # The mock treats '/flows/' as '/flows' (strict slashes off): documented choice.
    assert api.get("/flows/").status_code == 200


@pytest.mark.parametrize("method, path", [
    ("GET", "/_mock/health"),
    ("GET", "/_mock/openapi.json"),
    ("POST", "/_mock/reset"),
])
def test_admin_paths_need_no_headers(client, method, path):
    assert client.open(path, method=method).status_code == 200


def test_not_found_on_a_wrong_tenant_is_still_a_404(client):
    response = client.get(BASE + "/flows/x", headers=without(**{"x-gw-ims-org-id": "OTHER@AdobeOrg"}))
    not_found(response, "flows", "x")
