"""The contract suite's real target: skipped in one line without credentials, never on prod by accident."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mockserver.targets import missing_real_credentials, real_target

CREDENTIALS = {"AEP_ACCESS_TOKEN": "t", "AEP_API_KEY": "k", "AEP_ORG_ID": "O@AdobeOrg", "AEP_SANDBOX": "dev"}


def test_without_credentials_the_real_target_is_one_line():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AEP_")}
    command = [sys.executable, "-m", "pytest", "contracts", "--target=real", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if "real" in line] == [
        "contracts: target real skipped: set AEP_ACCESS_TOKEN, AEP_API_KEY, AEP_ORG_ID, AEP_SANDBOX "
        "to run against the real API"]


def test_credentials_come_from_the_environment():
    assert missing_real_credentials({**CREDENTIALS, "AEP_SANDBOX": " "}) == ["AEP_SANDBOX"]
    target = real_target(CREDENTIALS)
    assert target.base_url == "https://platform.adobe.io" and not target.is_mock
    assert target.headers() == {"Authorization": "Bearer t", "x-api-key": "k", "x-gw-ims-org-id": "O@AdobeOrg",
                                "x-sandbox-name": "dev"}
    assert real_target({**CREDENTIALS, "AEP_BASE_URL": "https://platform-stage.adobe.io"}).base_url == \
        "https://platform-stage.adobe.io"


@pytest.mark.parametrize("sandbox", ["prod", "PROD"])
def test_the_prod_sandbox_is_refused_unless_allowed(sandbox):
    with pytest.raises(ValueError, match="refusing to use the sandbox 'prod'"):
        real_target({**CREDENTIALS, "AEP_SANDBOX": sandbox})
    assert real_target({**CREDENTIALS, "AEP_SANDBOX": sandbox}, allow_prod=True).headers()["x-sandbox-name"] == sandbox
    assert real_target({**CREDENTIALS, "AEP_SANDBOX": sandbox, "AEP_ALLOW_PROD": "1"})


def test_mock_targets_run_on_each_store_asked_for(tmp_path):
    command = [sys.executable, "-m", "pytest", "contracts/test_entities.py", "--target=inprocess",
               f"--mock-store=memory,sqlite:{tmp_path / 'contracts.db'}", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "targets: inprocess, inprocess@sqlite" in done.stdout
    assert (tmp_path / "contracts.db").stat().st_size > 0  # the suite's entities went through the file


def test_an_unknown_mock_store_is_a_usage_error():
    command = [sys.executable, "-m", "pytest", "contracts", "--mock-store=postgres://x", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4
    assert "--mock-store: unknown postgres://x" in done.stdout + done.stderr
