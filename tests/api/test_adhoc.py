"""Ad hoc activation, ``POST /data/core/activation/disflowprovider/adhocrun`` (AY, ADH).

The audiences are those of the demo Platform data (``platform.data.audiences``); their memberships
are spread around the clock's day when the data is first used, so the clock is frozen first.
"""

from __future__ import annotations

import csv

import pytest

from mockserver.settings import Settings

from ..support import BASE, HEADERS, ORG, Api, audience_members, make_app
from .shapes import content_type_error, gateway_error

ADHOC = "/data/core/activation/disflowprovider/adhocrun"
V2 = "application/vnd.adobe.adhoc.activation+json; version=2"
T0 = 1767225600  # 2026-01-01T00:00:00Z
HOUR = 3600
FIRST_RUN = T0 + 10 * HOUR  # the schedules below first run on 2026-01-01 at 10:00 UTC
OTHER_ORG = "0A0A0A0A0A0A0A0A0A0A0A0A@AdobeOrg"


class Mock:
    """An app whose files land in a temp folder, its clock frozen at T0, and the demo audiences."""

    def __init__(self, tmp_path, base_url="http://localhost"):
        self.app = make_app(Settings(seed=42, storage_root=str(tmp_path)))
        self.client = self.app.test_client()
        self.base_url = base_url
        self.platform = self.app.extensions["flowservice"]
        self.api = Api(self.client)
        self.set_clock(T0, freeze=True)
        # Only now: memberships are spread around the day the clock shows at first use.
        self.audiences = [a["id"] for a in self.platform.data.audiences]

    def set_clock(self, at, freeze=None):
        body = {"set": at} if freeze is None else {"set": at, "freeze": freeze}
        response = self.client.post("/_mock/clock", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def adhoc(self, body=None, *, accept=V2, data=None, headers=None, drop=(), content_type="application/json"):
        sent = {**HEADERS, **({"Accept": accept} if accept is not None else {}), **(headers or {})}
        for name in drop:
            sent.pop(name, None)
        if data is None and body is not None:
            import json
            data = json.dumps(body)
        return self.client.post(ADHOC, data=data, headers=sent, content_type=content_type,
                                base_url=self.base_url)

    def flow(self, *audiences, api=None, mode="DAILY_FULL_EXPORT", **schedule) -> str:
        sched = {"frequency": "DAILY", "triggerType": "SCHEDULED", "startDate": "2026-01-01",
                 "startTime": "10:00", **schedule}
        selectors = [{"type": "PLATFORM_SEGMENT",
                      "value": {"id": a, "name": f"Audience {a[:8]}", "exportMode": mode, "schedule": sched}}
                     for a in audiences]
        return (api or self.api).audience_flow(
            [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": selectors}}}])["id"]

    def run_count(self, api=None) -> int:
        return (api or self.api).get("/runs?count=true").get_json()["count"]

    def tenant(self, org=ORG, sandbox="prod"):
        return self.platform.store.tenant(org, sandbox)

    def exports(self, **query) -> list[dict]:
        return self.client.get("/_mock/exports", query_string=query).get_json()["items"]


@pytest.fixture
def mock(tmp_path) -> Mock:
    return Mock(tmp_path)


@pytest.fixture
def ready(mock):
    """A flow of two audiences, both exported on schedule at 10:00; the clock at 11:00 (the earliest
    an ad hoc activation is allowed)."""
    a, b = mock.audiences[:2]
    flow_id = mock.flow(a, b)
    moved = mock.set_clock(FIRST_RUN + HOUR)
    assert [(r["segmentId"], r["trigger"], r["status"]) for r in moved["runs"]] == [
        (a, "scheduled", "success"), (b, "scheduled", "success")]
    return flow_id, a, b


def message(response, status, text=None) -> str:
    """The ad hoc activation API's own error body: exactly ``{"message": "..."}``."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"message"}, body
    assert isinstance(body["message"], str) and body["message"]
    if text is not None:
        assert body["message"] == text
    return body["message"]


def not_part(*names) -> str:
    return f"Segments {', '.join(names)} are not part of this dataflow or out of schedule range!"


def run_id_of(status_url: str) -> str:
    return status_url.rsplit("/", 1)[1]


# --- success ------------------------------------------------------------------------------------

def test_v2_needs_only_activation_info(mock, ready):
    flow_id, a, b = ready
    before = mock.run_count()
    response = mock.adhoc({"activationInfo": {flow_id: [b, a]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"order"}
    # One order per audience (the API does not say in which order they come).
    assert sorted((o["segment"], o["order"]) for o in body["order"]) == sorted([(b, flow_id), (a, flow_id)])
    for order in body["order"]:
        assert set(order) == {"segment", "order", "statusURL"}
        assert order["statusURL"].startswith(f"http://localhost{BASE}/runs/")
    run_ids = [run_id_of(o["statusURL"]) for o in body["order"]]
    assert len(set(run_ids)) == 2
    assert mock.run_count() == before + 2


def test_status_url_points_at_this_mock(tmp_path):
    mock = Mock(tmp_path, base_url="http://mock.example:8123")
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    mock.set_clock(FIRST_RUN + HOUR)
    response = mock.adhoc({"activationInfo": {flow_id: [a]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    url = response.get_json()["order"][0]["statusURL"]
    assert url.startswith(f"http://mock.example:8123{BASE}/runs/")


def test_status_url_gets_a_successful_run_with_a_full_export_file(mock):
    # An incremental schedule (every 3 hours): its 13:00 run exports only the changes since 10:00,
    # while an ad hoc activation at 14:00 must export every member as of 14:00.
    a = mock.audiences[0]
    flow_id = mock.flow(a, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS")
    scheduled = mock.set_clock(FIRST_RUN + 4 * HOUR)["runs"]
    assert [r["createdAt"] for r in scheduled] == [FIRST_RUN * 1000, (FIRST_RUN + 3 * HOUR) * 1000]
    incremental_rows = scheduled[1]["files"][0]["rows"]

    response = mock.adhoc({"activationInfo": {flow_id: [a]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    url = response.get_json()["order"][0]["statusURL"]
    assert mock.platform.runner.wait(60)
    path = url.removeprefix("http://localhost")
    got = mock.client.get(path, headers=HEADERS)
    assert got.status_code == 200, got.get_data(as_text=True)
    run = got.get_json()["items"][0]
    assert run["id"] == run_id_of(url)
    assert run["flowId"] == flow_id
    assert run["metrics"]["statusSummary"]["status"] == "success"
    assert run["createdAt"] == (FIRST_RUN + 4 * HOUR) * 1000
    assert not any(key.startswith("_") for key in run)

    expected = audience_members(mock.platform, a, FIRST_RUN + 4 * HOUR)
    assert expected > incremental_rows  # otherwise the test could not tell full from incremental
    assert run["metrics"]["recordSummary"]["outputRecordCount"] == expected
    [export] = mock.exports(runId=run["id"])
    assert export["trigger"] == "adhoc" and export["status"] == "success" and export["segmentId"] == a
    [file] = export["files"]
    assert file["rows"] == expected
    with open(file["location"], newline="") as handle:
        assert len(list(csv.reader(handle))) == expected + 1  # a header, then one row per member


def test_adhoc_run_leaves_the_incremental_chain_alone(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a, mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS")
    mock.set_clock(FIRST_RUN + 4 * HOUR)
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200
    assert mock.platform.runner.wait(60)
    [next_run] = mock.set_clock(FIRST_RUN + 6 * HOUR)["runs"]
    assert next_run["trigger"] == "scheduled"
    # The 16:00 run exports what changed since the 13:00 scheduled run, not a full file.
    assert next_run["files"][0]["rows"] < audience_members(mock.platform, a, FIRST_RUN + 6 * HOUR)


def test_two_flows_in_one_request(mock):
    a, b, c = mock.audiences[:3]
    first, second = mock.flow(a, b), mock.flow(b, c)
    mock.set_clock(FIRST_RUN + HOUR)
    response = mock.adhoc({"activationInfo": {first: [a, b], second: [b, c]}})
    assert response.status_code == 200, response.get_data(as_text=True)
    orders = response.get_json()["order"]
    assert sorted((o["segment"], o["order"]) for o in orders) == sorted(
        [(a, first), (b, first), (b, second), (c, second)])
    assert mock.platform.runner.wait(60)
    for order in orders:
        [export] = mock.exports(runId=run_id_of(order["statusURL"]))
        assert (export["flowId"], export["segmentId"], export["trigger"]) == (order["order"], order["segment"], "adhoc")


def test_v1_without_accept_header_needs_export_ids(mock, ready):
    flow_id, a, _ = ready
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}, accept=None), 400,
            "exportIds is required without the v2 Accept header (application/vnd.adobe.adhoc.activation+json; "
            "version=2): the ids of the latest audience export jobs.")
    assert mock.run_count() == before
    response = mock.adhoc({"activationInfo": {flow_id: [a]}, "exportIds": ["export-1"]}, accept=None)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [o["segment"] for o in response.get_json()["order"]] == [a]


@pytest.mark.parametrize("accept", [
    "application/json",
    "application/vnd.adobe.adhoc.activation+json",
    "application/vnd.adobe.adhoc.activation+json; version=1",
])
def test_other_accept_headers_are_v1(mock, ready, accept):
    flow_id, a, _ = ready
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}, accept=accept), 400)


@pytest.mark.parametrize("accept", [
    "application/vnd.adobe.adhoc.activation+json;version=2",
    'application/vnd.adobe.adhoc.activation+json; version="2"',
    "application/json, application/vnd.adobe.adhoc.activation+json; version=2",
])
def test_v2_accept_header_variants(mock, ready, accept):
    flow_id, a, _ = ready
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}, accept=accept).status_code == 200


@pytest.mark.parametrize("export_ids", [[], [""], [1], "export-1", None, [None]])
def test_v1_refuses_bad_export_ids(mock, ready, export_ids):
    flow_id, a, _ = ready
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a]}, "exportIds": export_ids}, accept=None), 400)
    assert mock.run_count() == before


# --- malformed requests -------------------------------------------------------------------------

@pytest.mark.parametrize("data", ["{", '{"activationInfo": ', "not json", '{"a": 1}}'])
def test_malformed_json(mock, ready, data):
    before = mock.run_count()
    text = message(mock.adhoc(data=data), 400)
    assert text.startswith("The request body is not valid JSON")  # this API's words, not Flow Service's
    assert mock.run_count() == before


@pytest.mark.parametrize("data", ["[]", '"activationInfo"', "3", "null", "true"])
def test_body_not_an_object(mock, ready, data):
    message(mock.adhoc(data=data), 400, "The request body must be a JSON object with activationInfo.")


def test_empty_body(mock, ready):
    message(mock.adhoc(data=""), 400, "The request body must be a JSON object with activationInfo.")


@pytest.mark.parametrize("body", [{}, {"activationInfo": {}}, {"activationInfo": None}, {"activationInfo": []},
                                  {"activationInfo": "flow"}, {"activationinfo": {"f": ["a"]}}])
def test_activation_info_missing_or_empty(mock, ready, body):
    before = mock.run_count()
    message(mock.adhoc(body), 400, "activationInfo is required: a map of dataflow ids to arrays of audience ids.")
    assert mock.run_count() == before


@pytest.mark.parametrize("audiences", [[], "aud", None, [1], [""], ["  "], [None], [["a"]], [{"id": "a"}]])
def test_audience_ids_must_be_non_empty_strings(mock, ready, audiences):
    flow_id, a, _ = ready
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: audiences}}), 400,
            f"activationInfo.{flow_id} must be a non-empty array of audience ids.")
    # One bad entry refuses the whole request, the good flow too.
    message(mock.adhoc({"activationInfo": {flow_id: [a], "other": audiences}}), 400)
    assert mock.run_count() == before


def test_duplicate_audiences(mock, ready):
    flow_id, a, b = ready
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a, b, a]}}), 400,
            f"activationInfo.{flow_id} lists an audience more than once.")
    assert mock.run_count() == before


def test_at_most_80_audiences(mock, ready):
    flow_id, a, _ = ready
    ids = [f"aud-{i}" for i in range(81)]
    message(mock.adhoc({"activationInfo": {"nope": ids}}), 400,
            "An ad hoc activation job can activate at most 80 audiences; this one has 81.")
    # Counted over the whole job, across flows.
    message(mock.adhoc({"activationInfo": {flow_id: [a] + ids[:40], "nope": ids[40:80]}}), 400,
            "An ad hoc activation job can activate at most 80 audiences; this one has 81.")
    # 80 pass the guardrail (and are refused further on, for the unknown flow).
    message(mock.adhoc({"activationInfo": {"nope": ids[:80]}}), 404, "Destination instance nope not found.")


def test_content_type_is_required(mock, ready):
    flow_id, a, _ = ready
    before = mock.run_count()
    content_type_error(mock.adhoc({"activationInfo": {flow_id: [a]}}, content_type="text/plain"))
    assert mock.run_count() == before


# --- the flow and its audiences -----------------------------------------------------------------

def test_unknown_flow_is_404(mock, ready):
    flow_id, a, _ = ready
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {"c0ffee00-0000-4000-8000-000000000000": [a]}}), 404,
            "Destination instance c0ffee00-0000-4000-8000-000000000000 not found.")
    # Nothing is started for the known flow of the same request either.
    message(mock.adhoc({"activationInfo": {flow_id: [a], "c0ffee00-0000-4000-8000-000000000000": [a]}}), 404)
    assert mock.run_count() == before


def test_flow_of_another_sandbox_is_404(mock, ready):
    flow_id, a, _ = ready
    for org, sandbox in ((ORG, "dev"), (OTHER_ORG, "prod")):
        response = mock.adhoc({"activationInfo": {flow_id: [a]}},
                              headers={"x-gw-ims-org-id": org, "x-sandbox-name": sandbox})
        message(response, 404, f"Destination instance {flow_id} not found.")
    other = Api(mock.client, {**HEADERS, "x-sandbox-name": "dev"})
    assert mock.run_count(other) == 0
    assert mock.run_count() == 2  # the two scheduled runs only


def test_flow_of_another_sandbox_cannot_be_activated(mock, ready):
    # The same audience mapped in another sandbox's flow: each tenant's ad hoc call sees its own flow.
    flow_id, a, _ = ready
    dev = Api(mock.client, {**HEADERS, "x-sandbox-name": "dev"})
    dev_flow = mock.flow(a, api=dev)
    response = mock.adhoc({"activationInfo": {dev_flow: [a]}})
    message(response, 404, f"Destination instance {dev_flow} not found.")


def test_status_url_is_a_run_of_the_caller_only(mock, ready):
    flow_id, a, _ = ready
    url = mock.adhoc({"activationInfo": {flow_id: [a]}}).get_json()["order"][0]["statusURL"]
    path = url.removeprefix("http://localhost")
    assert mock.client.get(path, headers=HEADERS).status_code == 200
    assert mock.client.get(path, headers={**HEADERS, "x-sandbox-name": "dev"}).status_code == 404


def test_dataset_flow_has_no_audiences(mock):
    source = mock.api.dataset_source()
    flow_id = mock.api.created("/flows", {
        "name": "Datasets", "flowSpec": {"id": "269ba276-16fc-47db-92b0-c1049a3c131f", "version": "1.0"},
        "sourceConnectionIds": [source], "targetConnectionIds": [mock.api.s3_target(datasetFileType="JSON")],
        "transformations": [], "scheduleParams": {"interval": 3, "timeUnit": "hour", "startTime": T0 + HOUR,
                                                  "endTime": T0 + 86400}})["id"]
    mock.set_clock(T0 + 3 * HOUR)
    message(mock.adhoc({"activationInfo": {flow_id: ["616d53e0a6de2719486fb024"]}}), 400,
            not_part("616d53e0a6de2719486fb024"))


def test_audience_not_in_the_flow(mock, ready):
    flow_id, a, _ = ready
    stranger = mock.audiences[4]
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a, stranger]}}), 400, not_part(stranger))
    assert mock.run_count() == before


def test_names_of_every_refused_audience(mock):
    a, b, c = mock.audiences[:3]
    flow_id = mock.flow(a, b, startDate="2026-01-02")  # not started yet on 2026-01-01
    message(mock.adhoc({"activationInfo": {flow_id: [b, c, a]}}), 400,
            not_part(f"Audience {b[:8]}", c, f"Audience {a[:8]}"))


def test_disabled_flow(mock, ready):
    flow_id, a, b = ready
    assert mock.api.post(f"/flows/{flow_id}/action?op=disable").status_code in (200, 202)
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a, b]}}), 400,
            not_part(f"Audience {a[:8]}", f"Audience {b[:8]}"))
    assert mock.run_count() == before
    assert mock.api.post(f"/flows/{flow_id}/action?op=enable").status_code in (200, 202)
    assert mock.adhoc({"activationInfo": {flow_id: [a, b]}}).status_code == 200


def test_before_start_date(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a, startDate="2026-01-03")
    mock.set_clock(T0 + 2 * 86400 - 1)  # 2026-01-02T23:59:59Z
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400, not_part(f"Audience {a[:8]}"))


def test_on_and_after_end_date(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a, endDate="2026-01-03")
    mock.set_clock(T0 + 86400 + 23 * HOUR)  # 2026-01-02T23:00Z: the last day of the range
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200
    assert mock.platform.runner.wait(60)
    mock.set_clock(T0 + 2 * 86400)  # 2026-01-03T00:00Z: endDate, out of range
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400, not_part(f"Audience {a[:8]}"))
    assert mock.run_count() == before


def test_once_schedule_has_no_end(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a, frequency="ONCE", endDate="2026-01-02")
    mock.set_clock(T0 + 10 * 86400)
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200


def test_not_yet_exported_on_schedule(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    mock.set_clock(FIRST_RUN - 1)  # in range (the start day), but the first run is at 10:00
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400,
            f"Audience {a} of order {flow_id} can be activated ad hoc from one hour after its first "
            "scheduled export; it has not been exported on its schedule yet.")
    assert mock.run_count() == 0


def test_one_hour_after_the_first_scheduled_export(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    mock.set_clock(FIRST_RUN + HOUR - 1)
    assert mock.run_count() == 1  # the 10:00 run
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400,
            f"Audience {a} of order {flow_id} can be activated ad hoc from one hour after its first "
            "scheduled export.")
    assert mock.run_count() == 1
    mock.set_clock(FIRST_RUN + HOUR)
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200
    assert mock.run_count() == 2


def test_manual_and_adhoc_runs_are_not_scheduled_exports(mock):
    a = mock.audiences[0]
    flow_id = mock.flow(a, startDate="2026-01-01", startTime="20:00")
    mock.set_clock(FIRST_RUN)
    response = mock.client.post(f"/_mock/flows/{flow_id}/run", json={})
    assert response.status_code == 200, response.get_data(as_text=True)
    mock.set_clock(FIRST_RUN + 2 * HOUR)
    message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400,
            f"Audience {a} of order {flow_id} can be activated ad hoc from one hour after its first "
            "scheduled export; it has not been exported on its schedule yet.")


def test_due_scheduled_run_is_created_before_the_checks(mock):
    # No clock move and no read of runs between the schedule's instant and the call: the ad hoc
    # call itself must see the 10:00 run, and refuse at 10:30 because of it (less than an hour
    # after it, or while it is still being exported), not as "not exported on its schedule yet".
    a = mock.audiences[0]
    flow_id = mock.flow(a)
    mock.platform.clock.set(FIRST_RUN + HOUR // 2)
    text = message(mock.adhoc({"activationInfo": {flow_id: [a]}}), 400)
    [scheduled] = mock.exports(flowId=flow_id)
    assert scheduled["trigger"] == "scheduled" and scheduled["createdAt"] == FIRST_RUN * 1000
    assert text in (
        f"Audience {a} of order {flow_id} can be activated ad hoc from one hour after its first scheduled export.",
        f"Run already going on for audience {a} for order {flow_id} with run id {scheduled['runId']}",
    )


# --- runs going on --------------------------------------------------------------------------------

def pending_run(mock, flow_id, audience, *, start=False):
    """A run that stays pending (or in progress): runs.create() stores a run without queuing its
    export (only Runner._queue_run does that), so nothing moves it on, as if the real service's
    scheduled export were still waiting or processing."""
    tenant = mock.tenant()
    flow = tenant.get("flows", flow_id)
    at_ms = int(mock.platform.clock.now() * 1000)
    run = mock.platform.runs.create(tenant, flow, entity=f"segment:{audience}", at_ms=at_ms, trigger="scheduled")
    if start:
        run = mock.platform.runs.start(tenant, run, at_ms)
    return run


@pytest.mark.parametrize("start", [False, True], ids=["pending", "inProgress"])
def test_run_already_going_on(mock, ready, start):
    flow_id, a, b = ready
    run = pending_run(mock, flow_id, b, start=start)
    got = mock.api.get(f"/runs/{run['id']}").get_json()["items"][0]
    assert got["metrics"]["statusSummary"]["status"] == ("inProgress" if start else "pending")
    before = mock.run_count()
    message(mock.adhoc({"activationInfo": {flow_id: [a, b]}}), 400,
            f"Run already going on for audience {b} for order {flow_id} with run id {run['id']}")
    assert mock.run_count() == before
    # Another audience of the flow is not held up.
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200


def test_a_finished_run_does_not_block(mock, ready):
    flow_id, a, _ = ready
    run = pending_run(mock, flow_id, a, start=True)
    mock.platform.runs.fail(mock.tenant(), run, run["createdAt"] + 1, "gone")
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200


def test_a_run_of_the_audience_in_another_flow_does_not_block(mock, ready):
    flow_id, a, _ = ready
    other = mock.flow(a)
    pending_run(mock, other, a)
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}).status_code == 200


# --- the gateway ------------------------------------------------------------------------------------

@pytest.mark.parametrize("drop, headers, status, code, text", [
    (("Authorization",), {}, 403, "403010", "Oauth token is missing."),
    ((), {"Authorization": "Basic abc"}, 401, "401013", "Oauth token is not valid"),
    ((), {"Authorization": "Bearer "}, 401, "401013", "Oauth token is not valid"),
    (("x-api-key",), {}, 403, "403000", "Api Key is required"),
    (("x-gw-ims-org-id",), {}, 400, "400003", "Missing header"),
])
def test_gateway_headers(mock, ready, drop, headers, status, code, text):
    flow_id, a, _ = ready
    before = mock.run_count()
    gateway_error(mock.adhoc({"activationInfo": {flow_id: [a]}}, drop=drop, headers=headers), status, code, text)
    assert mock.run_count() == before


@pytest.mark.parametrize("settings, drop, headers", [
    (Settings(seed=42), ("Authorization",), {}),
    (Settings(seed=42), (), {"Authorization": "Token x"}),
    (Settings(seed=42), ("x-api-key",), {}),
    (Settings(seed=42), ("x-gw-ims-org-id",), {}),
    (Settings(seed=42, sandboxes=("prod",)), (), {"x-sandbox-name": "nowhere"}),
    (Settings(seed=42, require_sandbox_header=True), ("x-sandbox-name",), {}),
], ids=["no-token", "not-bearer", "no-api-key", "no-org", "unknown-sandbox", "sandbox-required"])
def test_gateway_answers_as_on_the_flow_service(settings, drop, headers):
    client = make_app(settings).test_client()
    sent = {**HEADERS, "Accept": V2, **headers}
    for name in drop:
        sent.pop(name, None)
    adhoc = client.post(ADHOC, json={"activationInfo": {"f": ["a"]}}, headers=sent)
    flows = client.post(f"{BASE}/flows", json={"name": "x"}, headers=sent)

    def comparable(response):
        body = response.get_json()
        (body.get("report") or {}).pop("request-id", None)
        return response.status_code, body

    assert adhoc.status_code >= 400
    assert comparable(adhoc) == comparable(flows)


def test_sandbox_header_falls_back_to_prod(mock, ready):
    flow_id, a, _ = ready
    assert mock.adhoc({"activationInfo": {flow_id: [a]}}, drop=("x-sandbox-name",)).status_code == 200


def test_method_other_than_post(mock):
    response = mock.client.get(ADHOC, headers=HEADERS)
    assert response.status_code == 405
