"""Request patterns of a real public client (aepp 0.6.0), replayed over HTTP.

aepp logs in against IMS, follows ``_links.next.href`` by splitting it on ``=``,
sends ``if-match`` in lower case with the etag as the body gave it, posts flow
actions without Content-Type or body, asks the configs endpoint of the Data
Landing Zone spec, sends ``count=False`` and numeric strings in dataset schedules.
"""

from __future__ import annotations

import pytest
import requests

from mockserver.settings import Settings

from ..support import BASE, HEADERS

DLZ = {"id": "10440537-2a7b-4583-ac39-ed38d4b848e8", "version": "1.0"}
DLZ_DATASET_FLOW = "cd2fc47e-e838-4f38-a581-8fff2f99b63a"


@pytest.fixture(scope="module")
def live_settings() -> Settings:
    return Settings(port=0, seed=7)  # the default profile: PATCH of a flow answers with {id, etag}


def session_for(server) -> requests.Session:
    """Log in as aepp's OAuth server-to-server flow does, then use aepp's default headers."""
    login = requests.post(f"{server.url}/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": "my-client", "client_secret": "s", "scope": "openid",
    }, timeout=10)
    assert login.status_code == 200 and login.json()["expires_in"] > 500
    session = requests.Session()
    session.headers.update({
        "Accept": "application/json", "Content-Type": "application/json",
        "Authorization": f"Bearer {login.json()['access_token']}", "x-api-key": "my-client",
        "x-gw-ims-org-id": HEADERS["x-gw-ims-org-id"], "x-sandbox-name": "prod",
    })
    return session


def test_dataset_export_to_dlz_as_aepp_builds_it(server, http):
    s = session_for(server)
    base = server.url + BASE
    exportable = s.get(f"{base}/connectionSpecs/{DLZ['id']}/configs", params={
        "outputType": "activationDatasets", "outputField": "datasets", "limit": 100, "start": 0}, timeout=10).json()
    dataset_ids = [d["id"] for d in exportable["items"]][:2]
    assert dataset_ids and exportable["pageInfo"]["hasNext"] is False

    specs = s.get(f"{base}/connectionSpecs", timeout=10).json()["items"]
    datalake = {spec["name"]: spec["id"] for spec in specs}["activation-datalake"]
    connection = s.post(f"{base}/connections", json={"name": "base-dataset-export-dlz", "connectionSpec": DLZ},
                        timeout=10).json()
    source = s.post(f"{base}/sourceConnections", json={
        "name": "source-dataset-export-dlz", "data": {"format": "delimited"},
        "connectionSpec": {"id": datalake, "version": "1.0"},
        "params": {"datasets": [{"dataSetId": d} for d in dataset_ids]}}, timeout=10).json()
    target = s.post(f"{base}/targetConnections", json={
        "name": "target-dataset-export-dlz", "description": "power by aepp", "baseConnectionId": connection["id"],
        "params": {"mode": "Server-to-server", "path": "/aepp", "compression": "GZIP", "datasetFileType": "JSON"},
        "connectionSpec": DLZ}, timeout=10).json()
    flow = s.post(f"{base}/flows", json={
        "name": "flow-dataset-export-dlz", "flowSpec": {"id": DLZ_DATASET_FLOW, "version": "1.0"},
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]], "transformations": [],
        "scheduleParams": {"timeUnit": "day", "frequency": "hour", "interval": "1",
                           "exportMode": "FIRST_FULL_THEN_INCREMENTAL", "startTime": 1767225600},
    }, timeout=10)
    assert flow.status_code == 201, flow.text
    stored = s.get(f"{base}/flows/{flow.json()['id']}", timeout=10).json()["items"][0]
    assert stored["scheduleParams"]["interval"] == 1
    assert stored["createdBy"] == "my-client@AdobeID" and stored["createdClient"] == "my-client"

    # updateFlow: lower-case if-match, the etag as the body gave it; the answer carries the new etag.
    patched = s.patch(f"{base}/flows/{stored['id']}", headers={"if-match": stored["etag"]}, json=[
        {"op": "Replace", "path": "/scheduleParams", "value": {**stored["scheduleParams"], "startTime": 1767312000}},
    ], timeout=10)
    assert patched.status_code < 300 and patched.json()["id"] == stored["id"]
    assert patched.json()["etag"] != stored["etag"]

    # Flow actions: no Content-Type, no body.
    action = requests.post(f"{base}/flows/{stored['id']}/action?op=disable", timeout=10, headers={
        k: v for k, v in s.headers.items() if k != "Content-Type"})
    assert action.status_code == 200 and action.json()["id"] == stored["id"]
    assert s.get(f"{base}/flows/{stored['id']}", timeout=10).json()["items"][0]["state"] == "disabled"


def test_paging_as_aepp_follows_it(server, http):
    s = session_for(server)
    base = server.url + BASE
    created = {s.post(f"{base}/sourceConnections", json={
        "name": f"profiles {i}", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1", "version": "1.0"},
    }, timeout=10).json()["id"] for i in range(7)}

    # getFlows/getSourceConnections style: the token is what follows the first '='.
    params = {"limit": 3, "count": "False"}
    page = s.get(f"{base}/sourceConnections", params=params, timeout=10).json()
    seen = [item["id"] for item in page["items"]]
    while page["_links"].get("next", {}).get("href"):
        params["continuationToken"] = page["_links"]["next"]["href"].split("=")[1]
        page = s.get(f"{base}/sourceConnections", params=params, timeout=10).json()
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(created)

    # getConnections style: the href appended to the base path, the first page's params sent again.
    page = s.get(f"{base}/sourceConnections", params={"limit": 3}, timeout=10).json()
    seen = [item["id"] for item in page["items"]]
    while page["_links"].get("next", {}).get("href"):
        page = s.get(base + page["_links"]["next"]["href"], params={"limit": 3}, timeout=10).json()
        seen += [item["id"] for item in page["items"]]
    assert sorted(seen) == sorted(created)


def test_every_error_body_is_json_without_items(server, http):
    s = session_for(server)
    for method, path in (("GET", "/flows/missing"), ("GET", "/nowhere"), ("DELETE", "/flows/missing")):
        response = s.request(method, server.url + BASE + path, timeout=10)
        assert response.status_code == 404
        assert "items" not in response.json()
