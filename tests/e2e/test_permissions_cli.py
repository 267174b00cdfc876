"""Access control against a live mock: a permissions file at start, the ``permissions`` command, and
the pytest plugin's marker and fixture."""

from __future__ import annotations

import json

import pytest
import requests

from mockserver.cli import main
from mockserver.server import MockServer
from mockserver.settings import Settings

from ..support import BASE, HEADERS

FILE_DOCUMENT = {"*": {"permissions": ["View Destinations"]}}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    path = tmp_path_factory.mktemp("permissions") / "permissions.json"
    path.write_text(json.dumps(FILE_DOCUMENT))
    with MockServer(Settings(port=0, seed=3, permissions_file=str(path))) as server:
        yield server


@pytest.fixture
def url(live):
    yield live.url
    live.app.extensions["flowservice"].permissions.restore()


def test_the_file_is_in_force_at_start(url):
    assert requests.get(url + "/_mock/permissions", timeout=10).json() == FILE_DOCUMENT
    assert requests.get(url + BASE + "/flows", headers=HEADERS, timeout=10).status_code == 200
    refused = requests.post(url + BASE + "/connections", json={}, headers=HEADERS, timeout=10)
    assert (refused.status_code, refused.json()["type"]) == (403, "https://ns.adobe.com/aep/errors/FLOW-2118-403")


def test_get_set_clear_table(url, tmp_path, capsys):
    assert main(["permissions", "--url", url, "get"]) == 0
    assert json.loads(capsys.readouterr().out) == FILE_DOCUMENT
    path = tmp_path / "p.json"
    document = {"ci": {"permissions": ["View Destinations", "Manage Destinations"], "sandboxes": ["dev"]}}
    path.write_text(json.dumps(document))
    assert main(["permissions", "--url", url, "set", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == document
    assert requests.get(url + BASE + "/flows", headers=HEADERS, timeout=10).json()["type"].endswith("FLOW-2120-403")
    assert main(["permissions", "--url", url, "clear"]) == 0
    assert json.loads(capsys.readouterr().out) == {"cleared": 1}
    assert requests.post(url + BASE + "/connections", json={}, headers=HEADERS, timeout=10).status_code == 400
    assert main(["permissions", "--url", url, "table"]) == 0
    assert "Manage and Activate Dataset Destinations" in capsys.readouterr().out


def test_set_refuses_a_bad_file_before_sending_it(url, tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"ci": {"permissions": ["Admin"]}}))
    with pytest.raises(SystemExit) as exited:
        main(["permissions", "--url", url, "set", str(path)])
    assert exited.value.code == 2
    assert "Unknown permission 'Admin' at /ci/permissions/0" in capsys.readouterr().err
    assert requests.get(url + "/_mock/permissions", timeout=10).json() == FILE_DOCUMENT


def test_serve_refuses_a_bad_permissions_file(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"*": {"sandboxes": "prod"}}))
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--port", "0", "--permissions-file", str(bad)])
    assert exited.value.code == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if "permissions file" in line]
    assert len(lines) == 1 and "/*/sandboxes: 'prod' is not of type 'array'" in lines[0]


def test_the_environment_names_the_file(tmp_path):
    assert Settings.from_env({"FLOWSERVICE_MOCK_PERMISSIONS_FILE": " p.json "}).permissions_file == "p.json"
    assert Settings.from_env({"FLOWSERVICE_MOCK_PERMISSIONS_FILE": " "}).permissions_file is None


# --- the pytest plugin --------------------------------------------------------------------------------

@pytest.mark.flowservice_permissions("View Destinations")
def test_the_marker_grants_the_mock_client(flowservice_mock):
    key = flowservice_mock.headers["x-api-key"]
    assert flowservice_mock.platform.permissions.document() == {key: {"permissions": ["View Destinations"]}}
    listed = requests.get(f"{flowservice_mock.base_url}/flows", headers=flowservice_mock.headers, timeout=10)
    created = requests.post(f"{flowservice_mock.base_url}/connections", json={}, headers=flowservice_mock.headers,
                            timeout=10)
    assert (listed.status_code, created.status_code) == (200, 403)


@pytest.mark.flowservice_permissions({"*": {"sandboxes": ["dev"]}})
def test_the_marker_takes_a_document(flowservice_mock):
    answer = requests.get(f"{flowservice_mock.base_url}/flows", headers=flowservice_mock.headers, timeout=10)
    assert answer.json()["type"].endswith("FLOW-2101-404")


def test_permissions_end_with_their_test(flowservice_mock):
    assert flowservice_mock.platform.permissions.document() == {}


def test_the_fixture(flowservice_mock, flowservice_permissions):
    flowservice_permissions.grant("View Destinations", "Manage Destinations", sandboxes=["prod"])
    assert flowservice_permissions.get() == {flowservice_mock.headers["x-api-key"]: {
        "permissions": ["View Destinations", "Manage Destinations"], "sandboxes": ["prod"]}}
    flowservice_permissions.set({"*": {"permissions": []}})
    assert requests.get(f"{flowservice_mock.base_url}/flows", headers=flowservice_mock.headers,
                        timeout=10).status_code == 403
    assert flowservice_permissions.clear() == 1
