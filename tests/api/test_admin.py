"""The mock's own API under ``/_mock/``: health, reset, its OpenAPI document."""

from __future__ import annotations

import re

import pytest

from mockserver import __version__
from mockserver.settings import Settings

from ..support import BASE, HEADERS, ORG, Api, make_app
from .shapes import flow_error, not_found


OTHER_ORG = "0A0A0A0A0A0A0A0A0A0A0A0A@AdobeOrg"


def api_for(client, org=ORG, sandbox="prod") -> Api:
    return Api(client, {**HEADERS, "x-gw-ims-org-id": org, "x-sandbox-name": sandbox})


# --- health ------------------------------------------------------------------------------------

def test_health_of_a_fresh_mock(client, store_backend):
    response = client.get("/_mock/health")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"status", "version", "profile", "store", "uptimeSeconds", "tenants"}
    assert body["store"].split(":")[0] == store_backend
    assert (body["status"], body["version"], body["profile"], body["tenants"]) == ("ok", __version__, "default", [])
    assert isinstance(body["uptimeSeconds"], (int, float)) and body["uptimeSeconds"] >= 0


@pytest.mark.parametrize("profile", ["seed", "current"])
def test_health_reports_the_profile(profile):
    client = make_app(Settings(profile=profile)).test_client()
    assert client.get("/_mock/health").get_json()["profile"] == profile


def test_health_counts_entities_per_tenant(client, api):
    api.audience_flow()  # a profile source, an S3 base and target, a flow
    api_for(client, OTHER_ORG, "dev").s3_base()
    tenants = {(t["imsOrgId"], t["sandboxName"]): t["counts"] for t in client.get("/_mock/health").get_json()["tenants"]}
    assert tenants == {
        (ORG, "prod"): {"connections": 1, "sourceConnections": 1, "targetConnections": 1, "flows": 1, "runs": 0,
                        "conversionSchemas": 0, "mappingSets": 0},
        (OTHER_ORG, "dev"): {"connections": 1, "sourceConnections": 0, "targetConnections": 0, "flows": 0,
                             "runs": 0, "conversionSchemas": 0, "mappingSets": 0},
    }


# --- reset ----------------------------------------------------------------------------------------

@pytest.fixture
def three_tenants(client):
    made = {}
    for org, sandbox in ((ORG, "prod"), (ORG, "dev"), (OTHER_ORG, "prod")):
        made[(org, sandbox)] = api_for(client, org, sandbox).s3_base()
    return made


def surviving(client, made) -> set:
    return {key for key, base in made.items()
            if api_for(client, *key).get(f"/connections/{base}").status_code == 200}


def test_reset_all(client, three_tenants):
    response = client.post("/_mock/reset")
    assert response.status_code == 200
    assert response.get_json() == {"reset": 3}
    assert client.get("/_mock/health").get_json()["tenants"] == []
    assert surviving(client, three_tenants) == set()


@pytest.mark.parametrize("scope, gone", [
    ({"imsOrgId": ORG, "sandboxName": "dev"}, {(ORG, "dev")}),
    ({"imsOrgId": ORG}, {(ORG, "dev"), (ORG, "prod")}),
    ({"sandboxName": "prod"}, {(ORG, "prod"), (OTHER_ORG, "prod")}),
    ({"imsOrgId": "NOBODY@AdobeOrg"}, set()),
])
@pytest.mark.parametrize("how", ["json-body", "query-string"])
def test_reset_one_scope(client, three_tenants, scope, gone, how):
    if how == "json-body":
        response = client.post("/_mock/reset", json=scope)
    else:
        response = client.post("/_mock/reset", query_string=scope)
    assert response.get_json() == {"reset": len(gone)}
    assert surviving(client, three_tenants) == set(three_tenants) - gone


def test_reset_of_a_tenant_keeps_the_id_sequence(client, api):
    first = api.s3_base()
    client.post("/_mock/reset", json={"imsOrgId": ORG, "sandboxName": "prod"})
    assert api.s3_base() != first


def test_full_reset_restarts_the_seeded_id_sequence(client, api):
    first = api.s3_base()
    client.post("/_mock/reset")
    not_found(api.get(f"/connections/{first}"), "connections", first)
    assert api.s3_base() == first  # Settings(seed=42): same ids run after run


@pytest.mark.parametrize("body", [[1], "prod", 3, {"imsOrgId": 5}, {"sandboxName": ["prod"]}])
def test_reset_refuses_bad_bodies(client, three_tenants, body):
    flow_error(client.post("/_mock/reset", json=body), 1100, 400)
    assert surviving(client, three_tenants) == set(three_tenants)


def test_reset_refuses_malformed_json(client, three_tenants):
    response = client.post("/_mock/reset", data="{", content_type="application/json")
    flow_error(response, 1100, 400, contains="not valid JSON")
    assert surviving(client, three_tenants) == set(three_tenants)


@pytest.mark.parametrize("method, path", [("GET", "/_mock/reset"), ("POST", "/_mock/health"),
                                          ("DELETE", "/_mock/openapi.json")])
def test_admin_methods(client, method, path):
    assert client.open(path, method=method).status_code == 405


def test_unknown_admin_path(client):
    flow_error(client.get("/_mock/nothing"), 1101, 404, title="Resource not found")


# --- the OpenAPI document -----------------------------------------------------------------------------

@pytest.fixture
def document(client):
    response = client.get("/_mock/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_openapi_is_an_openapi_3_document(document):
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["version"] == __version__
    assert document["info"]["title"]
    assert isinstance(document["paths"], dict) and document["paths"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                assert operation["responses"], f"{method} {path}"


def test_openapi_documents_every_route_of_the_app(app, document):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        path = re.sub(r"<[^>]+>", "{id}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((path, method.lower()))
    documented = {(path, method) for path, item in document["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    documented = {(re.sub(r"\{[^}]+\}", "{id}", p), m) for p, m in documented}
    assert served == documented


def test_openapi_is_served_without_headers_and_is_stable(client, document):
    assert client.get("/_mock/openapi.json").get_json() == document
    assert f"{BASE}/flows" in document["paths"]
