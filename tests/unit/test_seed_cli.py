"""``flowservice-mock seed`` and ``load``: the command line around the Platform data."""

from __future__ import annotations

import io
import json

import pytest

from mockserver.cli import main
from mockserver.commands.progress import Progress
from mockserver.commands.seed import reference_time
from mockserver.platform_data import PlatformData


def refused(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_seed_writes_a_data_directory_and_prints_a_summary(tmp_path, capsys):
    assert main(["seed", "--data-dir", str(tmp_path / "d"), "--profiles", "1234", "--audiences", "3",
                 "--seed", "9", "--reference-time", "2026-01-01T00:00:00Z"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(
        f"seeded 1,234 profiles in 3 audiences, and the packaged datasets, into {tmp_path / 'd'}")
    assert "(seed 9, reference time 2026-01-01T00:00:00Z)" in captured.out
    assert "\r" not in captured.err  # stderr is not a terminal here: no progress bar
    data = PlatformData.open(tmp_path / "d")
    assert data.profile_count() == 1234 and len(data.audiences) == 3 and len(data.datasets) == 7


def test_the_reference_time_is_iso_8601_or_epoch_seconds(tmp_path):
    assert reference_time("2026-01-01T00:00:00Z") == reference_time("1767225600") == 1767225600.0
    assert reference_time("2026-01-01T01:00:00+01:00") == reference_time("2026-01-01T00:00:00") == 1767225600.0
    assert reference_time(None) % 86400 == 0  # today, midnight UTC: the same data all day
    for name, when in (("iso", "2026-01-01T00:00:00Z"), ("epoch", "1767225600")):
        main(["seed", "--data-dir", str(tmp_path / name), "--profiles", "50", "--reference-time", when])
    assert (tmp_path / "iso/profiles.parquet").read_bytes() == (tmp_path / "epoch/profiles.parquet").read_bytes()


def test_the_progress_bar_draws_on_a_terminal_only():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    bar = Progress(200, "profiles", terminal, interval=0)
    bar(100)
    bar(100)
    bar.close()
    drawn = terminal.getvalue()
    assert "\r[" + "#" * 15 + " " * 15 + "]  50% 100/200 profiles" in drawn
    assert " 100% 200/200 profiles" in drawn and drawn.endswith("\r")
    quiet = io.StringIO()
    bar = Progress(200, "profiles", quiet, interval=0)
    bar(200)
    bar.close()
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("argv, message", [
    (["seed", "--data-dir", "{d}", "--profiles", "-5"], "profiles must be 0 or more, not -5"),
    (["seed", "--data-dir", "{d}", "--profiles", "5", "--audiences", "-1"], "audiences must be 0 or more"),
    (["seed", "--data-dir", "{d}", "--profiles", "5", "--reference-time", "soon"], "neither ISO 8601 nor epoch"),
    (["seed", "--data-dir", "{d}"], "the following arguments are required: --profiles"),
    (["load", "--data-dir", "{d}"], "nothing to load"),
    (["load", "--data-dir", "{d}", "--profiles", "{d}/../missing.csv"], "missing.csv: no such file"),
    (["load", "--data-dir", "{d}", "--dataset", "just-a-file.csv"], "--dataset: expected ID=FILE"),
    (["load", "--data-dir", "{d}", "--dataset", "a=x.xlsx"], "x.xlsx: unknown file type"),
])
def test_unusable_words_exit_2_with_a_message_and_write_nothing(tmp_path, capsys, argv, message):
    err = refused(capsys, [word.replace("{d}", str(tmp_path / "d")) for word in argv])
    assert message in err
    assert not (tmp_path / "d").exists()


def test_load_reports_what_the_directory_holds(tmp_path, capsys):
    profiles = tmp_path / "p.csv"
    profiles.write_text('identityMap.ECID,segmentMembership\n1,"{""ups"":{""s"":{""status"":""realized"",'
                        '""lastQualificationTime"":""2026-01-01T00:00:00Z""}}}"\n2,\n', encoding="utf-8")
    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"a": 1}) + "\n", encoding="utf-8")
    assert main(["load", "--data-dir", str(tmp_path / "d"), "--profiles", str(profiles),
                 "--dataset", f"mine={rows}"]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'd'}: 2 profiles, 1 audiences, 1 datasets (loaded: mine)\n"


def test_a_refused_load_keeps_the_previous_data(tmp_path, capsys):
    main(["seed", "--data-dir", str(tmp_path), "--profiles", "20", "--reference-time", "0"])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"identityMap": {"ECID": [{"id": 5}]}}\n', encoding="utf-8")
    err = refused(capsys, ["load", "--data-dir", str(tmp_path), "--profiles", str(bad)])
    assert "identityMap.ECID must be text, found int64" in err
    assert PlatformData.open(tmp_path).profile_count() == 20
    assert not list(tmp_path.glob(".staging-*"))
