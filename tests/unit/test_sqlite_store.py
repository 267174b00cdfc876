"""Unit tests of mockserver.store.sqlite: what outlives the store, paths, refusals, migrations,
one process per file. The interface contract itself runs in test_store_contract.py, for every
backend; here it runs once more on stores that were closed and reopened between writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mockserver.engine.runner import _FlowState, _state
from mockserver.store import StoreUnavailable, VersionConflict, open_store
from mockserver.store import sqlite as sqlite_module
from mockserver.store.sqlite import SCHEMA_VERSION, SqliteStore

from .store_contract import *  # noqa: F401,F403 - the contract again, each store reopened first

ORG = "5555467B5D8013E50A494220@AdobeOrg"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def path(tmp_path) -> str:
    return str(tmp_path / "state" / "mock.db")


@pytest.fixture
def store_factory(tmp_path):
    """The contract's stores: each written, closed and reopened once before it is handed out, so
    that every contract test runs on a store that was loaded from its file."""
    made = []

    def make():
        file = str(tmp_path / f"contract-{len(made)}.db")
        first = SqliteStore(file)
        first.set_meta("probe", 1)
        first.set_meta("probe", None)
        first.close()
        store = SqliteStore(file)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


def reopen(store: SqliteStore) -> SqliteStore:
    store.close()
    return SqliteStore(store.path)


def flow(entity_id: str, etag: str = '"e1"', **fields) -> dict:
    return {"id": entity_id, "etag": etag, **fields}


# --- what survives closing and reopening ------------------------------------------------------

def test_entities_survive_reopening_as_they_were(path):
    store = SqliteStore(path)
    tenant = store.tenant(ORG, "prod")
    tenant.put("flows", flow("f1", name="ünïcødé", nested={"a": [1, 2.5, None, True]}))
    tenant.put("flows", flow("f2"))
    tenant.put("flows", flow("f2", '"e2"'), expect='"e1"')
    tenant.put("runs", flow("r1", status="inProgress"))
    tenant.put("connections", flow("c1"))
    tenant.remove("connections", "c1")
    store.tenant(ORG, "dev").put("flows", flow("d1"))
    store = reopen(store)
    tenant = store.find(ORG, "prod")
    assert tenant.get("flows", "f1") == flow("f1", name="ünïcødé", nested={"a": [1, 2.5, None, True]})
    assert tenant.get("flows", "f2")["etag"] == '"e2"'
    assert tenant.get("runs", "r1") == flow("r1", status="inProgress")  # runs in progress are entities too
    assert tenant.get("connections", "c1") is None
    assert tenant.counts()["flows"] == 2
    assert store.find(ORG, "dev").values("flows") == [flow("d1")]
    with pytest.raises(VersionConflict) as conflict:  # the etags came back too
        tenant.put("flows", flow("f2", '"e3"'), expect='"e1"')
    assert conflict.value.current == '"e2"'
    store.close()


def test_an_empty_tenant_survives_reopening(path):
    store = SqliteStore(path)
    store.tenant(ORG, "empty")
    store = reopen(store)
    assert {(t.org, t.sandbox) for t in store.tenants()} == {(ORG, "empty")}
    store.close()


def test_the_engine_record_survives_as_json(path):
    store = SqliteStore(path)
    tenant = store.tenant(ORG, "prod")
    tenant.save_engine_state("f1", _FlowState({"segment:a": 10.0}, {"segment:a": 9.0}, {"segment:a": 8.0},
                                              ('"e1"', "enabled"), float("inf")))
    tenant.save_engine_state("f2", _FlowState({}, {}, {}, next_due=-float("inf")))
    tenant.save_engine_state("f3", _FlowState({}, {}, {}, next_due=123.5))
    store = reopen(store)
    tenant = store.find(ORG, "prod")
    assert tenant.engine_state("f1") == {"watermarks": {"segment:a": 10.0}, "scheduled": {"segment:a": 9.0},
                                         "exported": {"segment:a": 8.0}, "version": ['"e1"', "enabled"],
                                         "next_due": None}
    state = _state(tenant.engine_state("f1"))
    assert state.watermarks == {"segment:a": 10.0} and state.version == ('"e1"', "enabled")
    assert state.next_due == -float("inf")  # infinity was written as null: "look again"
    assert _state(tenant.engine_state("f2")).next_due == -float("inf")
    assert _state(tenant.engine_state("f3")).next_due == 123.5
    store.close()


def test_meta_values_and_sequences_survive(path):
    store = SqliteStore(path)
    store.set_meta("clock", {"offset": 60.0, "frozen": 1.7e9})
    store.set_meta("faults", [{"status": 503}])
    store.set_meta("faults", None)
    assert [store.next_sequence("ids") for _ in range(3)] == [1, 2, 3]
    store.next_sequence("gone")
    store.reset_sequence("gone")
    store = reopen(store)
    assert store.meta("clock") == {"offset": 60.0, "frozen": 1.7e9}
    assert store.meta("faults") is None
    assert store.next_sequence("ids") == 4  # ids continue across restarts
    assert store.next_sequence("gone") == 1
    store.close()


def test_resets_are_written(path):
    store = SqliteStore(path)
    for org, sandbox in [(ORG, "prod"), (ORG, "dev"), ("OTHER@AdobeOrg", "prod")]:
        store.tenant(org, sandbox).put("flows", flow(f"{org}-{sandbox}"))
        store.tenant(org, sandbox).save_engine_state(f"{org}-{sandbox}", {"watermarks": {}})
    store.set_meta("clock", {"offset": 1.0})
    assert store.reset(ORG, "dev") == 1
    store = reopen(store)
    assert {(t.org, t.sandbox) for t in store.tenants()} == {(ORG, "prod"), ("OTHER@AdobeOrg", "prod")}
    assert store.reset() == 2
    store = reopen(store)
    assert list(store.tenants()) == []
    assert store.meta("clock") == {"offset": 1.0}
    rows = sqlite3.connect(path).execute("SELECT (SELECT COUNT(*) FROM entities), (SELECT COUNT(*) FROM"
                                         " engine_state), (SELECT COUNT(*) FROM tenants)").fetchone()
    assert rows == (0, 0, 0)
    store.close()


def test_a_tenant_held_across_a_reset_writes_nothing_to_the_file(path):
    store = SqliteStore(path)
    held = store.tenant(ORG, "prod")
    held.put("flows", flow("before"))
    store.reset()
    held.put("runs", flow("late-run"))  # a run the export worker finishes after the reset
    held.save_engine_state("before", {"watermarks": {}})
    store = reopen(store)
    assert list(store.tenants()) == []
    store.close()


def test_every_acknowledged_write_survives_kill_9(path):
    script = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from mockserver.store.sqlite import SqliteStore
        store = SqliteStore({path!r})
        tenant = store.tenant("o", "prod")
        for n in range(200):
            tenant.put("flows", {{"id": f"f{{n}}", "etag": f"e{{n}}"}})
            store.next_sequence("ids")
        tenant.remove("flows", "f0")
        print("written", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert child.returncode == -signal.SIGKILL and child.stdout.strip() == "written", child.stderr
    store = SqliteStore(path)  # the lock went with the process
    tenant = store.find("o", "prod")
    assert tenant.counts()["flows"] == 199 and tenant.get("flows", "f0") is None
    assert tenant.get("flows", "f199") == {"id": "f199", "etag": "e199"}
    assert store.next_sequence("ids") == 201
    store.close()


def test_a_failed_write_raises_store_unavailable_and_changes_nothing(path):
    store = SqliteStore(path)
    tenant = store.tenant(ORG, "prod")
    tenant.put("flows", flow("f1"))
    store._db.close()  # the file gone from under the store, as a full disk or a lost mount would
    with pytest.raises(StoreUnavailable):
        tenant.put("flows", flow("f1", '"e2"'))
    with pytest.raises(StoreUnavailable):
        tenant.remove("flows", "f1")
    with pytest.raises(StoreUnavailable):
        store.next_sequence("ids")
    assert tenant.get("flows", "f1") == flow("f1")
    assert store._sequences == {}
    store.close()


# --- paths ------------------------------------------------------------------------------------

def test_a_relative_path_is_the_working_directory_s_and_its_folder_is_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:nested/deeper/mock.db")
    assert isinstance(store, SqliteStore)
    assert store.path == str(tmp_path / "nested" / "deeper" / "mock.db")
    assert store.name == f"sqlite:{tmp_path / 'nested' / 'deeper' / 'mock.db'}"
    store.tenant(ORG, "prod").put("flows", flow("f1"))
    store.close()
    assert (tmp_path / "nested" / "deeper" / "mock.db").is_file()


def test_a_folder_or_no_path_is_refused(tmp_path):
    with pytest.raises(StoreUnavailable, match="is a folder"):
        SqliteStore(str(tmp_path))
    with pytest.raises(StoreUnavailable, match="needs a file"):
        open_store("sqlite:")


# --- refusals ---------------------------------------------------------------------------------

def _unchanged(file: str, before: bytes) -> None:
    assert Path(file).read_bytes() == before
    assert not os.path.exists(file + "-wal") and not os.path.exists(file + "-shm")


def test_a_newer_schema_is_refused_and_left_alone(path):
    SqliteStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    db.close()
    before = Path(path).read_bytes()
    with pytest.raises(StoreUnavailable) as refused:
        SqliteStore(path)
    assert str(refused.value) == (f"{path} was written by a newer flowservice-mock "
                                  f"(schema {SCHEMA_VERSION + 1}; this one reads up to {SCHEMA_VERSION})")
    _unchanged(path, before)
    with pytest.raises(StoreUnavailable, match="newer"):  # refused again, not "in use": the lock went
        SqliteStore(path)



@pytest.mark.parametrize("garbage", [b"this is not a database\n" * 100, os.urandom(8192),
                                     b"SQLite format 3\x00" + b"\xff" * 4080])
def test_a_file_that_is_not_sqlite_is_refused_and_left_alone(path, garbage):
    os.makedirs(os.path.dirname(path))
    Path(path).write_bytes(garbage)
    with pytest.raises(StoreUnavailable) as refused:
        SqliteStore(path)
    assert path in str(refused.value) and "left as it is" in str(refused.value)
    _unchanged(path, garbage)


def test_a_damaged_database_is_refused_and_left_alone(path):
    store = SqliteStore(path)
    tenant = store.tenant(ORG, "prod")
    for n in range(300):
        tenant.put("flows", flow(f"f{n}", description="x" * 500))
    store.close()
    data = bytearray(Path(path).read_bytes())
    page = 4096
    assert len(data) > 20 * page
    data[5 * page:12 * page] = os.urandom(7 * page)  # pages of the table and its index
    Path(path).write_bytes(bytes(data))
    with pytest.raises(StoreUnavailable) as refused:
        SqliteStore(path)
    assert path in str(refused.value)
    _unchanged(path, bytes(data))


def test_a_database_of_something_else_is_refused(path):
    os.makedirs(os.path.dirname(path))
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        db.execute("INSERT INTO invoices (total) VALUES (9.5)")
    db.close()
    before = Path(path).read_bytes()
    with pytest.raises(StoreUnavailable, match="something else"):
        SqliteStore(path)
    _unchanged(path, before)


# --- migrations -------------------------------------------------------------------------------

def _version_0_file(path: str) -> None:
    """A file from before the schema version: the tables, their rows, no ``schema_version``."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE tenants (org TEXT NOT NULL, sandbox TEXT NOT NULL, PRIMARY KEY (org, sandbox));
        CREATE TABLE entities (org TEXT NOT NULL, sandbox TEXT NOT NULL, collection TEXT NOT NULL,
                               id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org, sandbox, collection, id));
        CREATE TABLE engine_state (org TEXT NOT NULL, sandbox TEXT NOT NULL, flow_id TEXT NOT NULL,
                                   body BLOB NOT NULL, PRIMARY KEY (org, sandbox, flow_id));
        CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    """)  # no sequences table either: version 1 adds what is missing
    db.execute("INSERT INTO tenants VALUES (?, 'prod')", (ORG,))
    db.execute("INSERT INTO entities VALUES (?, 'prod', 'flows', 'f1', ?)", (ORG, b'{"id":"f1","etag":"\\"e1\\""}'))
    db.execute("INSERT INTO entities VALUES (?, 'dev', 'runs', 'r1', ?)", (ORG, b'{"id":"r1"}'))  # no tenant row
    db.execute("INSERT INTO meta VALUES ('clock', ?)", (b'{"offset":5.0}',))
    db.commit()
    db.close()


def _version(path: str) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT version FROM schema_version").fetchone()[0]
    finally:
        db.close()


def test_a_version_0_file_is_migrated_and_keeps_its_rows(path):
    _version_0_file(path)
    store = SqliteStore(path)
    assert store.find(ORG, "prod").get("flows", "f1") == {"id": "f1", "etag": '"e1"'}
    assert store.meta("clock") == {"offset": 5.0}
    assert store.next_sequence("ids") == 1  # the table the migration made
    store.close()
    assert _version(path) == SCHEMA_VERSION == 1
    db = sqlite3.connect(path)
    assert sorted(db.execute("SELECT sandbox FROM tenants")) == [("dev",), ("prod",)]
    db.close()
    store = SqliteStore(path)
    assert store.next_sequence("ids") == 2
    store.close()


def test_a_new_file_is_at_the_current_version(path):
    SqliteStore(path).close()
    assert _version(path) == SCHEMA_VERSION
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_migrations_run_in_order_each_once(path, monkeypatch):
    ran = []

    def to_2(db):
        ran.append(2)
        db.execute("ALTER TABLE entities ADD COLUMN note TEXT")

    def to_3(db):
        ran.append(3)
        assert db.execute("SELECT COUNT(*) FROM pragma_table_info('entities') WHERE name = 'note'").fetchone()[0]

    _version_0_file(path)
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", [*sqlite_module.MIGRATIONS, to_2, to_3])
    monkeypatch.setattr(sqlite_module, "SCHEMA_VERSION", 3)
    store = SqliteStore(path)
    assert store.find(ORG, "prod").get("flows", "f1")["id"] == "f1"
    store.close()
    assert ran == [2, 3] and _version(path) == 3
    SqliteStore(path).close()
    assert ran == [2, 3]  # nothing more to do


def test_a_failing_migration_leaves_the_file_at_its_version(path, monkeypatch):
    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise sqlite3.OperationalError("no such thing")

    SqliteStore(path).close()
    monkeypatch.setattr(sqlite_module, "MIGRATIONS", [*sqlite_module.MIGRATIONS, broken])
    monkeypatch.setattr(sqlite_module, "SCHEMA_VERSION", 2)
    with pytest.raises(StoreUnavailable, match="cannot prepare"):
        SqliteStore(path)
    assert _version(path) == 1
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'").fetchone()[0] == 0
    db.close()


# --- one process per file ---------------------------------------------------------------------

def test_a_second_opening_is_refused_while_the_first_is_open(path):
    first = SqliteStore(path)
    first.tenant(ORG, "prod").put("flows", flow("f1"))
    with pytest.raises(StoreUnavailable) as refused:
        SqliteStore(path)
    assert f"{path} is in use by another flowservice-mock store (pid {os.getpid()})" in str(refused.value)
    first.tenant(ORG, "prod").put("flows", flow("f2"))  # the first one is unharmed
    first.close()
    second = SqliteStore(path)
    assert second.find(ORG, "prod").counts()["flows"] == 2
    second.close()


def test_another_process_is_refused_while_one_holds_the_file(path):
    holder = SqliteStore(path)
    script = (f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
              "from mockserver.store import open_store, StoreUnavailable\n"
              f"try:\n    open_store('sqlite:{path}')\nexcept StoreUnavailable as exc:\n    print(exc)\n")
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert f"is in use by another flowservice-mock store (pid {os.getpid()})" in child.stdout, child.stderr
    holder.close()
