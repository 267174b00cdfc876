"""Hostile input, class by class: text that cannot be stored, results past the limits, integers,
secrets, malformed gateway headers, preconditions on DELETE (docs/fidelity.md, "Limits",
"Secrets", "Headers")."""

from __future__ import annotations

import base64
import json

import pytest

from mockserver.settings import Settings

from ..support import BASE, HEADERS, ORG, PROFILE_STORE, S3, Api, make_app, spec

SECRET = "Q" * 20 + "SECRETSECRETSECRET12"  # a valid s3SecretKey (40 characters)
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"


def s3_connection(secret=SECRET) -> dict:
    return {"name": "s", "connectionSpec": spec(S3),
            "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": secret}}}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def tenants(client) -> list[tuple[str, str]]:
    return [(t["imsOrgId"], t["sandboxName"]) for t in client.get("/_mock/health").get_json()["tenants"]]


def error_type(response) -> str:
    return response.get_json()["type"].rsplit("/", 1)[1]


# --- text that could not be serialised again ------------------------------------------------------

def test_a_surrogate_in_a_continuation_token_is_a_bad_token(api):
    token = b64(json.dumps({"o": 0, "q": {"property": ["name==\ud800"]}}).encode())
    response = api.get(f"/flows?continuationToken={token}")
    assert response.status_code == 400 and error_type(response) == "FLOW-1452-400"
    for order in ("\ud800", "name\udfff"):
        token = b64(json.dumps({"o": 0, "q": {"orderby": [order]}}).encode())
        assert api.get(f"/flows?continuationToken={token}").status_code == 400


@pytest.mark.parametrize("claims", [
    {"user_id": "\ud800"}, {"user_id": "u", "client_id": "\udfff"}, {"sub": "a\x00b"}, {"user_id": "x" * 10_000},
])
def test_a_token_claim_that_cannot_be_stored_is_not_stored(client, api, claims):
    token = f"a.{b64(json.dumps(claims).encode())}.c"
    created = api.post("/sourceConnections", {"name": "P", "connectionSpec": spec(PROFILE_STORE)},
                       headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201
    entity = api.entity(f"/sourceConnections/{created.get_json()['id']}")
    assert entity["createdBy"] in (claims.get("user_id"), "mockuser@AdobeID")
    assert "\ud800" not in entity["createdClient"] and "\udfff" not in entity["createdClient"]
    assert api.get("/sourceConnections").status_code == 200


def test_control_characters_in_values_are_escaped_in_messages(api):
    response = api.get("/flows?orderby=%00%1b")
    assert response.status_code == 400
    message = response.get_json()["report"]["detailed-message"]
    assert "\\u0000\\u001b" in message and "\x00" not in message


def test_long_values_are_shortened_in_messages(api):
    response = api.get("/flows?property=" + "x" * 5000)
    message = response.get_json()["report"]["detailed-message"]
    assert response.status_code == 400 and len(message) < 400 and "(5000 characters)" in message


# --- limits on what is stored, checked on the result -------------------------------------------

def test_patches_that_together_nest_past_the_limit_are_refused(api):
    flow = api.audience_flow()
    path = "/transformations/0/params/extra"
    nested = json.loads("[" * 150 + "]" * 150)
    first = api.patch(f"/flows/{flow['id']}", [{"op": "add", "path": path, "value": nested}], flow["etag"])
    assert first.status_code == 202
    etag = first.get_json()["etag"]
    deeper = api.patch(f"/flows/{flow['id']}", [{"op": "add", "path": path + "/0" * 149 + "/0", "value": nested}], etag)
    assert deeper.status_code == 400 and error_type(deeper) == "FLOW-1100-400"
    assert "nested deeper than 200 levels" in deeper.get_json()["report"]["detailed-message"]
    assert api.entity(f"/flows/{flow['id']}")["etag"] == etag
    assert api.get("/flows").status_code == 200


def test_the_depth_limit_is_a_setting():
    api = Api(make_app(Settings(seed=1, max_depth=8)).test_client())
    flow = api.audience_flow()
    response = api.patch(f"/flows/{flow['id']}", [
        {"op": "add", "path": "/transformations/0/params/extra", "value": [[[[[[]]]]]]}], flow["etag"])
    assert response.status_code == 400
    assert "nested deeper than 8 levels" in response.get_json()["report"]["detailed-message"]
    assert api.entity(f"/flows/{flow['id']}")["etag"] == flow["etag"]


def test_an_entity_that_grows_past_its_size_limit_is_refused():
    api = Api(make_app(Settings(seed=1, max_entity_bytes=4000)).test_client())
    flow = api.audience_flow()
    etag = flow["etag"]
    for attempt in range(4):
        response = api.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/description", "value": "d" * 1000 * attempt}], etag)
        if response.status_code != 202:
            break
        etag = response.get_json()["etag"]
    assert response.status_code == 400
    assert "at most 4000 are kept" in response.get_json()["report"]["detailed-message"]
    assert api.entity(f"/flows/{flow['id']}")["etag"] == etag


def test_patch_operations_are_counted():
    api = Api(make_app(Settings(seed=1, max_patch_operations=3)).test_client())
    flow = api.audience_flow()
    ops = [{"op": "replace", "path": "/name", "value": f"n{i}"} for i in range(4)]
    response = api.patch(f"/flows/{flow['id']}", ops, flow["etag"])
    assert response.status_code == 400 and error_type(response) == "FLOW-1455-400"
    assert api.patch(f"/flows/{flow['id']}", ops[:3], flow["etag"]).status_code == 202


@pytest.mark.parametrize("settings, request_args, status", [
    (Settings(max_body_bytes=100), {"method": "POST", "data": b"{" + b" " * 200 + b"}"}, 413),
    (Settings(max_query_length=50), {"method": "GET", "query_string": "orderby=" + "n" * 60}, 414),
    (Settings(max_headers=10), {"method": "GET", "headers": {f"x-extra-{i}": "1" for i in range(10)}}, 431),
], ids=["body", "query", "headers"])
def test_request_limits_answer_in_the_flow_service_shape(settings, request_args, status):
    client = make_app(settings).test_client()
    request_args = dict(request_args)  # the parameters are shared by the runs on each store
    headers = {**HEADERS, "Content-Type": "application/json", **request_args.pop("headers", {})}
    response = client.open(f"{BASE}/sourceConnections", headers=headers, **request_args)
    assert response.status_code == status
    assert error_type(response) == f"FLOW-1100-{status}"
    assert response.headers["x-request-id"] == response.get_json()["report"]["request-id"]
    assert client.get("/_mock/health").get_json()["tenants"] == []


def test_an_overlong_id_names_nothing(api):
    assert api.get("/flows/" + "a" * 257).status_code == 404
    assert api.delete("/connections/" + "a" * 257).status_code == 404


def test_a_malformed_content_length_is_a_bad_request(client):
    response = client.post(f"{BASE}/sourceConnections", headers={**HEADERS, "Content-Type": "application/json"},
                           environ_overrides={"CONTENT_LENGTH": "\u0663"})
    assert response.status_code == 400


# --- integers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "limit=" + "9" * 5000, "since=" + "9" * 5000, "limit=%D9%A3", "since=%C2%B2", "limit=-1", "limit=1.0",
])
def test_admin_integers_are_ascii_and_bounded(client, query):
    response = client.get(f"/_mock/requests?{query}")
    assert response.status_code == 400
    assert "whole number" in response.get_json()["report"]["detailed-message"]


@pytest.mark.parametrize("value", ["9" * 5000, "%D9%A3", "1e2", "+%D9%A3"])
def test_list_limits_are_ascii_and_bounded(api, value):
    response = api.get(f"/flows?limit={value}")
    assert response.status_code == 400 and error_type(response) == "FLOW-1452-400"


@pytest.mark.parametrize("advance", ["\u0663d", "9" * 5000 + "d", "1e400"])
def test_clock_durations_are_ascii_and_bounded(client, advance):
    assert client.post("/_mock/clock", json={"advance": advance}).status_code == 400


# --- secrets ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["short-SECRET-VALUE", 1234567, ["SECRET-IN-A-LIST"]])
def test_a_refused_secret_is_not_quoted_in_the_error(client, api, value):
    response = api.post("/connections", s3_connection(value))
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert str(value if not isinstance(value, list) else value[0]) not in text
    assert "auth.params.s3SecretKey" in text
    assert str(value if not isinstance(value, list) else value[0]) not in client.get("/_mock/requests").get_data(as_text=True)


@pytest.mark.parametrize("query", [
    f"property=auth.params.s3SecretKey=={SECRET}", f"property=auth.params.s3SecretKey>={SECRET}",
    f"property=auth.params.s3SecretKey<{SECRET[:5]}", "property=auth.params.s3SecretKey>A",
    "property=auth.params.s3SecretKey<=Z", f"property=auth.params.s3SecretKey!={SECRET}",
])
def test_filters_on_a_secret_answer_the_same_whatever_the_secret(api, query):
    """Filters see the mask: two connections that differ only in their secret are both listed or neither."""
    ids = {api.created("/connections", s3_connection(secret))["id"] for secret in (SECRET, "A" * 40)}
    listed = {e["id"] for e in api.get(f"/connections?{query}").get_json()["items"]}
    assert listed in (set(), ids)


def test_a_filter_on_the_mask_matches_every_secret(api):
    api.created("/connections", s3_connection())
    api.created("/connections", s3_connection("Z" * 40))
    listed = api.get("/connections?property=auth.params.s3SecretKey==********").get_json()["items"]
    assert len(listed) == 2


def test_ordering_by_a_secret_reveals_nothing(api):
    ids = [api.created("/connections", s3_connection(c * 40))["id"] for c in "ZAM"]
    by_secret = [e["id"] for e in api.get("/connections?orderby=auth.params.s3SecretKey").get_json()["items"]]
    by_secret_desc = [e["id"] for e in api.get("/connections?orderby=-auth.params.s3SecretKey").get_json()["items"]]
    assert sorted(by_secret) == sorted(ids) and by_secret == by_secret_desc


@pytest.mark.parametrize("guess, status", [(SECRET, 400), ("guess", 400), ("********", 200)])
def test_a_patch_test_on_a_secret_compares_with_the_mask(client, api, guess, status):
    created = api.created("/connections", s3_connection())
    response = api.patch(f"/connections/{created['id']}",
                         [{"op": "test", "path": "/auth/params/s3SecretKey", "value": guess}], created["etag"])
    assert response.status_code == status
    assert SECRET not in response.get_data(as_text=True)
    assert SECRET not in client.get("/_mock/requests").get_data(as_text=True)


def test_a_patch_that_keeps_the_mask_keeps_the_secret(app, api):
    created = api.created("/connections", s3_connection())
    response = api.patch(f"/connections/{created['id']}", [{"op": "replace", "path": "/name", "value": "renamed"}],
                         created["etag"])
    assert response.status_code == 200
    stored = app.extensions["flowservice"].store.tenant(ORG, "prod").get("connections", created["id"])
    assert stored["auth"]["params"]["s3SecretKey"] == SECRET and stored["name"] == "renamed"


def test_a_secret_left_from_another_auth_spec_stays_masked(api):
    created = api.created("/connections", {"name": "s", "connectionSpec": spec(SFTP), "auth": {
        "specName": "SFTP with Password", "params": {"domain": "d", "username": "u", "password": "SFTP-PASSWORD-123"}}})
    response = api.patch(f"/connections/{created['id']}", [
        {"op": "replace", "path": "/auth/specName", "value": "SFTP with SSH Key"},
        {"op": "add", "path": "/auth/params/sshKey", "value": "AAAA"}], created["etag"])
    assert response.status_code == 200
    assert "SFTP-PASSWORD-123" not in api.get(f"/connections/{created['id']}").get_data(as_text=True)


@pytest.mark.parametrize("path, body", [
    (f"{BASE}/connections", b'{"auth": {"params": {"s3SecretKey": "LEAK-MALFORMED"}},'),
    (f"//data/foundation/flowservice//connections", json.dumps(s3_connection("LEAK-REDIRECTED")).encode()),
    (f"{BASE}/connections", json.dumps(s3_connection("LEAK-ESCAPED")).replace("s3SecretKey", "s3Secret\\u004bey").encode()),
    (f"{BASE}/flows", b'[{"op": "add", "path": "/auth/params/password", "value": "LEAK-PATCH-MALFORMED"'),
    ("/ims/token/v3", b"grant_type=client_credentials&client_id=c&client_secret=LEAK-IMS"),
], ids=["malformed", "redirected", "escaped-name", "patch-malformed", "ims-form"])
def test_the_journal_never_keeps_a_secret(client, path, body):
    content_type = "application/x-www-form-urlencoded" if path.startswith("/ims/") else "application/json"
    client.post(path, data=body, headers={**HEADERS, "Content-Type": content_type})
    journal = client.get("/_mock/requests").get_data(as_text=True)
    assert "LEAK-" not in journal
    assert "[redacted sha256:" in journal


# --- gateway headers --------------------------------------------------------------------------------

@pytest.mark.parametrize("org", ["A@AdobeOrg\x01", "A@AdobeOrg B", "\u00c4@AdobeOrg", "x" * 300])
def test_a_malformed_org_is_refused_by_the_gateway(client, org):
    response = client.get(f"{BASE}/flows", headers={**HEADERS, "x-gw-ims-org-id": org})
    assert response.status_code == 403
    assert response.get_json() == {"error_code": "403027", "message": "User region is missing"}
    assert tenants(client) == []


def test_duplicated_org_headers_create_no_tenant(client):
    headers = [(k, v) for k, v in HEADERS.items() if k != "x-gw-ims-org-id"]
    response = client.post(f"{BASE}/sourceConnections", json={"name": "P", "connectionSpec": spec(PROFILE_STORE)},
                           headers=headers + [("x-gw-ims-org-id", "A@AdobeOrg"), ("x-gw-ims-org-id", "B@AdobeOrg")])
    assert response.status_code == 403 and response.get_json()["error_code"] == "403027"
    assert tenants(client) == []


@pytest.mark.parametrize("sandbox", ["prod, dev", "dev\x00", "d\u00e9v", "de v", "x" * 300])
def test_a_malformed_sandbox_is_not_found(client, sandbox):
    response = client.post(f"{BASE}/sourceConnections", json={"name": "P", "connectionSpec": spec(PROFILE_STORE)},
                           headers={**HEADERS, "x-sandbox-name": sandbox})
    assert response.status_code == 404 and error_type(response) == "FLOW-2100-404"
    assert tenants(client) == []


def test_a_malformed_api_key_is_invalid(client):
    response = client.get(f"{BASE}/flows", headers={**HEADERS, "x-api-key": "key\x7f"})
    assert response.status_code == 403
    assert response.get_json() == {"error_code": "403003", "message": "Api Key is invalid"}


@pytest.mark.parametrize("request_id", ["r" * 129, "a b", "\x01"])
def test_an_unusable_request_id_is_replaced(client, request_id):
    response = client.get(f"{BASE}/flows", headers={**HEADERS, "x-request-id": request_id})
    assert response.status_code == 200 and response.headers["x-request-id"] != request_id


# --- DELETE and If-Match ---------------------------------------------------------------------------

@pytest.mark.parametrize("if_match", ['"stale"', "garbage", "", '"a", "b"'])
def test_delete_with_a_mismatching_if_match_is_refused(api, if_match):
    flow = api.audience_flow()
    response = api.delete(f"/flows/{flow['id']}", headers={"If-Match": if_match})
    assert response.status_code == 412 and error_type(response) == "FLOW-1404-412"
    assert api.get(f"/flows/{flow['id']}").status_code == 200


@pytest.mark.parametrize("with_if_match", [None, "current", "*"])
def test_delete_without_or_with_a_matching_if_match_deletes(api, with_if_match):
    flow = api.audience_flow()
    headers = {} if with_if_match is None else {"If-Match": flow["etag"] if with_if_match == "current" else "*"}
    assert api.delete(f"/flows/{flow['id']}", headers=headers).status_code == 202
    assert api.get(f"/flows/{flow['id']}").status_code == 404
