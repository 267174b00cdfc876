"""Snapshots (GET/POST /_mock/state) and the state shared through the store (mockserver/snapshot.py)."""

from __future__ import annotations

from mockserver import create_app
from mockserver.platform import Platform
from mockserver.settings import Settings
from mockserver.store import MemoryStore

from ..support import ORG, S3_AUTH, Api

KEY = "snapshot-key"


def mock(**settings):
    app = create_app(Settings(seed=7, secrets_key=KEY, **settings))
    return app, app.test_client(), Api(app.test_client())


def test_a_snapshot_moves_entities_with_their_etags_and_seals_secrets():
    _, client, api = mock()
    flow = api.audience_flow()
    api.post(f"/flows/{flow['id']}/action?op=enable")
    client.post("/_mock/clock", json={"freeze": True, "set": "2026-03-01T00:00:00Z"})
    document = client.get("/_mock/state").get_json()
    assert document["format"] == "flowservice-mock-state" and document["version"] == 1
    assert S3_AUTH["params"]["s3SecretKey"] not in str(document)
    _, other, other_api = mock()
    assert other.post("/_mock/state", json=document).get_json() == {"loaded": 1}
    assert other_api.entity(f"/flows/{flow['id']}") == api.entity(f"/flows/{flow['id']}")
    assert other.get("/_mock/clock").get_json()["iso"] == "2026-03-01T00:00:00.000Z"
    again = other.get("/_mock/state").get_json()["tenants"][0]
    for name, entities in document["tenants"][0]["collections"].items():
        if name != "connections":  # sealed anew (Fernet tokens differ), the rest as they were
            assert again["collections"][name] == entities, name
        assert [e["etag"] for e in again["collections"][name]] == [e["etag"] for e in entities]
    assert again["engine"] == document["tenants"][0]["engine"]


def test_a_snapshot_of_one_sandbox_leaves_the_others_alone():
    _, client, api = mock()
    api.audience_flow()
    dev = Api(client, {**api.headers, "x-sandbox-name": "dev"})
    dev.audience_flow()
    document = client.get("/_mock/state?sandboxName=dev").get_json()
    assert [t["sandboxName"] for t in document["tenants"]] == ["dev"]
    client.post("/_mock/reset", json={"sandboxName": "prod"})
    api.audience_flow()
    before = api.get("/flows").get_json()
    assert client.post("/_mock/state", json=document).status_code == 200
    assert api.get("/flows").get_json() == before


def test_secrets_sealed_under_another_key_are_refused_and_change_nothing():
    _, client, api = mock()
    api.audience_flow()
    document = client.get("/_mock/state").get_json()
    other = create_app(Settings(seed=7, secrets_key="another")).test_client()
    response = other.post("/_mock/state", json=document)
    assert response.status_code == 400 and "sealed under another key" in response.get_data(as_text=True)
    assert other.get("/_mock/health").get_json()["tenants"] == []


def test_what_is_not_a_snapshot_is_refused():
    _, client, _ = mock()
    for body in ({}, {"format": "x", "version": 1, "tenants": []},
                 {"format": "flowservice-mock-state", "version": 99, "tenants": []},
                 {"format": "flowservice-mock-state", "version": 1, "tenants": [{"imsOrgId": ORG}]}):
        assert client.post("/_mock/state", json=body).status_code == 400, body


def test_the_clock_faults_and_permissions_live_in_the_store_and_reach_every_platform():
    store = MemoryStore()
    first = Platform(Settings(seed=1), store=store)
    second = Platform(Settings(seed=1), store=store)
    first.clock.freeze(1_800_000_000.0)
    first.faults.add({"kind": "status", "status": 503})
    second.refresh()
    assert second.clock.now() == 1_800_000_000.0 and len(second.faults.rules()) == 1
    second.faults.clear()
    first.refresh()
    assert first.faults.rules() == []


class LastingStore(MemoryStore):
    """A store that outlives platforms, as sqlite and redis do (a subclass counts as lasting)."""


def test_runs_left_in_progress_by_an_ended_process_fail_at_the_next_start():
    store = LastingStore()
    first = Platform(Settings(seed=1), store=store)
    api = Api(create_app(platform=first).test_client())
    flow = api.audience_flow()
    tenant = store.find(ORG, "prod")
    run = first.runs.create(tenant, tenant.get("flows", flow["id"]), entity="segment:a", at_ms=0,
                            trigger="manual", owner="gone-process")
    Platform(Settings(seed=1), store=store)  # a new process on the same store
    ended = tenant.get("runs", run["id"])
    assert ended["metrics"]["statusSummary"]["status"] == "failed"
    assert "stopped while the run was in progress" in str(ended["metrics"])


def test_a_scheduled_instant_runs_once_whoever_creates_it():
    store = LastingStore()
    platforms = [Platform(Settings(seed=1), store=store) for _ in range(2)]
    api = Api(create_app(platform=platforms[0]).test_client())
    flow = api.audience_flow()
    tenant = store.find(ORG, "prod")
    entity = tenant.get("flows", flow["id"])
    created = [p.runner._queue_run(tenant, entity, "segment:a", {}, 1_800_000_000.0, full=True, trigger="scheduled")
               for p in platforms]
    assert created[0] is not None and created[1] is None
    assert len(tenant.values("runs")) == 1
