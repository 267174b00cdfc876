"""The store contract (tests/unit/store_contract.py), run for every backend.

A new backend adds its name to ``BACKENDS`` and a branch to ``store_factory``.
"""

from __future__ import annotations

import pytest

from mockserver.store.memory import MemoryStore

from .store_contract import *  # noqa: F401,F403 - the contract's tests and its ``store`` fixture

BACKENDS = ["memory", "sqlite"]


@pytest.fixture(params=BACKENDS)
def store_factory(request, tmp_path):
    """A callable making a new, empty store of the backend."""
    made = []

    def make():
        if request.param == "memory":
            store = MemoryStore()
        else:
            from mockserver.store.sqlite import SqliteStore

            store = SqliteStore(str(tmp_path / f"store-{len(made)}.db"))
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
