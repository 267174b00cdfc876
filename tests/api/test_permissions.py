"""Access control over HTTP: ``/_mock/permissions`` and the 403s of every operation of the table.

The tutorials' cases by name (CA, ED), then every rule of ``mockserver/catalog/permissions.json``
for every permission it names: a client lacking it is refused, with nothing changed, and a client
holding exactly what the table says gets past the check.
"""

from __future__ import annotations

import base64
import copy
import json

import pytest
import schemathesis

from mockserver.domain.permissions import default_table
from mockserver.settings import Settings
from mockserver.store import COLLECTIONS

from ..support import (
    BASE, DATA_LAKE, HEADERS, PROFILE_STORE, S3_DATASET_FLOW, S3_SEGMENT_FLOW, Api, make_app, spec,
)

TABLE = default_table()
ALL = list(TABLE.known)
AUDIENCE = ["View Destinations", "Activate Destinations", "View Profiles", "View Segments"]
DATASET = ["View Destinations", "View Datasets", "Manage and Activate Dataset Destinations"]
ADVICE = "Please contact your administrator to resolve permissions and try again."
ADHOC = "/data/core/activation/disflowprovider/adhocrun"
NOW = 1_700_000_000


def jwt(claims: dict) -> str:
    segment = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"e30.{segment}.sig"


def as_client(client, key: str, **headers) -> Api:
    return Api(client, {**HEADERS, "x-api-key": key, **headers})


def refusal(response) -> tuple[int, str, str]:
    body = response.get_json()
    return response.status_code, body["type"].rsplit("/", 1)[1], body["report"]["detailed-message"]


def missing(permission: str) -> str:
    return f"The permission {permission} is missing. {ADVICE}"


def put(client, document):
    return client.put("/_mock/permissions", json=document)


def audience_flow_body(api, source=None, target=None, **params) -> dict:
    return {"name": "Audiences to S3", "flowSpec": spec(S3_SEGMENT_FLOW),
            "sourceConnectionIds": [source or api.profile_source()],
            "targetConnectionIds": [target or api.s3_target()],
            "transformations": [{"name": "GeneralTransform",
                                 "params": {"segmentSelectors": {"selectors": []}, **params}}]}


def dataset_flow_body(api, source=None, target=None) -> dict:
    return {"name": "Datasets to S3", "flowSpec": spec(S3_DATASET_FLOW),
            "sourceConnectionIds": [source or api.dataset_source()],
            "targetConnectionIds": [target or api.s3_target(datasetFileType="JSON")],
            "transformations": [],
            "scheduleParams": {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
                               "startTime": NOW, "endTime": NOW + 86400}}


def snapshot(app) -> dict:
    return {(t.org, t.sandbox): {name: copy.deepcopy(t.values(name)) for name in COLLECTIONS}
            for t in app.extensions["flowservice"].store.tenants()}


# --- by default ------------------------------------------------------------------------------------

def test_by_default_everybody_holds_everything(client, api):
    assert client.get("/_mock/permissions").get_json() == {}
    assert client.application.extensions["flowservice"].permissions.policy is None
    assert api.created("/flows", audience_flow_body(api))


# --- the tutorials' cases ----------------------------------------------------------------------------

def test_view_destinations_lists_flows_but_cannot_create_one(app, client, api):
    body = audience_flow_body(api)
    assert put(client, {"viewer": {"permissions": ["View Destinations"]}}).status_code == 200
    viewer = as_client(client, "viewer")
    assert viewer.get("/flows").status_code == 200
    before = snapshot(app)
    assert refusal(viewer.post("/flows", body)) == (403, "FLOW-2118-403", missing("Activate Destinations"))
    assert snapshot(app) == before
    assert viewer.get("/flows").get_json()["items"] == []


def test_dataset_permissions_create_a_dataset_flow_but_not_an_audience_flow(client, api):
    profiles = api.profile_source()  # made by a client holding everything
    assert put(client, {"exporter": {"permissions": DATASET}}).status_code == 200
    exporter = as_client(client, "exporter")
    # ED end to end: eligible datasets, source, base and target connections, the dataflow.
    configs = exporter.get(f"/connectionSpecs/{DATA_LAKE}/configs?outputType=activationDatasets"
                           "&outputField=datasets")
    assert configs.status_code == 200
    assert exporter.created("/flows", dataset_flow_body(exporter))
    assert refusal(exporter.post("/sourceConnections", {"name": "P", "connectionSpec": spec(PROFILE_STORE)})) == (
        403, "FLOW-2118-403", missing("Activate Destinations"))
    assert refusal(exporter.post("/flows", audience_flow_body(exporter, source=profiles))) == (
        403, "FLOW-2118-403", missing("Activate Destinations"))


def test_connecting_a_destination_needs_manage_destinations(client, api):
    assert put(client, {"viewer": {"permissions": ["View Destinations"]},
                        "connector": {"permissions": ["View Destinations", "Manage Destinations"]}}).status_code == 200
    assert refusal(as_client(client, "viewer").post("/connections", {})) == (
        403, "FLOW-2118-403", missing("Manage Destinations"))
    connector = as_client(client, "connector")
    assert connector.s3_target()
    assert connector.post("/sourceConnections", {"name": "P", "connectionSpec": spec(PROFILE_STORE)}).status_code == 403


def test_activating_audiences_needs_the_four_permissions(client, api):
    source, target = api.profile_source(), api.s3_target()
    put(client, {"activator": {"permissions": AUDIENCE}})
    activator = as_client(client, "activator")
    created = activator.created("/flows", audience_flow_body(activator, source, target))
    listing = activator.get(f"/flows/{created['id']}")
    assert listing.status_code == 200


def test_exporting_identities_needs_view_identity_graph(client, api):
    source, target = api.profile_source(), api.s3_target()
    put(client, {"activator": {"permissions": AUDIENCE},
                 "identities": {"permissions": [*AUDIENCE, "View Identity Graph"]}})
    body = audience_flow_body(api, source, target, primaryFields=[
        {"fieldType": "IDENTITY", "identityNamespace": "Email"}])
    assert refusal(as_client(client, "activator").post("/flows", body)) == (
        403, "FLOW-2118-403", missing("View Identity Graph"))
    assert refusal(client.get("/data/core/idnamespace/identities", headers={**HEADERS, "x-api-key": "activator"})) == (
        403, "FLOW-2118-403", missing("View Identity Graph"))
    assert as_client(client, "identities").post("/flows", body).status_code == 201


def test_a_sandbox_the_client_may_not_use(client, api):
    put(client, {"dev-only": {"sandboxes": ["dev"]}})
    assert refusal(as_client(client, "dev-only").get("/flows")) == (
        404, "FLOW-2101-404", "The sandbox with the name 'prod' could not be found. Error from Sandbox Management "
                              "API: Sandbox with name 'prod' not present. Please check if resource exists.")
    assert as_client(client, "dev-only", **{"x-sandbox-name": "dev"}).get("/flows").status_code == 200
    # A missing x-sandbox-name means prod.
    headers = {k: v for k, v in HEADERS.items() if k != "x-sandbox-name"}
    assert Api(client, {**headers, "x-api-key": "dev-only"}).get("/flows").status_code == 404


def test_per_sandbox_permissions(client, api):
    put(client, {"*": {"permissions": {"dev": AUDIENCE, "prod": ["View Destinations"]}}})
    assert api.post("/sourceConnections", {"name": "P", "connectionSpec": spec(PROFILE_STORE)}).status_code == 403
    dev = Api(client, {**HEADERS, "x-sandbox-name": "dev"})
    assert dev.post("/sourceConnections", {"name": "P", "connectionSpec": spec(PROFILE_STORE)}).status_code == 201


def test_a_client_holding_nothing_is_forbidden(client, api):
    put(client, {"someone-else": {}})
    assert refusal(api.get("/connectionSpecs")) == (
        403, "FLOW-2120-403", f"You do not have sufficient permissions to perform the operation. {ADVICE}")
    put(client, {"*": {"permissions": []}})
    assert refusal(api.get("/connectionSpecs"))[1] == "FLOW-2120-403"


def test_changing_a_stored_dataset_flow_names_the_resource(client, api):
    flow = api.created("/flows", dataset_flow_body(api))
    put(client, {"activator": {"permissions": AUDIENCE}, "*": {}})
    activator = as_client(client, "activator")
    assert refusal(activator.post(f"/flows/{flow['id']}/action?op=disable")) == (
        403, "FLOW-2121-403",
        f"The permission Manage and Activate Dataset Destinations is denied on resource flows/{flow['id']}. {ADVICE}")
    assert refusal(activator.delete(f"/flows/{flow['id']}"))[1] == "FLOW-2121-403"
    assert api.get(f"/flows/{flow['id']}").get_json()["items"][0]["state"] == "enabled"


def test_an_unknown_flow_is_404_for_a_client_that_may_change_flows(client, api):
    put(client, {"activator": {"permissions": AUDIENCE}, "viewer": {"permissions": ["View Destinations"]}})
    assert as_client(client, "activator").delete("/flows/nope").status_code == 404
    assert as_client(client, "viewer").delete("/flows/nope").status_code == 403


def test_the_api_key_identifies_the_client_then_the_token(client, api):
    token = {"Authorization": "Bearer " + jwt({"client_id": "integration", "user_id": "u@AdobeID"})}
    put(client, {"integration": {"permissions": ["View Destinations"]}, "*": {"permissions": []}})
    # No entry for the x-api-key: the token's client_id decides.
    assert as_client(client, "unlisted", **token).get("/flows").status_code == 200
    assert as_client(client, "unlisted").get("/flows").status_code == 403
    # Both have entries: the x-api-key (the gateway's client id) wins.
    put(client, {"integration": {"permissions": ["View Destinations"]}, "key": {"permissions": []}})
    assert refusal(as_client(client, "key", **token).get("/flows"))[1] == "FLOW-2120-403"


def test_ad_hoc_activation_needs_activate_destinations(client, api):
    put(client, {"*": {"permissions": ["View Destinations"]}})
    response = client.post(ADHOC, json={"activationInfo": {}}, headers=HEADERS)
    assert refusal(response) == (403, "FLOW-2118-403", missing("Activate Destinations"))


def test_the_gateway_answers_first(client):
    put(client, {"*": {"permissions": []}})
    headers = {k: v for k, v in HEADERS.items() if k != "x-api-key"}
    assert client.get(BASE + "/flows", headers=headers).get_json() == {
        "error_code": "403000", "message": "Api Key is required"}


def test_the_admin_api_and_the_ims_stand_in_are_not_guarded(client):
    put(client, {"*": {"permissions": []}})
    assert client.get("/_mock/health").status_code == 200
    assert client.post("/ims/token/v3", data={"grant_type": "client_credentials", "client_id": "x"}).status_code == 200


def test_an_unrouted_path_is_still_404(client):
    put(client, {"*": {"permissions": ["View Destinations"]}})
    assert client.get(BASE + "/nowhere", headers=HEADERS).status_code == 404
    assert client.put(BASE + "/flows", headers=HEADERS).status_code == 405


# --- every rule of the table -------------------------------------------------------------------------

@pytest.fixture
def seeded(api) -> dict:
    return {"profiles": api.profile_source(), "datasets": api.dataset_source(),
            "target": api.s3_target(datasetFileType="JSON"),
            "audience_flow": api.created("/flows", audience_flow_body(api)),
            "dataset_flow": api.created("/flows", dataset_flow_body(api))}


def requests_of(api, seeded, method: str, path: str, kind: str | None) -> tuple[str, object, dict]:
    """(path, body, headers) of one request reaching the operation, about data of ``kind``."""
    entity = {"flows": seeded["audience_flow" if kind == "audience" else "dataset_flow"]["id"],
              "sourceConnections": seeded["profiles" if kind == "audience" else "datasets"]}
    concrete = path
    for collection, entity_id in entity.items():
        concrete = concrete.replace(f"/{collection}/{{id}}", f"/{collection}/{entity_id}")
    concrete = concrete.replace("{id}", "x").replace("{entityType}", "_xdm.context.profile")
    concrete = concrete.replace("{schemaId}", "x").replace("{mappingSetId}", "x")
    if concrete.endswith("/action"):
        concrete += "?op=disable"
    body: object = None
    if method == "POST" and path.endswith("/sourceConnections"):
        body = {"name": "S", "connectionSpec": spec(PROFILE_STORE if kind == "audience" else DATA_LAKE)}
    elif method == "POST" and path.endswith("/flows"):
        source = seeded["profiles" if kind == "audience" else "datasets"]
        body = (audience_flow_body if kind == "audience" else dataset_flow_body)(api, source, seeded["target"])
    elif method == "PATCH":
        body = [{"op": "replace", "path": "/name", "value": "renamed"}]
    elif method == "POST":
        body = {}
    headers = {"If-Match": "\"stale\""} if method == "PATCH" else {}
    if TABLE.rule(method, path).kind_of == "header:Accept":  # the ad hoc API's forms
        headers["Accept"] = ("application/vnd.adobe.adhoc.dataset.activation+json; version=1" if kind == "dataset"
                             else "application/vnd.adobe.adhoc.activation+json; version=2")
    return concrete, body, headers


CASES = [
    pytest.param(rule.method, rule.path, kind, id=f"{rule.method} {rule.path}" + (f" [{kind}]" if kind else ""))
    for rule in TABLE.rules.values()
    for kind in (list(rule.needs) if rule.kind_of else [None])
]


def send(client, method, path, body, headers, key):
    return client.open(path, method=method, json=body, headers={**HEADERS, "x-api-key": key, **headers})


def resource_of(seeded, rule, kind) -> str:
    """The stored entity a ``stored:`` rule reads the kind of, as its 2121 names it."""
    collection = rule.kind_of.partition(":")[2]
    if collection == "flows":
        return f"flows/{seeded['audience_flow' if kind == 'audience' else 'dataset_flow']['id']}"
    return f"sourceConnections/{seeded['profiles' if kind == 'audience' else 'datasets']}"


@pytest.mark.parametrize("method, path, kind", CASES)
def test_each_permission_of_each_rule(app, client, api, seeded, method, path, kind):
    rule = TABLE.rule(method, path)
    alternatives = rule.alternatives(kind)
    concrete, body, headers = requests_of(api, seeded, method, path, kind)
    named = sorted({p for alt in alternatives for p in alt})
    lacking = {p: f"lacks-{i}" for i, p in enumerate(named)}  # API keys are single printable words
    document = {lacking[p]: {"permissions": [q for q in ALL if q != p]} for p in named}
    document.update({f"only-{i}": {"permissions": list(alt)} for i, alt in enumerate(alternatives)})
    assert put(client, document).status_code == 200
    stored = kind is not None and rule.kind_of.startswith("stored:")
    for p in named:
        refused = not any(set(alt) <= set(ALL) - {p} for alt in alternatives)
        before = snapshot(app)
        response = send(client, method, concrete, body, headers, lacking[p])
        if refused:
            assert refusal(response) == (
                (403, "FLOW-2121-403", f"The permission {p} is denied on resource "
                                       f"{resource_of(seeded, rule, kind)}. {ADVICE}")
                if stored else (403, "FLOW-2118-403", missing(p)))
            assert snapshot(app) == before, "a refused request changed something"
        else:
            assert response.status_code != 403, response.get_json()
    for i, _ in enumerate(alternatives):
        response = send(client, method, concrete, body, headers, f"only-{i}")
        assert response.status_code != 403, response.get_json()
        assert not response.is_json or "FLOW-2101" not in str(response.get_json())


def test_every_guarded_route_is_in_the_table(app):
    routes = [(m, r.rule) for r in app.url_map.iter_rules() for m in sorted(r.methods - {"HEAD", "OPTIONS"})
              if not r.rule.startswith(("/_mock/", "/ims/", "/static"))]
    assert routes, "no routes?"
    assert [route for route in routes if TABLE.rule(*route) is None] == []
    assert len(routes) == len(TABLE.rules)


# --- the admin API ----------------------------------------------------------------------------------------

def test_put_get_delete(client):
    document = {"ci": {"permissions": ["View Destinations"], "sandboxes": ["prod", "dev"]}, "*": {}}
    answer = put(client, document)
    assert (answer.status_code, answer.get_json()) == (200, document)
    assert client.get("/_mock/permissions").get_json() == document
    assert client.delete("/_mock/permissions").get_json() == {"cleared": 2}
    assert client.get("/_mock/permissions").get_json() == {}
    assert client.delete("/_mock/permissions").get_json() == {"cleared": 0}


@pytest.mark.parametrize("send_body", [
    lambda c: c.put("/_mock/permissions"),
    lambda c: c.put("/_mock/permissions", json={}),
    lambda c: c.put("/_mock/permissions", data="null", content_type="application/json"),
])
def test_an_empty_put_means_everybody_holds_everything(client, api, send_body):
    put(client, {"*": {"permissions": []}})
    answer = send_body(client)
    assert (answer.status_code, answer.get_json()) == (200, {})
    assert api.get("/flows").status_code == 200


@pytest.mark.parametrize("data, message", [
    (json.dumps({"ci": {"permissions": ["Admin"]}}),
     f"Unknown permission 'Admin' at /ci/permissions/0; known: {', '.join(ALL)}."),
    (json.dumps(["ci"]), "The permissions document must be a JSON object mapping client ids (or '*') to "
                         '{"permissions": [...], "sandboxes": [...]}.'),
    ("{not json", None),
])
def test_a_bad_document_is_400_and_changes_nothing(client, data, message):
    document = {"ci": {"permissions": ["View Destinations"]}}
    put(client, document)
    answer = client.put("/_mock/permissions", data=data, content_type="application/json")
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["type"].endswith("FLOW-1100-400")
    if message is not None:
        assert body["report"]["detailed-message"] == f"The request could not be processed. {message}"
    assert client.get("/_mock/permissions").get_json() == document


def test_permissions_survive_a_reset(client):
    document = {"ci": {"permissions": ["View Destinations"]}}
    put(client, document)
    assert client.post("/_mock/reset").status_code == 200
    assert client.get("/_mock/permissions").get_json() == document


def test_the_table_is_served(client):
    table = client.get("/_mock/permissions/table").get_json()
    assert [p["name"] for p in table["permissions"]] == ALL
    assert table["kinds"]["dataset"] == [DATA_LAKE]
    create = next(o for o in table["operations"] if (o["method"], o["path"]) == ("POST", BASE + "/flows"))
    assert create == {"method": "POST", "path": BASE + "/flows", "kindOf": "body:sourceConnectionIds",
                      "needs": {"audience": [AUDIENCE], "dataset": [DATASET]},
                      "identities": ["View Identity Graph"]}


def test_a_permissions_file_is_loaded_at_start(tmp_path):
    path = tmp_path / "permissions.json"
    path.write_text(json.dumps({"*": {"permissions": ["View Destinations"]}}))
    app = make_app(Settings(seed=1, permissions_file=str(path)))
    client = app.test_client()
    assert client.get("/_mock/permissions").get_json() == {"*": {"permissions": ["View Destinations"]}}
    assert Api(client).post("/connections", {}).status_code == 403


def test_a_bad_permissions_file_is_refused_at_start(tmp_path):
    path = tmp_path / "permissions.json"
    path.write_text(json.dumps({"*": {"permissions": ["Everything"]}}))
    with pytest.raises(ValueError, match="Unknown permission 'Everything'"):
        make_app(Settings(permissions_file=str(path)))


def test_the_403_rule_reports_a_client_that_retries_unchanged(client, api):
    put(client, {"*": {"permissions": ["View Destinations"]}})
    for _ in range(2):
        assert api.post("/connections", {"name": "S3"}).status_code == 403
    report = client.get("/_mock/conformance").get_json()
    assert [(f["rule"], f["requestNumber"]) for f in report["findings"] if f["rule"] == "repeat-after-403"] == [
        ("repeat-after-403", 2)]


# --- the OpenAPI document describes it ----------------------------------------------------------------------

def test_the_admin_operations_conform_to_the_document(app):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance, response_schema_conformance, status_code_conformance,
    )

    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", app)
    path = "/_mock/permissions"
    calls = [
        (path, "PUT", {"body": {"ci": {"permissions": ["View Destinations"], "sandboxes": ["dev"]},
                                "*": {"permissions": {"prod": AUDIENCE}}}}, 200),
        (path, "GET", {}, 200),
        (path, "PUT", {"body": {"ci": {"permissions": ["Nope"]}}}, 400),
        (path, "DELETE", {}, 200),
        (path + "/table", "GET", {}, 200),
    ]
    for route, method, kwargs, expected in calls:
        if "body" in kwargs:
            kwargs = {**kwargs, "media_type": "application/json"}
        response = schema[route][method].Case(**kwargs).call_and_validate(checks=checks)
        assert response.status_code == expected, response.text


def test_a_refusal_conforms_to_the_document(app, client, api):
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    put(client, {"*": {"permissions": ["View Destinations"]}})
    schema = schemathesis.openapi.from_wsgi("/_mock/openapi.json", app)
    case = schema[BASE + "/connections"]["POST"].Case(
        body={"name": "S3", "connectionSpec": spec(DATA_LAKE)}, media_type="application/json", headers=HEADERS)
    response = case.call_and_validate(checks=[status_code_conformance, response_schema_conformance])
    assert response.status_code == 403
    case = schema[BASE + "/flows"]["GET"].Case(headers={**HEADERS, "x-api-key": "x"})
    put(client, {"*": {"sandboxes": ["dev"]}})
    assert case.call_and_validate(checks=[status_code_conformance, response_schema_conformance]).status_code == 404
