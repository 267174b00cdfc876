"""The other Platform APIs of the audience-export tutorial: union schema, identities, Data Prep."""

from __future__ import annotations

import pytest

from ..support import HEADERS

UNION = "/data/core/ups/config/entityTypes/_xdm.context.profile"
SCHEMAS = "/data/foundation/conversion/schemas"
MAPPING_SETS = "/data/foundation/conversion/mappingSets"


def post(client, path, body, headers=HEADERS):
    return client.post(path, json=body, headers=headers)


def schema_id(client) -> str:
    response = post(client, SCHEMAS, {"name": "input", "jsonSchema": {"type": "object", "properties": {}}})
    assert response.status_code == 200
    return response.get_json()["id"]


def mapping_body(client, **changes):
    return {"inputSchema": {"id": schema_id(client)}, "outputSchema": {"id": schema_id(client)},
            "mappings": [{"destination": "personalEmail_address", "source": "personalEmail.address",
                          "sourceType": "ATTRIBUTE"}], "xdmVersion": "1.0", **changes}


def test_union_schema_has_the_attributes_the_tutorial_maps(client):
    response = client.get(f"{UNION}?property=fullSchema==true&property=includeRelationshipDescriptors==true",
                          headers=HEADERS)
    assert response.status_code == 200
    properties = response.get_json()["properties"]
    assert properties["person"]["properties"]["name"]["properties"]["firstName"]["type"] == "string"
    assert {"personalEmail", "identityMap", "segmentMembership"} <= properties.keys()


def test_unknown_entity_type_is_404(client):
    response = client.get("/data/core/ups/config/entityTypes/_xdm.context.nothing", headers=HEADERS)
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_identity_namespaces_are_the_standard_ones(client):
    response = client.get("/data/core/idnamespace/identities", headers=HEADERS)
    codes = {n["code"] for n in response.get_json()}
    assert {"ECID", "Email", "GAID", "IDFA", "Phone_E.164"} <= codes
    assert all(n["namespaceType"] == "Standard" and n["status"] == "ACTIVE" for n in response.get_json())


@pytest.mark.parametrize("path", [SCHEMAS, SCHEMAS + "/"])
def test_create_schema_echoes_it_with_an_id_and_version_0(client, path):
    body = {"name": "Sample Schema for Flow Mapping", "jsonSchema": {"title": "XDM Individual Profile"}}
    created = post(client, path, body).get_json()
    assert len(created["id"]) == 32 and created["version"] == 0
    assert created["jsonSchema"] == body["jsonSchema"]
    assert client.get(f"{SCHEMAS}/{created['id']}", headers=HEADERS).get_json() == created


@pytest.mark.parametrize("body", [{}, {"jsonSchema": {}}, {"jsonSchema": "x"}, {"jsonSchema": {"a": 1}, "name": 5}, []])
def test_bad_schemas_are_400(client, body):
    response = post(client, SCHEMAS, body)
    assert response.status_code == 400 and response.get_json()["title"] == "Bad Request"


def test_mapping_set_answers_as_the_tutorial_shows(client):
    response = post(client, MAPPING_SETS, mapping_body(client))
    assert response.status_code == 200
    created = response.get_json()
    assert set(created) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    assert created["version"] == 0 and created["createdDate"] == created["modifiedDate"]
    stored = client.get(f"{MAPPING_SETS}/{created['id']}", headers=HEADERS).get_json()
    assert stored["mappings"][0]["destination"] == "personalEmail_address"


@pytest.mark.parametrize("changes, detail", [
    ({"inputSchema": {"id": "nope"}}, "inputSchema.id"),
    ({"outputSchema": None}, "outputSchema.id"),
    ({"mappings": []}, "mappings"),
    ({"mappings": [{"destination": "personalEmail.address", "source": "personalEmail.address"}]}, "dots"),
    ({"mappings": [{"destination": "a", "source": "b", "sourceType": "MAGIC"}]}, "sourceType"),
    ({"mappings": [{"destination": "a"}]}, "source"),
    ({"xdmVersion": 1}, "xdmVersion"),
])
def test_bad_mapping_sets_are_400_and_not_stored(client, app, changes, detail):
    response = post(client, MAPPING_SETS, mapping_body(client, **changes))
    assert response.status_code == 400 and detail in response.get_json()["detail"]
    tenant = next(app.extensions["flowservice"].store.tenants())
    assert tenant.values("mappingSets") == []


def test_unknown_ids_are_404(client):
    for path in (f"{SCHEMAS}/missing", f"{MAPPING_SETS}/missing"):
        assert client.get(path, headers=HEADERS).status_code == 404


def test_behind_the_gateway_and_tenant_scoped(client):
    assert client.get("/data/core/idnamespace/identities").status_code == 403
    created = post(client, SCHEMAS, {"jsonSchema": {"type": "object"}}).get_json()
    other_org = {**HEADERS, "x-gw-ims-org-id": "OTHER@AdobeOrg"}
    assert client.get(f"{SCHEMAS}/{created['id']}", headers=other_org).status_code == 404
