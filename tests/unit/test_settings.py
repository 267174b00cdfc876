"""Unit tests of mockserver.settings: defaults, FLOWSERVICE_MOCK_* variables, response profiles.

Contract: reference §7.5 (PATCH and DELETE status variants, to be switchable).
"""

from __future__ import annotations

import dataclasses

import pytest

from mockserver.settings import ENV_PREFIX, PROFILES, Settings


def env(**values: str) -> dict[str, str]:
    return {ENV_PREFIX + name.upper(): value for name, value in values.items()}


def test_defaults():
    assert Settings() == Settings(
        host="127.0.0.1", port=8080, profile="default", seed=None, require_sandbox_header=False,
        sandboxes=(), lenient_if_match=False, reveal_secrets=False, threads=8,
    )


def test_an_empty_environment_gives_the_defaults():
    assert Settings.from_env({}) == Settings()


def test_the_prefix_is_flowservice_mock():
    assert ENV_PREFIX == "FLOWSERVICE_MOCK_"


@pytest.mark.parametrize("name, raw, expected", [
    ("host", "0.0.0.0", "0.0.0.0"),
    ("port", "9090", 9090),
    ("port", " 9091 ", 9091),
    ("port", "0", 0),
    ("port", "65535", 65535),
    ("profile", "seed", "seed"),
    ("profile", "current", "current"),
    ("profile", "default", "default"),
    ("seed", "42", 42),
    ("seed", "0", 0),
    ("seed", "-3", -3),
    ("seed", "", None),
    ("seed", "   ", None),
    ("require_sandbox_header", "true", True),
    ("sandboxes", "prod,dev", ("prod", "dev")),
    ("sandboxes", " prod , dev ,, stage,", ("prod", "dev", "stage")),
    ("sandboxes", "", ()),
    ("lenient_if_match", "1", True),
    ("reveal_secrets", "yes", True),
    ("threads", "1", 1),
    ("threads", "32", 32),
])
def test_each_variable_is_parsed(name, raw, expected):
    settings = Settings.from_env(env(**{name: raw}))
    assert getattr(settings, name) == expected
    others = {f.name for f in dataclasses.fields(Settings)} - {name}
    assert all(getattr(settings, o) == getattr(Settings(), o) for o in others)


@pytest.mark.parametrize("name", ["require_sandbox_header", "lenient_if_match", "reveal_secrets"])
@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("TRUE", True), ("yes", True), ("On", True), (" true ", True),
    ("0", False), ("false", False), ("no", False), ("off", False), ("", False), ("maybe", False),
])
def test_booleans(name, raw, expected):
    assert getattr(Settings.from_env(env(**{name: raw})), name) is expected


def test_all_variables_at_once():
    settings = Settings.from_env(env(
        host="::1", port="1", profile="current", seed="7", require_sandbox_header="on",
        sandboxes="a,b", lenient_if_match="true", reveal_secrets="1", threads="2",
    ))
    assert settings == Settings(host="::1", port=1, profile="current", seed=7, require_sandbox_header=True,
                                sandboxes=("a", "b"), lenient_if_match=True, reveal_secrets=True, threads=2)


def test_other_variables_are_ignored():
    assert Settings.from_env({"PORT": "1", "FLOWSERVICE_PORT": "2", "FLOWSERVICE_MOCK_UNKNOWN": "x",
                              "flowservice_mock_port": "3"}) == Settings()


def test_from_env_reads_the_process_environment_by_default(monkeypatch):
    monkeypatch.setenv("FLOWSERVICE_MOCK_PORT", "8123")
    monkeypatch.setenv("FLOWSERVICE_MOCK_PROFILE", "seed")
    settings = Settings.from_env()
    assert (settings.port, settings.profile) == (8123, "seed")


@pytest.mark.parametrize("name, raw", [
    ("profile", "bogus"),
    ("profile", "CURRENT"),
    ("profile", ""),
    ("port", "http"),
    ("port", "-1"),
    ("port", "65536"),
    ("port", ""),
    ("threads", "0"),
    ("threads", "-4"),
    ("threads", "many"),
    ("seed", "abc"),
])
def test_invalid_values_raise_value_error(name, raw):
    with pytest.raises(ValueError):
        Settings.from_env(env(**{name: raw}))


@pytest.mark.parametrize("kwargs, fragment", [
    ({"profile": "legacy"}, "profile"),
    ({"port": 70000}, "port"),
    ({"port": -1}, "port"),
    ({"threads": 0}, "threads"),
])
def test_the_constructor_checks_too(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        Settings(**kwargs)


@pytest.mark.parametrize("profile, patch_status, patch_has_body, delete_status", [
    ("default", 202, True, 202),
    ("seed", 202, False, 202),
    ("current", 200, True, 204),
])
def test_profiles(profile, patch_status, patch_has_body, delete_status):
    settings = Settings(profile=profile)
    assert (settings.patch_status, settings.patch_has_body, settings.delete_status) == (
        patch_status, patch_has_body, delete_status)


def test_the_profiles_are_exactly_three():
    assert PROFILES == ("default", "seed", "current")


@pytest.mark.parametrize("profile", PROFILES)
def test_every_profile_answers_delete_in_a_documented_way(profile):
    assert Settings(profile=profile).delete_status in (202, 204)


def test_with_overrides_ignores_none_and_keeps_the_rest():
    base = Settings(port=1, seed=3)
    changed = base.with_overrides(port=2, seed=None, profile=None, lenient_if_match=True)
    assert changed == Settings(port=2, seed=3, lenient_if_match=True)
    assert base.port == 1


def test_with_overrides_validates():
    with pytest.raises(ValueError):
        Settings().with_overrides(profile="nope")


def test_settings_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]
