"""The read-only catalogue (reference §3.3, §3.4, §5.1, §5.2): connection specs, flow specs, configs."""

from __future__ import annotations

import pytest

from ..support import DATA_LAKE, PROFILE_STORE, S3
from .shapes import flow_error, not_found


NEW_CARDS_PROVIDER = "14e34fac-d307-11e9-bb65-2a2ae2dbcce4"

CONNECTION_SPECS = {
    # §5.1 platform-side
    # (the mock names the Data Lake spec "activation-datalake", as clients look it up: docs/fidelity.md)
    "8a9c3494-9708-43d7-ae3f-cda01e5030e1": None,
    "23598e46-f560-407b-88d5-ea6207e49db0": "activation-datalake",
    # §5.1 legacy destinations
    "0b23e41a-cb4a-4321-a78f-3b654f5d7d97": "Adobe Campaign",
    "4890fc95-5a1f-4983-94bb-e060c08e3f81": None,
    "e258278b-a4cf-43ac-b158-4fa0ca0d948b": None,
    "c1e44b6b-e7c8-404b-9031-58f0ef760604": "Oracle Eloqua",
    "a5e28ddf-e265-426e-83a1-9d03a3a6822b": "Oracle Responsys",
    "f599a5b3-60a7-4951-950a-cc4115c7ea27": "Salesforce Marketing Cloud",
    "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0": None,
}
NEW_CARD_SPECS = {
    "4fce964d-3f37-408f-9778-e597338a21ee": "Amazon S3",
    "6d6b59bf-fb58-4107-9064-4d246c0e5bb2": "Azure Blob Storage",
    "be2c3209-53bc-47e7-ab25-145db8b873e1": "Azure Data Lake Gen2",
    "10440537-2a7b-4583-ac39-ed38d4b848e8": "Data Landing Zone",
    "c5d93acb-ea8b-4b14-8f53-02138444ae99": "Google Cloud Storage",
    "36965a81-b1c6-401b-99f8-22508f1e6a26": "SFTP",
}
# §5.2: flow spec -> the connection spec it writes to
LEGACY_FLOW_SPECS = {
    "71471eba-b620-49e4-90fd-23f1fa0174d8": "0b23e41a-cb4a-4321-a78f-3b654f5d7d97",
    "51d675ce-e270-408d-91fc-22717bdf2148": "a5e28ddf-e265-426e-83a1-9d03a3a6822b",
    "493b2bd6-26e4-4167-ab3b-5e910bba44f0": "f599a5b3-60a7-4951-950a-cc4115c7ea27",
}
NEW_FLOW_SPECS = {  # (segment, dataset) per card
    "4fce964d-3f37-408f-9778-e597338a21ee": ("1a0514a6-33d4-4c7f-aff8-594799c47549", "269ba276-16fc-47db-92b0-c1049a3c131f"),
    "36965a81-b1c6-401b-99f8-22508f1e6a26": ("fd36aaa4-bf2b-43fb-9387-43785eeeb799", "354d6aad-4754-46e4-a576-1b384561c440"),
    "6d6b59bf-fb58-4107-9064-4d246c0e5bb2": ("752d422f-b16f-4f0d-b1c6-26e448e3b388", "95bd8965-fc8a-4119-b9c3-944c2c2df6d2"),
    "c5d93acb-ea8b-4b14-8f53-02138444ae99": ("976d663b-80b4-4193-be6b-2d0487516623", "585c15c4-6cbf-4126-8f87-e26bff78b657"),
    "10440537-2a7b-4583-ac39-ed38d4b848e8": ("7e635b9f-e59b-4546-8ba8-fce6496693c8", "cd2fc47e-e838-4f38-a581-8fff2f99b63a"),
    "be2c3209-53bc-47e7-ab25-145db8b873e1": ("db060570-a155-418a-a6d3-b4d97698e5dc", "17be2013-2549-41ce-96e7-a70363bec293"),
}
ALL_CONNECTION_SPEC_IDS = set(CONNECTION_SPECS) | set(NEW_CARD_SPECS)
ALL_FLOW_SPEC_IDS = set(LEGACY_FLOW_SPECS) | {f for pair in NEW_FLOW_SPECS.values() for f in pair}

# §5.3 auth spec names per new card
AUTH_SPEC_NAMES = {
    "4fce964d-3f37-408f-9778-e597338a21ee": {"Access Key"},
    "6d6b59bf-fb58-4107-9064-4d246c0e5bb2": {"ConnectionString"},
    "be2c3209-53bc-47e7-ab25-145db8b873e1": {"Azure Service Principal Auth"},
    "10440537-2a7b-4583-ac39-ed38d4b848e8": set(),
    "c5d93acb-ea8b-4b14-8f53-02138444ae99": {"Google Cloud Storage authentication credentials"},
    "36965a81-b1c6-401b-99f8-22508f1e6a26": {"SFTP with Password", "SFTP with SSH Key"},
}


def items(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def ids(response) -> set[str]:
    return {s["id"] for s in items(response)}


# --- connection specs -------------------------------------------------------------------------

def test_connection_specs_list_holds_every_documented_id(api):
    assert ALL_CONNECTION_SPEC_IDS <= ids(api.get("/connectionSpecs"))


@pytest.mark.parametrize("spec_id", sorted(ALL_CONNECTION_SPEC_IDS))
def test_connection_spec_by_id_is_wrapped_in_items(api, spec_id):
    found = items(api.get(f"/connectionSpecs/{spec_id}"))
    assert len(found) == 1
    assert found[0]["id"] == spec_id
    assert found[0]["version"] == "1.0"
    expected_name = CONNECTION_SPECS.get(spec_id) or NEW_CARD_SPECS.get(spec_id)
    if expected_name:
        assert found[0]["name"] == expected_name


@pytest.mark.parametrize("spec_id, names", sorted(AUTH_SPEC_NAMES.items()))
def test_new_cards_provider_target_and_auth_specs(api, spec_id, names):
    spec = items(api.get(f"/connectionSpecs/{spec_id}"))[0]
    assert spec["providerId"] == NEW_CARDS_PROVIDER
    assert names <= {a["name"] for a in spec["authSpec"]}
    if not names:
        assert spec["authSpec"] == []
    target = spec["targetSpec"]
    assert (target["name"], target["type"]) == ("User based target", "UserNamespace")
    props = target["spec"]["properties"]
    assert props["fileType"]["enum"] == ["CSV", "JSON", "PARQUET"]
    assert props["datasetFileType"]["enum"] == ["JSON", "PARQUET"]
    assert set(props["compression"]["enum"]) == {"NONE", "GZIP"}


def test_s3_auth_spec_params(api):
    auth = items(api.get(f"/connectionSpecs/{S3}"))[0]["authSpec"][0]
    assert auth["name"] == "Access Key" and auth["type"] == "KeyBased"
    assert set(auth["spec"]["required"]) == {"s3AccessKey", "s3SecretKey"}
    assert auth["spec"]["properties"]["s3SecretKey"]["format"] == "password"


def test_mock_private_keys_are_not_published(api):
    for response in (api.get(f"/connectionSpecs/{S3}"), api.get("/connectionSpecs")):
        for spec in items(response):
            assert not any(k.startswith("x-mock") for k in spec.get("targetSpec", {})), spec["id"]


@pytest.mark.parametrize("spec_id", ["no-such-spec", "4fce964d-3f37-408f-9778-e597338a21ef"])
def test_unknown_connection_spec_is_404(api, spec_id):
    not_found(api.get(f"/connectionSpecs/{spec_id}"), "connectionSpecs", spec_id)


@pytest.mark.parametrize("query, expected", [
    (f"property=id=={S3},{DATA_LAKE}", {S3, DATA_LAKE}),
    (f"property=id=={S3}", {S3}),
    ("property=name==Data Landing Zone", {"10440537-2a7b-4583-ac39-ed38d4b848e8"}),
    ("property=name==Oracle%20Eloqua", {"c1e44b6b-e7c8-404b-9031-58f0ef760604"}),
    (f"property=providerId=={NEW_CARDS_PROVIDER}", set(NEW_CARD_SPECS)),
    ("property=id==unknown", set()),
    (f"property=providerId=={NEW_CARDS_PROVIDER}&property=name==SFTP", {"36965a81-b1c6-401b-99f8-22508f1e6a26"}),
])
def test_connection_spec_property_filters(api, query, expected):
    assert ids(api.get(f"/connectionSpecs?{query}")) == expected


def test_connection_specs_count(api):
    total = len(items(api.get("/connectionSpecs")))
    assert api.get("/connectionSpecs?count=true").get_json() == {"count": total}
    assert api.get(f"/connectionSpecs?count=true&property=providerId=={NEW_CARDS_PROVIDER}").get_json() == {"count": 6}


def test_connection_specs_ordered_and_paged(api):
    first = api.get("/connectionSpecs?orderby=name&limit=5").get_json()
    assert len(first["items"]) == 5
    names = [s["name"].lower() for s in first["items"]]
    assert names == sorted(names)
    assert "continuationToken=" in first["_links"]["next"]["href"]


@pytest.mark.parametrize("query, code", [
    ("property=name~S3", 1440),
    ("limit=101", 1452),
    ("count=true&limit=2", 1401),
    ("unknown=1", 1451),
])
def test_connection_spec_list_errors(api, query, code):
    flow_error(api.get(f"/connectionSpecs?{query}"), code, 400)


# --- flow specs ---------------------------------------------------------------------------------

def test_flow_specs_list_holds_every_documented_id(api):
    assert ALL_FLOW_SPEC_IDS <= ids(api.get("/flowSpecs"))


@pytest.mark.parametrize("flow_spec, target_spec", sorted(LEGACY_FLOW_SPECS.items()))
def test_legacy_flow_specs(api, flow_spec, target_spec):
    found = items(api.get(f"/flowSpecs/{flow_spec}"))
    assert [f["id"] for f in found] == [flow_spec]
    assert found[0]["name"].startswith("upsTo")  # CA: find them by the upsTo prefix
    assert target_spec in found[0]["targetConnectionSpecIds"]
    assert PROFILE_STORE in found[0]["sourceConnectionSpecIds"]


@pytest.mark.parametrize("card, pair", sorted(NEW_FLOW_SPECS.items()))
def test_new_card_flow_specs(api, card, pair):
    segment, dataset = (items(api.get(f"/flowSpecs/{f}"))[0] for f in pair)
    for flow_spec in (segment, dataset):
        assert flow_spec["targetConnectionSpecIds"] == [card]
        assert {PROFILE_STORE, DATA_LAKE} <= set(flow_spec["sourceConnectionSpecIds"])
    assert "DATASETS" in dataset["attributes"]["_workflow"]
    assert "DATASETS" not in segment["attributes"]["_workflow"]


def test_unknown_flow_spec_is_404(api):
    not_found(api.get("/flowSpecs/nope"), "flowSpecs", "nope")


@pytest.mark.parametrize("query, expected", [
    ("property=id==71471eba-b620-49e4-90fd-23f1fa0174d8,51d675ce-e270-408d-91fc-22717bdf2148",
     {"71471eba-b620-49e4-90fd-23f1fa0174d8", "51d675ce-e270-408d-91fc-22717bdf2148"}),
    ("property=name==upsToCampaign", {"71471eba-b620-49e4-90fd-23f1fa0174d8"}),
    ("property=targetConnectionSpecIds[]==4fce964d-3f37-408f-9778-e597338a21ee",
     set(NEW_FLOW_SPECS["4fce964d-3f37-408f-9778-e597338a21ee"])),
    ("property=attributes._workflow[]==DATASETS", {pair[1] for pair in NEW_FLOW_SPECS.values()}),
])
def test_flow_spec_property_filters(api, query, expected):
    assert ids(api.get(f"/flowSpecs?{query}")) == expected


# --- configs: datasets eligible for export ----------------------------------------------------------

CONFIGS = f"/connectionSpecs/{DATA_LAKE}/configs?outputType=activationDatasets&outputField=datasets"


def test_configs_default_page(api):
    body = api.get(CONFIGS).get_json()
    assert set(body) == {"items", "pageInfo"}
    total = body["pageInfo"]["total"]
    assert total == len(body["items"]) > 0  # the demo catalogue fits in the default page of 20
    assert body["pageInfo"] == {"start": 0, "end": total - 1, "total": total, "hasNext": False}
    for dataset in body["items"]:
        assert {"id", "name", "fileDescription", "aspect", "state"} <= set(dataset)


def test_configs_paging_with_start_and_limit(api):
    total = api.get(CONFIGS).get_json()["pageInfo"]["total"]
    assert total >= 3
    first = api.get(CONFIGS + "&start=0&limit=2").get_json()
    second = api.get(CONFIGS + "&start=2&limit=2").get_json()
    assert first["pageInfo"] == {"start": 0, "end": 1, "total": total, "hasNext": True}
    assert second["pageInfo"]["start"] == 2 and second["pageInfo"]["end"] == 3
    assert not {d["id"] for d in first["items"]} & {d["id"] for d in second["items"]}
    last = api.get(CONFIGS + f"&start={total - 1}&limit=100").get_json()
    assert len(last["items"]) == 1 and last["pageInfo"]["hasNext"] is False


def test_configs_start_past_the_end_is_an_empty_page(api):
    total = api.get(CONFIGS).get_json()["pageInfo"]["total"]
    body = api.get(CONFIGS + f"&start={total + 5}").get_json()
    assert body["items"] == []
    assert body["pageInfo"]["hasNext"] is False


def test_configs_accepts_catalog_properties_without_projecting(api):
    body = api.get(CONFIGS + "&properties=name,state").get_json()
    assert "fileDescription" in body["items"][0]  # ED's example: not a projection


@pytest.mark.parametrize("query, code, fragment", [
    ("outputField=datasets", 2119, "outputType"),
    ("outputType=activationDatasets", 2119, "outputField"),
    ("outputType=other&outputField=datasets", 1452, "outputType"),
    ("outputType=activationDatasets&outputField=other", 1452, "outputField"),
])
def test_configs_required_parameters(api, query, code, fragment):
    flow_error(api.get(f"/connectionSpecs/{DATA_LAKE}/configs?{query}"), code, 400, contains=fragment)


@pytest.mark.parametrize("extra", ["&start=-1", "&start=x", "&limit=0", "&limit=101", "&limit=abc"])
def test_configs_bad_paging(api, extra):
    flow_error(api.get(CONFIGS + extra), 1452, 400)


@pytest.mark.parametrize("spec_id", [S3, "10440537-2a7b-4583-ac39-ed38d4b848e8"])
def test_configs_also_for_destinations_exporting_datasets(api, spec_id):
    body = api.get(f"/connectionSpecs/{spec_id}/configs?outputType=activationDatasets&outputField=datasets").get_json()
    assert body == api.get(CONFIGS).get_json()


@pytest.mark.parametrize("spec_id", [PROFILE_STORE, "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"])
def test_configs_refused_for_specs_without_dataset_exports(api, spec_id):
    flow_error(api.get(f"/connectionSpecs/{spec_id}/configs?outputType=activationDatasets&outputField=datasets"),
               1100, 400, contains=f"Connection spec {spec_id}")


def test_configs_of_unknown_spec_is_404(api):
    not_found(api.get("/connectionSpecs/nope/configs?outputType=activationDatasets&outputField=datasets"),
              "connectionSpecs", "nope")
