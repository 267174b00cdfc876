"""Faults and the journal over real sockets, and the conformance and faults commands against a live mock."""

from __future__ import annotations

import json
import time

import pytest
import requests

from mockserver.cli import main
from mockserver.server import MockServer
from mockserver.settings import Settings

from ..support import BASE, HEADERS


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    faults_file = tmp_path_factory.mktemp("faults") / "faults.json"
    faults_file.write_text(json.dumps([{"kind": "status", "status": 502, "path": "/data/foundation/flowservice/flowSpecs"}]))
    with MockServer(Settings(port=0, seed=5, faults_file=str(faults_file))) as server:
        yield server


@pytest.fixture
def url(live):
    requests.post(live.url + "/_mock/reset", timeout=10).raise_for_status()
    requests.delete(live.url + "/_mock/requests", timeout=10).raise_for_status()
    yield live.url
    # Keep the file's rule (it is what the settings test checks); drop the others.
    for rule in requests.get(live.url + "/_mock/faults", timeout=10).json()["items"]:
        if rule["id"] != "fault-1":
            requests.delete(f"{live.url}/_mock/faults/{rule['id']}", timeout=10)


def test_a_faults_file_is_loaded_at_start(url):
    assert requests.get(url + BASE + "/flowSpecs", headers=HEADERS, timeout=10).status_code == 502
    assert requests.get(url + BASE + "/connectionSpecs", headers=HEADERS, timeout=10).status_code == 200


def test_a_dropped_connection_is_a_connection_error(url):
    requests.post(url + "/_mock/faults", json={"kind": "drop", "times": 1}, timeout=10).raise_for_status()
    with requests.Session() as session:
        with pytest.raises(requests.ConnectionError):
            session.get(url + BASE + "/flows", headers=HEADERS, timeout=10)
        # The server is unharmed: the next request (a new connection) is answered.
        assert session.get(url + BASE + "/flows", headers=HEADERS, timeout=10).status_code == 200
    statuses = [e["response"] and e["response"]["status"] for e in requests.get(url + "/_mock/requests", timeout=10).json()["items"]]
    assert statuses == [None, 200]


def test_latency_over_the_wire(url):
    requests.post(url + "/_mock/faults", json={"kind": "latency", "latencyMs": 300, "method": "GET"}, timeout=10)
    started = time.perf_counter()
    assert requests.get(url + BASE + "/flows", headers=HEADERS, timeout=10).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_conformance_command_exits_non_zero_on_violations(url, capsys):
    requests.get(url + BASE + "/flows", headers=HEADERS, timeout=10)
    assert main(["conformance", "--url", url]) == 0
    assert "no violations" in capsys.readouterr().out
    requests.get(url + BASE + "/flows?access_token=sekrit-value", headers=HEADERS, timeout=10)
    assert main(["conformance", "--url", url]) == 1
    out = capsys.readouterr().out
    assert "FAIL no-secrets-in-query" in out and "GET /data/foundation/flowservice/flows?access_token=" in out and "sekrit" not in out
    assert main(["conformance", "--url", url, "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["findings"][0]["rule"] == "no-secrets-in-query"


def test_conformance_command_without_a_mock(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["conformance", "--url", "http://127.0.0.1:9"])
    assert exited.value.code == 2
    assert "cannot reach the mock" in capsys.readouterr().err


def test_faults_command(url, capsys, tmp_path):
    assert main(["faults", "--url", url, "add", "--status", "429", "--retry-after", "4", "--every", "2",
                 "--method", "get", "--path", BASE + "/flows*"]) == 0
    added = json.loads(capsys.readouterr().out)["items"][0]
    assert (added["kind"], added["status"], added["retryAfter"], added["method"]) == ("status", 429, 4, "GET")
    answers = [requests.get(url + BASE + "/flows", headers=HEADERS, timeout=10) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 429] and answers[1].headers["Retry-After"] == "4"
    rules_file = tmp_path / "rules.json"
    rules_file.write_text(json.dumps({"kind": "token-expired", "path": "/nowhere"}))
    assert main(["faults", "--url", url, "load", str(rules_file)]) == 0
    capsys.readouterr()
    assert main(["faults", "--url", url, "list"]) == 0
    assert [r["kind"] for r in json.loads(capsys.readouterr().out)["items"]] == ["status", "status", "token-expired"]
    assert main(["faults", "--url", url, "remove", added["id"]]) == 0
    assert main(["faults", "--url", url, "remove", added["id"]]) == 1
    assert "refused" in capsys.readouterr().err
    assert main(["faults", "--url", url, "add", "--kind", "latency"]) == 1  # no latencyMs: refused by the mock
    assert "latencyMs" in capsys.readouterr().err


def test_serve_refuses_a_bad_faults_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", "--faults-file", str(bad)])
    assert exited.value.code == 2
    assert "cannot read the faults file" in capsys.readouterr().err
