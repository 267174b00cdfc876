"""Dataflows: create, PATCH under If-Match, enable/disable, delete (reference §3.8, §6.6-§6.9)."""

from __future__ import annotations

import pytest

from . import bodies, checks
from .bodies import SELECTORS



@pytest.mark.verified(era="UD+DY")
def test_new_flow_is_enabled_with_system_fields(client, flow):
    entity = client.entity("flows", flow["id"])
    assert entity["state"] == "enabled"
    assert entity["etag"] == entity["version"] == flow["etag"]
    assert entity["flowSpec"]["id"] == bodies.S3_SEGMENT_FLOW
    assert entity["inheritedAttributes"]["properties"]["isDestinationFlow"] is True


@pytest.mark.verified(era="FSE")
def test_state_in_create_is_1410(client):
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    body = {**bodies.audience_flow(source["id"], target["id"]), "state": "enabled"}
    checks.flow_error(client.create_reply("flows", body), 1410, 400)


@pytest.mark.verified(era="FSE")
def test_unknown_flow_spec_is_1413(client):
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    body = bodies.audience_flow(source["id"], target["id"], flow_spec=bodies.UNKNOWN_ID)
    checks.flow_error(client.create_reply("flows", body), 1413, 400)


@pytest.mark.assumption("responses-by-doc-era--profile")
def test_patch_answers_200_or_202_and_moves_the_etag(client, flow):
    rename = [{"op": "replace", "path": "/name", "value": f"{client.prefix}renamed"}]
    reply = client.patch(f"/flows/{flow['id']}", rename, flow["etag"])
    checks.status(reply, 200, 202)
    entity = client.entity("flows", flow["id"])
    assert entity["name"] == f"{client.prefix}renamed" and entity["etag"] != flow["etag"]
    if reply.body.strip():
        assert checks.id_and_etag(reply, flow["id"], flow["etag"])["etag"] == entity["etag"]


@pytest.mark.verified(era="AS+DY")
def test_add_audience_gets_server_set_times(client, flow):
    reply = client.patch(f"/flows/{flow['id']}", [{"op": "add", "path": f"{SELECTORS}/-",
                                                   "value": bodies.selector("contract-segment-1")}], flow["etag"])
    checks.status(reply, 200, 202)
    params = client.entity("flows", flow["id"])["transformations"][0]["params"]
    value = params["segmentSelectors"]["selectors"][0]["value"]
    assert value["id"] == "contract-segment-1"
    assert value["createTime"].isdigit() and value["updateTime"].isdigit()


@pytest.mark.verified(era="FSE")
def test_move_op_is_1434(client, flow):
    reply = client.patch(f"/flows/{flow['id']}", [{"op": "move", "from": "/name", "path": "/description"}],
                         flow["etag"])
    checks.flow_error(reply, 1434, 400)


@pytest.mark.assumption("resources")
def test_patch_of_a_system_field_is_1455(client, flow):
    reply = client.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/state", "value": "disabled"}],
                         flow["etag"])
    checks.flow_error(reply, 1455, 400)


@pytest.mark.verified(era="DY+FSE")
def test_stale_etag_on_a_flow_is_412(client, flow):
    first = client.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/name", "value": f"{client.prefix}a"}],
                         flow["etag"])
    checks.status(first, 200, 202)
    again = client.patch(f"/flows/{flow['id']}", [{"op": "replace", "path": "/name", "value": f"{client.prefix}b"}],
                         flow["etag"])
    checks.flow_error(again, 1404, 412)
    assert client.entity("flows", flow["id"])["name"] == f"{client.prefix}a"


@pytest.mark.verified(era="UD+FY")
def test_disable_then_enable(client, flow):
    disabled = client.post(f"/flows/{flow['id']}/action", params={"op": "disable"})
    checks.status(disabled, 200)
    after = checks.id_and_etag(disabled, flow["id"], flow["etag"])
    assert client.entity("flows", flow["id"])["state"] == "disabled"
    enabled = client.post(f"/flows/{flow['id']}/action", params={"op": "enable"})
    checks.status(enabled, 200)
    checks.id_and_etag(enabled, flow["id"], after["etag"])
    assert client.entity("flows", flow["id"])["state"] == "enabled"


@pytest.mark.verified(era="FSE")
def test_enabling_an_enabled_flow_is_1422(client, flow):
    checks.flow_error(client.post(f"/flows/{flow['id']}/action", params={"op": "enable"}), 1422, 400)


@pytest.mark.verified(era="FSE")
def test_unknown_action_is_1435(client, flow):
    checks.flow_error(client.post(f"/flows/{flow['id']}/action", params={"op": "finish"}), 1435, 400)


@pytest.mark.verified(era="DY+DDF")
def test_delete_flow_then_404(client, flow):
    reply = client.delete(f"/flows/{flow['id']}")
    checks.status(reply, 202, 204)
    checks.empty(reply)
    checks.flow_error(client.get(f"/flows/{flow['id']}"), 1439, 404)


@pytest.mark.verified(era="FSE+DDA")
def test_base_connection_of_a_flow_cannot_be_deleted_1418(client, flow):
    target_id = client.entity("flows", flow["id"])["targetConnectionIds"][0]
    base_id = client.entity("targetConnections", target_id)["baseConnectionId"]
    checks.flow_error(client.delete(f"/connections/{base_id}"), 1418, 400)


@pytest.mark.verified(era="ED")
def test_dataset_flow_with_schedule(client):
    source = client.create("sourceConnections", bodies.dataset_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"], datasetFileType="JSON"))
    schedule = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                "startTime": 1893456000, "endTime": 1893542400,
                "foldernameTemplate": "%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%"}
    created = client.create("flows", {
        "name": "Datasets to S3", "flowSpec": bodies.spec(bodies.S3_DATASET_FLOW),
        "sourceConnectionIds": [source["id"]], "targetConnectionIds": [target["id"]],
        "transformations": [], "scheduleParams": schedule})
    entity = client.entity("flows", created["id"])
    assert entity["scheduleParams"]["interval"] == 3 and entity["scheduleParams"]["timeUnit"] == "hour"
    assert entity["scheduleParams"]["startTime"] == 1893456000
