"""Tenants (IMS org x sandbox) see and change nothing of each other (reference §6.9: entities are sandbox-scoped)."""

from __future__ import annotations

import pytest

from ..support import HEADERS, ORG, PROFILE_STORE, S3, S3_SEGMENT_FLOW, S3_TARGET_PARAMS, Api, spec
from .shapes import invalid, not_found


OTHER_ORG = "0A0A0A0A0A0A0A0A0A0A0A0A@AdobeOrg"
HOME = (ORG, "prod")
NEIGHBOURS = [(ORG, "dev"), (OTHER_ORG, "prod"), (OTHER_ORG, "dev")]
COLLECTIONS = ("connections", "sourceConnections", "targetConnections", "flows")


def tenant_api(client, org, sandbox) -> Api:
    return Api(client, {**HEADERS, "x-gw-ims-org-id": org, "x-sandbox-name": sandbox})


@pytest.fixture
def home(client):
    """A complete audience flow in the home tenant, and the ids of its parts."""
    api = tenant_api(client, *HOME)
    flow = api.audience_flow()
    entity = api.entity(f"/flows/{flow['id']}")
    return {
        "api": api,
        "flows": flow["id"],
        "sourceConnections": entity["sourceConnectionIds"][0],
        "targetConnections": entity["targetConnectionIds"][0],
        "connections": entity["inheritedAttributes"]["targetConnections"][0]["baseConnection"]["id"],
    }


def snapshot(api, ids) -> dict:
    return {c: api.entity(f"/{c}/{ids[c]}") for c in COLLECTIONS}


@pytest.mark.parametrize("neighbour", NEIGHBOURS, ids=lambda t: f"{t[0][:4]}-{t[1]}")
def test_neighbours_cannot_see_home_entities(client, home, neighbour):
    api = tenant_api(client, *neighbour)
    for collection in COLLECTIONS:
        not_found(api.get(f"/{collection}/{home[collection]}"), collection, home[collection])
        assert api.get(f"/{collection}").get_json() == {"items": [], "_links": {}}
        assert api.get(f"/{collection}?count=true").get_json() == {"count": 0}
        assert api.get(f"/{collection}?property=id=={home[collection]}").get_json()["items"] == []


@pytest.mark.parametrize("neighbour", NEIGHBOURS, ids=lambda t: f"{t[0][:4]}-{t[1]}")
def test_neighbours_cannot_change_or_delete_home_entities(client, home, neighbour):
    before = snapshot(home["api"], home)
    api = tenant_api(client, *neighbour)
    for collection in COLLECTIONS:
        entity_id = home[collection]
        etag = before[collection]["etag"]  # even with the right etag
        not_found(api.patch(f"/{collection}/{entity_id}", [{"op": "replace", "path": "/name", "value": "x"}], etag),
                  collection, entity_id)
        not_found(api.delete(f"/{collection}/{entity_id}"), collection, entity_id)
    not_found(api.post(f"/flows/{home['flows']}/action?op=disable"), "flows", home["flows"])
    assert snapshot(home["api"], home) == before


@pytest.mark.parametrize("neighbour", NEIGHBOURS, ids=lambda t: f"{t[0][:4]}-{t[1]}")
def test_neighbours_cannot_reference_home_entities(client, home, neighbour):
    api = tenant_api(client, *neighbour)
    invalid(api.post("/targetConnections", {"name": "t", "baseConnectionId": home["connections"],
                                            "connectionSpec": spec(S3), "params": S3_TARGET_PARAMS}),
            contains=f"{home['connections']} not found")
    invalid(api.post("/sourceConnections", {"name": "s", "connectionSpec": spec(PROFILE_STORE),
                                            "baseConnectionId": home["connections"]}),
            contains=f"{home['connections']} not found")
    invalid(api.post("/flows", {"name": "f", "flowSpec": spec(S3_SEGMENT_FLOW),
                                "sourceConnectionIds": [home["sourceConnections"]],
                                "targetConnectionIds": [api.s3_target()]}),
            contains=f"{home['sourceConnections']} not found")
    invalid(api.post("/flows", {"name": "f", "flowSpec": spec(S3_SEGMENT_FLOW),
                                "sourceConnectionIds": [api.profile_source()],
                                "targetConnectionIds": [home["targetConnections"]]}),
            contains=f"{home['targetConnections']} not found")


def test_entities_carry_their_tenant(client):
    sandbox_ids = set()
    for org, sandbox in [HOME, *NEIGHBOURS]:
        api = tenant_api(client, org, sandbox)
        entity = api.entity(f"/connections/{api.s3_base()}")
        assert (entity["imsOrgId"], entity["sandboxName"]) == (org, sandbox)
        sandbox_ids.add(entity["sandboxId"])
    assert len(sandbox_ids) == 4


def test_sandbox_id_is_stable_within_a_tenant(client):
    api = tenant_api(client, *HOME)
    first, second = (api.entity(f"/connections/{api.s3_base()}")["sandboxId"] for _ in range(2))
    assert first == second


def test_deletes_in_one_tenant_do_not_affect_another(client, home):
    neighbour = tenant_api(client, *NEIGHBOURS[0])
    other_flow = neighbour.audience_flow()["id"]
    assert home["api"].delete(f"/flows/{home['flows']}").status_code == 202
    assert neighbour.get(f"/flows/{other_flow}").status_code == 200
    assert neighbour.get("/flows?count=true").get_json() == {"count": 1}


def test_in_use_checks_are_per_tenant(client, home):
    # A neighbour's unused base connection can be deleted although the home one is in use.
    neighbour = tenant_api(client, *NEIGHBOURS[1])
    base = neighbour.s3_base()
    assert neighbour.delete(f"/connections/{base}").status_code == 202
    assert home["api"].delete(f"/connections/{home['connections']}").status_code == 400


@pytest.mark.parametrize("scope", [
    {"imsOrgId": OTHER_ORG},
    {"imsOrgId": ORG, "sandboxName": "dev"},
    {"sandboxName": "dev"},
])
def test_reset_of_other_tenants_leaves_home(client, home, scope):
    before = snapshot(home["api"], home)
    for neighbour in NEIGHBOURS:
        tenant_api(client, *neighbour).audience_flow()
    client.post("/_mock/reset", json=scope)
    assert snapshot(home["api"], home) == before
    for neighbour in NEIGHBOURS:
        in_scope = all({"imsOrgId": neighbour[0], "sandboxName": neighbour[1]}[k] == v for k, v in scope.items())
        count = tenant_api(client, *neighbour).get("/flows?count=true").get_json()["count"]
        assert count == (0 if in_scope else 1), neighbour


def test_reset_of_home_leaves_neighbours(client, home):
    neighbours = {n: tenant_api(client, *n).audience_flow()["id"] for n in NEIGHBOURS}
    assert client.post("/_mock/reset", json={"imsOrgId": ORG, "sandboxName": "prod"}).get_json() == {"reset": 1}
    not_found(home["api"].get(f"/flows/{home['flows']}"), "flows", home["flows"])
    for neighbour, flow_id in neighbours.items():
        assert tenant_api(client, *neighbour).get(f"/flows/{flow_id}").status_code == 200
