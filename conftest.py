"""Project-wide pytest setup: the contract suite's options (--target ...) are known to every run,
and the real redis-server of the Redis store's tests serves the contract suite's redis targets."""

import pytest

from tests.redis_server import REDIS_CONTRACT_DATABASE, redis_server  # noqa: F401 - a fixture

pytest_plugins = ("contracts.plugin",)


@pytest.fixture(scope="session")
def redis_url(redis_server) -> str:  # noqa: F811 - the fixture above
    """The database of the contract suite's ``--mock-store redis`` targets (contracts/plugin.py)."""
    redis_server.flush(REDIS_CONTRACT_DATABASE)
    return redis_server.url(REDIS_CONTRACT_DATABASE)
