"""What a flow exports, read off the flow (mockserver/engine/plans.py)."""

from __future__ import annotations

from mockserver.domain.flows import exported
from mockserver.engine import plans
from mockserver.store import Tenant


def flow(**params) -> dict:
    return {"transformations": [{"name": "GeneralTransform", "params": params}]}


def tenant_with_mapping(mappings: list[dict]) -> Tenant:
    tenant = Tenant("ORG@AdobeOrg", "prod")
    tenant.put("mappingSets", {"id": "m1", "mappings": mappings})
    return tenant


def test_a_new_card_flow_exports_its_mapping_sets_destinations():
    tenant = tenant_with_mapping([
        {"source": "person.name.firstName", "destination": "firstName", "sourceType": "ATTRIBUTE"},
        {"source": "identityMap.Email", "destination": "Email", "sourceType": "ATTRIBUTE"},
        {"source": "segmentMembership.ups.seg_id.status", "destination": "segmentMembership_status"},
        {"source": "xdm:personalEmail.address", "destination": "personalEmail_address"},
    ])
    chosen = plans.columns(tenant, flow(profileMapping={"mappingId": "m1", "mappingVersion": 0}))
    assert chosen == [("person.name.firstName", "firstName"), ("identityMap.Email", "Email"),
                      (plans.MEMBERSHIP_STATUS, "segmentMembership_status"),
                      ("personalEmail.address", "personalEmail_address")]


def test_a_legacy_flow_exports_its_profile_selectors_by_path():
    selectors = {"selectors": [{"type": "JSON_PATH", "value": {"path": p}}
                               for p in ("personalEmail.address", "segmentMembership.status")]}
    chosen = plans.columns(Tenant("o", "s"), flow(profileSelectors=selectors))
    assert chosen == [("personalEmail.address", "personalEmail.address"),
                      (plans.MEMBERSHIP_STATUS, "segmentMembership.status")]


def test_a_flow_selecting_nothing_exports_the_profile_key():
    assert plans.columns(Tenant("o", "s"), flow()) == [(plans.PROFILE_KEY, plans.PROFILE_KEY)]
    assert plans.columns(Tenant("o", "s"), {"transformations": []}) == [(plans.PROFILE_KEY, plans.PROFILE_KEY)]


def test_mandatory_fields_may_name_paths_or_exported_columns():
    chosen = [("personalEmail.address", "personalEmail_address")]
    assert plans.mandatory(flow(mandatoryFields=["personalEmail_address", "person.name.lastName"]), chosen) == [
        "personalEmail.address", "person.name.lastName"]
    legacy = flow(profileSelectors={"selectors": [], "mandatoryFields": ["homeAddress.countryCode"]})
    assert plans.mandatory(legacy, []) == ["homeAddress.countryCode"]


def test_dedup_keys_are_an_identity_namespace_or_attributes():
    identity = flow(primaryFields=[{"fieldType": "IDENTITY", "identityNamespace": "Email"}])
    assert plans.dedup(identity) == ["identityMap.Email"]
    attributes = flow(profileSelectors={"primaryFields": [
        {"fieldType": "ATTRIBUTE", "attributePath": "person.name.firstName"},
        {"fieldType": "ATTRIBUTE", "attributePath": "person.name.lastName"}]})
    assert plans.dedup(attributes) == ["person.name.firstName", "person.name.lastName"]
    assert plans.dedup(flow()) == []


def test_a_dataset_flow_exports_its_source_connections_datasets():
    tenant = Tenant("o", "s")
    tenant.put("sourceConnections", {"id": "src", "connectionSpec": {"id": "23598e46-f560-407b-88d5-ea6207e49db0"},
                                     "params": {"datasets": [{"dataSetId": "d1"}, {"dataSetId": "d2"}]}})
    entities = exported(tenant, {"sourceConnectionIds": ["src"], "transformations": []})
    assert [e for e, _ in entities] == ["dataset:d1", "dataset:d2"]


def test_an_audience_flow_exports_its_selectors_audiences():
    tenant = Tenant("o", "s")
    tenant.put("sourceConnections", {"id": "src", "connectionSpec": {"id": "8a9c3494-9708-43d7-ae3f-cda01e5030e1"}})
    selectors = {"selectors": [{"type": "PLATFORM_SEGMENT", "value": {"id": a}} for a in ("a1", "a2")]}
    entities = exported(tenant, {"sourceConnectionIds": ["src"], **flow(segmentSelectors=selectors)})
    assert [(e, item["id"]) for e, item in entities] == [("segment:a1", "a1"), ("segment:a2", "a2")]
