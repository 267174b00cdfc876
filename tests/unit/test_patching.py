"""Unit tests of mockserver.domain.patching: JSON Patch as Flow Service accepts it.

Contract: reference §3.5/§3.7/§3.8 (PATCH), §6.6 (paths), FSE 1405, 1434, 1455.
"""

from __future__ import annotations

import copy
from contextlib import contextmanager

import pytest

from mockserver.domain.errors import FlowServiceError
from mockserver.domain.patching import apply, normalise

FLOW_MEMBERS = ("name", "description", "transformations", "sourceConnectionIds", "scheduleParams", "labels")
PATCH_PREFIX = "An error has occurred while validating patch instructions: "


@contextmanager
def flow_error(code: int):
    with pytest.raises(FlowServiceError) as info:
        yield info
    assert (info.value.code, info.value.status, info.value.title) == (code, 400, "Invalid request")


# --- normalise ------------------------------------------------------------------------------

@pytest.mark.parametrize("sent, expected", [
    ("add", "add"), ("ADD", "add"), ("Add", "add"),
    ("replace", "replace"), ("REPLACE", "replace"),
    ("remove", "remove"), ("REMOVE", "remove"),
])
def test_op_names_are_lower_cased(sent, expected):
    ops = [{"op": sent, "path": "/name", "value": "x"}]
    assert normalise(ops, FLOW_MEMBERS) == [{"op": expected, "path": "/name", "value": "x"}]


def test_normalise_does_not_change_the_request():
    ops = [{"op": "ADD", "path": "/transformations/0/params/profileMapping",
            "value": {"mappingId": "m", "mappingVersion": 0}}]
    sent = copy.deepcopy(ops)
    normalise(ops, FLOW_MEMBERS)
    assert ops == sent


def test_several_ops_keep_their_order():
    ops = [
        {"op": "replace", "path": "/name", "value": "n"},
        {"op": "REPLACE", "path": "/description", "value": "d"},
        {"op": "remove", "path": "/labels/0"},
    ]
    assert [(o["op"], o["path"]) for o in normalise(ops, FLOW_MEMBERS)] == [
        ("replace", "/name"), ("replace", "/description"), ("remove", "/labels/0"),
    ]


@pytest.mark.parametrize("op", ["move", "MOVE", "Move", "copy", "COPY", "merge"])
def test_move_copy_and_unknown_ops_are_1434(op):
    with flow_error(1434) as info:
        normalise([{"op": op, "from": "/name", "path": "/description"}], FLOW_MEMBERS)
    assert info.value.message == (
        f"Unsupported operation '{op}' received. "
        "Please use one of the supported operation types and try again."
    )


@pytest.mark.parametrize("op, missing", [
    ({"path": "/name", "value": "x"}, "op"),
    ({"op": None, "path": "/name", "value": "x"}, "op"),
    ({"op": 1, "path": "/name", "value": "x"}, "op"),
    ({"op": "replace", "value": "x"}, "path"),
    ({"op": "replace", "path": 3, "value": "x"}, "path"),
    ({"op": "add", "path": "/name"}, "value"),
    ({"op": "replace", "path": "/name"}, "value"),
    ({"op": "test", "path": "/name"}, "value"),
])
def test_missing_op_path_or_value_is_1455(op, missing):
    with flow_error(1455) as info:
        normalise([{"op": "replace", "path": "/name", "value": "ok"}, op], FLOW_MEMBERS)
    assert info.value.message == f'{PATCH_PREFIX}Missing field "{missing}" in operation 1.'


@pytest.mark.parametrize("op", [
    {"op": "remove", "path": "/labels/0"},
    {"op": "remove", "path": "/transformations/0/params/segmentSelectors/selectors/0",
     "value": {"type": "PLATFORM_SEGMENT", "value": {}}},   # UD sends a value with remove
])
def test_remove_needs_no_value(op):
    assert normalise([op], FLOW_MEMBERS)[0]["op"] == "remove"


@pytest.mark.parametrize("path", ["/state", "/id", "/etag", "/flowSpec/id", "/inheritedAttributes", "/nope"])
def test_a_member_the_resource_does_not_expose_is_refused(path):
    with flow_error(1455) as info:
        normalise([{"op": "replace", "path": path, "value": "x"}], FLOW_MEMBERS)
    assert info.value.message.startswith(PATCH_PREFIX)
    assert f'Path "{path}" cannot be changed' in info.value.message


@pytest.mark.parametrize("path", [
    "/name", "/description", "/transformations/0/params/segmentSelectors/selectors/-",
    "/transformations/0/params/profileSelectors/selectors/3", "/sourceConnectionIds",
    "/scheduleParams", "/labels",
])
def test_documented_flow_paths_are_accepted(path):
    assert normalise([{"op": "add", "path": path, "value": 1}], FLOW_MEMBERS)[0]["path"] == path


def test_the_member_is_read_as_an_escaped_json_pointer():
    assert normalise([{"op": "add", "path": "/a~1b", "value": 1}], ["a/b"])[0]["path"] == "/a~1b"
    with flow_error(1455):
        normalise([{"op": "add", "path": "/a~1b", "value": 1}], ["a~1b"])


@pytest.mark.parametrize("path", ["name", "", "transformations/0/params"])
def test_a_path_that_is_not_a_json_pointer_is_1455(path):
    with flow_error(1455) as info:
        normalise([{"op": "replace", "path": path, "value": "x"}], FLOW_MEMBERS)
    assert info.value.message == f'{PATCH_PREFIX}Invalid path "{path}": a JSON Pointer starts with "/".'


@pytest.mark.parametrize("body", [None, []])
def test_an_empty_body_is_1405(body):
    with flow_error(1405):
        normalise(body, FLOW_MEMBERS)


@pytest.mark.parametrize("body, message", [
    ({"op": "replace", "path": "/name", "value": "x"}, "The request body must be an array of patch operations."),
    ("replace", "The request body must be an array of patch operations."),
    ([{"op": "replace", "path": "/name", "value": "x"}, "remove"], "Operation 1 must be an object."),
])
def test_a_body_that_is_not_a_list_of_objects_is_1455(body, message):
    with flow_error(1455) as info:
        normalise(body, FLOW_MEMBERS)
    assert info.value.message == PATCH_PREFIX + message


# --- apply -------------------------------------------------------------------------------------

DOC = {
    "name": "flow",
    "labels": ["core/C1"],
    "transformations": [{"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": [
        {"type": "PLATFORM_SEGMENT", "value": {"id": "a"}},
        {"type": "PLATFORM_SEGMENT", "value": {"id": "b"}},
        {"type": "PLATFORM_SEGMENT", "value": {"id": "c"}},
    ]}}}],
}
SELECTORS = "/transformations/0/params/segmentSelectors/selectors"


def _selector_ids(doc):
    return [s["value"]["id"] for s in doc["transformations"][0]["params"]["segmentSelectors"]["selectors"]]


def test_apply_returns_a_new_document_and_leaves_the_original_untouched():
    original = copy.deepcopy(DOC)
    ops = normalise([
        {"op": "ADD", "path": f"{SELECTORS}/-", "value": {"type": "PLATFORM_SEGMENT", "value": {"id": "d"}}},
        {"op": "replace", "path": f"{SELECTORS}/0/value/id", "value": "z"},
        {"op": "add", "path": "/labels/-", "value": "core/C12"},
        {"op": "replace", "path": "/name", "value": "renamed"},
    ], FLOW_MEMBERS)
    patched = apply(DOC, ops)
    assert DOC == original
    assert _selector_ids(patched) == ["z", "b", "c", "d"]
    assert patched["labels"] == ["core/C1", "core/C12"]
    assert patched["name"] == "renamed"


def test_ops_apply_one_after_the_other():
    # RFC 6902: removing index 0 twice removes the first two of the original list.
    ops = normalise([{"op": "remove", "path": f"{SELECTORS}/0"}, {"op": "remove", "path": f"{SELECTORS}/0"}],
                    FLOW_MEMBERS)
    assert _selector_ids(apply(DOC, ops)) == ["c"]


def test_a_passing_test_op_changes_nothing():
    ops = normalise([{"op": "TEST", "path": "/name", "value": "flow"}], FLOW_MEMBERS)
    assert apply(DOC, ops) == DOC


@pytest.mark.parametrize("op", [
    {"op": "replace", "path": "/description", "value": "x"},             # member absent
    {"op": "add", "path": "/nope/deeper", "value": 1},                     # parent absent
    {"op": "remove", "path": f"{SELECTORS}/7"},                             # index out of range
    {"op": "replace", "path": f"{SELECTORS}/first", "value": {}},          # not an index
    {"op": "add", "path": f"{SELECTORS}/9", "value": {}},                   # past the end
    {"op": "test", "path": "/name", "value": "other"},                      # test fails
])
def test_a_pointer_that_does_not_resolve_is_1455_and_changes_nothing(op):
    original = copy.deepcopy(DOC)
    with flow_error(1455) as info:
        apply(DOC, [op])
    assert info.value.message.startswith(PATCH_PREFIX)
    assert len(info.value.message) > len(PATCH_PREFIX)
    assert DOC == original
