"""The command line: usage errors, the serve command's failure modes."""

from __future__ import annotations

import socket

import pytest

from mockserver import __version__
from mockserver.cli import main


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("argv, env, message", [
    (["serve", "--port", "99999"], {}, "port must be between 0 and 65535"),
    (["serve", "--threads", "0"], {}, "threads must be at least 1"),
    (["serve"], {"FLOWSERVICE_MOCK_PROFILE": "legacy"}, "profile must be one of default, seed, current"),
    (["serve"], {"FLOWSERVICE_MOCK_PORT": "eighty"}, "FLOWSERVICE_MOCK_PORT must be a number, not eighty"),
    (["serve"], {"FLOWSERVICE_MOCK_PORT": "\u0663"}, "FLOWSERVICE_MOCK_PORT must be a number"),
    (["serve", "--max-depth", "9" * 5000], {}, "not an integer"),
])
def test_unusable_settings_are_usage_errors(monkeypatch, capsys, argv, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_a_port_in_use_is_reported_not_raised(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_command_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        main([])
    assert exited.value.code == 2


# --- clock and run: the mock cannot be reached (tests/e2e/test_engine_cli.py has the live ones) -----

def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.parametrize("argv", [
    ["clock"],
    ["clock", "--advance", "1h"],
    ["run", "c0ffee00-0000-4000-8000-000000000000"],
])
def test_engine_commands_without_a_mock_exit_2(capsys, argv):
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--url", url])
    assert exited.value.code == 2
    assert f"cannot reach the mock at {url}" in capsys.readouterr().err


def test_clock_freeze_and_unfreeze_together_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["clock", "--url", f"http://127.0.0.1:{_closed_port()}", "--freeze", "--unfreeze"])
    assert exited.value.code == 2
    assert "--freeze and --unfreeze cannot be given together" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["clock"], ["run", "some-flow"]])
def test_engine_commands_need_a_url(capsys, argv):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert "--url" in capsys.readouterr().err
