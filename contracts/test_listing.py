"""Listing: filters, count, paging, order (reference §3.2, SAF, DY, FSE)."""

from __future__ import annotations

import pytest

from . import bodies, checks


@pytest.fixture
def three_sources(client) -> list[str]:
    return [client.create("sourceConnections", {**bodies.profile_source(), "name": f"listed {n}"})["id"]
            for n in range(3)]


@pytest.mark.verified(era="SAF+DY")
def test_filter_by_id_list(client, three_sources):
    wanted = f"id=={three_sources[0]},{three_sources[2]}"
    listed = checks.items(client.get("/sourceConnections", params={"property": wanted}))
    assert {e["id"] for e in listed} == {three_sources[0], three_sources[2]}


@pytest.mark.verified(era="SAF")
def test_several_properties_are_anded(client, three_sources):
    params = [("property", f"id=={','.join(three_sources)}"), ("property", f"name=={client.prefix}listed 1")]
    listed = checks.items(client.get("/sourceConnections", params=params))
    assert [e["id"] for e in listed] == [three_sources[1]]


@pytest.mark.verified(era="SAF")
def test_count_true_answers_count_only(client, three_sources):
    reply = client.get("/sourceConnections", params={"property": f"id=={','.join(three_sources)}", "count": "true"})
    checks.status(reply, 200)
    assert reply.json() == {"count": 3}


@pytest.mark.verified(era="DY+FY")
def test_limit_and_continuation(client, three_sources):
    params = {"property": f"id=={','.join(three_sources)}", "limit": 2}
    first = client.get("/sourceConnections", params=params)
    page = first.json()
    assert len(checks.items(first)) == 2
    href = page["_links"]["next"]["href"]
    assert href.startswith("/sourceConnections?") and "continuationToken=" in href
    token = href.split("continuationToken=", 1)[1].split("&")[0]
    second = checks.items(client.get("/sourceConnections", params={"continuationToken": token}))
    assert {e["id"] for e in page["items"] + second} == set(three_sources)


@pytest.mark.verified(era="DY")
def test_most_recently_updated_first(client, three_sources):
    # Entities updated within the same millisecond may come in either order.
    listed = checks.items(client.get("/sourceConnections", params={"property": f"id=={','.join(three_sources)}"}))
    times = [e["updatedAt"] for e in listed]
    assert times == sorted(times, reverse=True) and len(listed) == 3


@pytest.mark.verified(era="SAF")
@pytest.mark.parametrize("orderby, reverse", [("name", False), ("-name", True)])
def test_orderby_name(client, three_sources, orderby, reverse):
    listed = checks.items(client.get("/sourceConnections", params={
        "property": f"id=={','.join(three_sources)}", "orderby": orderby}))
    names = [e["name"] for e in listed]
    assert names == sorted(names, reverse=reverse)


@pytest.mark.verified(era="SAF")
def test_filter_through_arrays(client):
    source = client.create("sourceConnections", bodies.profile_source())
    base = client.create("connections", bodies.s3_connection())
    target = client.create("targetConnections", bodies.s3_target(base["id"]))
    flow = client.create("flows", bodies.audience_flow(source["id"], target["id"]))
    listed = checks.items(client.get("/flows", params={"property": f"sourceConnectionIds[]=={source['id']}"}))
    assert [e["id"] for e in listed] == [flow["id"]]


@pytest.mark.verified(era="FSE")
@pytest.mark.parametrize("params, code", [
    ({"limit": 2, "count": "true"}, 1401),
    ({"property": "name~abc"}, 1440),
    ({"testParam": "1"}, 1451),
    ({"property": "createdAt=="}, 1453),
    ({"property": "id>=abc"}, 1448),
], ids=["limit-with-count", "tilde", "unknown-param", "empty-value", "range-on-id"])
def test_listing_refusals(client, params, code):
    checks.flow_error(client.get("/flows", params=params), code, 400)


@pytest.mark.assumption("listing-32")
@pytest.mark.parametrize("limit", [0, 101])
def test_limit_outside_1_to_100_is_refused(client, limit):
    checks.flow_error(client.get("/flows", params={"limit": limit}), 1452, 400)
