"""Shared fixtures: an app with a fixed seed, a test client, a resource-building client."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from .support import Api, make_app


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
