"""Shared fixtures: an app with a fixed seed, a test client, a resource-building client, the store
each app's Platform runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver.settings import Settings
from mockserver.store.redis import RedisStore
from mockserver.store.sqlite import SqliteStore

from .redis_server import REDIS_API_DATABASES
from .support import STORE_OPENER, Api, make_app

API_TESTS = Path(__file__).resolve().parent / "api"
#: The API tests run on every backend (the domain must not know which store it has).
STORES = ("memory", "sqlite", "redis")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if (API_TESTS in metafunc.definition.path.resolve().parents
            and metafunc.definition.get_closest_marker("memory_store_only") is None):
        metafunc.parametrize("store_backend", STORES, indirect=True)


@pytest.fixture(autouse=True)
def store_backend(request: pytest.FixtureRequest):
    """The store of the Platforms ``make_app`` builds in this test: a fresh one per app."""
    name = getattr(request, "param", "memory")
    platforms = STORE_OPENER["platforms"] = []
    if name == "sqlite":
        folder = request.getfixturevalue("tmp_path_factory").mktemp("store")

        def open_store():
            return SqliteStore(str(folder / f"state-{len(platforms)}.db"))
    elif name == "redis":
        server = request.getfixturevalue("redis_server")

        def open_store():
            # Databases are reused from test to test: a test builds far fewer apps than there are.
            database = REDIS_API_DATABASES[len(platforms) % len(REDIS_API_DATABASES)]
            server.flush(database)
            return RedisStore(server.url(database))
    else:
        open_store = None
    STORE_OPENER["open"] = open_store
    try:
        yield name
    finally:
        STORE_OPENER["open"] = None
        for platform in platforms:
            platform.close()


@pytest.fixture
def settings() -> Settings:
    return Settings(seed=42)


@pytest.fixture
def app(settings):
    return make_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def api(client) -> Api:
    return Api(client)
