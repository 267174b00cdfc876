"""State of the emulated service, keyed by tenant (IMS org, sandbox)."""

from .ids import IdFactory
from .memory import MemoryStore, Tenant

__all__ = ["IdFactory", "MemoryStore", "Tenant"]
