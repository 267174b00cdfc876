"""Fixtures of the contract suite: a client per test on the chosen target, cleaned up afterwards."""

from __future__ import annotations

import os
import time

import pytest

from mockserver.targets import Target

from . import bodies
from .client import Client


@pytest.fixture(scope="session")
def run_prefix() -> str:
    """Names every entity a run creates, so a run's leftovers on a real sandbox can be found."""
    return f"fsm-contract-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}-{os.urandom(2).hex()} "


@pytest.fixture
def client(target: Target, run_prefix: str):
    created = Client(target, run_prefix)
    yield created
    # Runs when the test failed too: pytest finalises fixtures whatever the outcome.
    left = created.cleanup()
    assert not left, f"could not delete: {left}"


@pytest.fixture
def flow(client) -> dict:
    """A new-card audience flow (AS): ``{id, etag}``."""
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    return client.create("flows", bodies.audience_flow(source["id"], target["id"]))
