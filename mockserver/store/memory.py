"""The in-memory store (the default): one :class:`MemoryTenant` per (IMS org, sandbox).

Lock discipline: every change goes through ``MemoryStore.lock`` (one re-entrant lock; a change of
several entities, such as a cascade, holds it throughout), and so does every check of ``expect``.
Stored entities are never changed in place: an update builds a new dict and swaps it in, so a
reader may take an entity without the lock and serialise it while a writer works.
"""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any, Iterator

from .base import ANY, COLLECTIONS, VersionConflict, sandbox_id

#: Versions of collections (``Tenant.version``), one sequence for the process (next() is atomic).
WRITES = itertools.count(1)


class MemoryTenant:
    """Everything one sandbox of one organisation holds."""

    __slots__ = ("org", "sandbox", "sandbox_id", "collections", "engine", "versions", "_lock")

    def __init__(self, org: str, sandbox: str, lock: threading.RLock | None = None) -> None:
        self.org = org
        self.sandbox = sandbox
        self.sandbox_id = sandbox_id(org, sandbox)
        self.collections: dict[str, dict[str, dict]] = {name: {} for name in COLLECTIONS}
        #: What the export engine remembers of each flow's schedule (mockserver/engine/runner.py).
        self.engine: dict[str, Any] = {}
        #: The collections' versions: numbers of this process's one sequence, so that a state of a
        #: collection is never taken for another (a tenant made again after a reset included).
        self.versions: dict[str, int] = {name: next(WRITES) for name in COLLECTIONS}
        self._lock = lock or threading.RLock()

    def get(self, collection: str, entity_id: str) -> dict | None:
        return self.collections[collection].get(entity_id)

    def put(self, collection: str, entity: dict, expect: Any = ANY) -> None:
        items = self.collections[collection]
        if expect is ANY:
            items[entity["id"]] = entity
            self.versions[collection] = next(WRITES)
            return
        with self._lock:
            _check(items.get(entity["id"]), expect)
            items[entity["id"]] = entity
            self.versions[collection] = next(WRITES)

    def remove(self, collection: str, entity_id: str, expect: Any = ANY) -> dict | None:
        items = self.collections[collection]
        if expect is not ANY:
            with self._lock:
                _check(items.get(entity_id), expect)
                return self._pop(collection, entity_id)
        return self._pop(collection, entity_id)

    def _pop(self, collection: str, entity_id: str) -> dict | None:
        removed = self.collections[collection].pop(entity_id, None)
        if removed is not None:
            self.versions[collection] = next(WRITES)
        return removed

    def values(self, collection: str) -> list[dict]:
        return list(self.collections[collection].values())

    def version(self, collection: str) -> int:
        return self.versions[collection]

    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.collections.items()}

    def engine_state(self, flow_id: str) -> Any:
        return self.engine.get(flow_id)

    def save_engine_state(self, flow_id: str, state: Any) -> None:
        self.engine[flow_id] = state

    def engine_states(self) -> dict[str, Any]:
        return self.engine


def _check(current: dict | None, expect: Any) -> None:
    """Raise VersionConflict unless ``current`` is what ``expect`` says it is."""
    if expect is None:
        if current is not None:
            raise VersionConflict(current.get("etag"))
    elif current is None or current.get("etag") != expect:
        raise VersionConflict(None if current is None else current.get("etag"))


#: The tenant class under the name the domain and the tests use.
Tenant = MemoryTenant


class MemoryStore:
    name = "memory"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tenants: dict[tuple[str, str], MemoryTenant] = {}
        self._meta: dict[str, Any] = {}
        self._meta_version = 0
        self._sequences: dict[str, int] = {}
        self._leases: dict[str, tuple[str, float]] = {}

    def tenant(self, org: str, sandbox: str) -> MemoryTenant:
        key = (org, sandbox)
        tenant = self._tenants.get(key)
        if tenant is None:
            with self.lock:
                tenant = self._tenants.get(key)
                if tenant is None:
                    tenant = self._tenants[key] = self._new_tenant(org, sandbox)
        return tenant

    def _new_tenant(self, org: str, sandbox: str) -> MemoryTenant:
        return MemoryTenant(org, sandbox, self.lock)

    def find(self, org: str, sandbox: str) -> MemoryTenant | None:
        """The tenant if it exists (``tenant()`` makes it)."""
        return self._tenants.get((org, sandbox))

    def tenants(self) -> Iterator[MemoryTenant]:
        return iter(list(self._tenants.values()))

    def reset(self, org: str | None = None, sandbox: str | None = None) -> int:
        """Forget the tenants matching ``org`` and ``sandbox`` (``None`` matches all); returns how many."""
        with self.lock:
            doomed = [
                key for key in self._tenants
                if (org is None or key[0] == org) and (sandbox is None or key[1] == sandbox)
            ]
            for key in doomed:
                # Emptied too, so that work queued for the tenant finds nothing left to do.
                tenant = self._tenants.pop(key)
                for items in tenant.collections.values():
                    items.clear()
                tenant.engine.clear()
            self._meta_version += 1
            return len(doomed)

    def meta(self, key: str) -> Any:
        return self._meta.get(key)

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            if value is None:
                self._meta.pop(key, None)
            else:
                self._meta[key] = value
            self._meta_version += 1

    def meta_version(self) -> int:
        return self._meta_version

    def next_sequence(self, name: str) -> int:
        with self.lock:
            value = self._sequences[name] = self._sequences.get(name, 0) + 1
            return value

    def reset_sequence(self, name: str) -> None:
        with self.lock:
            self._sequences.pop(name, None)

    def claim(self, key: str, seconds: float, owner: str) -> bool:
        now = time.monotonic()
        with self.lock:
            holder = self._leases.get(key)
            if holder is not None and holder[0] != owner and holder[1] > now:
                return False
            self._leases[key] = (owner, now + seconds)
            return True

    def close(self) -> None:
        pass
