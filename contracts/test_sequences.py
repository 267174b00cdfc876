"""The tutorials' end-to-end call sequences (reference appendix A)."""

from __future__ import annotations

import pytest

from . import bodies, checks
from .bodies import CAMPAIGN, LEGACY_FLOW, PROFILE_SELECTORS, PROFILE_STORE, S3, SELECTORS, spec


@pytest.mark.verified(era="CA")
def test_a1_legacy_email_marketing_audience_export(client):
    specs = checks.items(client.get("/connectionSpecs"))
    assert CAMPAIGN in {s["id"] for s in specs}
    base = client.create("connections", {"name": "Base connection to Experience Platform",
                                         "description": "seed", "connectionSpec": spec(PROFILE_STORE)})
    source = client.create("sourceConnections", {
        "name": "Connecting to Profile Store", "description": "Optional", "connectionSpec": spec(PROFILE_STORE),
        "baseConnectionId": base["id"], "data": {"format": "CSV", "schema": None}, "params": {}})
    destination = client.create("connections", {
        "name": "S3 Connection for Adobe Campaign", "description": "summer advertising campaign",
        "connectionSpec": spec(CAMPAIGN),
        "auth": {"specName": "S3", "params": {"accessId": "ACCESS_ID", "secretKey": "SECRET_KEY"}}})
    target = client.create("targetConnections", {
        "name": "TargetConnection for Adobe Campaign", "description": "Connection to Adobe Campaign",
        "baseConnectionId": destination["id"], "connectionSpec": spec(CAMPAIGN),
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {"mode": "S3", "bucketName": "contract-bucket", "path": "exports", "format": "CSV"}})
    flow = client.create("flows", {
        "name": "Activate segments to Adobe Campaign", "description": "seed",
        "flowSpec": spec(LEGACY_FLOW), "sourceConnectionIds": [source["id"]],
        "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": []}, "profileSelectors": {"selectors": []}}}]})
    audience = bodies.selector("contract-segment-a1")
    audience["value"]["filenameTemplate"] = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
    reply = client.patch(f"/flows/{flow['id']}", [
        {"op": "add", "path": f"{SELECTORS}/-", "value": audience},
        {"op": "add", "path": f"{PROFILE_SELECTORS}/-",
         "value": {"type": "JSON_PATH", "value": {"path": "personalEmail.address"}}},
    ], flow["etag"])
    checks.status(reply, 200, 202)
    params = client.entity("flows", flow["id"])["transformations"][0]["params"]
    profile = params["profileSelectors"]["selectors"][0]["value"]
    assert profile["path"] == "personalEmail.address" and profile["operator"] == "EXISTS"
    assert "mapping" in profile
    segment = params["segmentSelectors"]["selectors"][0]["value"]
    assert segment["id"] == "contract-segment-a1" and segment["createTime"] and segment["updateTime"]


@pytest.mark.verified(era="AS+DY")
def test_a2_new_card_audience_export(client):
    s3 = checks.items(client.get(f"/connectionSpecs/{S3}"))[0]
    assert s3["targetSpec"]["spec"]["properties"]
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(
        base["id"], csvOptions={"delimiter": ",", "quote": "\"", "escape": "\\", "nullValue": "", "emptyValue": ""}))
    flow = client.create("flows", bodies.audience_flow(source["id"], target["id"]))
    etag = flow["etag"]
    for ops in (
        [{"op": "add", "path": "/transformations/0/params/profileMapping",
          "value": {"mappingId": "f36fc0c9c6c24e1fb2c34bf1d1b1d0c5", "mappingVersion": 0}}],
        [{"op": "add", "path": f"{SELECTORS}/-", "value": bodies.selector("contract-segment-a2")}],
    ):
        reply = client.patch(f"/flows/{flow['id']}", ops, etag)
        checks.status(reply, 200, 202)
        new_etag = client.entity("flows", flow["id"])["etag"]
        assert new_etag != etag
        etag = new_etag
    runs = checks.items(client.get("/runs", params={"property": f"flowId=={flow['id']}"}))
    assert all(run["flowId"] == flow["id"] for run in runs)


@pytest.mark.verified(era="ED")
def test_a3_dataset_export(client):
    datasets = client.get(f"/connectionSpecs/{bodies.DATA_LAKE}/configs", params={
        "outputType": "activationDatasets", "outputField": "datasets", "start": 0, "limit": 20})
    checks.status(datasets, 200)
    source = client.create("sourceConnections", bodies.dataset_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"], datasetFileType="JSON"))
    flow = client.create("flows", {
        "name": "Datasets", "description": "dataset export", "flowSpec": spec(bodies.S3_DATASET_FLOW),
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]], "transformations": [],
        "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                           "startTime": 1893456000, "endTime": 1893542400,
                           "foldernameTemplate": "%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%"}})
    checks.items(client.get("/runs", params={"property": f"flowId=={flow['id']}"}))
    other = client.create("sourceConnections", bodies.dataset_source("616d53e0a6de2719486fb025"))
    reply = client.patch(f"/flows/{flow['id']}",
                         [{"op": "replace", "path": "/sourceConnectionIds", "value": [other["id"]]}], flow["etag"])
    checks.status(reply, 200, 202)
    entity = client.entity("flows", flow["id"])
    assert entity["sourceConnectionIds"] == [other["id"]]
    schedule = {**entity["scheduleParams"], "interval": 6}
    reply = client.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/scheduleParams", "value": schedule}],
                         entity["etag"])
    checks.status(reply, 200, 202)
    assert client.entity("flows", flow["id"])["scheduleParams"]["interval"] == 6


@pytest.mark.verified(era="UD+EDIT+DDF+DDA")
def test_a4_maintenance(client):
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    flow = client.create("flows", bodies.audience_flow(source["id"], target["id"]))
    rename = client.patch(f"/flows/{flow['id']}", [
        {"op": "replace", "path": "/name", "value": f"{client.prefix}renamed"},
        {"op": "replace", "path": "/description", "value": "new description"}], flow["etag"])
    checks.status(rename, 200, 202)
    for op, state in (("disable", "disabled"), ("enable", "enabled")):
        checks.status(client.post(f"/flows/{flow['id']}/action", params={"op": op}), 200)
        assert client.entity("flows", flow["id"])["state"] == state
    target_entity = client.entity("targetConnections", target["id"])
    moved = client.patch(f"/targetConnections/{target['id']}", [{"op": "replace", "path": "/params", "value": {
        **target_entity["params"], "bucketName": "moved-bucket"}}], target_entity["etag"])
    checks.status(moved, 200)
    rotated = client.patch(f"/connections/{base['id']}", [{"op": "replace", "path": "/auth/params", "value": {
        "s3AccessKey": "AKIAROTATEDROTATEDAB", "s3SecretKey": "r" * 40}}], base["etag"])
    checks.status(rotated, 200)
    checks.flow_error(client.delete(f"/connections/{base['id']}"), 1418, 400)
    checks.status(client.delete(f"/flows/{flow['id']}"), 202, 204)
    checks.status(client.delete(f"/targetConnections/{target['id']}"), 202, 204)
    checks.status(client.delete(f"/connections/{base['id']}"), 202, 204)
