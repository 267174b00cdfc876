"""Unit tests of mockserver.domain.listing: property filters, orderby, limit, count, paging.

Contract: reference §3.2 (listing) and the FSE codes of §2.8.
"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest

from mockserver.domain.errors import FlowServiceError
from mockserver.domain.listing import MAX_LIMIT, Listings, parse_query, run_query

S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"


def _flow(fid, name, state, created, updated, source, target, spec, segments, destination=True):
    flow = {
        "id": fid, "name": name, "state": state, "createdAt": created, "updatedAt": updated,
        "flowSpec": {"id": f"spec-{spec}", "version": "1.0"},
        "sourceConnectionIds": [source], "targetConnectionIds": [target],
        "inheritedAttributes": {
            "targetConnections": [{"id": target, "connectionSpec": {"id": spec, "version": "1.0"}}],
        },
        "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": [
            {"type": "PLATFORM_SEGMENT", "value": {"id": s}} for s in segments
        ]}}}],
    }
    if destination is not None:
        flow["inheritedAttributes"]["properties"] = {"isDestinationFlow": destination}
    return flow


# Created f1, f2, f3, f4 in that order; f1 was updated last.
FLOWS = [
    _flow("f1", "Alpha", "enabled", 1000, 9000, "s1", "t1", S3, ["seg-1", "seg-2"]),
    _flow("f2", "Bravo", "disabled", 2000, 2000, "s2", "t2", SFTP, ["seg-2"]),
    _flow("f3", "Charlie", "enabled", 3000, 3000, "s3", "t3", S3, [], destination=False),
    _flow("f4", "Delta", "enabled", 4000, 4000, "s4", "t4", SFTP, ["seg-3"], destination=None),
]


def _run(rid, flow, status, started, segment):
    return {
        "id": rid, "flowId": flow, "updatedAt": started, "state": "inProgress" if status is None else "done",
        "metrics": {
            "durationSummary": {"startedAtUTC": started},
            "recordSummary": {
                "sourceSummaries": [{"id": "src", "entitySummaries": [{"id": f"segment:{segment}"}]}],
                "targetSummaries": [{"id": "tgt", "entitySummaries": [{"id": f"segment:{segment}"}]}],
            },
            "statusSummary": {"status": status} if status else {},
        },
    }


RUNS = [
    _run("r1", "f1", "failed", 1593134665000, "seg-1"),
    _run("r2", "f1", "success", 1600000000000, "seg-2"),
    _run("r3", "f1", "Success", 1653134666000, "seg-1"),
    _run("r4", "f2", None, 1620000000000, "seg-1"),
]


def args(*properties: str, **params: str) -> dict[str, list[str]]:
    """Query arguments the way the HTTP layer hands them over: each name to its list of values."""
    built = {name: [value] for name, value in params.items()}
    if properties:
        built["property"] = list(properties)
    return built


def ids(entities, *properties, **params) -> list[str]:
    body = run_query(entities, parse_query(args(*properties, **params)), "/flows")
    return [e["id"] for e in body["items"]]


@contextmanager
def flow_error(code: int):
    with pytest.raises(FlowServiceError) as info:
        yield info
    error = info.value
    assert (error.code, error.status, error.title) == (code, 400, "Invalid request")
    assert error.body("req")["type"] == f"https://ns.adobe.com/aep/errors/FLOW-{code}-400"


# --- operators ------------------------------------------------------------------------------

@pytest.mark.parametrize("prop, expected", [
    ("createdAt==2000", {"f2"}),
    ("createdAt=2000", {"f2"}),          # SAF's single '=' means equality
    ("createdAt!=2000", {"f1", "f3", "f4"}),
    ("createdAt>2000", {"f3", "f4"}),
    ("createdAt<2000", {"f1"}),
    ("createdAt>=2000", {"f2", "f3", "f4"}),
    ("createdAt<=2000", {"f1", "f2"}),
    ("createdAt>4000", set()),
    ("createdAt<1000", set()),
])
def test_every_operator_on_a_number(prop, expected):
    assert set(ids(FLOWS, prop)) == expected


@pytest.mark.parametrize("prop, expected", [
    ("id==f1,f3", {"f1", "f3"}),
    ("id==f1, f3 ,nope", {"f1", "f3"}),
    ("state==enabled,disabled", {"f1", "f2", "f3", "f4"}),
    ("id!=f1,f3", {"f2", "f4"}),
    ("name==\"Alpha\"", {"f1"}),          # quoted values (SAF writes attributes.x="abc")
    ("createdAt==1000,4000", {"f1", "f4"}),
])
def test_comma_list_means_any_of(prop, expected):
    assert set(ids(FLOWS, prop)) == expected


@pytest.mark.parametrize("prop, expected", [
    # the documented /flows examples of reference §3.2
    ("inheritedAttributes.properties.isDestinationFlow==true", {"f1", "f2"}),
    (f"inheritedAttributes.targetConnections[].connectionSpec.id=={S3}", {"f1", "f3"}),
    ("transformations[].params.segmentSelectors.selectors[].value.id==seg-2", {"f1", "f2"}),
    ("transformations[].params.segmentSelectors.selectors[].value.id==seg-3,seg-1", {"f1", "f4"}),
    ("sourceConnectionIds[]==s1,s3", {"f1", "f3"}),
    ("targetConnectionIds[]==t2", {"f2"}),
    ("flowSpec.id==spec-" + SFTP, {"f2", "f4"}),
    ("state==enabled", {"f1", "f3", "f4"}),
    ("name==Bravo", {"f2"}),
])
def test_documented_flow_filters(prop, expected):
    assert set(ids(FLOWS, prop)) == expected


@pytest.mark.parametrize("prop", ["sourceConnectionIds==s2", "sourceConnectionIds[]==s2"])
def test_a_path_ending_on_an_array_matches_any_element(prop):
    assert ids(FLOWS, prop) == ["f2"]


@pytest.mark.parametrize("prop, expected", [
    ("inheritedAttributes.properties.isDestinationFlow==true", {"f1", "f2"}),
    ("inheritedAttributes.properties.isDestinationFlow==TRUE", {"f1", "f2"}),
    ("inheritedAttributes.properties.isDestinationFlow==True", {"f1", "f2"}),
    ("inheritedAttributes.properties.isDestinationFlow==false", {"f3"}),  # f4 has no flag at all
])
def test_booleans_compare_as_true_false(prop, expected):
    assert set(ids(FLOWS, prop)) == expected


@pytest.mark.parametrize("prop, expected", [
    ("metrics.statusSummary.status==Failed", {"r1"}),          # SAF writes Failed, runs store failed
    ("metrics.statusSummary.status==failed", {"r1"}),
    ("metrics.statusSummary.status==success", {"r2", "r3"}),   # DY writes success; the enum says Success
    ("metrics.statusSummary.status==SUCCESS", {"r2", "r3"}),
    ("state==inprogress", {"r4"}),
    ("name==alpha", set()),                                     # (no such field on runs)
])
def test_equality_is_case_insensitive(prop, expected):
    assert set(ids(RUNS, prop)) == expected


def test_name_equality_ignores_case():
    assert ids(FLOWS, "name==aLPHA") == ["f1"]


@pytest.mark.parametrize("props, expected", [
    # documented /runs examples
    (["flowId==f1"], {"r1", "r2", "r3"}),
    (["flowId==f1", "metrics.statusSummary.status==success"], {"r2", "r3"}),
    (["metrics.recordSummary.sourceSummaries[].entitySummaries[].id==segment:seg-1"], {"r1", "r3", "r4"}),
    (["metrics.recordSummary.targetSummaries[].entitySummaries[].id==segment:seg-2"], {"r2"}),
    (["flowId==f1", "metrics.durationSummary.startedAtUTC>1593134665781",
      "metrics.durationSummary.startedAtUTC<1653134665781"], {"r2"}),
    (["flowId==f2", "metrics.statusSummary.status==success"], set()),
])
def test_several_properties_are_anded(props, expected):
    assert set(ids(RUNS, *props)) == expected


@pytest.mark.parametrize("prop, expected", [
    ("n>9", {"ten"}),            # numerically 10 > 9, although "10" < "9" as text
    ("n<10", {"nine"}),
    ("n>=9.5", {"ten"}),
    ("n<=9", {"nine"}),
    ("n==10", {"ten"}),
    ("n>abc", set()),            # a number never matches a non-numeric bound
    ("label>b", {"c"}),          # strings compare as text
    ("label<=b", {"a", "b"}),
    ("flag>0", set()),           # booleans take no range operator
])
def test_numbers_compare_as_numbers_and_strings_as_text(prop, expected):
    entities = [
        {"id": "nine", "n": 9, "updatedAt": 1}, {"id": "ten", "n": 10, "updatedAt": 2},
        {"id": "a", "label": "a", "updatedAt": 3}, {"id": "b", "label": "b", "updatedAt": 4},
        {"id": "c", "label": "c", "updatedAt": 5}, {"id": "t", "flag": True, "updatedAt": 6},
    ]
    assert set(ids(entities, prop)) == expected


def test_filters_on_a_missing_field_match_nothing_except_not_equal():
    assert ids(FLOWS, "lastRunDetails.startedAtUTC>=0") == []
    assert ids(FLOWS, "description==x") == []
    assert set(ids(FLOWS, "description!=x")) == {"f1", "f2", "f3", "f4"}


# --- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("query, code, message", [
    (args(limit="5", count="true"), 1401,
     "The limit and count parameters cannot be given together in the same request. "
     "Please provide either only the limit or the count parameter and try again."),
    (args(orderby="++name"), 1432,
     "Sort order specified is not correct, prepend + for ascending order and - for descending "
     "order in the fieldName."),
    (args(orderby="-+name"), 1432,
     "Sort order specified is not correct, prepend + for ascending order and - for descending "
     "order in the fieldName."),
    (args(orderby="na me"), 1433, "Incorrect field= na me passed in orderBy, example are +name, -name, name."),
    (args(orderby="name[]"), 1433, "Incorrect field= name[] passed in orderBy, example are +name, -name, name."),
    (args(orderby="name,,createdAt"), 1433, "Incorrect field=  passed in orderBy, example are +name, -name, name."),
    (args("name~Alp"), 1440, "Operator '~' not implemented."),
    (args("createdAt<=1,2"), 1443, "Operator '<=' is not allowed for multiple values."),
    (args("id>=abc"), 1448, "Operator >= not supported for field id."),
    (args("id<abc"), 1448, "Operator < not supported for field id."),
    (args("createdAt!>5"), 1450, "Invalid operator !> in filter params."),
    (args("state!enabled"), 1450, "Invalid operator ! in filter params."),
    (args(testParam="1"), 1451, "Invalid params testParam provided in query params."),
    (args("createdAt>=1659907304000,1659907305000"), 1452,
     "Invalid value 1659907304000,1659907305000 for field createdAt."),
    (args(limit="0"), 1452, "Invalid value 0 for field limit."),
    (args(limit="101"), 1452, "Invalid value 101 for field limit."),
    (args(limit="-1"), 1452, "Invalid value -1 for field limit."),
    (args(limit="ten"), 1452, "Invalid value ten for field limit."),
    (args(count="yes"), 1452, "Invalid value yes for field count."),
    (args(continuationToken="not-a-token"), 1452, "Invalid value not-a-token for field continuationToken."),
    (args("createdAt=="), 1453, "Invalid query value createdAt== provided in query param."),
    (args("createdAt"), 1453, "Invalid query value createdAt provided in query param."),
])
def test_refusals_carry_the_fse_code_and_message(query, code, message):
    with flow_error(code) as info:
        parse_query(query)
    assert info.value.message == message


def _a_token(entities=None, **params) -> str:
    """A real continuation token, as the first page of a query hands it out."""
    entities = entities if entities is not None else [{"id": f"e{i}", "updatedAt": i} for i in range(5)]
    body = run_query(entities, parse_query(args(**{"limit": "2", **params})), "/flows")
    return parse_qs(urlsplit(body["_links"]["next"]["href"]).query)["continuationToken"][0]


@pytest.mark.parametrize("forge", [
    lambda t: "",
    lambda t: "%%%",
    lambda t: t[: len(t) // 2],                                         # truncated
    lambda t: base64.urlsafe_b64encode(b"[1, 2]").decode(),            # JSON, but not a token
    lambda t: base64.urlsafe_b64encode(b"offset:2").decode(),          # the old token format
    lambda t: base64.urlsafe_b64encode(b"\xff\xfe").decode(),          # not even text
])
def test_a_forged_continuation_token_is_refused(forge):
    with flow_error(1452) as info:
        parse_query(args(continuationToken=forge(_a_token())))
    assert info.value.message.endswith("for field continuationToken.")


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_edges_are_accepted(limit):
    assert parse_query(args(limit=limit)).limit == int(limit)


def test_count_false_may_go_with_limit():
    query = parse_query(args(limit="2", count="false"))
    assert (query.limit, query.count) == (2, False)


def test_extra_params_can_be_allowed_by_the_caller():
    assert parse_query({"start": ["0"]}, extra_params=("start",)).filters == ()
    with flow_error(1451):
        parse_query({"start": ["0"]})


@pytest.mark.parametrize("prop", ["createdAt=>1000", "createdAt=<1000", "createdAt<>1000", "createdAt><1000"])
def test_a_malformed_operator_is_1450(prop):
    with flow_error(1450):
        parse_query(args(prop))


def test_an_unknown_filter_field_matches_nothing():
    # docs/fidelity.md (Listing): any path may be filtered on; one that no entity has matches none.
    assert run_query(FLOWS, parse_query(args("connections==abc")), "/flows")["items"] == []


# --- order ------------------------------------------------------------------------------------

def test_default_order_is_most_recently_updated_first():
    # f1 was created first but updated last; creation order would give f4, f3, f2, f1.
    assert ids(FLOWS) == ["f1", "f4", "f3", "f2"]


@pytest.mark.parametrize("orderby, expected", [
    ("name", ["f1", "f2", "f3", "f4"]),
    ("+name", ["f1", "f2", "f3", "f4"]),
    (" name", ["f1", "f2", "f3", "f4"]),     # '+name' not percent-encoded arrives as ' name'
    ("-name", ["f4", "f3", "f2", "f1"]),
    ("createdAt", ["f1", "f2", "f3", "f4"]),
    ("-createdAt", ["f4", "f3", "f2", "f1"]),
    ("-updatedAt", ["f1", "f4", "f3", "f2"]),
    ("state,-createdAt", ["f2", "f4", "f3", "f1"]),
    ("-state,name", ["f1", "f3", "f4", "f2"]),
    ("-state, createdAt", ["f1", "f3", "f4", "f2"]),  # '-state,+createdAt' with the '+' decoded
])
def test_orderby(orderby, expected):
    assert ids(FLOWS, orderby=orderby) == expected


@pytest.mark.parametrize("orderby, expected", [
    ("rank", ["b", "c", "a", "m1", "m2"]),
    ("-rank", ["a", "c", "b", "m1", "m2"]),
    ("rank,-tier", ["b", "c", "a", "m2", "m1"]),
    ("-tier,rank", ["m2", "b", "a", "m1", "c"]),
])
def test_missing_values_sort_last_in_both_directions(orderby, expected):
    entities = [
        {"id": "m1", "tier": 1, "updatedAt": 5},
        {"id": "a", "rank": 3, "tier": 1, "updatedAt": 4},
        {"id": "b", "rank": 1, "tier": 1, "updatedAt": 3},
        {"id": "m2", "tier": 2, "updatedAt": 2},
        {"id": "c", "rank": 2, "updatedAt": 1},
    ]
    assert ids(entities, orderby=orderby) == expected


def test_orderby_follows_nested_paths():
    assert ids(RUNS, orderby="-metrics.durationSummary.startedAtUTC") == ["r3", "r4", "r2", "r1"]


def test_orderby_compares_numbers_numerically():
    entities = [{"id": str(n), "size": n} for n in (10, 9, 100)]
    assert ids(entities, orderby="size") == ["9", "10", "100"]


# --- count, limit, continuation -----------------------------------------------------------------

def test_count_answers_only_the_number_of_matches():
    body = run_query(FLOWS, parse_query(args("state==enabled", count="true")), "/flows")
    assert body == {"count": 3}


def test_count_false_lists_items():
    body = run_query(FLOWS, parse_query(args(count="false")), "/flows")
    assert [e["id"] for e in body["items"]] == ["f1", "f4", "f3", "f2"]


def test_a_single_page_has_no_next_link():
    body = run_query(FLOWS, parse_query(args(limit="4")), "/flows")
    assert body == {"items": [FLOWS[0], FLOWS[3], FLOWS[2], FLOWS[1]], "_links": {}}


def test_present_shapes_each_listed_item():
    body = run_query(FLOWS, parse_query(args("state==disabled")), "/flows", present=lambda e: {"only": e["id"]})
    assert body["items"] == [{"only": "f2"}]


def _pages(entities, query_args, path="/flows"):
    """Follow _links.next.href from the first page to the last; returns (pages of ids, hrefs)."""
    pages, hrefs = [], []
    current = query_args
    for _ in range(50):
        body = run_query(entities, parse_query(current), path)
        pages.append([e["id"] for e in body["items"]])
        nxt = body["_links"].get("next")
        if nxt is None:
            return pages, hrefs
        href = nxt["href"]
        hrefs.append(href)
        split = urlsplit(href)
        assert split.path == path
        current = parse_qs(split.query, keep_blank_values=True)
    raise AssertionError("paging never ended")


TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def test_limit_pages_through_everything_once_following_only_the_token():
    entities = [{"id": f"e{i}", "updatedAt": i, "state": "enabled" if i % 3 else "disabled"} for i in range(11)]
    expected = [f"e{i}" for i in range(10, -1, -1) if i % 3]  # 7 entities, most recent first
    pages, hrefs = _pages(entities, args("state==enabled", limit="3"))
    assert pages == [expected[0:3], expected[3:6], expected[6:7]]
    assert len(hrefs) == 2
    for href in hrefs:
        # FY's form: the collection path with the token as its only parameter
        assert list(parse_qs(urlsplit(href).query)) == ["continuationToken"]
        token = href.split("=", 1)[1]
        assert href == f"/flows?continuationToken={token}"
        assert TOKEN.match(token)                    # URL-safe, no '=' or '&': aepp splits on '='
        assert href.split("=")[-1] == token


@pytest.mark.parametrize("extra", [{}, {"orderby": "name"}, {"orderby": "-name"}, {"property": "name==a"},
                                   {"property": "name==ab"}, {"property": "name==abc"}, {"orderby": "+name"}])
def test_tokens_are_url_safe_whatever_the_query(extra):
    entities = [{"id": f"e{i}", "name": "abc"[: i % 4] or "a", "updatedAt": i} for i in range(9)]
    params = {"limit": "1", **extra}
    body = run_query(entities, parse_query(args(**params)), "/flows")
    token = body["_links"]["next"]["href"].split("continuationToken=", 1)[1]
    assert TOKEN.match(token), token


def test_orderby_survives_the_continuation_token_including_a_plus():
    entities = [{"id": name, "name": name, "updatedAt": i} for i, name in enumerate("edcba")]
    pages, _ = _pages(entities, args(limit="2", orderby="+name"))
    assert pages == [["a", "b"], ["c", "d"], ["e"]]
    pages, _ = _pages(entities, args(limit="2", orderby="-name"))
    assert pages == [["e", "d"], ["c", "b"], ["a"]]


def test_count_true_never_pages():
    assert run_query(FLOWS, parse_query(args(count="true")), "/flows") == {"count": 4}


def test_the_token_from_one_page_gives_the_next_page():
    entities = [{"id": f"e{i}", "updatedAt": i} for i in range(5)]
    first = run_query(entities, parse_query(args(limit="2")), "/connections")
    href = first["_links"]["next"]["href"]
    assert href.startswith("/connections?continuationToken=")
    token = parse_qs(urlsplit(href).query)["continuationToken"][0]
    second = run_query(entities, parse_query(args(continuationToken=token)), "/connections")
    assert [e["id"] for e in second["items"]] == ["e2", "e1"]
    assert parse_qs(urlsplit(second["_links"]["next"]["href"]).query)["continuationToken"] != [token]


def test_parameters_sent_beside_the_token_override_the_stored_ones():
    entities = [{"id": f"e{i}", "updatedAt": i} for i in range(6)]
    token = _a_token(entities)                                   # page 1 had limit=2
    page = run_query(entities, parse_query(args(continuationToken=token, limit="3")), "/flows")
    assert [e["id"] for e in page["items"]] == ["e3", "e2", "e1"]
    page = run_query(entities, parse_query(args(continuationToken=token, orderby="id")), "/flows")
    assert [e["id"] for e in page["items"]] == ["e2", "e3"]


def test_a_token_carries_the_filters_of_the_first_page():
    entities = [{"id": f"e{i}", "updatedAt": i, "odd": i % 2 == 1} for i in range(9)]
    token = _a_token(entities, property="odd==true")             # e7, e5 | e3, e1
    page = run_query(entities, parse_query(args(continuationToken=token)), "/flows")
    assert [e["id"] for e in page["items"]] == ["e3", "e1"]
    assert page["_links"] == {}


def test_a_token_with_count_beside_its_stored_limit_is_1401():
    with flow_error(1401):
        parse_query(args(continuationToken=_a_token(), count="true"))


def test_without_limit_at_most_100_items_come_back_with_a_link_to_the_rest():
    entities = [{"id": f"e{i:03d}", "updatedAt": i} for i in range(MAX_LIMIT + 5)]
    pages, _ = _pages(entities, {})
    assert [len(p) for p in pages] == [100, 5]
    assert pages[0][0] == "e104" and pages[1][-1] == "e000"


def test_a_token_past_the_end_gives_an_empty_last_page():
    token = _a_token([{"id": f"e{i}", "updatedAt": i} for i in range(5)])    # points at item 2
    assert run_query([{"id": "only", "updatedAt": 1}], parse_query(args(continuationToken=token)), "/flows") \
        == {"items": [], "_links": {}}


# --- kept selections ------------------------------------------------------------------------------

def test_a_selection_is_kept_while_its_collection_is_unchanged():
    listings, loads = Listings(size=2), []

    def entities(items):
        return lambda: loads.append(1) or items

    query = parse_query({"orderby": ["name"]})
    first = listings.select("k", 7, entities([{"id": "b", "name": "b"}, {"id": "a", "name": "a"}]), query)
    assert [e["id"] for e in first] == ["a", "b"]
    assert listings.select("k", 7, entities([]), query) is first and len(loads) == 1
    # A new version, another query or another key selects again.
    assert listings.select("k", 8, entities([{"id": "c", "name": "c"}]), query) == [{"id": "c", "name": "c"}]
    assert listings.select("k", 8, entities([]), parse_query({"orderby": ["-name"]})) == []
    assert len(loads) == 3
    # No version: nothing is kept.
    listings.select("u", None, entities([]), query)
    listings.select("u", None, entities([]), query)
    assert len(loads) == 5


def test_kept_selections_are_bounded():
    listings = Listings(size=2)
    query = parse_query({})
    for key in ("a", "b", "c"):
        listings.select(key, 1, lambda: [{"id": "x"}], query)
    reloaded = []
    listings.select("a", 1, lambda: reloaded.append(1) or [], query)  # pushed out by c
    assert reloaded == [1]
