"""The SQLite store (``--store sqlite:PATH``): the memory store, written through to one file.

Everything is held in memory exactly as :class:`MemoryStore` holds it, so a read never touches
SQLite and costs what it costs in memory. Every change (an entity put or removed, the engine's
record of a flow, a meta value, a sequence, a reset) is written to SQLite in the same call,
under the store's lock, before the call returns: a change the API acknowledged is in the file.
The order is check, write the file, change memory; a write that fails (disk full, file gone)
raises :class:`StoreUnavailable` (a 503) and leaves memory as it was. At start every row is
loaded back into memory.

Durability: the file is in WAL journal mode with ``synchronous=NORMAL``. A commit is in the
operating system's hands when the call returns, so it survives the process dying in any way
(``kill -9``, a crash, an OOM kill). A power loss or kernel panic may lose the last
transactions (never corrupt the file): that is what ``synchronous=NORMAL`` trades for not
syncing the disk on every write, and a mock needs no more.

One process per file: the store takes an exclusive ``flock`` on a sidecar ``PATH.lock`` for as
long as it is open (the system releases it when the process dies, however it dies), and a
second opening, from any process, is refused with a message naming the holder's pid. Several
processes on one state is what the Redis backend is for. Leases (``claim``) are the memory
store's, kept in memory only: with one process nobody else could hold one.

The file carries its schema version (table ``schema_version``, one row). A new file, or one
without that table, is version 0; :data:`MIGRATIONS` takes a file from version k to k + 1, each
in one transaction, in order, up to :data:`SCHEMA_VERSION`. A file of a newer version, a file
that is not a SQLite database, a corrupt one or a database of something else is refused with
:class:`StoreUnavailable` naming it, and left as it was.
"""

from __future__ import annotations

import atexit
import gc
import os
import sqlite3
from typing import Any, Callable

import orjson

from .base import ANY, StoreUnavailable
from .memory import WRITES, MemoryStore, MemoryTenant, _check

try:  # pragma: no cover - the platform decides
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]
    import msvcrt


def _migrate_0_to_1(db: sqlite3.Connection) -> None:
    """Version 1: tenants, entities, the engine's records, meta values, sequences."""
    db.execute("CREATE TABLE IF NOT EXISTS tenants (org TEXT NOT NULL, sandbox TEXT NOT NULL,"
               " PRIMARY KEY (org, sandbox))")
    db.execute("CREATE TABLE IF NOT EXISTS entities (org TEXT NOT NULL, sandbox TEXT NOT NULL,"
               " collection TEXT NOT NULL, id TEXT NOT NULL, body BLOB NOT NULL,"
               " PRIMARY KEY (org, sandbox, collection, id))")
    db.execute("CREATE TABLE IF NOT EXISTS engine_state (org TEXT NOT NULL, sandbox TEXT NOT NULL,"
               " flow_id TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (org, sandbox, flow_id))")
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL)")
    db.execute("CREATE TABLE IF NOT EXISTS sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)")


#: ``MIGRATIONS[k]`` takes a file from schema version k to k + 1 (it runs inside a transaction
#: that also records the new version). Append; never change one that has shipped.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_migrate_0_to_1]
#: The version this code writes (and the newest it reads).
SCHEMA_VERSION = len(MIGRATIONS)
#: The tables of the store: a database holding tables but none of these is someone else's.
TABLES = {"tenants", "entities", "engine_state", "meta", "sequences", "schema_version"}

_PUT = "INSERT OR REPLACE INTO entities (org, sandbox, collection, id, body) VALUES (?, ?, ?, ?, ?)"
_DELETE = "DELETE FROM entities WHERE org = ? AND sandbox = ? AND collection = ? AND id = ?"
_ENGINE = "INSERT OR REPLACE INTO engine_state (org, sandbox, flow_id, body) VALUES (?, ?, ?, ?)"
_TENANT = "INSERT OR IGNORE INTO tenants (org, sandbox) VALUES (?, ?)"


class SqliteTenant(MemoryTenant):
    """A memory tenant whose changes are written through to the store's file."""

    __slots__ = ("_store", "dropped")

    def __init__(self, store: "SqliteStore", org: str, sandbox: str) -> None:
        super().__init__(org, sandbox, store.lock)
        self._store = store
        #: Set by a reset: work still holding the tenant changes memory only, never the file.
        self.dropped = False

    def put(self, collection: str, entity: dict, expect: Any = ANY) -> None:
        items = self.collections[collection]
        body = orjson.dumps(entity)
        with self._lock:
            if expect is not ANY:
                _check(items.get(entity["id"]), expect)
            if not self.dropped:
                self._store._write(_PUT, (self.org, self.sandbox, collection, entity["id"], body))
            items[entity["id"]] = entity
            self.versions[collection] = next(WRITES)

    def remove(self, collection: str, entity_id: str, expect: Any = ANY) -> dict | None:
        items = self.collections[collection]
        with self._lock:
            if expect is not ANY:
                _check(items.get(entity_id), expect)
            if entity_id in items and not self.dropped:
                self._store._write(_DELETE, (self.org, self.sandbox, collection, entity_id))
            return self._pop(collection, entity_id)

    def save_engine_state(self, flow_id: str, state: Any) -> None:
        # The object itself stays in memory; the file holds its JSON (orjson writes a dataclass
        # as an object, and an infinite next_due as null).
        body = orjson.dumps(state)
        with self._lock:
            if not self.dropped:
                self._store._write(_ENGINE, (self.org, self.sandbox, flow_id, body))
            self.engine[flow_id] = state


class SqliteStore(MemoryStore):
    """The memory store written through to the SQLite file at ``path`` (relative to the working
    directory; its folder is made). See the module's docstring for durability and the rules."""

    def __init__(self, path: str) -> None:
        super().__init__()
        if not path:
            raise StoreUnavailable("sqlite: needs a file, e.g. --store sqlite:./state/mock.db")
        self.path = os.path.abspath(os.path.expanduser(path))
        self.name = f"sqlite:{self.path}"
        self._db: sqlite3.Connection | None = None
        self._lock_fd: int | None = None
        self._loading = False
        if os.path.isdir(self.path):
            raise StoreUnavailable(f"{self.path} is a folder, not a SQLite file")
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"cannot make the folder of {self.path}: {exc.strerror or exc}") from None
        self._take_file_lock()
        try:
            self._db = self._open()
            self._load()
        except BaseException:
            self._release()
            raise
        atexit.register(self.close)

    # --- opening ------------------------------------------------------------------------------

    def _take_file_lock(self) -> None:
        lock_path = self.path + ".lock"
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreUnavailable(f"cannot open {lock_path}: {exc.strerror or exc}") from None
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:  # pragma: no cover - Windows
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                holder = os.read(fd, 32).decode(errors="replace").strip()
            except OSError:  # pragma: no cover - Windows: the locked byte cannot be read
                holder = ""
            os.close(fd)
            raise StoreUnavailable(
                f"{self.path} is in use by another flowservice-mock store"
                f"{f' (pid {holder})' if holder else ''}: one process per file "
                f"(stop it, or share state between processes with --store redis://...)") from None
        # The holder's pid, for the message a second opening gets.
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def _open(self) -> sqlite3.Connection:
        """The connection, its file checked, at the current schema version; nothing is written
        to a file that is refused."""
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from None
        try:
            try:
                problems = [row[0] for row in db.execute("PRAGMA quick_check")]
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                version = self._version(db, tables)
            except sqlite3.DatabaseError as exc:
                raise StoreUnavailable(f"{self.path} is not a SQLite database or is corrupt ({exc}); "
                                       "it was left as it is") from None
            if problems != ["ok"]:
                raise StoreUnavailable(f"{self.path} is corrupt (SQLite's quick_check: "
                                       f"{'; '.join(map(str, problems[:3]))}); it was left as it is")
            if tables and not tables & TABLES:
                raise StoreUnavailable(f"{self.path} is a SQLite database of something else, not a "
                                       "flowservice-mock store; it was left as it is")
            if version > SCHEMA_VERSION:
                raise StoreUnavailable(f"{self.path} was written by a newer flowservice-mock "
                                       f"(schema {version}; this one reads up to {SCHEMA_VERSION})")
            try:
                if db.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                    raise StoreUnavailable(f"{self.path}: SQLite would not use WAL journal mode")
                db.execute("PRAGMA synchronous=NORMAL")
                for target in range(version + 1, SCHEMA_VERSION + 1):
                    db.execute("BEGIN IMMEDIATE")
                    try:
                        MIGRATIONS[target - 1](db)
                        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                        db.execute("DELETE FROM schema_version")
                        db.execute("INSERT INTO schema_version (version) VALUES (?)", (target,))
                        db.execute("COMMIT")
                    except BaseException:
                        db.execute("ROLLBACK")
                        raise
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot prepare {self.path}: {exc}") from None
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _version(db: sqlite3.Connection, tables: set[str]) -> int:
        """The file's schema version: 0 for a new file or one from before the version table."""
        if "schema_version" not in tables:
            return 0
        row = db.execute("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def _load(self) -> None:
        """Every row into memory, as the memory store would hold it."""
        loads = orjson.loads
        # Hundreds of thousands of dicts are made here and all of them live on: the collector
        # would scan the growing heap again and again for nothing.
        collecting = gc.isenabled()
        gc.disable()
        self._loading = True
        try:
            db = self._db
            for org, sandbox in db.execute("SELECT org, sandbox FROM tenants"):
                self.tenant(org, sandbox)
            collections: dict[tuple[str, str, str], dict | None] = {}
            for org, sandbox, collection, entity_id, body in db.execute(
                    "SELECT org, sandbox, collection, id, body FROM entities"):
                items = collections.get((org, sandbox, collection), ANY)
                if items is ANY:
                    items = collections[org, sandbox, collection] = \
                        self.tenant(org, sandbox).collections.get(collection)
                if items is not None:  # None: a collection this version does not know, left in the file
                    items[entity_id] = loads(body)
            for org, sandbox, flow_id, body in db.execute("SELECT org, sandbox, flow_id, body FROM engine_state"):
                self.tenant(org, sandbox).engine[flow_id] = loads(body)
            for key_, value in db.execute("SELECT key, value FROM meta"):
                self._meta[key_] = loads(value)
            for name, value in db.execute("SELECT name, value FROM sequences"):
                self._sequences[name] = int(value)
            # A tenant known only by its entities (a file from before the tenants table had it).
            db.executemany(_TENANT, list(self._tenants))
        except (sqlite3.DatabaseError, orjson.JSONDecodeError) as exc:
            raise StoreUnavailable(f"{self.path} cannot be read ({exc}); it was left as it is") from None
        finally:
            self._loading = False
            if collecting:
                # Out of the collector's sight for good, or its first collection would scan them
                # all (a second for 100,000 flows): JSON holds no cycles, refcounts free them.
                gc.freeze()
                gc.enable()

    # --- writing ------------------------------------------------------------------------------

    def _write(self, sql: str, params: tuple) -> None:
        """One statement, its own transaction, committed before this returns (caller holds the lock)."""
        if self._db is None:
            raise StoreUnavailable(f"{self.name} is closed")
        try:
            self._db.execute(sql, params)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.name}: cannot write: {exc}") from None

    def _transaction(self, statements: list[tuple[str, Any]]) -> None:
        """Statements (each with its rows of parameters) in one transaction (caller holds the lock)."""
        if self._db is None:
            raise StoreUnavailable(f"{self.name} is closed")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in statements:
                    self._db.executemany(sql, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.name}: cannot write: {exc}") from None

    def _new_tenant(self, org: str, sandbox: str) -> SqliteTenant:
        # Called under the lock (MemoryStore.tenant); while loading, rows are written after.
        if not self._loading:
            self._write(_TENANT, (org, sandbox))
        return SqliteTenant(self, org, sandbox)

    def reset(self, org: str | None = None, sandbox: str | None = None) -> int:
        where = "WHERE (? IS NULL OR org = ?) AND (? IS NULL OR sandbox = ?)"
        params = (org, org, sandbox, sandbox)
        with self.lock:
            self._transaction([(f"DELETE FROM {table} {where}", [params])
                               for table in ("entities", "engine_state", "tenants")])
            for key, tenant in self._tenants.items():
                if (org is None or key[0] == org) and (sandbox is None or key[1] == sandbox):
                    tenant.dropped = True
            return super().reset(org, sandbox)

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            if value is None:
                self._write("DELETE FROM meta WHERE key = ?", (key,))
            else:
                self._write("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, orjson.dumps(value)))
            super().set_meta(key, value)

    def next_sequence(self, name: str) -> int:
        with self.lock:
            value = self._sequences.get(name, 0) + 1
            self._write("INSERT OR REPLACE INTO sequences (name, value) VALUES (?, ?)", (name, value))
            self._sequences[name] = value
            return value

    def reset_sequence(self, name: str) -> None:
        with self.lock:
            self._write("DELETE FROM sequences WHERE name = ?", (name,))
            super().reset_sequence(name)

    # --- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file and let another process open it (also run at interpreter exit)."""
        with self.lock:
            self._release()
        atexit.unregister(self.close)

    def _release(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None
