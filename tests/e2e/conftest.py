"""A real server process-in-thread on a free loopback port, and a requests session for it."""

from __future__ import annotations

import pytest
import requests

from mockserver.server import MockServer
from mockserver.settings import Settings

from ..support import BASE, HEADERS


@pytest.fixture(scope="module")
def live_settings() -> Settings:
    return Settings(port=0, seed=7, profile="seed")


@pytest.fixture(scope="module")
def server(live_settings):
    with MockServer(live_settings) as running:
        yield running


class Http:
    def __init__(self, url: str):
        self.base = url + BASE
        self.session = requests.Session()
        self.session.headers.update({**HEADERS, "accept": "application/json"})

    def __call__(self, method: str, path: str, body=None, **headers) -> requests.Response:
        return self.session.request(method, self.base + path, json=body, headers=headers, timeout=10)


@pytest.fixture
def http(server) -> Http:
    requests.post(server.url + "/_mock/reset", timeout=10).raise_for_status()
    return Http(server.url)
