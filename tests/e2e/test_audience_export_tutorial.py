"""The audience-export tutorial for the new cloud-storage cards (reference appendix A.2):
connection spec, source, base and target connections, flow, Data Prep mapping set, PATCH, runs.
Run in the "current" profile, whose PATCH answers 200 with ``{id, etag}`` as this tutorial says."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from ..support import PROFILE_STORE, S3, S3_AUTH, S3_SEGMENT_FLOW, spec


@pytest.fixture(scope="module")
def live_settings() -> Settings:
    return Settings(port=0, seed=11, profile="current")


def test_new_card_audience_export(server, http):
    card = http("GET", f"/connectionSpecs/{S3}").json()["items"][0]
    assert card["authSpec"][0]["name"] == "Access Key"
    partner_schema = card["targetSpec"]["attributes"]["partnerSchema"]["jsonSchema"]

    source = http("POST", "/sourceConnections", {"name": "Connect to Profile Store", "description": "Optional",
                                                 "connectionSpec": spec(PROFILE_STORE)}).json()
    base = http("POST", "/connections", {"name": "Amazon S3 Base Connection", "auth": S3_AUTH,
                                         "connectionSpec": spec(S3)}).json()
    target = http("POST", "/targetConnections", {
        "name": "Amazon S3 Target Connection", "baseConnectionId": base["id"], "connectionSpec": spec(S3),
        "params": {"mode": "Server-to-server", "bucketName": "your-bucket-name", "path": "folder/subfolder",
                   "compression": "GZIP", "fileType": "CSV",
                   "csvOptions": {"nullValue": "null", "emptyValue": "", "escape": "\\", "quote": "", "delimiter": ","}},
    }).json()
    flow = http("POST", "/flows", {
        "name": "Activate audiences to Amazon S3", "flowSpec": spec(S3_SEGMENT_FLOW),
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [{"name": "GeneralTransform", "params": {
            "mandatoryFields": [], "primaryFields": [], "profileMapping": {}, "segmentSelectors": {"selectors": []}}}],
    })
    assert flow.status_code == 201
    flow = flow.json()

    # Data Prep: input schema from the union schema, output schema from the partner schema, mapping set.
    platform = server.url + "/data"
    union = http.session.get(f"{platform}/core/ups/config/entityTypes/_xdm.context.profile"
                             "?property=fullSchema==true&property=includeRelationshipDescriptors==true", timeout=10)
    assert http.session.get(f"{platform}/core/idnamespace/identities", timeout=10).status_code == 200
    schemas = [http.session.post(f"{platform}/foundation/conversion/schemas", timeout=10,
                                 json={"name": "Sample Schema for Flow Mapping", "jsonSchema": body}).json()["id"]
               for body in (union.json(), partner_schema)]
    mapping = http.session.post(f"{platform}/foundation/conversion/mappingSets", timeout=10, json={
        "inputSchema": {"id": schemas[0]}, "outputSchema": {"id": schemas[1]}, "xdmVersion": "1.0",
        "mappings": [{"destination": "personalEmail_address", "source": "personalEmail.address",
                      "sourceType": "ATTRIBUTE"}],
    }).json()

    patched = http("PATCH", f"/flows/{flow['id']}", [
        {"op": "ADD", "path": "/transformations/0/params/profileMapping",
         "value": {"mappingId": mapping["id"], "mappingVersion": 0}},
        {"op": "add", "path": "/transformations/0/params/segmentSelectors/selectors/-", "value": {
            "type": "PLATFORM_SEGMENT", "value": {
                "id": "9f7d37fd-7039-4454-94ef-2b0cd6c3206a", "name": "Gold members",
                "filenameTemplate": "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
                "exportMode": "DAILY_FULL_EXPORT",
                "schedule": {"frequency": "ONCE", "triggerType": "SCHEDULED", "startDate": "2026-12-01",
                             "startTime": "14:00"}}}},
        {"op": "add", "path": "/transformations/0/params/mandatoryFields", "value": ["personalEmail_address"]},
    ], **{"If-Match": flow["etag"]})
    assert patched.status_code == 200 and patched.json()["id"] == flow["id"]

    stored = http("GET", f"/flows/{flow['id']}").json()["items"][0]
    params = stored["transformations"][0]["params"]
    assert params["profileMapping"] == {"mappingId": mapping["id"], "mappingVersion": 0}
    assert params["segmentSelectors"]["selectors"][0]["value"]["name"] == "Gold members"
    assert stored["etag"] == patched.json()["etag"]
    assert http("GET", f"/runs?property=flowId=={flow['id']}").json()["items"] == []
