"""The settings of the journal and the faults: environment, flags, refusals."""

from __future__ import annotations

import pytest

from mockserver.commands.serve import settings_from
from mockserver.cli import main
from mockserver.settings import Settings


def test_from_the_environment(tmp_path):
    faults = tmp_path / "f.json"
    faults.write_text('{"kind": "drop"}')
    settings = Settings.from_env({
        "FLOWSERVICE_MOCK_JOURNAL_SIZE": "50", "FLOWSERVICE_MOCK_JOURNAL_BODY_LIMIT": "100",
        "FLOWSERVICE_MOCK_JOURNAL_ADMIN": "yes", "FLOWSERVICE_MOCK_FAULTS_FILE": str(faults),
    })
    assert (settings.journal_size, settings.journal_body_limit, settings.journal_admin, settings.faults_file) == (
        50, 100, True, str(faults))
    assert Settings.from_env({"FLOWSERVICE_MOCK_FAULTS_FILE": " "}).faults_file is None


@pytest.mark.parametrize("field", ["journal_size", "journal_body_limit"])
def test_negative_sizes_are_refused(field):
    with pytest.raises(ValueError, match="must not be negative"):
        Settings(**{field: -1})


def test_flags():
    import argparse

    from mockserver.commands import serve

    parser = argparse.ArgumentParser()
    serve.add_arguments(parser)
    args = parser.parse_args(["--journal-size", "7", "--journal-body-limit", "64", "--journal-admin"])
    settings = settings_from(args)
    assert (settings.journal_size, settings.journal_body_limit, settings.journal_admin) == (7, 64, True)


def test_a_negative_journal_size_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--journal-size", "-5"])
    assert exited.value.code == 2
    assert "must not be negative" in capsys.readouterr().err
