"""``flowservice-mock record``: a proxy that records each exchange, tested with a second mock upstream."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
import requests

from mockserver.cli import main
from mockserver.fixtures.proxy import RecordingProxy
from mockserver.server import MockServer
from mockserver.settings import Settings

from ..support import BASE, PROFILE_STORE, S3, S3_AUTH, spec

SECRET_HEADERS = {"Authorization": "Bearer very-secret-token", "x-api-key": "secret-api-key",
                  "x-gw-ims-org-id": "5555467B5D8013E50A494220@AdobeOrg", "x-sandbox-name": "dev"}


def test_records_redacted_normalised_exchanges_that_replay(tmp_path):
    out = tmp_path / "recorded"
    with MockServer(Settings(port=0)) as upstream, \
            MockServer(Settings(port=0), app=RecordingProxy(upstream.url, out)) as proxy:
        session = requests.Session()
        session.headers.update(SECRET_HEADERS)
        created = session.post(f"{proxy.url}{BASE}/sourceConnections",
                               json={"name": "p", "connectionSpec": spec(PROFILE_STORE)}, timeout=10)
        assert created.status_code == 201
        source = created.json()
        patched = session.patch(f"{proxy.url}{BASE}/sourceConnections/{source['id']}",
                                json=[{"op": "replace", "path": "/name", "value": "q"}],
                                headers={"If-Match": source["etag"]}, timeout=10)
        assert patched.status_code == 200 and patched.json()["id"] == source["id"]
        assert session.get(f"{proxy.url}{BASE}/sourceConnections/{source['id']}", timeout=10).json()[
            "items"][0]["name"] == "q"
        base = session.post(f"{proxy.url}{BASE}/connections",
                            json={"name": "s3", "connectionSpec": spec(S3), "auth": S3_AUTH}, timeout=10)
        assert base.status_code == 201
    names = sorted(p.name for p in out.iterdir())
    assert names == ["001-post-sourceconnections.json", "002-patch-sourceconnections.json",
                     "003-get-sourceconnections.json", "004-post-connections.json"]
    text = "".join((out / name).read_text() for name in names)
    for secret in ("very-secret-token", "secret-api-key", S3_AUTH["params"]["s3SecretKey"], source["id"]):
        assert secret not in text
    patch = json.loads((out / names[1]).read_text())
    assert patch["request"]["path"] == f"{BASE}/sourceConnections/<source-connection-id:1>"
    assert patch["request"]["headers"]["If-Match"] == "<etag:1>"
    assert patch["request"]["headers"]["Authorization"] == "<redacted>"
    assert patch["response"] == {"status": 200, "headers": {"Content-Type": "application/json"},
                                 "body": {"id": "<source-connection-id:1>", "etag": "<etag:2>"}}
    assert json.loads((out / names[3]).read_text())["request"]["body"]["auth"]["params"] == {
        "s3AccessKey": "<redacted>", "s3SecretKey": "<redacted>"}
    # The first three replay as recorded on a fresh mock; the redacted credentials cannot.
    (out / names[3]).unlink()
    assert main(["fixtures", "verify", "--dir", str(tmp_path)]) == 0


def test_record_refuses_an_upstream_that_is_not_a_url(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["record", "--upstream", "platform.adobe.io", "--out", "x"])
    assert exit_info.value.code == 2
    assert "--upstream must be an http(s) URL" in capsys.readouterr().err


def test_an_unreachable_upstream_is_a_502(tmp_path):
    with MockServer(Settings(port=0), app=RecordingProxy("http://127.0.0.1:9", tmp_path)) as proxy:
        answer = requests.get(f"{proxy.url}{BASE}/flows", headers=SECRET_HEADERS, timeout=10)
    assert answer.status_code == 502 and "upstream unreachable" in answer.json()["message"]
    assert not list(tmp_path.iterdir())



def test_the_record_command_serves_the_proxy(tmp_path):
    out = tmp_path / "session"
    with MockServer(Settings(port=0)) as upstream:
        process = subprocess.Popen([sys.executable, "-m", "mockserver", "record", "--upstream", upstream.url,
                                    "--out", str(out), "--port", "0"], stdout=subprocess.PIPE, text=True)
        try:
            line: list[str] = []
            reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
            reader.start()
            reader.join(20)
            assert line and "recording" in line[0], line
            url = line[0].split(" on ", 1)[1].split(";", 1)[0]
            answer = requests.get(f"{url}{BASE}/connectionSpecs/{S3}", headers=SECRET_HEADERS, timeout=10)
            assert answer.status_code == 200 and answer.json()["items"][0]["id"] == S3
        finally:
            process.terminate()
            process.wait(timeout=10)
            process.stdout.close()
    [recorded] = out.iterdir()
    assert recorded.name == f"001-get-connectionspecs-{S3}.json"
    assert json.loads(recorded.read_text())["response"]["status"] == 200
