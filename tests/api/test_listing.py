"""Listing (reference §3.2): property filters, orderby, limit, count, continuation tokens; and /runs."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from ..support import (
    BASE,
    CAMPAIGN,
    DATA_LAKE,
    ORG,
    PROFILE_STORE,
    S3,
    S3_DATASET_FLOW,
    S3_SEGMENT_FLOW,
    spec,
)
from .shapes import flow_error, not_found


NOW = 1_700_000_000


def selector(segment_id: str) -> dict:
    return {"type": "PLATFORM_SEGMENT", "value": {
        "id": segment_id, "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "DAILY", "startDate": "2024-01-01", "startTime": "10:00"}}}


def listed(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == {"items", "_links"}
    return body["items"]


def names(response) -> list[str]:
    return [e["name"] for e in listed(response)]


@pytest.fixture
def flows(app, api):
    """Four flows, created one second apart: two audience flows to S3, a dataset flow, a Campaign flow."""
    clock = app.extensions["flowservice"].clock
    clock.freeze(NOW)
    made = {}

    def audience(name, segment):
        source, target = api.profile_source(), api.s3_target()
        made[name] = api.created("/flows", {
            "name": name, "flowSpec": spec(S3_SEGMENT_FLOW), "sourceConnectionIds": [source],
            "targetConnectionIds": [target],
            "transformations": [{"name": "GeneralTransform",
                                 "params": {"segmentSelectors": {"selectors": [selector(segment)]}}}]})["id"]
        clock.advance(1)

    audience("alpha", "seg-a")
    audience("Bravo", "seg-b")
    made["charlie"] = api.created("/flows", {
        "name": "charlie", "description": "datasets", "flowSpec": spec(S3_DATASET_FLOW),
        "sourceConnectionIds": [api.dataset_source()], "targetConnectionIds": [api.s3_target(datasetFileType="JSON")],
        "scheduleParams": {"interval": 3, "timeUnit": "hour", "startTime": NOW, "endTime": NOW + 7200}})["id"]
    clock.advance(1)
    campaign_base = api.created("/connections", {
        "name": "Campaign", "connectionSpec": spec(CAMPAIGN),
        "auth": {"specName": "S3", "params": {"accessId": "a", "secretKey": "s"}}})["id"]
    campaign_target = api.created("/targetConnections", {
        "name": "Campaign", "baseConnectionId": campaign_base, "connectionSpec": spec(CAMPAIGN),
        "params": {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"}})["id"]
    made["delta"] = api.created("/flows", {
        "name": "delta", "flowSpec": spec("71471eba-b620-49e4-90fd-23f1fa0174d8"),
        "sourceConnectionIds": [api.profile_source()], "targetConnectionIds": [campaign_target]})["id"]
    clock.advance(1)
    response = api.post(f"/flows/{made['Bravo']}/action?op=disable")
    assert response.status_code == 200
    clock.advance(1)
    return {name: api.entity(f"/flows/{flow_id}") for name, flow_id in made.items()}


def flow_names(api, query) -> set[str]:
    return set(names(api.get(f"/flows?{query}")))


# --- filters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, expected", [
    ("property=name==alpha", {"alpha"}),
    ("property=name==ALPHA", {"alpha"}),  # equality ignores case (SAF/DY status examples)
    ("property=name=alpha", {"alpha"}),  # SAF's single '='
    ("property=name==alpha,charlie", {"alpha", "charlie"}),
    ("property=name==nobody", set()),
    ("property=name!=alpha", {"Bravo", "charlie", "delta"}),
    ("property=name!=alpha,Bravo", {"charlie", "delta"}),
    ("property=state==disabled", {"Bravo"}),
    ("property=state==enabled", {"alpha", "charlie", "delta"}),
    ("property=description==datasets", {"charlie"}),
    (f"property=flowSpec.id=={S3_SEGMENT_FLOW},{S3_DATASET_FLOW}", {"alpha", "Bravo", "charlie"}),
    ("property=inheritedAttributes.properties.isDestinationFlow==true", {"alpha", "Bravo", "charlie", "delta"}),
    (f"property=inheritedAttributes.targetConnections[].connectionSpec.id=={CAMPAIGN}", {"delta"}),
    (f"property=inheritedAttributes.targetConnections[].connectionSpec.id=={S3}", {"alpha", "Bravo", "charlie"}),
    (f"property=inheritedAttributes.sourceConnections[].connectionSpec.id=={DATA_LAKE}", {"charlie"}),
    ("property=transformations[].params.segmentSelectors.selectors[].value.id==seg-b", {"Bravo"}),
    ("property=transformations[].params.segmentSelectors.selectors[].value.id==seg-a,seg-b", {"alpha", "Bravo"}),
    (f"property=scheduleParams.endTime=={NOW + 7200}", {"charlie"}),
    (f"property=createdAt>={(NOW + 1) * 1000}", {"Bravo", "charlie", "delta"}),
    (f"property=createdAt>{(NOW + 1) * 1000}", {"charlie", "delta"}),
    (f"property=createdAt<{(NOW + 1) * 1000}", {"alpha"}),
    (f"property=createdAt<={(NOW + 1) * 1000}", {"alpha", "Bravo"}),
    (f"property=createdAt>{NOW * 1000}&property=createdAt<{(NOW + 3) * 1000}", {"Bravo", "charlie"}),
    ("property=state==enabled&property=name==alpha,Bravo", {"alpha"}),
    ("property=connections==x", set()),  # unknown paths match nothing (docs/fidelity.md)
])
def test_flow_filters(api, flows, query, expected):
    assert flow_names(api, query) == expected


def test_array_filters_on_connection_ids(api, flows):
    alpha, charlie = flows["alpha"], flows["charlie"]
    assert flow_names(api, f"property=sourceConnectionIds[]=={alpha['sourceConnectionIds'][0]}") == {"alpha"}
    both = f"{alpha['sourceConnectionIds'][0]},{charlie['sourceConnectionIds'][0]}"
    assert flow_names(api, f"property=sourceConnectionIds[]=={both}") == {"alpha", "charlie"}
    assert flow_names(api, f"property=targetConnectionIds[]=={charlie['targetConnectionIds'][0]}") == {"charlie"}
    # a path ending on an array matches any element, with or without []
    assert flow_names(api, f"property=sourceConnectionIds=={alpha['sourceConnectionIds'][0]}") == {"alpha"}


def test_id_filter_with_a_list(api, flows):
    ids = f"{flows['alpha']['id']},{flows['delta']['id']},unknown"
    assert flow_names(api, f"property=id=={ids}") == {"alpha", "delta"}


def test_url_encoded_filters(api, flows):
    assert flow_names(api, "property=" + quote("name==alpha", safe="")) == {"alpha"}
    assert flow_names(api, "property=" + quote("createdAt>=" + str((NOW + 3) * 1000), safe="")) == {"delta"}


def test_filters_on_connections(api):
    s3 = api.s3_base()
    campaign = api.created("/connections", {"name": "Campaign account", "connectionSpec": spec(CAMPAIGN),
                                            "auth": {"specName": "S3", "params": {"accessId": "a", "secretKey": "s"}}})["id"]
    ids = lambda q: {e["id"] for e in listed(api.get(f"/connections?{q}"))}
    assert ids(f"property=connectionSpec.id=={S3}") == {s3}
    assert ids(f"property=connectionSpec.id=={S3},{CAMPAIGN}") == {s3, campaign}
    assert ids(f"property=id=={campaign}") == {campaign}
    assert ids("property=name==" + quote("Campaign account")) == {campaign}
    assert ids("property=auth.specName==S3") == {campaign}
    assert ids("property=state==enabled&orderby=createdAt") == {s3, campaign}


def test_filters_on_source_and_target_connections(app, api):
    clock = app.extensions["flowservice"].clock
    clock.freeze(NOW)
    profile = api.profile_source()
    clock.advance(10)
    datasets = api.dataset_source("616d53e0a6de2719486fb024")
    source_ids = lambda q: {e["id"] for e in listed(api.get(f"/sourceConnections?{q}"))}
    assert source_ids(f"property=connectionSpec.id=={PROFILE_STORE}") == {profile}
    assert source_ids(f"property=createdAt>={(NOW + 5) * 1000}&property=connectionSpec.id=={DATA_LAKE}") == {datasets}
    assert source_ids("property=params.datasets[].dataSetId==616d53e0a6de2719486fb024") == {datasets}
    base = api.entity(f"/sourceConnections/{profile}")["baseConnectionId"]
    assert source_ids(f"property=baseConnectionId=={base},other") == {profile}
    s3_base = api.s3_base()
    target = api.s3_target(s3_base, bucketName="other-bucket")
    target_ids = lambda q: {e["id"] for e in listed(api.get(f"/targetConnections?{q}"))}
    assert target_ids(f"property=baseConnectionId=={s3_base}") == {target}
    assert target_ids("property=params.bucketName==other-bucket") == {target}


@pytest.mark.parametrize("query, code, message", [
    ("property=name~alpha", 1440, "Operator '~' not implemented."),
    ("property=name!>alpha", 1450, "Invalid operator !> in filter params."),
    ("property=name==", 1453, "Invalid query value name== provided in query param."),
    ("property=name", 1453, "Invalid query value name provided in query param."),
    ("property=id>=abc", 1448, "Operator >= not supported for field id."),
    ("property=createdAt<=1,2", 1443, "Operator '<=' is not allowed for multiple values."),
    ("property=createdAt>1,2", 1452, "Invalid value 1,2 for field createdAt."),
    ("foo=bar", 1451, "Invalid params foo provided in query params."),
    ("properties=name", 1451, "Invalid params properties provided in query params."),
])
def test_filter_errors(api, query, code, message):
    flow_error(api.get(f"/flows?{query}"), code, 400, message=message)


@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections", "flows", "runs"])
def test_every_collection_validates_its_query(api, collection):
    flow_error(api.get(f"/{collection}?property=name~x"), 1440, 400)
    flow_error(api.get(f"/{collection}?limit=101"), 1452, 400)
    flow_error(api.get(f"/{collection}?nope=1"), 1451, 400)


@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections", "flows", "runs"])
def test_empty_collections(api, collection):
    assert api.get(f"/{collection}").get_json() == {"items": [], "_links": {}}
    assert api.get(f"/{collection}?count=true").get_json() == {"count": 0}


# --- orderby --------------------------------------------------------------------------------------

@pytest.mark.parametrize("orderby, expected", [
    ("name", ["alpha", "Bravo", "charlie", "delta"]),
    ("%2Bname", ["alpha", "Bravo", "charlie", "delta"]),
    ("+name", ["alpha", "Bravo", "charlie", "delta"]),  # an unencoded '+' arrives as a space
    ("-name", ["delta", "charlie", "Bravo", "alpha"]),
    ("createdAt", ["alpha", "Bravo", "charlie", "delta"]),
    ("-createdAt", ["delta", "charlie", "Bravo", "alpha"]),
    ("state,-name", ["Bravo", "delta", "charlie", "alpha"]),
    ("-state,name", ["alpha", "charlie", "delta", "Bravo"]),
])
def test_orderby(api, flows, orderby, expected):
    assert names(api.get(f"/flows?orderby={orderby}")) == expected


def test_default_order_is_most_recently_updated_first(api, flows):
    # Bravo was disabled last (its updatedAt moved)
    assert names(api.get("/flows")) == ["Bravo", "delta", "charlie", "alpha"]


@pytest.mark.parametrize("orderby, code", [("%2B%2Bname", 1432), ("--name", 1432), ("", 1433), ("name,", 1433),
                                           ("na$me", 1433), ("-", 1433)])
def test_orderby_errors(api, orderby, code):
    flow_error(api.get(f"/flows?orderby={orderby}"), code, 400)


# --- limit, count --------------------------------------------------------------------------------

@pytest.mark.parametrize("limit", [1, 2, 4, 100])
def test_limit(api, flows, limit):
    body = api.get(f"/flows?limit={limit}").get_json()
    assert len(body["items"]) == min(limit, 4)
    assert ("next" in body["_links"]) == (limit < 4)


@pytest.mark.parametrize("limit", ["101", "0", "-1", "abc", "1.5", ""])
def test_limit_out_of_range(api, limit):
    flow_error(api.get(f"/flows?limit={limit}"), 1452, 400, message=f"Invalid value {limit} for field limit.")


def test_count(api, flows):
    assert api.get("/flows?count=true").get_json() == {"count": 4}
    assert api.get("/flows?property=state==enabled&count=true").get_json() == {"count": 3}
    assert api.get("/flows?count=TRUE").get_json() == {"count": 4}
    assert len(listed(api.get("/flows?count=false"))) == 4


def test_count_with_limit_is_1401(api):
    flow_error(api.get("/flows?count=true&limit=5"), 1401, 400, message=(
        "The limit and count parameters cannot be given together in the same request. "
        "Please provide either only the limit or the count parameter and try again."))


def test_count_must_be_boolean(api):
    flow_error(api.get("/flows?count=yes"), 1452, 400, message="Invalid value yes for field count.")


# --- continuation ---------------------------------------------------------------------------------

def follow(api, first_query: str) -> list[list[dict]]:
    pages = []
    response = api.get(f"/sourceConnections?{first_query}")
    while True:
        body = response.get_json()
        pages.append(body["items"])
        href = body["_links"].get("next", {}).get("href")
        if not href:
            return pages
        assert href.startswith("/sourceConnections?continuationToken=")
        token = href.split("=", 1)[1]
        assert "&" not in token and "=" not in token  # clients split the href on '='
        response = api.client.get(BASE + href, headers=api.headers)
        assert response.status_code == 200


def test_paging_until_exhausted_without_duplicates(api):
    created = {api.profile_source() for _ in range(23)}
    pages = follow(api, "limit=5")
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    seen = [e["id"] for page in pages for e in page]
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == created


def test_paging_keeps_filters_and_order(api):
    for i in range(7):
        api.created("/sourceConnections", {"name": f"p{i}", "connectionSpec": spec(PROFILE_STORE)})
        api.dataset_source()
    pages = follow(api, f"property=connectionSpec.id=={PROFILE_STORE}&orderby=-name&limit=3")
    assert [[e["name"] for e in p] for p in pages] == [["p6", "p5", "p4"], ["p3", "p2", "p1"], ["p0"]]


def test_a_change_between_pages_shows_on_the_next_page(api):
    for i in range(4):
        api.created("/sourceConnections", {"name": f"s{i}", "connectionSpec": spec(PROFILE_STORE)})
    first = api.get("/sourceConnections?orderby=name&limit=2").get_json()
    assert [e["name"] for e in first["items"]] == ["s0", "s1"]
    api.created("/sourceConnections", {"name": "s1a", "connectionSpec": spec(PROFILE_STORE)})
    following = api.client.get(BASE + first["_links"]["next"]["href"], headers=api.headers).get_json()
    assert [e["name"] for e in following["items"]] == ["s1a", "s2"]
    assert api.get("/sourceConnections?count=true").get_json() == {"count": 5}


def test_parameters_sent_beside_the_token_override(api):
    for _ in range(6):
        api.profile_source()
    href = api.get("/sourceConnections?limit=2").get_json()["_links"]["next"]["href"]
    body = api.client.get(BASE + href + "&limit=4", headers=api.headers).get_json()
    assert len(body["items"]) == 4 and body["_links"] == {}


def test_default_page_is_100(api):
    for _ in range(101):
        api.profile_source()
    body = api.get("/sourceConnections").get_json()
    assert len(body["items"]) == 100
    rest = api.client.get(BASE + body["_links"]["next"]["href"], headers=api.headers).get_json()
    assert len(rest["items"]) == 1 and rest["_links"] == {}


@pytest.mark.parametrize("token", ["garbage", "b2Zmc2V0Oi01", "", "eyJvIjotMSwicSI6e319", "eyJvIjoxLCJxIjpbXX0",
                                   "%00%ff"])
def test_bad_continuation_token(api, token):
    body = flow_error(api.get(f"/sourceConnections?continuationToken={token}"), 1452, 400,
                      contains="for field continuationToken")
    assert body["report"]["detailed-message"].startswith("Invalid value ")


def test_token_cannot_smuggle_unknown_parameters(api):
    raw = json.dumps({"o": 0, "q": {"evil": ["1"]}}).encode()
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    flow_error(api.get(f"/sourceConnections?continuationToken={token}"), 1451, 400)


# --- runs ---------------------------------------------------------------------------------------

def put_run(app, run_id, flow_id, status):
    tenant = app.extensions["flowservice"].store.tenant(ORG, "prod")
    tenant.put("runs", {"id": run_id, "flowId": flow_id, "updatedAt": int(run_id[-1]),
                        "etag": f'"{run_id}-etag"',
                        "metrics": {"statusSummary": {"status": status},
                                    "durationSummary": {"startedAtUTC": 1659018529865 + int(run_id[-1])}}})


def test_runs_listing_and_get(app, api):
    put_run(app, "run-1", "flow-a", "success")
    put_run(app, "run-2", "flow-a", "failed")
    put_run(app, "run-3", "flow-b", "success")
    run_ids = lambda q: {r["id"] for r in listed(api.get(f"/runs?{q}"))}
    assert run_ids("property=flowId==flow-a") == {"run-1", "run-2"}
    assert run_ids("property=id==run-1,run-3") == {"run-1", "run-3"}
    assert run_ids("property=flowId==flow-a&property=metrics.statusSummary.status==Failed") == {"run-2"}
    assert run_ids("property=metrics.durationSummary.startedAtUTC>1659018529866") == {"run-2", "run-3"}
    assert api.get("/runs?count=true").get_json() == {"count": 3}
    response = api.get("/runs/run-2")
    assert response.status_code == 200
    assert [r["id"] for r in response.get_json()["items"]] == ["run-2"]
    assert response.headers["ETag"] == '"run-2-etag"'


def test_unknown_run_is_404(api):
    not_found(api.get("/runs/e80e24c1-82de-48de-8352-b2d0fca1c392"), "runs", "e80e24c1-82de-48de-8352-b2d0fca1c392")
