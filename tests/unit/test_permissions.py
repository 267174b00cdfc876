"""Access control's domain rules, without Flask: the table, the document, the verdict; and the
conformance rule about re-sending a request answered 403."""

from __future__ import annotations

import json

import pytest

from mockserver.checks.conformance import report
from mockserver.checks.journal import Journal
from mockserver.domain.catalog import DATA_LAKE_SPEC_ID, PROFILE_STORE_SPEC_ID
from mockserver.domain.errors import FlowServiceError
from mockserver.domain.permissions import (
    Grant, Permissions, Table, decide, default_table, kind_of, parse, read_file, selects_identities,
    template_key,
)
from mockserver.store import MemoryStore

BASE = "/data/foundation/flowservice"
ALL = default_table().known
#: The permissions the tutorials name (CA, ED, AS, ABP).
DOCUMENTED = {"View Destinations", "Manage Destinations", "Activate Destinations", "Activate Segment without Mapping",
              "View Profiles", "View Segments", "View Identity Graph", "View Datasets",
              "Manage and Activate Dataset Destinations"}
AUDIENCE = ["View Destinations", "Activate Destinations", "View Profiles", "View Segments"]
DATASET = ["View Destinations", "View Datasets", "Manage and Activate Dataset Destinations"]


def refusal_of(error) -> tuple[str, str] | None:
    if error is None:
        return None
    body = error.body("req")
    return body["type"].rsplit("/", 1)[1], body["report"]["detailed-message"]


def code(error) -> str | None:
    return None if error is None else refusal_of(error)[0]


# --- the table -------------------------------------------------------------------------------------

def test_table_knows_the_documented_permissions():
    assert set(ALL) == DOCUMENTED


def test_table_rules_of_the_tutorials():
    table = default_table()
    assert table.rule("GET", f"{BASE}/flows").alternatives(None) == (("View Destinations",),)
    assert table.rule("POST", f"{BASE}/connections").alternatives(None) == (
        ("View Destinations", "Manage Destinations"),
        ("View Destinations", "Manage and Activate Dataset Destinations"))
    flows = table.rule("POST", f"{BASE}/flows")
    assert flows.alternatives("audience") == (tuple(AUDIENCE),)
    assert flows.alternatives("dataset") == (tuple(DATASET),)
    assert flows.alternatives(None) == (tuple(AUDIENCE), tuple(DATASET))  # unknown kind: either
    assert flows.identities == ("View Identity Graph",)
    assert table.rule("GET", f"{BASE}/connectionSpecs/<spec_id>/configs").alternatives(None) == (
        ("View Destinations", "View Datasets"),)
    assert table.rule("HEAD", f"{BASE}/runs/<run_id>") is table.rule("GET", f"{BASE}/runs/{{id}}")
    assert table.rule("PUT", f"{BASE}/flows") is None


def test_template_key_makes_placeholders_alike():
    assert template_key("/flows/<entity_id>/action") == template_key("/flows/{id}/action") == "/flows/{}/action"


@pytest.mark.parametrize("change, message", [
    ({"operations": [{"method": "GET", "path": "/x", "needs": ["View Everything"]}]}, "unknown permission"),
    ({"operations": [{"method": "GET", "path": "/x", "needs": "nothing"}]}, "no set named"),
    ({"operations": [{"method": "GET", "path": "/x", "kindOf": "body:name", "needs": {}}]}, "kindOf"),
    ({"operations": [{"method": "GET", "path": "/x", "kindOf": "stored:flows", "needs": {"profile": []}}]},
     "unknown kind"),
    ({"operations": [{"method": "GET", "path": "/x/{a}", "needs": []}, {"method": "get", "path": "/x/<b>", "needs": []}]},
     "listed twice"),
])
def test_table_refuses_a_bad_file(change, message):
    data = {"permissions": {"View Destinations": ""}, "kinds": {"audience": ["a"]}, "sets": {}, **change}
    with pytest.raises(ValueError, match=message):
        Table(data)


# --- the document ----------------------------------------------------------------------------------

@pytest.mark.parametrize("document", [None, {}])
def test_an_empty_document_means_everybody_holds_everything(document):
    assert parse(document) is None


def test_parse_a_document():
    policy = parse({"ci": {"permissions": ["View Destinations"], "sandboxes": ["dev"]},
                    "tool": {"permissions": {"prod": ["View Destinations"], "*": AUDIENCE}},
                    "*": {}})
    ci, tool, anyone = policy.grants["ci"], policy.grants["tool"], policy.grants["*"]
    assert ci.held("dev") == {"View Destinations"} and ci.may_use("dev") and not ci.may_use("prod")
    assert tool.held("prod") == {"View Destinations"} and tool.held("dev") == set(AUDIENCE)
    assert anyone.held("prod") is None and anyone.may_use("anything")


@pytest.mark.parametrize("document, message", [
    ([], "The permissions document must be a JSON object mapping client ids (or '*') to "
         '{"permissions": [...], "sandboxes": [...]}.'),
    ({"ci": {"permissions": ["View Destination"]}},
     f"Unknown permission 'View Destination' at /ci/permissions/0; known: {', '.join(ALL)}."),
    ({"ci": {"permissions": {"dev": ["Delete Everything"]}}},
     f"Unknown permission 'Delete Everything' at /ci/permissions/dev/0; known: {', '.join(ALL)}."),
    ({"ci": {"roles": []}}, "Unknown field 'roles' at /ci; a client's entry takes 'permissions' and 'sandboxes'."),
    ({"ci": {"permissions": "View Destinations"}},
     "Invalid permissions document at /ci/permissions: 'View Destinations' is not of type 'object'."),
    ({"ci": {"sandboxes": "prod"}}, "Invalid permissions document at /ci/sandboxes: 'prod' is not of type 'array'."),
    ({"ci": {"sandboxes": [""]}}, "An empty client id, sandbox name or sandbox at /ci/sandboxes/0."),
    ({"": {}}, "An empty client id, sandbox name or sandbox at /."),
    ({"ci": {"permissions": ["View Destinations", "View Destinations"]}}, "A name listed twice at /ci/permissions."),
    ({"ci": []}, "Invalid permissions document at /ci: [] is not of type 'object'."),
])
def test_parse_refuses_a_bad_document(document, message):
    with pytest.raises(FlowServiceError) as raised:
        parse(document)
    assert raised.value.status == 400 and raised.value.code == 1100
    assert raised.value.message == f"The request could not be processed. {message}"


def test_the_api_key_wins_over_the_token_client():
    policy = parse({"key": {"permissions": ["View Destinations"]}, "token-client": {"permissions": AUDIENCE},
                    "*": {"permissions": DATASET}})
    assert policy.grant("key", lambda: "token-client") is policy.grants["key"]
    assert policy.grant("unlisted", lambda: "token-client") is policy.grants["token-client"]
    assert policy.grant("unlisted", lambda: None) is policy.grants["*"]
    assert policy.grant("*", lambda: None) is policy.grants["*"]


def test_the_token_is_read_only_when_the_key_has_no_entry():
    policy = parse({"key": {}})
    asked = []
    policy.grant("key", lambda: asked.append(1))
    assert asked == []


def test_without_a_wildcard_an_unlisted_client_holds_nothing():
    assert parse({"key": {}}).grant("other") is None


# --- the verdict ----------------------------------------------------------------------------------

TABLE = default_table()
POST_FLOWS = TABLE.rule("POST", f"{BASE}/flows")
LIST_FLOWS = TABLE.rule("GET", f"{BASE}/flows")
NAMES = "Please contact your administrator to resolve permissions and try again."


def test_decide_codes():
    viewer = Grant(frozenset({"View Destinations"}))
    assert decide(viewer, LIST_FLOWS, "prod") is None
    assert refusal_of(decide(viewer, POST_FLOWS, "prod", kind="audience")) == (
        "FLOW-2118-403", f"The permission Activate Destinations is missing. {NAMES}")
    assert refusal_of(decide(viewer, POST_FLOWS, "prod", kind="dataset", resource="flows/f1")) == (
        "FLOW-2121-403", f"The permission View Datasets is denied on resource flows/f1. {NAMES}")
    assert refusal_of(decide(None, LIST_FLOWS, "prod")) == (
        "FLOW-2120-403", f"You do not have sufficient permissions to perform the operation. {NAMES}")
    assert code(decide(Grant(frozenset()), LIST_FLOWS, "prod")) == "FLOW-2120-403"
    assert refusal_of(decide(Grant(None, frozenset({"dev"})), LIST_FLOWS, "prod")) == (
        "FLOW-2101-404", "The sandbox with the name 'prod' could not be found. Error from Sandbox Management "
                         "API: Sandbox with name 'prod' not present. Please check if resource exists.")
    assert decide(Grant(None, frozenset({"dev"})), LIST_FLOWS, "dev") is None
    assert decide(Grant(None), None, "prod") is None  # no rule: only the sandbox counts
    assert code(decide(Grant(None, frozenset({"dev"})), None, "prod")) == "FLOW-2101-404"


def test_decide_names_what_the_closest_alternative_lacks():
    nearly_dataset = Grant(frozenset({"View Destinations", "View Datasets"}))
    error = decide(nearly_dataset, POST_FLOWS, "prod", kind=None)
    assert refusal_of(error)[1].startswith("The permission Manage and Activate Dataset Destinations is missing.")


def test_decide_identities_need_view_identity_graph():
    audience = Grant(frozenset(AUDIENCE))
    assert decide(audience, POST_FLOWS, "prod", kind="audience") is None
    assert refusal_of(decide(audience, POST_FLOWS, "prod", kind="audience", identities=True))[1].startswith(
        "The permission View Identity Graph is missing.")
    assert decide(Grant(frozenset([*AUDIENCE, "View Identity Graph"])), POST_FLOWS, "prod",
                  kind="audience", identities=True) is None


def test_per_sandbox_permissions():
    grant = parse({"c": {"permissions": {"dev": AUDIENCE}}}).grants["c"]
    assert decide(grant, POST_FLOWS, "dev", kind="audience") is None
    assert code(decide(grant, LIST_FLOWS, "prod")) == "FLOW-2120-403"  # holds nothing there


@pytest.mark.parametrize("body, expected", [
    ({"transformations": [{"params": {"profileSelectors": {"selectors": [
        {"type": "JSON_PATH", "value": {"path": "identityMap.Email"}}]}}}]}, True),
    ({"mappings": [{"source": "xdm:identityMap.Email.id", "destination": "email"}]}, True),
    ([{"op": "add", "path": "/transformations/0/params/primaryFields",
       "value": [{"fieldType": "IDENTITY", "identityNamespace": "Email"}]}], True),
    ({"mappings": [{"source": "xdm:person.name.firstName", "destination": "firstName"}]}, False),
    (None, False),
])
def test_selects_identities(body, expected):
    assert selects_identities(body) is expected


def test_kind_of_reads_the_body_or_the_stored_entity():
    tenant = MemoryStore().tenant("org", "prod")
    tenant.put("sourceConnections", {"id": "s-ds", "connectionSpec": {"id": DATA_LAKE_SPEC_ID}})
    tenant.put("sourceConnections", {"id": "s-aud", "connectionSpec": {"id": PROFILE_STORE_SPEC_ID}})
    tenant.put("flows", {"id": "f1", "inheritedAttributes": {
        "sourceConnections": [{"id": "s-ds", "connectionSpec": {"id": DATA_LAKE_SPEC_ID}}]}})
    rule = TABLE.rule
    assert kind_of(TABLE, rule("POST", f"{BASE}/sourceConnections"), tenant,
                   {"connectionSpec": {"id": DATA_LAKE_SPEC_ID}}, None) == ("dataset", None)
    assert kind_of(TABLE, rule("POST", f"{BASE}/sourceConnections"), tenant, [1], None) == (None, None)
    assert kind_of(TABLE, POST_FLOWS, tenant, {"sourceConnectionIds": ["s-aud"]}, None) == ("audience", None)
    assert kind_of(TABLE, POST_FLOWS, tenant, {"sourceConnectionIds": ["nope"]}, None) == (None, None)
    assert kind_of(TABLE, rule("DELETE", f"{BASE}/flows/{{id}}"), tenant, None, "f1") == ("dataset", "flows/f1")
    assert kind_of(TABLE, rule("PATCH", f"{BASE}/sourceConnections/{{id}}"), tenant, None, "s-aud") == (
        "audience", "sourceConnections/s-aud")
    assert kind_of(TABLE, rule("DELETE", f"{BASE}/flows/{{id}}"), tenant, None, "missing") == (None, None)


# --- the holder -------------------------------------------------------------------------------------

def test_permissions_set_clear_restore(tmp_path):
    path = tmp_path / "permissions.json"
    path.write_text(json.dumps({"ci": {"permissions": ["View Destinations"]}}))
    permissions = Permissions(str(path))
    assert permissions.document() == {"ci": {"permissions": ["View Destinations"]}}
    assert permissions.set({"*": {"sandboxes": ["dev"]}}) == {"*": {"sandboxes": ["dev"]}}
    with pytest.raises(FlowServiceError):
        permissions.set({"*": {"permissions": ["Nope"]}})
    assert permissions.document() == {"*": {"sandboxes": ["dev"]}}  # a refused document changes nothing
    assert permissions.clear() == 1 and permissions.policy is None and permissions.document() == {}
    permissions.restore()
    assert permissions.document() == {"ci": {"permissions": ["View Destinations"]}}
    assert Permissions().policy is None


def test_the_document_returned_is_a_copy():
    permissions = Permissions()
    permissions.set({"ci": {"permissions": ["View Destinations"]}})
    permissions.document()["ci"]["permissions"].append("x")
    assert permissions.document() == {"ci": {"permissions": ["View Destinations"]}}


def test_check_calls_body_and_token_only_when_needed():
    permissions = Permissions()
    calls = []
    assert permissions.check("POST", f"{BASE}/flows", "prod", "k", body=lambda: calls.append("body")) is None
    assert calls == []  # no document: nothing is read
    permissions.set({"k": {"permissions": ["View Destinations"]}})
    permissions.check("GET", f"{BASE}/flows", "prod", "k", body=lambda: calls.append("body"),
                      token_client=lambda: calls.append("token"))
    assert calls == []
    error = permissions.check("POST", f"{BASE}/flows", "prod", "k", body=lambda: calls.append("body") or {})
    assert calls == ["body"] and code(error) == "FLOW-2118-403"


@pytest.mark.parametrize("content, message", [
    ("{", "cannot read the permissions file {path}: Expecting property name"),
    ('{"ci": {"permissions": ["Nope"]}}', "permissions file {path}: The request could not be processed. "
                                           "Unknown permission 'Nope' at /ci/permissions/0"),
])
def test_read_file_refuses_with_one_line(tmp_path, content, message):
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(ValueError) as raised:
        read_file(str(path))
    assert str(raised.value).startswith(message.format(path=path)) and "\n" not in str(raised.value)


def test_read_file_missing(tmp_path):
    with pytest.raises(ValueError, match="cannot read the permissions file"):
        read_file(str(tmp_path / "absent.json"))


# --- the conformance rule --------------------------------------------------------------------------

HEADERS = {"HTTP_AUTHORIZATION": "Bearer token-1", "HTTP_X_API_KEY": "client-1",
           "HTTP_X_GW_IMS_ORG_ID": "ORG@AdobeOrg", "HTTP_X_SANDBOX_NAME": "prod"}


class Sequence:
    def __init__(self) -> None:
        self.journal = Journal(100)
        self.now = 1000.0

    def add(self, method, path, *, status=200, body=None, query="", headers=None):
        self.now += 1
        raw = b"" if body is None else json.dumps(body).encode()
        request_headers = {**HEADERS, **(headers or {})}
        if raw:
            request_headers["CONTENT_TYPE"] = "application/json"
        self.journal.record(at=self.now, duration=0.01, method=method, path=path, query=query,
                            request_headers=request_headers, request_body=raw, status=status,
                            response_headers=[("Content-Type", "application/json")], response_body=b"{}")
        return self

    def findings(self) -> list[dict]:
        return [f for f in report(self.journal.exchanges())["findings"] if f["rule"] == "repeat-after-403"]


FLOW = {"name": "x", "sourceConnectionIds": ["s"]}


def test_repeat_after_403_found():
    seq = (Sequence().add("POST", f"{BASE}/flows", body=FLOW, status=403)
           .add("POST", f"{BASE}/flows", body=FLOW, status=403))
    findings = seq.findings()
    assert [(f["requestNumber"], f["status"]) for f in findings] == [(2, 403)]
    assert findings[0]["message"] == ("The same request as #1, answered 403, sent again unchanged; change the "
                                      "credentials or the permissions first.")


@pytest.mark.parametrize("second", [
    {"body": {**FLOW, "name": "y"}},
    {"query": "x=1"},
    {"headers": {"HTTP_AUTHORIZATION": "Bearer token-2"}},
    {"headers": {"HTTP_X_SANDBOX_NAME": "dev"}},
    {"headers": {"HTTP_X_API_KEY": "client-2"}},
])
def test_a_changed_request_after_403_is_fine(second):
    seq = Sequence().add("POST", f"{BASE}/flows", body=FLOW, status=403)
    seq.add("POST", f"{BASE}/flows", body=second.get("body", FLOW), query=second.get("query", ""),
            headers=second.get("headers"))
    assert seq.findings() == []


def test_a_permissions_change_in_between_makes_the_retry_new():
    seq = (Sequence().add("GET", f"{BASE}/flows", status=403)
           .add("PUT", "/_mock/permissions", body={})
           .add("GET", f"{BASE}/flows"))
    assert seq.findings() == []


def test_repeats_after_other_answers_are_fine():
    seq = Sequence().add("GET", f"{BASE}/flows", status=404).add("GET", f"{BASE}/flows", status=404)
    seq.add("POST", "/data/core/activation/disflowprovider/adhocrun", body={"a": 1}, status=403)
    seq.add("POST", "/data/core/activation/disflowprovider/adhocrun", body={"a": 1}, status=403)
    assert [f["requestNumber"] for f in seq.findings()] == [4]  # every gateway API, not only Flow Service
