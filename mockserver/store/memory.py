"""The in-memory store: one :class:`Tenant` per (IMS org, sandbox).

Lock discipline: every change goes through ``MemoryStore.lock`` (one re-entrant
lock; a change of several entities, such as a cascade, holds it throughout).
Stored entities are never changed in place: an update builds a new dict and
swaps it in, so a reader may take an entity without the lock and serialise it
while a writer works.
"""

from __future__ import annotations

import threading
import uuid
from typing import Iterator

SANDBOX_NAMESPACE = uuid.UUID("5b1c4f1e-7b43-4b8f-9a3e-2f1d0c6b9a11")

COLLECTIONS = (
    "connections", "sourceConnections", "targetConnections", "flows", "runs",
    "conversionSchemas", "mappingSets",  # Data Prep, for the audience-export tutorial
)


class Tenant:
    """Everything one sandbox of one organisation holds."""

    __slots__ = ("org", "sandbox", "sandbox_id", "collections", "engine")

    def __init__(self, org: str, sandbox: str) -> None:
        self.org = org
        self.sandbox = sandbox
        # Stable across restarts, so recorded fixtures keep their sandboxId.
        self.sandbox_id = str(uuid.uuid5(SANDBOX_NAMESPACE, f"{org}/{sandbox}"))
        self.collections: dict[str, dict[str, dict]] = {name: {} for name in COLLECTIONS}
        #: What the export engine remembers of each flow's schedule (mockserver/engine/runner.py).
        self.engine: dict[str, object] = {}

    def get(self, collection: str, entity_id: str) -> dict | None:
        return self.collections[collection].get(entity_id)

    def put(self, collection: str, entity: dict) -> None:
        self.collections[collection][entity["id"]] = entity

    def remove(self, collection: str, entity_id: str) -> dict | None:
        return self.collections[collection].pop(entity_id, None)

    def values(self, collection: str) -> list[dict]:
        return list(self.collections[collection].values())

    def counts(self) -> dict[str, int]:
        return {name: len(items) for name, items in self.collections.items()}


class MemoryStore:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._tenants: dict[tuple[str, str], Tenant] = {}

    def tenant(self, org: str, sandbox: str) -> Tenant:
        key = (org, sandbox)
        tenant = self._tenants.get(key)
        if tenant is None:
            with self.lock:
                tenant = self._tenants.setdefault(key, Tenant(org, sandbox))
        return tenant

    def find(self, org: str, sandbox: str) -> Tenant | None:
        """The tenant if it exists (``tenant()`` makes it)."""
        return self._tenants.get((org, sandbox))

    def tenants(self) -> Iterator[Tenant]:
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
            return len(doomed)
