"""Validation rules: schedules, file names, references, immutable fields (reference §5.5, §6.1-§6.9).

The sources give the rules but no error bodies for most of them; those tests claim a 400 with the
Flow Service problem-details shape, an assumption recorded in docs/fidelity.md.
"""

from __future__ import annotations

import pytest

from . import bodies, checks
from .bodies import LEGACY_FLOW, PROFILE_STORE, SELECTORS, UNKNOWN_ID, spec



def add_audience(client, flow, value_changes=None, schedule_changes=None, op="add"):
    audience = bodies.selector("contract-validation")
    audience["value"].update(value_changes or {})
    audience["value"]["schedule"].update(schedule_changes or {})
    return client.patch(f"/flows/{flow['id']}", [{"op": op, "path": f"{SELECTORS}/-", "value": audience}],
                        flow["etag"])


def refused(reply) -> None:
    checks.status(reply, 400)
    assert checks.ERROR_TYPE.match(reply.json()["type"]), reply.text


@pytest.mark.assumption("schedules-61-62")
@pytest.mark.parametrize("mode, frequency", [("DAILY_FULL_EXPORT", "EVERY_3_HOURS"),
                                             ("FIRST_FULL_THEN_INCREMENTAL", "ONCE")])
def test_frequency_must_suit_the_export_mode(client, flow, mode, frequency):
    refused(add_audience(client, flow, {"exportMode": mode}, {"frequency": frequency}))


@pytest.mark.assumption("schedules-61-62")
def test_start_time_on_the_hour(client, flow):
    refused(add_audience(client, flow, schedule_changes={"startTime": "10:30"}))


@pytest.mark.assumption("schedules-61-62")
def test_end_date_not_before_start_date(client, flow):
    refused(add_audience(client, flow, schedule_changes={"startDate": "2030-02-01", "endDate": "2030-01-01"}))


@pytest.mark.assumption("resources")
def test_the_same_audience_twice_is_refused(client, flow):
    checks.status(add_audience(client, flow), 200, 202)
    etag = client.entity("flows", flow["id"])["etag"]
    refused(add_audience(client, {**flow, "etag": etag}))


@pytest.mark.verified(era="AS")
def test_op_in_capitals_as_as_sends_it(client, flow):
    checks.status(add_audience(client, flow, op="ADD"), 200, 202)


@pytest.mark.assumption("schedules-61-62")
def test_legacy_file_name_template_needs_segment_id(client):
    base = client.create("connections", {
        "name": "Campaign", "connectionSpec": spec(bodies.CAMPAIGN),
        "auth": {"specName": "S3", "params": {"accessId": "ACCESS_ID", "secretKey": "SECRET_KEY"}}})
    target = client.create("targetConnections", {
        "name": "Campaign target", "baseConnectionId": base["id"], "connectionSpec": spec(bodies.CAMPAIGN),
        "data": {"format": "json", "schema": {"id": "1.0", "version": "1.0"}},
        "params": {"mode": "S3", "bucketName": "contract-bucket", "path": "exports", "format": "CSV"}})
    source = client.create("sourceConnections", bodies.profile_source())
    flow = client.create("flows", {**bodies.audience_flow(source["id"], target["id"], LEGACY_FLOW),
                                   "transformations": [{"name": "GeneralTransform", "params": {
                                       "segmentSelectors": {"selectors": []}, "profileSelectors": {"selectors": []}}}]})
    refused(add_audience(client, flow, {"filenameTemplate": "%DESTINATION_NAME%_%DATETIME(YYYYMMdd_HHmmss)%"}))


@pytest.mark.assumption("schedules-61-62")
@pytest.mark.parametrize("schedule", [
    {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "day", "startTime": 1893456000},
    {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour"},
], ids=["day-interval-3", "no-start-time"])
def test_dataset_schedule_combinations(client, schedule):
    source = client.create("sourceConnections", bodies.dataset_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"], datasetFileType="JSON"))
    refused(client.create_reply("flows", {
        "name": "Datasets", "flowSpec": spec(bodies.S3_DATASET_FLOW), "sourceConnectionIds": [source["id"]],
        "targetConnectionIds": [target["id"]], "transformations": [], "scheduleParams": schedule}))


@pytest.mark.assumption("error-bodies")
def test_a_flow_referencing_a_missing_connection_is_400(client):
    source = client.create("sourceConnections", bodies.profile_source())
    refused(client.create_reply("flows", bodies.audience_flow(source["id"], UNKNOWN_ID)))


@pytest.mark.assumption("resources")
def test_dataset_list_of_a_source_connection_cannot_change(client):
    created = client.create("sourceConnections", bodies.dataset_source())
    reply = client.patch(f"/sourceConnections/{created['id']}", [
        {"op": "replace", "path": "/params/datasets", "value": [{"dataSetId": "616d53e0a6de2719486fb025"}]}],
        created["etag"])
    checks.status(reply, 400)


@pytest.mark.verified(era="MIG")
def test_top_level_encryption_is_accepted(client):
    body = {**bodies.s3_connection(), "encryption": {
        "specName": "File Encryption", "params": {"encryptionAlgo": "PGP/GPG", "publicKey": "cHVi"}}}
    created = client.create("connections", body)
    assert client.entity("connections", created["id"])["encryption"]["specName"] == "File Encryption"


@pytest.mark.assumption("resources")
def test_a_base_connection_without_connection_spec_is_refused(client):
    reply = client.create_reply("connections", {"name": "Data Landing Zone(DLZ) Base Connection"})
    checks.status(reply, 400)
    assert reply.json() == {"message": "Please provide a valid spec id"}


@pytest.mark.assumption("etags-and-versions")
def test_action_checks_if_match_when_present(client, flow):
    reply = client.post(f"/flows/{flow['id']}/action", params={"op": "disable"},
                        headers={"If-Match": '"00000000-0000-0000-0000-000000000000"'})
    checks.flow_error(reply, 1404, 412)


@pytest.mark.assumption("error-bodies")
def test_unknown_run_is_404(client):
    checks.flow_error(client.get(f"/runs/{UNKNOWN_ID}"), 1439, 404)


@pytest.mark.assumption("listing-32")
def test_eligible_datasets_only_for_dataset_specs(client):
    reply = client.get(f"/connectionSpecs/{PROFILE_STORE}/configs",
                       params={"outputType": "activationDatasets", "outputField": "datasets"})
    checks.status(reply, 400)
