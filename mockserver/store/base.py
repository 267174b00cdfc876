"""The store's interface: what the domain, the engine and the admin API ask of any backend.

A backend holds tenants (IMS org, sandbox), each with its collections of entities and the
engine's record per flow, plus a few values of the whole mock (the clock, fault rules,
permissions: ``meta``), sequences (ids) and leases (one process runs a scheduled instant).

Atomicity is the store's: ``put`` and ``remove`` take the etag the caller read (``expect``)
and fail with :class:`VersionConflict` when the stored entity has another, in one step, so
several processes on one store never both win a PATCH. ``lock`` is a process-local lock the
domain holds around a read-check-write so that threads of one process queue rather than
conflict; it is not what makes a write atomic.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Iterator, Mapping, Protocol

#: ``expect`` of a write that checks nothing.
ANY: Any = object()
#: The collections of a tenant.
COLLECTIONS = (
    "connections", "sourceConnections", "targetConnections", "flows", "runs",
    "conversionSchemas", "mappingSets",  # Data Prep, for the audience-export tutorial
)
SANDBOX_NAMESPACE = uuid.UUID("5b1c4f1e-7b43-4b8f-9a3e-2f1d0c6b9a11")


class VersionConflict(Exception):
    """The stored entity's etag is not the one expected (``current`` is None: there is none, or,
    for a create, there already is one)."""

    def __init__(self, current: str | None) -> None:
        super().__init__(current)
        self.current = current


class StoreUnavailable(Exception):
    """The backend cannot be reached (Redis down, the disk full): the request is answered 503."""


#: The URL schemes of the Redis store (Valkey's read as Redis's).
REDIS_SCHEMES = ("redis://", "rediss://", "valkey://")


def sandbox_id(org: str, sandbox: str) -> str:
    """Stable across restarts and backends, so that recorded fixtures keep their sandboxId."""
    return str(uuid.uuid5(SANDBOX_NAMESPACE, f"{org}/{sandbox}"))


class Tenant(Protocol):
    org: str
    sandbox: str
    sandbox_id: str

    def get(self, collection: str, entity_id: str) -> dict | None: ...

    def put(self, collection: str, entity: dict, expect: Any = ANY) -> None:
        """Store ``entity``; ``expect``: the etag it must replace, None when it must be new."""

    def remove(self, collection: str, entity_id: str, expect: Any = ANY) -> dict | None: ...

    def values(self, collection: str) -> list[dict]: ...

    def version(self, collection: str) -> int | None:
        """A number that changes with every change of the collection and is never given to another
        state of it (lists keep their sorted selection while it holds); None: not known."""

    def counts(self) -> dict[str, int]: ...

    def engine_state(self, flow_id: str) -> dict | None:
        """What the engine recorded of a flow's schedule (JSON-able), or None."""

    def save_engine_state(self, flow_id: str, state: dict) -> None: ...

    def engine_states(self) -> Mapping[str, Any]:
        """Every flow's record at once (the scheduler's pass reads them in one go)."""


class Store(Protocol):
    lock: threading.RLock
    #: A short name for messages and health: ``memory``, ``sqlite:<path>``, ``redis://...``.
    name: str

    def tenant(self, org: str, sandbox: str) -> Tenant:
        """The tenant, made when first asked."""

    def find(self, org: str, sandbox: str) -> Tenant | None: ...

    def tenants(self) -> Iterator[Tenant]: ...

    def reset(self, org: str | None = None, sandbox: str | None = None) -> int:
        """Forget the tenants matching (None matches all); returns how many."""

    def meta(self, key: str) -> Any:
        """A value of the whole mock (the clock, fault rules, permissions), or None."""

    def set_meta(self, key: str, value: Any) -> None: ...

    def meta_version(self) -> int:
        """A number that changes whenever any process changes a meta value (or resets)."""

    def next_sequence(self, name: str) -> int:
        """1, 2, 3...: shared by every process on the store, and continued across restarts."""

    def reset_sequence(self, name: str) -> None: ...

    def claim(self, key: str, seconds: float, owner: str) -> bool:
        """Take (or renew, for the same owner) a lease for ``seconds``; False when another holds it."""

    def close(self) -> None: ...
