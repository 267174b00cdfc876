"""The contract every store backend keeps (mockserver/store/base.py), as tests of one fresh store.

Not collected by itself: a backend's test module imports these tests and provides the fixture
``store_factory``, a callable returning a new, empty store of that backend (closed by the
``store`` fixture here). ``tests/unit/test_store_contract.py`` runs them for every backend::

    from .store_contract import *  # noqa: F401,F403 - the contract's tests and fixtures

Nothing here assumes a backend: tenants and entities are compared by value (a backend may hand
out copies), the engine's record goes in and out as JSON-able values, and no test counts on
state outliving the store or on a backend's own limits.
"""

from __future__ import annotations

import threading
import time

import pytest

from mockserver.engine.runner import _FlowState, _state
from mockserver.store.base import ANY, COLLECTIONS, VersionConflict, sandbox_id

ORG_A = "AAAA467B5D8013E50A494220@AdobeOrg"
ORG_B = "BBBB467B5D8013E50A494220@AdobeOrg"


@pytest.fixture
def store(store_factory):
    made = store_factory()
    yield made
    made.close()


def _flow(entity_id: str, etag: str = '"e1"', **fields) -> dict:
    return {"id": entity_id, "etag": etag, "name": f"flow {entity_id}", **fields}


# --- tenants ----------------------------------------------------------------------------------

def test_contract_a_tenant_has_its_keys_and_a_stable_sandbox_id(store):
    tenant = store.tenant(ORG_A, "prod")
    assert (tenant.org, tenant.sandbox) == (ORG_A, "prod")
    assert tenant.sandbox_id == sandbox_id(ORG_A, "prod")
    assert store.tenant(ORG_A, "dev").sandbox_id != tenant.sandbox_id


def test_contract_a_new_tenant_is_empty_in_every_collection(store):
    tenant = store.tenant(ORG_A, "prod")
    assert tenant.counts() == {name: 0 for name in COLLECTIONS}
    for name in COLLECTIONS:
        assert tenant.values(name) == []


def test_contract_find_does_not_make_a_tenant_and_tenants_lists_those_made(store):
    assert store.find(ORG_A, "prod") is None
    store.tenant(ORG_A, "prod")
    store.tenant(ORG_B, "dev")
    assert store.find(ORG_A, "prod") is not None
    assert store.find(ORG_A, "dev") is None
    assert {(t.org, t.sandbox) for t in store.tenants()} == {(ORG_A, "prod"), (ORG_B, "dev")}


@pytest.mark.parametrize("other", [(ORG_A, "dev"), (ORG_B, "prod")])
def test_contract_tenants_are_isolated(store, other):
    store.tenant(ORG_A, "prod").put("flows", _flow("f1"))
    neighbour = store.tenant(*other)
    assert neighbour.get("flows", "f1") is None
    assert neighbour.values("flows") == []
    assert neighbour.remove("flows", "f1") is None
    assert store.tenant(ORG_A, "prod").get("flows", "f1") == _flow("f1")


def test_contract_collections_of_a_tenant_are_separate(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("connections", _flow("x"))
    assert tenant.get("flows", "x") is None
    assert tenant.counts()["connections"] == 1 and tenant.counts()["flows"] == 0


# --- entities ---------------------------------------------------------------------------------

def test_contract_put_get_values_remove(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a", v=1))
    tenant.put("flows", _flow("b"))
    tenant.put("flows", _flow("a", '"e2"', v=2))  # the same id replaces
    assert tenant.get("flows", "a") == _flow("a", '"e2"', v=2)
    assert sorted(e["id"] for e in tenant.values("flows")) == ["a", "b"]
    assert tenant.counts()["flows"] == 2
    assert tenant.remove("flows", "a") == _flow("a", '"e2"', v=2)
    assert tenant.remove("flows", "a") is None
    assert tenant.get("flows", "a") is None
    assert tenant.counts()["flows"] == 1


def test_contract_an_entity_keeps_every_json_value(store):
    entity = _flow("a", nested={"list": [1, 2.5, "three", None, True, {"deep": []}]},
                   text="ünïcødé ✓ \u0000 \"quoted\"", big=2**53, negative=-1, empty={})
    store.tenant(ORG_A, "prod").put("runs", entity)
    assert store.tenant(ORG_A, "prod").get("runs", "a") == entity


def test_contract_values_is_a_snapshot(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"))
    listed = tenant.values("flows")
    tenant.put("flows", _flow("b"))
    assert [e["id"] for e in listed] == ["a"]


def test_contract_every_collection_holds_entities(store):
    tenant = store.tenant(ORG_A, "prod")
    for name in COLLECTIONS:
        tenant.put(name, _flow(f"in-{name}"))
    assert tenant.counts() == {name: 1 for name in COLLECTIONS}
    assert tenant.get("runs", "in-runs") == _flow("in-runs")


# --- expect -----------------------------------------------------------------------------------

def test_contract_expect_none_creates_only_what_is_new(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"), expect=None)
    with pytest.raises(VersionConflict) as conflict:
        tenant.put("flows", _flow("a", '"e2"'), expect=None)
    assert conflict.value.current == '"e1"'
    assert tenant.get("flows", "a") == _flow("a")


def test_contract_expect_an_etag_replaces_only_that_version(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"))
    tenant.put("flows", _flow("a", '"e2"'), expect='"e1"')
    assert tenant.get("flows", "a")["etag"] == '"e2"'
    with pytest.raises(VersionConflict) as conflict:
        tenant.put("flows", _flow("a", '"e3"'), expect='"e1"')
    assert conflict.value.current == '"e2"'
    assert tenant.get("flows", "a")["etag"] == '"e2"'


def test_contract_expect_an_etag_of_a_missing_entity_conflicts_with_none(store):
    tenant = store.tenant(ORG_A, "prod")
    with pytest.raises(VersionConflict) as conflict:
        tenant.put("flows", _flow("a"), expect='"e1"')
    assert conflict.value.current is None
    assert tenant.get("flows", "a") is None
    with pytest.raises(VersionConflict) as conflict:
        tenant.remove("flows", "a", expect='"e1"')
    assert conflict.value.current is None


def test_contract_remove_with_expect(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"))
    with pytest.raises(VersionConflict) as conflict:
        tenant.remove("flows", "a", expect='"other"')
    assert conflict.value.current == '"e1"'
    assert tenant.get("flows", "a") == _flow("a")
    assert tenant.remove("flows", "a", expect='"e1"') == _flow("a")
    assert tenant.get("flows", "a") is None


def test_contract_expect_any_is_unconditional(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"), expect=ANY)
    tenant.put("flows", _flow("a", '"e2"'), expect=ANY)
    assert tenant.remove("flows", "a", expect=ANY)["etag"] == '"e2"'


def test_contract_of_racing_conditional_writes_one_wins(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.put("flows", _flow("a"))
    wins, conflicts = [], []
    start = threading.Barrier(8)

    def patch(n: int) -> None:
        start.wait()
        try:
            tenant.put("flows", _flow("a", f'"by-{n}"'), expect='"e1"')
            wins.append(n)
        except VersionConflict:
            conflicts.append(n)

    threads = [threading.Thread(target=patch, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1 and len(conflicts) == 7
    assert tenant.get("flows", "a")["etag"] == f'"by-{wins[0]}"'


# --- the engine's record ----------------------------------------------------------------------

def test_contract_engine_state_in_and_out(store):
    tenant = store.tenant(ORG_A, "prod")
    assert tenant.engine_state("f1") is None
    record = {"watermarks": {"segment:a": 1.5}, "scheduled": {}, "exported": {"segment:a": 1.0},
              "version": ['"e1"', "enabled"], "next_due": 2.0}
    tenant.save_engine_state("f1", record)
    assert tenant.engine_state("f1") == record
    assert store.tenant(ORG_A, "dev").engine_state("f1") is None


def test_contract_the_engine_reads_back_what_it_saved(store):
    tenant = store.tenant(ORG_A, "prod")
    tenant.save_engine_state("f1", _FlowState({"segment:a": 1.5}, {"segment:a": 1.0}, {}, ('"e1"', "enabled"),
                                              float("inf")))
    state = _state(tenant.engine_state("f1"))
    assert isinstance(state, _FlowState)
    assert (state.watermarks, state.scheduled, state.exported) == ({"segment:a": 1.5}, {"segment:a": 1.0}, {})
    assert tuple(state.version) == ('"e1"', "enabled")
    fresh = _state(tenant.engine_state("never-seen"))
    assert (fresh.watermarks, fresh.scheduled, fresh.exported) == ({}, {}, {})


def test_contract_every_engine_record_of_a_tenant_in_one_read(store):
    tenant = store.tenant(ORG_A, "prod")
    assert dict(tenant.engine_states()) == {}
    for n in range(3):
        tenant.save_engine_state(f"f{n}", _FlowState({"segment:a": float(n)}, {}, {}))
    store.tenant(ORG_A, "dev").save_engine_state("other", _FlowState({}, {}, {}))
    records = tenant.engine_states()
    assert sorted(records) == ["f0", "f1", "f2"]
    assert [_state(records[f"f{n}"]).watermarks for n in range(3)] == [{"segment:a": float(n)} for n in range(3)]


def test_contract_a_collection_version_changes_with_every_change_and_never_repeats(store):
    tenant = store.tenant(ORG_A, "prod")
    seen = {tenant.version("flows")} - {None}
    tenant.put("flows", _flow("f1"))
    changes = [tenant.version("flows")]
    tenant.put("flows", _flow("f1", '"e2"'), expect='"e1"')
    changes.append(tenant.version("flows"))
    with pytest.raises(VersionConflict):
        tenant.put("flows", _flow("f1", '"e3"'), expect='"stale"')
    assert tenant.version("flows") == changes[-1]  # a refused write changes nothing
    tenant.put("connections", _flow("c1"))
    assert tenant.version("flows") == changes[-1]  # another collection's change
    store.tenant(ORG_A, "dev").put("flows", _flow("f1"))
    assert tenant.version("flows") == changes[-1]  # another tenant's change
    tenant.remove("flows", "f1")
    changes.append(tenant.version("flows"))
    store.reset()
    again = store.tenant(ORG_A, "prod")
    again.put("flows", _flow("f1"))  # the same content as the first state, in a tenant made again
    changes.append(again.version("flows"))
    assert None not in changes
    assert len(set(changes) | seen) == len(changes) + len(seen)


# --- meta, sequences, leases ------------------------------------------------------------------

def test_contract_meta_values(store):
    assert store.meta("clock") is None
    before = store.meta_version()
    store.set_meta("clock", {"offset": 3600.0, "frozen": None})
    assert store.meta("clock") == {"offset": 3600.0, "frozen": None}
    assert store.meta_version() != before
    store.set_meta("faults", [{"match": {"method": "GET"}, "status": 503}])
    assert store.meta("faults") == [{"match": {"method": "GET"}, "status": 503}]
    changed = store.meta_version()
    store.set_meta("clock", None)
    assert store.meta("clock") is None
    assert store.meta_version() != changed


def test_contract_sequences_count_from_one_each(store):
    assert [store.next_sequence("ids") for _ in range(3)] == [1, 2, 3]
    assert store.next_sequence("other") == 1
    store.reset_sequence("ids")
    assert store.next_sequence("ids") == 1
    assert store.next_sequence("other") == 2
    store.reset_sequence("never-used")


def test_contract_leases(store):
    assert store.claim("tick", 0.2, "a")
    assert not store.claim("tick", 0.2, "b")
    assert store.claim("tick", 0.2, "a")  # renewed by its holder
    assert store.claim("other", 0.2, "b")
    time.sleep(0.3)
    assert store.claim("tick", 0.2, "b")


# --- reset ------------------------------------------------------------------------------------

def _fill(store) -> None:
    for org, sandbox in [(ORG_A, "prod"), (ORG_A, "dev"), (ORG_B, "prod"), (ORG_B, "dev")]:
        tenant = store.tenant(org, sandbox)
        tenant.put("flows", _flow(f"{org[:4]}-{sandbox}"))
        tenant.save_engine_state(f"{org[:4]}-{sandbox}", {"watermarks": {}, "scheduled": {}, "exported": {}})


def _keys(store) -> set[tuple[str, str]]:
    return {(t.org, t.sandbox) for t in store.tenants()}


def test_contract_a_full_reset_forgets_every_tenant(store):
    _fill(store)
    before = store.meta_version()
    assert store.reset() == 4
    assert _keys(store) == set()
    assert store.meta_version() != before
    tenant = store.tenant(ORG_A, "prod")
    assert tenant.counts()["flows"] == 0
    assert tenant.engine_state("AAAA-prod") is None


def test_contract_a_reset_of_an_org_or_a_sandbox(store):
    _fill(store)
    assert store.reset(ORG_A) == 2
    assert _keys(store) == {(ORG_B, "prod"), (ORG_B, "dev")}
    assert store.reset(None, "dev") == 1
    assert _keys(store) == {(ORG_B, "prod")}
    assert store.tenant(ORG_B, "prod").get("flows", "BBBB-prod") is not None
    assert store.reset(ORG_A, "prod") == 0


def test_contract_reset_leaves_meta_and_sequences(store):
    store.set_meta("clock", {"offset": 1.0})
    store.next_sequence("ids")
    _fill(store)
    store.reset()
    assert store.meta("clock") == {"offset": 1.0}
    assert store.next_sequence("ids") == 2


# --- the rest ---------------------------------------------------------------------------------

def test_contract_lock_is_reentrant_and_name_is_given(store):
    with store.lock:
        with store.lock:
            store.tenant(ORG_A, "prod").put("flows", _flow("a"), expect=None)
    assert isinstance(store.name, str) and store.name


def test_contract_close_twice(store_factory):
    made = store_factory()
    made.close()
    made.close()


__all__ = ["store"] + [name for name in dir() if name.startswith("test_contract_")]
