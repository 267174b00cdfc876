"""``flowservice-mock fixtures verify``: the recorded fixtures replay against the mock; drift fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mockserver.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SEED = "seed/000_f9535cedc27a8fa9"


def test_the_recorded_fixtures_replay_with_known_differences_only(capsys):
    assert main(["fixtures", "verify", "--dir", str(FIXTURES)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert " 0 with new differences" in summary and summary.endswith(" 0 new)")


def test_known_differences_are_listed_in_verbose_output(capsys):
    assert main(["fixtures", "verify", "--dir", str(FIXTURES), "-v"]) == 0
    out = capsys.readouterr().out
    assert f"KNOWN {SEED}/002-post-connections.json" in out
    assert "$.etag: extra" in out and "[known:" in out


def test_a_difference_nobody_listed_fails_with_its_json_path(tmp_path, capsys):
    sequence = tmp_path / "seed"
    shutil.copytree(FIXTURES / SEED, sequence)
    flow = sequence / "018-post-flows.json"
    fixture = json.loads(flow.read_text())
    fixture["response"]["body"]["state"] = "enabled"  # the create answer has no state
    fixture["known_differences"] = []
    flow.write_text(json.dumps(fixture))
    assert main(["fixtures", "verify", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "DIFF  seed/018-post-flows.json" in out
    assert "$.state: missing" in out
    assert out.strip().splitlines()[-1].endswith("new)") and "1 with new differences" in out


def test_the_real_target_without_credentials_is_skipped_in_one_line(monkeypatch, capsys):
    for name in ("AEP_ACCESS_TOKEN", "AEP_API_KEY", "AEP_ORG_ID", "AEP_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    assert main(["fixtures", "verify", "--dir", str(FIXTURES), "--target", "real"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "fixtures verify: target real skipped: set AEP_ACCESS_TOKEN, AEP_API_KEY, AEP_ORG_ID, AEP_SANDBOX"]
