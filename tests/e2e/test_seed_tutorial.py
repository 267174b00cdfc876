"""The seed tutorial, call after call, against the mock on a real WSGI server.

The bodies are those of the tutorial (reference/seed), with its JSON
made valid: the tutorial lists alternative ``auth``/``params`` blocks side by
side and leaves a trailing comma, and asks the reader to keep one. The mock runs
in the "seed" profile, so PATCH answers 202 without a body as the tutorial says.
"""

from __future__ import annotations

CAMPAIGN = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
LEGACY_FLOW_SPEC = "71471eba-b620-49e4-90fd-23f1fa0174d8"


def test_seed_tutorial_end_to_end(http):
    # Get the list of available destinations.
    specs = http("GET", "/connectionSpecs")
    assert specs.status_code == 200
    campaign = [s for s in specs.json()["items"] if s["id"] == CAMPAIGN]
    assert campaign and campaign[0]["name"] == "Adobe Campaign"
    seed_table = {
        "0b23e41a-cb4a-4321-a78f-3b654f5d7d97", "4890fc95-5a1f-4983-94bb-e060c08e3f81",
        "e258278b-a4cf-43ac-b158-4fa0ca0d948b", "c1e44b6b-e7c8-404b-9031-58f0ef760604",
        "a5e28ddf-e265-426e-83a1-9d03a3a6822b", "f599a5b3-60a7-4951-950a-cc4115c7ea27",
        "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0",
    }
    assert seed_table <= {s["id"] for s in specs.json()["items"]}

    # Authorize access to your data in Experience Platform.
    base = http("POST", "/connections", {
        "name": "Base connection to Experience Platform",
        "description": "This call establishes the connection to Experience Platform data",
        "connectionSpec": {"id": PROFILE_STORE, "version": "1.0"},
    })
    assert base.status_code == 201
    base_id = base.json()["id"]

    # Connect to your Experience Platform data.
    source = http("POST", "/sourceConnections", {
        "name": "Connecting to Profile Store",
        "description": "Optional",
        "connectionSpec": {"id": PROFILE_STORE, "version": "1.0"},
        "baseConnectionId": base_id,
        "data": {"format": "CSV", "schema": None},
        "params": {},
    })
    assert source.status_code == 201
    source_id = source.json()["id"]

    # Authorize access to the batch destination (the S3 variant of the request).
    destination = http("POST", "/connections", {
        "name": "S3 Connection for Adobe Campaign",
        "description": "summer advertising campaign",
        "connectionSpec": {"id": CAMPAIGN, "version": "1.0"},
        "auth": {"specName": "S3", "params": {"accessId": "ACCESS_ID", "secretKey": "SECRET_KEY"}},
    })
    assert destination.status_code == 201
    destination_id = destination.json()["id"]

    # Specify storage location and data format (the tutorial sends no x-sandbox-name here).
    target = http("POST", "/targetConnections", {
        "name": "TargetConnection for Adobe Campaign",
        "description": "Connection to Adobe Campaign",
        "baseConnectionId": destination_id,
        "connectionSpec": {"id": CAMPAIGN, "version": "1.0"},
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {"mode": "S3", "bucketName": "my-bucket", "path": "exports", "format": "CSV"},
    }, **{"x-sandbox-name": ""})
    assert target.status_code == 201
    target_id = target.json()["id"]

    # Create a dataflow.
    flow = http("POST", "/flows", {
        "name": "Activate segments to Adobe Campaign",
        "description": "This operation creates a dataflow which we will later use to activate segments to Adobe Campaign",
        "flowSpec": {"id": LEGACY_FLOW_SPEC, "version": "1.0"},
        "sourceConnectionIds": [source_id],
        "targetConnectionIds": [target_id],
        "transformations": [{"name": "GeneralTransform", "params": {
            "segmentSelectors": {"selectors": []}, "profileSelectors": {"selectors": []},
        }}],
    })
    assert flow.status_code == 201
    flow_id, etag = flow.json()["id"], flow.json()["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert flow.headers["Location"].endswith(f"/data/foundation/flowservice/flows/{flow_id}")

    # Activate data: the etag goes into If-Match as the unescaped value.
    selector = {
        "name": "Name of the segment that you are activating",
        "description": "Description of the segment that you are activating",
        "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
        "exportMode": "DAILY_FULL_EXPORT",
    }
    activate = http("PATCH", f"/flows/{flow_id}", [
        {"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-",
         "value": {"type": "PLATFORM_SEGMENT", "value": {
             **selector, "id": "seg-1",
             "schedule": {"frequency": "ONCE", "startDate": "2021-12-20", "startTime": "17:00"}}}},
        {"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-",
         "value": {"type": "PLATFORM_SEGMENT", "value": {
             **selector, "id": "seg-2",
             "schedule": {"frequency": "ONCE", "triggerType": "SCHEDULED",
                          "startDate": "2021-12-20", "startTime": "17:00"}}}},
        {"op": "add", "path": "/transformations/0/params/profileSelectors/selectors/-",
         "value": {"type": "JSON_PATH", "value": {"path": "person.name.firstName"}}},
    ], **{"If-Match": etag})
    assert activate.status_code == 202
    assert activate.content == b""

    # Validate the dataflow.
    got = http("GET", f"/flows/{flow_id}")
    assert got.status_code == 200
    stored = got.json()["items"][0]
    assert stored["etag"] != etag and stored["etag"] == got.headers["ETag"]
    params = stored["transformations"][0]["params"]
    assert [s["value"]["id"] for s in params["segmentSelectors"]["selectors"]] == ["seg-1", "seg-2"]
    for s in params["segmentSelectors"]["selectors"]:
        assert s["value"]["createTime"].isdigit() and s["value"]["updateTime"].isdigit()
    first_name = params["profileSelectors"]["selectors"][0]["value"]
    assert first_name["operator"] == "EXISTS"
    assert first_name["mapping"]["destinationXdmPath"] == "person.name.firstName"

    # The old etag is now stale.
    stale = http("PATCH", f"/flows/{flow_id}", [{"op": "replace", "path": "/name", "value": "x"}],
                 **{"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json()["errorMessage"] == (
        f'Supplied version=[{etag}] does not match the current version on entity=[{stored["etag"]}]'
    )


def test_runs_of_a_new_flow_are_empty_and_deletes_cascade_in_order(http):
    base = http("POST", "/connections", {
        "name": "S3", "connectionSpec": {"id": "4890fc95-5a1f-4983-94bb-e060c08e3f81", "version": "1.0"},
        "auth": {"specName": "Access Key", "params": {"s3AccessKey": "AK", "s3SecretKey": "SK"}},
    }).json()["id"]
    target = http("POST", "/targetConnections", {
        "name": "t", "baseConnectionId": base,
        "connectionSpec": {"id": "4890fc95-5a1f-4983-94bb-e060c08e3f81", "version": "1.0"},
        "params": {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"},
    }).json()["id"]
    source = http("POST", "/sourceConnections", {
        "name": "s", "connectionSpec": {"id": PROFILE_STORE, "version": "1.0"},
    }).json()["id"]
    flow = http("POST", "/flows", {
        "name": "f", "flowSpec": {"id": LEGACY_FLOW_SPEC, "version": "1.0"},
        "sourceConnectionIds": [source], "targetConnectionIds": [target], "transformations": [],
    }).json()["id"]
    runs = http("GET", f"/runs?property=flowId=={flow}")
    assert runs.status_code == 200 and runs.json()["items"] == []
    assert http("DELETE", f"/connections/{base}").status_code == 400
    assert http("DELETE", f"/flows/{flow}").status_code == 202
    assert http("GET", f"/flows/{flow}").status_code == 404
    assert http("DELETE", f"/connections/{base}").status_code == 202
