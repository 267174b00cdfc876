"""Normalising recorded exchanges and comparing live answers with them (mockserver/fixtures)."""

from __future__ import annotations

import pytest

from mockserver.fixtures import repair
from mockserver.fixtures.compare import compare, mark_known
from mockserver.fixtures.normalise import Normaliser
from mockserver.fixtures.placeholders import substitute, unbound

BASE = "/data/foundation/flowservice"
FLOW = "8256cfb4-17e6-432c-a469-6aedafb16cd5"
ETAG = '"7400453a-0000-1a00-0000-62b1c7a90000"'


def test_links_between_exchanges_survive_normalisation():
    normaliser = Normaliser()
    _, created = normaliser.exchange({"method": "POST", "path": f"{BASE}/flows"},
                                     {"status": 201, "body": {"id": FLOW, "etag": ETAG}})
    patch, _ = normaliser.exchange(
        {"method": "PATCH", "path": f"{BASE}/flows/{FLOW}", "headers": {"If-Match": ETAG}},
        {"status": 404, "body": {"errorMessage": f"flows not found with id = [{FLOW}]"}})
    assert created["body"] == {"id": "<flow-id:1>", "etag": "<etag:1>"}
    assert patch["path"] == f"{BASE}/flows/<flow-id:1>" and patch["headers"]["If-Match"] == "<etag:1>"


def test_timestamps_references_and_callers_become_placeholders_but_catalogue_ids_stay():
    body = {"items": [{"id": FLOW, "createdAt": 1600000000000, "updatedAt": 1600000000000,
                       "createdBy": "u@AdobeID", "flowSpec": {"id": "71471eba-b620-49e4-90fd-23f1fa0174d8"},
                       "sourceConnectionIds": ["ed48ae9b-c774-4b6e-88ae-9bc7748b6e97"]}]}
    request = {"method": "GET", "path": f"{BASE}/flows/{FLOW}"}
    _, response = Normaliser().exchange(request, {"status": 200, "body": body})
    item = response["body"]["items"][0]
    assert item["id"] == "<flow-id:1>" and item["createdAt"] == item["updatedAt"] == "<timestamp:1>"
    assert item["createdBy"] == "<user:1>" and item["sourceConnectionIds"] == ["<source-connection-id:1>"]
    assert item["flowSpec"]["id"] == "71471eba-b620-49e4-90fd-23f1fa0174d8"


def test_placeholders_bind_on_first_sight_and_must_match_afterwards():
    bindings: dict = {}
    assert compare({"id": "<flow-id:1>"}, {"id": "abc"}, bindings) == []
    assert bindings == {"<flow-id:1>": "abc"}
    [difference] = compare({"id": "<flow-id:1>"}, {"id": "other"}, bindings)
    assert (difference.path, difference.what) == ("$.id", "value")


def test_placeholders_check_their_kind():
    [difference] = compare({"createdAt": "<timestamp:1>"}, {"createdAt": "yesterday"}, {})
    assert difference.what == "type"
    assert compare({"createdAt": "<timestamp:1>"}, {"createdAt": 1700000000000}, {}) == []


def test_placeholders_inside_strings():
    bindings = {"<flow-id:1>": "abc"}
    assert compare("flows not found with id = [<flow-id:1>]", "flows not found with id = [abc]", bindings) == []
    assert compare("/flows?continuationToken=<token:1>", "/flows?continuationToken=xyz", bindings) == []
    assert bindings["<token:1>"] == "xyz"
    assert compare("id = [<flow-id:1>]", "id = [zzz]", bindings)[0].what == "value"


def test_missing_extra_type_and_value_differences_by_path():
    expected = {"a": 1, "b": {"c": [1, 2]}, "d": "x"}
    actual = {"a": "1", "b": {"c": [1]}, "e": True, "d": "y"}
    found = {(d.path, d.what) for d in compare(expected, actual, {})}
    assert found == {("$.a", "type"), ("$.b.c[1]", "missing"), ("$.e", "extra"), ("$.d", "value")}


def test_known_differences_match_by_path_pattern():
    differences = compare({"id": "x", "etag": "y"}, {"id": "x", "type": "t", "status": 1}, {})
    mark_known(differences, [{"path": "$.etag", "reason": "era"}, {"path": "$.*", "reason": "all"}])
    assert {d.path: d.known for d in differences} == {"$.etag": "era", "$.type": "all", "$.status": "all"}


def test_substitute_and_unbound():
    request = {"path": "/flows/<flow-id:1>", "headers": {"If-Match": "<etag:2>"}}
    assert unbound(request, {"<flow-id:1>": "f"}) == {"<etag:2>"}
    assert substitute(request, {"<flow-id:1>": "f", "<etag:2>": '"e"'}) == {
        "path": "/flows/f", "headers": {"If-Match": '"e"'}}


@pytest.mark.parametrize("text, value, repaired", [
    ('{"a": 1,}', {"a": 1}, "removed trailing commas"),
    ('{"a": 1,\n  ...\n}', {"a": 1}, "removed '...' elisions"),
    ('"transformations": []', {"transformations": []}, "wrapped a bare member list in braces"),
    ('{"auth": {"x": 1}, "auth": {"y": 2}}', {"auth": {"x": 1}}, "duplicate key 'auth'"),
])
def test_doc_json_repairs_are_named(text, value, repaired):
    parsed, repairs = repair.parse(text)
    assert parsed == value
    assert any(r.startswith(repaired) for r in repairs), repairs


def test_unrepairable_json_raises():
    with pytest.raises(ValueError):
        repair.parse("{not json at all")
