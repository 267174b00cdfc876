"""Auth secrets are masked on GET and in lists; sending the mask back keeps the real secret (docs/fidelity.md)."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from ..support import CAMPAIGN, ORG, S3, S3_AUTH, Api, spec, make_app



MASK = "********"
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"

# (spec, auth, secret keys) — the keys the auth spec marks format: password
CASES = [
    pytest.param(S3, S3_AUTH, {"s3SecretKey"}, id="s3"),
    pytest.param("6d6b59bf-fb58-4107-9064-4d246c0e5bb2",
                 {"specName": "ConnectionString", "params": {"connectionString": "AccountKey=abc"}},
                 {"connectionString"}, id="azure-blob"),
    pytest.param("be2c3209-53bc-47e7-ab25-145db8b873e1",
                 {"specName": "Azure Service Principal Auth", "params": {
                     "url": "https://a.dfs.core.windows.net", "servicePrincipalId": "sp",
                     "servicePrincipalKey": "spkey", "tenant": "t"}},
                 {"servicePrincipalKey"}, id="adls"),
    pytest.param("c5d93acb-ea8b-4b14-8f53-02138444ae99",
                 {"specName": "Google Cloud Storage authentication credentials",
                  "params": {"accessKeyId": "GOOG1", "secretAccessKey": "gsecret"}},
                 {"secretAccessKey"}, id="gcs"),
    pytest.param(SFTP, {"specName": "SFTP with Password",
                        "params": {"domain": "d", "username": "u", "password": "pw"}}, {"password"}, id="sftp-password"),
    pytest.param(SFTP, {"specName": "SFTP with SSH Key",
                        "params": {"domain": "d", "username": "u", "sshKey": "c3No"}}, {"sshKey"}, id="sftp-ssh-key"),
    pytest.param(CAMPAIGN, {"specName": "S3", "params": {"accessId": "id", "secretKey": "sk"}}, {"secretKey"},
                 id="campaign"),
]


def stored(app, connection_id) -> dict:
    return app.extensions["flowservice"].store.tenant(ORG, "prod").get("connections", connection_id)


def create(api, spec_id, auth) -> str:
    return api.created("/connections", {"name": "account", "connectionSpec": spec(spec_id), "auth": auth})["id"]


@pytest.mark.parametrize("spec_id, auth, secrets", CASES)
def test_secrets_masked_on_get_and_in_lists(app, api, spec_id, auth, secrets):
    connection = create(api, spec_id, auth)
    shown = api.entity(f"/connections/{connection}")["auth"]["params"]
    listed = api.get("/connections").get_json()["items"][0]["auth"]["params"]
    for params in (shown, listed):
        for key, value in auth["params"].items():
            assert params[key] == (MASK if key in secrets else value), key
    assert stored(app, connection)["auth"]["params"] == {**auth["params"], "authorizedDate": shown["authorizedDate"]}


def test_create_answer_carries_no_secret(api):
    response = api.post("/connections", {"name": "a", "connectionSpec": spec(S3), "auth": S3_AUTH})
    assert S3_AUTH["params"]["s3SecretKey"] not in response.get_data(as_text=True)


def test_masked_in_filtered_and_paged_lists(api):
    for _ in range(3):
        api.s3_base()
    body = api.get(f"/connections?property=connectionSpec.id=={S3}&limit=2").get_json()
    assert [c["auth"]["params"]["s3SecretKey"] for c in body["items"]] == [MASK, MASK]


@pytest.mark.parametrize("spec_id, auth, secrets", CASES)
def test_reveal_secrets_setting(spec_id, auth, secrets):
    api = Api(make_app(Settings(seed=1, reveal_secrets=True)).test_client())
    connection = create(api, spec_id, auth)
    params = api.entity(f"/connections/{connection}")["auth"]["params"]
    assert {k: params[k] for k in auth["params"]} == auth["params"]
    assert api.get("/connections").get_json()["items"][0]["auth"]["params"][next(iter(secrets))] != MASK


#: A new value for one non-secret param per auth spec (Azure Blob has none).
CHANGES = {"s3AccessKey": "CCCCABCDEFGHIJKLMNOP", "url": "https://b.dfs.core.windows.net",
           "accessKeyId": "GOOG2", "username": "someone-else", "accessId": "id2"}


@pytest.mark.parametrize("spec_id, auth, secrets", CASES)
def test_patch_sending_the_mask_back_keeps_the_secret(app, api, spec_id, auth, secrets):
    connection = create(api, spec_id, auth)
    entity = api.entity(f"/connections/{connection}")
    params = dict(entity["auth"]["params"])  # as GET shows them: secrets masked
    changes = {k: v for k, v in CHANGES.items() if k in params}
    params.update(changes)
    response = api.patch(f"/connections/{connection}", [{"op": "replace", "path": "/auth/params", "value": params}],
                         entity["etag"])
    assert response.status_code == 200, response.get_data(as_text=True)
    real = stored(app, connection)["auth"]["params"]
    assert real == {**auth["params"], **changes, "authorizedDate": params["authorizedDate"]}


def test_patch_sending_the_whole_auth_back_keeps_the_secret(app, api):
    connection = api.s3_base()
    entity = api.entity(f"/connections/{connection}")
    ops = [{"op": "replace", "path": "/auth", "value": entity["auth"]}]
    assert api.patch(f"/connections/{connection}", ops, entity["etag"]).status_code == 200
    assert stored(app, connection)["auth"]["params"]["s3SecretKey"] == S3_AUTH["params"]["s3SecretKey"]


def test_patch_of_one_secret_with_the_mask_keeps_it(app, api):
    connection = api.s3_base()
    etag = api.entity(f"/connections/{connection}")["etag"]
    ops = [{"op": "replace", "path": "/auth/params/s3SecretKey", "value": MASK}]
    assert api.patch(f"/connections/{connection}", ops, etag).status_code == 200
    assert stored(app, connection)["auth"]["params"]["s3SecretKey"] == S3_AUTH["params"]["s3SecretKey"]


def test_patch_with_a_new_secret_replaces_it():
    app = make_app(Settings(seed=1, reveal_secrets=True))
    api = Api(app.test_client())
    connection = api.s3_base()
    etag = api.entity(f"/connections/{connection}")["etag"]
    new = {"s3AccessKey": "BBBBABCDEFGHIJKLMNOP", "s3SecretKey": "Z" * 40}
    assert api.patch(f"/connections/{connection}", [{"op": "replace", "path": "/auth/params", "value": new}],
                     etag).status_code == 200
    assert api.entity(f"/connections/{connection}")["auth"]["params"]["s3SecretKey"] == "Z" * 40


def test_a_secret_is_never_stored_as_the_mask(app, api):
    connection = api.s3_base()
    entity = api.entity(f"/connections/{connection}")
    assert entity["auth"]["params"]["s3SecretKey"] == MASK
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    api.patch(f"/connections/{connection}", ops, entity["etag"])
    assert MASK not in stored(app, connection)["auth"]["params"].values()
