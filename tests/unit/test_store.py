"""Unit tests of mockserver.store.memory: tenants per (org, sandbox), isolation, reset."""

from __future__ import annotations

import uuid

import pytest

from mockserver.store.base import COLLECTIONS, SANDBOX_NAMESPACE
from mockserver.store.memory import MemoryStore, Tenant

ORG_A = "AAAA467B5D8013E50A494220@AdobeOrg"
ORG_B = "BBBB467B5D8013E50A494220@AdobeOrg"


def _filled_store() -> MemoryStore:
    """Five tenants, each holding one flow named after it."""
    store = MemoryStore()
    for org, sandbox in [(ORG_A, "prod"), (ORG_A, "dev"), (ORG_A, "stage"), (ORG_B, "prod"), (ORG_B, "dev")]:
        store.tenant(org, sandbox).put("flows", {"id": f"{org[:4]}-{sandbox}"})
    return store


def _keys(store: MemoryStore) -> set[tuple[str, str]]:
    return {(t.org, t.sandbox) for t in store.tenants()}


def test_the_same_org_and_sandbox_give_the_same_tenant():
    store = MemoryStore()
    assert store.tenant(ORG_A, "prod") is store.tenant(ORG_A, "prod")
    assert store.tenant(ORG_A, "prod") is not store.tenant(ORG_A, "dev")
    assert store.tenant(ORG_A, "prod") is not store.tenant(ORG_B, "prod")


def test_a_new_tenant_is_empty_in_every_collection():
    tenant = MemoryStore().tenant(ORG_A, "prod")
    assert tenant.counts() == {name: 0 for name in COLLECTIONS}
    assert set(COLLECTIONS) == {"connections", "sourceConnections", "targetConnections", "flows", "runs",
                                "conversionSchemas", "mappingSets"}


@pytest.mark.parametrize("other", [(ORG_A, "dev"), (ORG_B, "prod"), (ORG_B, "dev")])
def test_tenants_are_isolated(other):
    store = MemoryStore()
    store.tenant(ORG_A, "prod").put("flows", {"id": "f1", "name": "mine"})
    neighbour = store.tenant(*other)
    assert neighbour.get("flows", "f1") is None
    assert neighbour.values("flows") == []
    assert neighbour.remove("flows", "f1") is None
    assert store.tenant(ORG_A, "prod").get("flows", "f1") == {"id": "f1", "name": "mine"}


def test_collections_within_a_tenant_are_separate():
    tenant = Tenant(ORG_A, "prod")
    tenant.put("connections", {"id": "x"})
    assert tenant.get("flows", "x") is None
    assert tenant.counts()["connections"] == 1 and tenant.counts()["flows"] == 0


def test_put_get_values_remove():
    tenant = Tenant(ORG_A, "prod")
    tenant.put("flows", {"id": "a", "v": 1})
    tenant.put("flows", {"id": "b"})
    tenant.put("flows", {"id": "a", "v": 2})          # same id replaces
    assert tenant.get("flows", "a") == {"id": "a", "v": 2}
    assert sorted(e["id"] for e in tenant.values("flows")) == ["a", "b"]
    assert tenant.remove("flows", "a") == {"id": "a", "v": 2}
    assert tenant.remove("flows", "a") is None
    assert tenant.counts()["flows"] == 1


def test_values_is_a_snapshot():
    tenant = Tenant(ORG_A, "prod")
    tenant.put("flows", {"id": "a"})
    listed = tenant.values("flows")
    tenant.put("flows", {"id": "b"})
    assert [e["id"] for e in listed] == ["a"]


def test_sandbox_id_is_a_stable_uuid5_of_org_and_sandbox():
    first = MemoryStore().tenant(ORG_A, "prod").sandbox_id
    again = MemoryStore().tenant(ORG_A, "prod").sandbox_id
    assert first == again
    assert uuid.UUID(first).version == 5
    assert first == str(uuid.uuid5(SANDBOX_NAMESPACE, f"{ORG_A}/prod"))


def test_sandbox_id_differs_by_org_and_by_sandbox():
    ids = {Tenant(org, sandbox).sandbox_id for org in (ORG_A, ORG_B) for sandbox in ("prod", "dev")}
    assert len(ids) == 4


def test_sandbox_id_survives_a_reset():
    store = MemoryStore()
    before = store.tenant(ORG_A, "prod").sandbox_id
    store.reset()
    assert store.tenant(ORG_A, "prod").sandbox_id == before


@pytest.mark.parametrize("org, sandbox, removed, left", [
    (None, None, 5, set()),
    (ORG_A, None, 3, {(ORG_B, "prod"), (ORG_B, "dev")}),
    (None, "prod", 2, {(ORG_A, "dev"), (ORG_A, "stage"), (ORG_B, "dev")}),
    (ORG_B, "dev", 1, {(ORG_A, "prod"), (ORG_A, "dev"), (ORG_A, "stage"), (ORG_B, "prod")}),
    ("OTHER@AdobeOrg", None, 0, {(ORG_A, "prod"), (ORG_A, "dev"), (ORG_A, "stage"), (ORG_B, "prod"), (ORG_B, "dev")}),
    (None, "nope", 0, {(ORG_A, "prod"), (ORG_A, "dev"), (ORG_A, "stage"), (ORG_B, "prod"), (ORG_B, "dev")}),
])
def test_reset_forgets_the_matching_tenants_and_counts_them(org, sandbox, removed, left):
    store = _filled_store()
    assert store.reset(org, sandbox) == removed
    assert _keys(store) == left
    for key in left:  # the others keep their data
        assert store.tenant(*key).counts()["flows"] == 1


def test_after_a_reset_the_tenant_starts_empty():
    store = _filled_store()
    old = store.tenant(ORG_A, "prod")
    store.reset(ORG_A, "prod")
    fresh = store.tenant(ORG_A, "prod")
    assert fresh is not old
    assert fresh.counts()["flows"] == 0


def test_reset_of_an_empty_store_counts_nothing():
    assert MemoryStore().reset() == 0
