"""The Platform data the mock exports: profiles with audience memberships, audiences, datasets.

The canonical model is in ``model``; ``PlatformData`` reads it (demo data in memory, or a data
directory), ``generate`` writes a synthetic data directory and ``load`` one from user files. Names are
resolved on first use so that importing this package does not import pyarrow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .datadir import list_datasets
from .errors import DataError

if TYPE_CHECKING:
    from .loading import load
    from .seeding import generate
    from .store import PlatformData

__all__ = ["DataError", "PlatformData", "generate", "list_datasets", "load"]

_LAZY = {"PlatformData": ".store", "generate": ".seeding", "load": ".loading"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_LAZY[name], __name__), name)
