"""State of the emulated service, keyed by tenant (IMS org, sandbox): one interface (``base``),
one module per backend."""

from .base import ANY, COLLECTIONS, REDIS_SCHEMES, Store, StoreUnavailable, VersionConflict
from .ids import IdFactory
from .memory import MemoryStore, Tenant


def open_store(url: str) -> Store:
    """The backend a ``store`` setting names (``memory``, ``sqlite:PATH``, ``redis://...``).

    ``StoreUnavailable`` (with one line saying why) when it cannot be opened: an unreachable Redis,
    a file of a newer schema, a corrupt file.
    """
    if url == "memory":
        return MemoryStore()
    if url.startswith("sqlite:"):
        from .sqlite import SqliteStore

        return SqliteStore(url[len("sqlite:"):])
    if url.startswith(REDIS_SCHEMES):
        from .redis import RedisStore

        return RedisStore(url)
    raise StoreUnavailable(f"unknown store {url!r}: use memory, sqlite:PATH or redis://HOST:PORT/DB")


__all__ = ["open_store", "ANY", "COLLECTIONS", "IdFactory", "MemoryStore", "Store", "StoreUnavailable", "Tenant",
           "VersionConflict"]
