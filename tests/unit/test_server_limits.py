"""The HTTP server's limits: their settings, flags and variables, waitress's options, the file limit."""

from __future__ import annotations

import argparse
import logging

import pytest

from mockserver import server as server_module
from mockserver.commands import serve
from mockserver.server import CLEANUP_INTERVAL, SPARE_FILES, MockServer, ensure_file_limit, server_options
from mockserver.settings import ENV_PREFIX, Settings

LIMITS = {"connection_limit": 1000, "channel_timeout": 30, "request_timeout": 30, "max_request_header_size": 65536}


def flags(*argv: str) -> Settings:
    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    return serve.settings_from(parser.parse_args(list(argv)))


def test_defaults():
    assert {name: getattr(Settings(), name) for name in LIMITS} == LIMITS


@pytest.mark.parametrize("name, raw, expected", [
    ("connection_limit", "5000", 5000),
    ("connection_limit", " 1 ", 1),
    ("channel_timeout", "2", 2),
    ("request_timeout", "0", 0),
    ("request_timeout", "120", 120),
    ("max_request_header_size", "16384", 16384),
])
def test_each_variable_is_parsed(name, raw, expected):
    settings = Settings.from_env({ENV_PREFIX + name.upper(): raw})
    assert getattr(settings, name) == expected
    assert all(getattr(settings, other) == default for other, default in LIMITS.items() if other != name)


@pytest.mark.parametrize("name, raw", [
    ("connection_limit", "0"),
    ("channel_timeout", "0"),
    ("request_timeout", "-1"),
    ("max_request_header_size", "0"),
    ("connection_limit", "many"),
    ("channel_timeout", "1.5"),
])
def test_a_bad_variable_is_refused(name, raw):
    with pytest.raises(ValueError, match=f"(?i){name}"):
        Settings.from_env({ENV_PREFIX + name.upper(): raw})


def test_each_is_a_serve_flag(monkeypatch):
    for name in LIMITS:
        monkeypatch.delenv(ENV_PREFIX + name.upper(), raising=False)
    settings = flags("--connection-limit", "200", "--channel-timeout", "5", "--request-timeout", "0",
                     "--max-request-header-size", "8192")
    assert (settings.connection_limit, settings.channel_timeout, settings.request_timeout,
            settings.max_request_header_size) == (200, 5, 0, 8192)


def test_a_flag_overrides_the_variable(monkeypatch):
    monkeypatch.setenv(ENV_PREFIX + "CHANNEL_TIMEOUT", "9")
    assert flags().channel_timeout == 9
    assert flags("--channel-timeout", "3").channel_timeout == 3


def test_a_bad_flag_is_a_usage_error():
    with pytest.raises((SystemExit, serve.UsageError)):
        flags("--connection-limit", "0")


def test_waitress_options_follow_the_settings():
    options = server_options(Settings(port=0, threads=3, connection_limit=250, channel_timeout=7,
                                      max_request_header_size=4096))
    assert options == {
        "host": "127.0.0.1", "port": 0, "threads": 3, "ident": "flowservice-mock",
        "clear_untrusted_proxy_headers": True, "connection_limit": 250, "channel_timeout": 7,
        "cleanup_interval": CLEANUP_INTERVAL, "max_request_header_size": 4096, "asyncore_use_poll": True,
    }
    assert "max_request_body_size" not in options  # the app answers large bodies itself (413)


def test_the_in_thread_server_has_the_same_limits():
    settings = Settings(port=0, connection_limit=321, channel_timeout=4, request_timeout=6,
                        max_request_header_size=12345)
    with MockServer(settings) as running:
        adj = running._server.adj
        assert (adj.connection_limit, adj.channel_timeout, adj.max_request_header_size,
                adj.asyncore_use_poll, adj.cleanup_interval) == (321, 4, 12345, True, CLEANUP_INTERVAL)
        assert running._server.request_timeout == 6


class FakeResource:
    RLIMIT_NOFILE = 7
    RLIM_INFINITY = -1

    def __init__(self, soft, hard, refuse=False):
        self.limits, self.refuse, self.calls = (soft, hard), refuse, []

    def getrlimit(self, which):
        assert which == self.RLIMIT_NOFILE
        return self.limits

    def setrlimit(self, which, limits):
        self.calls.append(limits)
        if self.refuse:
            raise ValueError("not allowed")
        self.limits = limits


@pytest.fixture
def fake_resource(monkeypatch):
    def install(soft, hard, refuse=False):
        fake = FakeResource(soft, hard, refuse)
        monkeypatch.setitem(__import__("sys").modules, "resource", fake)
        return fake
    return install


def test_a_sufficient_file_limit_is_left_alone(fake_resource, caplog):
    fake = fake_resource(4096, 4096)
    assert ensure_file_limit(1000) == 4096
    assert fake.calls == [] and not caplog.records


def test_the_soft_file_limit_is_raised_to_what_the_connections_need(fake_resource, caplog):
    fake = fake_resource(256, 1 << 20)
    assert ensure_file_limit(1000) == 1000 + SPARE_FILES
    assert fake.calls == [(1000 + SPARE_FILES, 1 << 20)] and not caplog.records


def test_an_unlimited_hard_limit(fake_resource):
    fake = fake_resource(256, FakeResource.RLIM_INFINITY)
    assert ensure_file_limit(1000) == 1000 + SPARE_FILES
    assert fake.calls == [(1000 + SPARE_FILES, FakeResource.RLIM_INFINITY)]


def test_a_low_hard_limit_is_reached_and_logged_once(fake_resource, caplog):
    fake = fake_resource(256, 512)
    with caplog.at_level(logging.WARNING, logger=server_module.logger.name):
        assert ensure_file_limit(1000) == 512
    assert fake.calls == [(512, 512)]
    assert len(caplog.records) == 1
    assert "limited to 512" in caplog.records[0].getMessage() and "connection_limit 1000" in caplog.records[0].getMessage()


def test_a_refused_raise_is_logged(fake_resource, caplog):
    fake_resource(256, 1 << 20, refuse=True)
    with caplog.at_level(logging.WARNING, logger=server_module.logger.name):
        assert ensure_file_limit(1000) == 256
    assert len(caplog.records) == 1
