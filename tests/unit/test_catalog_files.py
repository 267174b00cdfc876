"""Static checks on the catalog JSON shipped in mockserver/catalog/.

These tests only read the JSON files; they do not import the mock server.
"""
from __future__ import annotations

import json
import pathlib
import re
import warnings

import jsonschema
import pytest
from jsonschema import Draft7Validator

CATALOG = pathlib.Path(__file__).resolve().parents[2] / "mockserver" / "catalog"
CONNECTION_SPEC_DIR = CATALOG / "connection_specs"
FLOW_SPEC_DIR = CATALOG / "flow_specs"
DATASETS_FILE = CATALOG / "datasets.json"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CATALOG_ID_RE = re.compile(r"^[0-9a-f]{24}$")

PROFILE_STORE = "8a9c3494-9708-43d7-ae3f-cda01e5030e1"
DATA_LAKE = "23598e46-f560-407b-88d5-ea6207e49db0"
NEW_PROVIDER = "14e34fac-d307-11e9-bb65-2a2ae2dbcce4"

CAMPAIGN = "0b23e41a-cb4a-4321-a78f-3b654f5d7d97"
S3_LEGACY = "4890fc95-5a1f-4983-94bb-e060c08e3f81"
BLOB_LEGACY = "e258278b-a4cf-43ac-b158-4fa0ca0d948b"
ELOQUA = "c1e44b6b-e7c8-404b-9031-58f0ef760604"
RESPONSYS = "a5e28ddf-e265-426e-83a1-9d03a3a6822b"
SFMC = "f599a5b3-60a7-4951-950a-cc4115c7ea27"
SFTP_LEGACY = "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0"

S3 = "4fce964d-3f37-408f-9778-e597338a21ee"
BLOB = "6d6b59bf-fb58-4107-9064-4d246c0e5bb2"
ADLS = "be2c3209-53bc-47e7-ab25-145db8b873e1"
DLZ = "10440537-2a7b-4583-ac39-ed38d4b848e8"
GCS = "c5d93acb-ea8b-4b14-8f53-02138444ae99"
SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"

NEW_CARDS = [S3, BLOB, ADLS, DLZ, GCS, SFTP]
LEGACY_CARDS = [CAMPAIGN, S3_LEGACY, BLOB_LEGACY, ELOQUA, RESPONSYS, SFMC, SFTP_LEGACY]

# Flow spec id -> (kind, destination connection spec) for the new cards (reference §5.2).
NEW_FLOW_SPECS = {
    "1a0514a6-33d4-4c7f-aff8-594799c47549": ("SEGMENTS", S3),
    "269ba276-16fc-47db-92b0-c1049a3c131f": ("DATASETS", S3),
    "fd36aaa4-bf2b-43fb-9387-43785eeeb799": ("SEGMENTS", SFTP),
    "354d6aad-4754-46e4-a576-1b384561c440": ("DATASETS", SFTP),
    "752d422f-b16f-4f0d-b1c6-26e448e3b388": ("SEGMENTS", BLOB),
    "95bd8965-fc8a-4119-b9c3-944c2c2df6d2": ("DATASETS", BLOB),
    "976d663b-80b4-4193-be6b-2d0487516623": ("SEGMENTS", GCS),
    "585c15c4-6cbf-4126-8f87-e26bff78b657": ("DATASETS", GCS),
    "7e635b9f-e59b-4546-8ba8-fce6496693c8": ("SEGMENTS", DLZ),
    "cd2fc47e-e838-4f38-a581-8fff2f99b63a": ("DATASETS", DLZ),
    "db060570-a155-418a-a6d3-b4d97698e5dc": ("SEGMENTS", ADLS),
    "17be2013-2549-41ce-96e7-a70363bec293": ("DATASETS", ADLS),
}
LEGACY_FLOW_SPECS = {
    "71471eba-b620-49e4-90fd-23f1fa0174d8": {S3_LEGACY, BLOB_LEGACY, SFTP_LEGACY, ELOQUA, CAMPAIGN},
    "51d675ce-e270-408d-91fc-22717bdf2148": {RESPONSYS},
    "493b2bd6-26e4-4167-ab3b-5e910bba44f0": {SFMC},
}

SECRET_KEYS = {
    "password",
    "sshKey",
    "secretKey",
    "s3SecretKey",
    "connectionString",
    "servicePrincipalKey",
    "secretAccessKey",
}


# --------------------------------------------------------------------------
# loading helpers
# --------------------------------------------------------------------------


def _load_dir(directory: pathlib.Path) -> dict[str, dict]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(directory.glob("*.json"))
    }


@pytest.fixture(scope="module")
def connection_specs() -> dict[str, dict]:
    specs = _load_dir(CONNECTION_SPEC_DIR)
    return {spec["id"]: spec for spec in specs.values()}


@pytest.fixture(scope="module")
def flow_specs() -> dict[str, dict]:
    specs = _load_dir(FLOW_SPEC_DIR)
    return {spec["id"]: spec for spec in specs.values()}


def _auth_schema(spec: dict, name: str) -> dict:
    matches = [a for a in spec["authSpec"] if a["name"] == name]
    assert len(matches) == 1, f"auth spec {name!r} not found exactly once in {spec['id']}"
    return matches[0]["spec"]


def _is_valid(schema: dict, instance) -> bool:
    return Draft7Validator(schema).is_valid(instance)


def _patterns(node):
    """Yield every `pattern` string found anywhere in a JSON Schema."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


# --------------------------------------------------------------------------
# structural checks
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    sorted(CONNECTION_SPEC_DIR.glob("*.json"))
    + sorted(FLOW_SPEC_DIR.glob("*.json"))
    + [DATASETS_FILE],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_file_parses(path):
    json.loads(path.read_text(encoding="utf-8"))


def test_catalog_is_not_empty():
    assert len(list(CONNECTION_SPEC_DIR.glob("*.json"))) == 15
    assert len(list(FLOW_SPEC_DIR.glob("*.json"))) == 15


@pytest.mark.parametrize("directory", [CONNECTION_SPEC_DIR, FLOW_SPEC_DIR], ids=lambda d: d.name)
def test_ids_are_unique_and_uuid_shaped(directory):
    ids = [spec["id"] for spec in _load_dir(directory).values()]
    assert len(ids) == len(set(ids))
    for id_ in ids:
        assert UUID_RE.match(id_), id_


def test_connection_and_flow_spec_ids_do_not_collide(connection_specs, flow_specs):
    assert not set(connection_specs) & set(flow_specs)


def test_required_connection_specs_present(connection_specs):
    assert set(connection_specs) == {PROFILE_STORE, DATA_LAKE, *LEGACY_CARDS, *NEW_CARDS}


def test_required_flow_specs_present(flow_specs):
    assert set(flow_specs) == set(NEW_FLOW_SPECS) | set(LEGACY_FLOW_SPECS)


def test_connection_spec_common_fields(connection_specs):
    for spec in connection_specs.values():
        assert spec["version"] == "1.0"
        assert isinstance(spec["name"], str) and spec["name"]
        assert UUID_RE.match(spec["providerId"])
        assert isinstance(spec["authSpec"], list)
        for auth in spec["authSpec"]:
            assert set(auth) >= {"name", "type", "spec"}
        names = [a["name"] for a in spec["authSpec"]]
        assert len(names) == len(set(names)), spec["id"]


def test_new_cards_use_documented_provider(connection_specs):
    for cid in NEW_CARDS:
        assert connection_specs[cid]["providerId"] == NEW_PROVIDER


def test_platform_sources(connection_specs):
    for cid in (PROFILE_STORE, DATA_LAKE):
        spec = connection_specs[cid]
        assert spec["authSpec"] == []
        assert "sourceSpec" in spec
        assert "targetSpec" not in spec
    assert connection_specs[DLZ]["authSpec"] == []


def test_destination_target_specs(connection_specs):
    for cid in NEW_CARDS + LEGACY_CARDS:
        target = connection_specs[cid]["targetSpec"]
        assert target["name"] == "User based target"
        assert target["type"] == "UserNamespace"
        assert target["spec"]["type"] == "object"


def test_new_cards_workflow_requirements(connection_specs):
    for cid in NEW_CARDS:
        target = connection_specs[cid]["targetSpec"]
        assert target["x-mockRequiredByWorkflow"] == {
            "DATASETS": ["datasetFileType"],
            "SEGMENTS": ["fileType"],
        }
        required = target["spec"]["required"]
        assert "compression" in required
        assert "fileType" not in required and "datasetFileType" not in required
        assert target["spec"]["additionalProperties"] is True


def _all_schemas(connection_specs, flow_specs):
    for spec in connection_specs.values():
        for auth in spec["authSpec"]:
            yield f"{spec['id']} authSpec {auth['name']}", auth["spec"]
        for enc in spec.get("encryptionSpecs", []):
            yield f"{spec['id']} encryptionSpec {enc['name']}", enc["spec"]
        if "targetSpec" in spec:
            yield f"{spec['id']} targetSpec", spec["targetSpec"]["spec"]
        if "sourceSpec" in spec:
            yield f"{spec['id']} sourceSpec", spec["sourceSpec"]["spec"]
    for spec in flow_specs.values():
        for transformation in spec["transformationSpecs"]:
            yield f"{spec['id']} transformationSpec {transformation['name']}", transformation["spec"]


def test_all_embedded_schemas_are_valid_draft7(connection_specs, flow_specs):
    for label, schema in _all_schemas(connection_specs, flow_specs):
        try:
            Draft7Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:  # pragma: no cover - failure path
            pytest.fail(f"{label}: {exc.message}")


def test_auth_specs_shape_and_secret_marking(connection_specs):
    for spec in connection_specs.values():
        for auth in spec["authSpec"]:
            schema = auth["spec"]
            label = f"{spec['id']} / {auth['name']}"
            assert schema["type"] == "object", label
            assert schema["properties"], label
            assert schema["required"], label
            assert set(schema["required"]) <= set(schema["properties"]), label
            for key, prop in schema["properties"].items():
                if key in SECRET_KEYS:
                    assert prop.get("format") == "password", f"{label}: {key} not masked"
            assert any(p.get("format") == "password" for p in schema["properties"].values()), label


def test_all_patterns_compile_with_python_re(connection_specs, flow_specs):
    for label, schema in _all_schemas(connection_specs, flow_specs):
        for pattern in _patterns(schema):
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                re.compile(pattern)


def test_flow_specs_reference_existing_connection_specs(connection_specs, flow_specs):
    for spec in flow_specs.values():
        for cid in spec["sourceConnectionSpecIds"] + spec["targetConnectionSpecIds"]:
            assert cid in connection_specs, f"{spec['id']} references unknown {cid}"


def test_flow_spec_common_fields(flow_specs):
    for spec in flow_specs.values():
        assert spec["version"] == "1.0"
        assert UUID_RE.match(spec["providerId"])
        assert isinstance(spec["transformationSpecs"], list)
        workflow = spec["attributes"]["_workflow"]
        assert isinstance(workflow, list) and all(isinstance(w, str) for w in workflow)


def test_new_card_flow_specs(flow_specs):
    for fid, (kind, cid) in NEW_FLOW_SPECS.items():
        spec = flow_specs[fid]
        assert spec["attributes"]["_workflow"] == [kind]
        assert set(spec["sourceConnectionSpecIds"]) == {PROFILE_STORE, DATA_LAKE}
        assert spec["targetConnectionSpecIds"] == [cid]


def test_legacy_flow_specs(flow_specs):
    for fid, targets in LEGACY_FLOW_SPECS.items():
        spec = flow_specs[fid]
        assert spec["name"].startswith("upsTo")
        assert spec["attributes"]["_workflow"] == ["SEGMENTS"]
        assert spec["sourceConnectionSpecIds"] == [PROFILE_STORE]
        assert set(spec["targetConnectionSpecIds"]) == targets
    assert flow_specs["71471eba-b620-49e4-90fd-23f1fa0174d8"]["name"] == "upsToCampaign"


def test_datasets_file():
    datasets = json.loads(DATASETS_FILE.read_text(encoding="utf-8"))
    assert isinstance(datasets, list) and 5 <= len(datasets) <= 8
    ids = [d["id"] for d in datasets]
    assert len(ids) == len(set(ids))
    for d in datasets:
        assert CATALOG_ID_RE.match(d["id"]), d["id"]
        assert d["fileDescription"] == {
            "persisted": True,
            "containerFormat": "parquet",
            "format": "parquet",
        }
        assert d["aspect"] == "production"
        assert d["state"] == "DRAFT"
        assert set(d["schemaRef"]) == {"id", "contentType"}
        assert isinstance(d["created"], int) and isinstance(d["updated"], int)
        assert d["created"] <= d["updated"]
    by_id = {d["id"]: d for d in datasets}
    assert by_id["616d53e0a6de2719486fb024"]["name"] == "Company Dataset"


# --------------------------------------------------------------------------
# behavioural checks (documented request examples)
# --------------------------------------------------------------------------

VALID_S3_AUTH = {
    "s3AccessKey": "AKIA" + "IOSFODNN7EXAMPLE",
    "s3SecretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}


def test_s3_new_auth_accepts_valid_keys(connection_specs):
    schema = _auth_schema(connection_specs[S3], "Access Key")
    assert len(VALID_S3_AUTH["s3SecretKey"]) == 40
    assert _is_valid(schema, VALID_S3_AUTH)


def test_s3_new_auth_rejects_missing_secret(connection_specs):
    schema = _auth_schema(connection_specs[S3], "Access Key")
    assert not _is_valid(schema, {"s3AccessKey": VALID_S3_AUTH["s3AccessKey"]})


def test_s3_new_auth_rejects_malformed_access_key(connection_specs):
    schema = _auth_schema(connection_specs[S3], "Access Key")
    assert not _is_valid(schema, {**VALID_S3_AUTH, "s3AccessKey": "akia-too-short"})


def test_legacy_sftp_seed_base_connection(connection_specs):
    schema = _auth_schema(connection_specs[SFTP_LEGACY], "Basic Authentication for sftp")
    assert _is_valid(schema, {"host": "{HOST}", "username": "{USERNAME}", "password": "{PASSWORD}"})
    assert not _is_valid(schema, {"host": "{HOST}", "username": "{USERNAME}"})


def test_campaign_seed_auth_examples(connection_specs):
    spec = connection_specs[CAMPAIGN]
    assert _is_valid(_auth_schema(spec, "S3"), {"accessId": "a", "secretKey": "s"})
    sftp = {"domain": "d", "host": "h", "username": "u"}
    assert _is_valid(_auth_schema(spec, "SFTP with Password"), {**sftp, "password": "p"})
    assert _is_valid(_auth_schema(spec, "SFTP with SSH Key"), {**sftp, "sshKey": "k"})
    assert _is_valid(_auth_schema(spec, "Azure Blob"), {"connectionString": "c"})


def test_new_sftp_accepts_current_and_legacy_auth_names(connection_specs):
    spec = connection_specs[SFTP]
    assert _is_valid(
        _auth_schema(spec, "SFTP with Password"),
        {"domain": "d", "username": "u", "password": "p"},
    )
    assert _is_valid(
        _auth_schema(spec, "SFTP with SSH Key"),
        {"domain": "d", "username": "u", "sshKey": "a2V5"},
    )
    assert _is_valid(
        _auth_schema(spec, "Basic Authentication for sftp"),
        {"domain": "d", "host": "h", "username": "u", "password": "p"},
    )
    ssh_dy = {"domain": "d", "host": "h", "username": "u", "sshKey": "k", "port": 22}
    assert _is_valid(_auth_schema(spec, "SSH PublicKey Authentication for sftp"), ssh_dy)
    assert not _is_valid(
        _auth_schema(spec, "SSH PublicKey Authentication for sftp"), {**ssh_dy, "port": "22"}
    )


def test_campaign_seed_target_params(connection_specs):
    schema = connection_specs[CAMPAIGN]["targetSpec"]["spec"]
    assert _is_valid(schema, {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"})
    assert _is_valid(schema, {"mode": "AZURE_BLOB", "container": "c", "path": "p", "format": "CSV"})
    assert _is_valid(schema, {"mode": "FTP", "remotePath": "r", "format": "CSV"})
    assert _is_valid(
        schema, {"mode": "FTP", "remotePath": "r", "format": "CSV", "includeFileManifest": True}
    )
    assert not _is_valid(schema, {"mode": "S3", "path": "p", "format": "CSV"})
    assert not _is_valid(schema, {"mode": "AZURE_BLOB", "path": "p"})
    assert not _is_valid(schema, {"mode": "Server-to-server", "remotePath": "r"})
    assert not _is_valid(schema, {"mode": "S3", "bucketName": "b", "path": "p", "format": "JSON"})


def test_email_marketing_modes(connection_specs):
    for cid in (ELOQUA, RESPONSYS, SFMC):
        schema = connection_specs[cid]["targetSpec"]["spec"]
        assert _is_valid(schema, {"mode": "S3", "bucketName": "b", "path": "p", "format": "CSV"})
        assert _is_valid(schema, {"mode": "FTP", "remotePath": "r", "format": "CSV"})
        assert not _is_valid(schema, {"mode": "AZURE_BLOB", "container": "c", "path": "p"})


def test_legacy_sftp_seed_target_without_format(connection_specs):
    schema = connection_specs[SFTP_LEGACY]["targetSpec"]["spec"]
    assert _is_valid(schema, {"mode": "FTP", "remotePath": "r"})
    assert _is_valid(schema, {"remotePath": "r"})  # DY Create_SFTP_Target_Connection example


def test_legacy_cloud_targets_from_migration_guide(connection_specs):
    s3 = connection_specs[S3_LEGACY]["targetSpec"]["spec"]
    blob = connection_specs[BLOB_LEGACY]["targetSpec"]["spec"]
    assert _is_valid(s3, {"mode": "S3", "path": "testpath", "bucketName": "test"})
    assert _is_valid(blob, {"mode": "AZURE_BLOB", "container": "usdasda", "path": "v3"})
    assert not _is_valid(s3, {"mode": "S3", "path": "testpath"})


def test_s3_new_bucket_name_pattern(connection_specs):
    schema = connection_specs[S3]["targetSpec"]["spec"]
    base = {"mode": "Server-to-server", "path": "folder/subfolder", "compression": "NONE"}
    assert not _is_valid(schema, {**base, "bucketName": "My_Bucket"})
    assert not _is_valid(schema, {**base, "bucketName": "192.168.1.1"})
    assert not _is_valid(schema, {**base, "bucketName": "ab"})
    assert _is_valid(schema, {**base, "bucketName": "your-bucket-name"})
    assert _is_valid(schema, {**base, "bucketName": "my.bucket.name"})


def test_s3_new_path_pattern_allows_segment_macros(connection_specs):
    schema = connection_specs[S3]["targetSpec"]["spec"]
    base = {"bucketName": "bucket", "compression": "GZIP"}
    assert _is_valid(schema, {**base, "path": "exports/%SEGMENT_NAME%/"})
    assert _is_valid(schema, {**base, "path": "exports/%SEGMENT_ID%"})
    assert not _is_valid(schema, {**base, "path": "has space"})


def test_export_datasets_example_target(connection_specs):
    schema = connection_specs[S3]["targetSpec"]["spec"]
    params = {
        "mode": "Server-to-server",
        "bucketName": "your-bucket-name",
        "path": "folder/subfolder",
        "compression": "GZIP",
        "datasetFileType": "JSON",
    }
    assert _is_valid(schema, params)
    assert not _is_valid(schema, {**params, "datasetFileType": "CSV"})
    missing_compression = dict(params)
    del missing_compression["compression"]
    assert not _is_valid(schema, missing_compression)


def test_segment_example_target_with_csv_options(connection_specs):
    schema = connection_specs[S3]["targetSpec"]["spec"]
    params = {
        "mode": "Server-to-server",
        "bucketName": "your-bucket-name",
        "path": "folder/subfolder",
        "compression": "GZIP",
        "fileType": "CSV",
        "csvOptions": {
            "nullValue": "null",
            "emptyValue": "",
            "escape": "\\",
            "quote": "",
            "delimiter": ",",
        },
    }
    assert _is_valid(schema, params)
    for delimiter in ("\t", "\\t", "|", ";", ":"):
        assert _is_valid(schema, {**params, "csvOptions": {"delimiter": delimiter}})
    assert not _is_valid(schema, {**params, "csvOptions": {"delimiter": "#"}})
    assert not _is_valid(schema, {**params, "csvOptions": {"quote": "'"}})
    assert _is_valid(schema, {**params, "csvOptions": {"quote": '"', "nullValue": '""'}})
    assert not _is_valid(schema, {**params, "fileType": "XML"})


def test_new_card_location_examples(connection_specs):
    common = {"mode": "Server-to-server", "compression": "NONE", "datasetFileType": "JSON"}
    assert _is_valid(
        connection_specs[BLOB]["targetSpec"]["spec"],
        {**common, "container": "your-container-name", "path": "folder/subfolder"},
    )
    assert not _is_valid(
        connection_specs[BLOB]["targetSpec"]["spec"],
        {**common, "container": "bad--name", "path": "folder/subfolder"},
    )
    assert _is_valid(connection_specs[ADLS]["targetSpec"]["spec"], {**common, "path": "folder/sub"})
    assert _is_valid(connection_specs[DLZ]["targetSpec"]["spec"], {**common, "path": "folder/sub"})
    gcs = connection_specs[GCS]["targetSpec"]["spec"]
    assert _is_valid(gcs, {**common, "bucketName": "your-bucket-name", "path": "folder/subfolder"})
    assert not _is_valid(gcs, {**common, "bucketName": "google-bucket", "path": "folder"})
    assert not _is_valid(gcs, {**common, "bucketName": "goog-data", "path": "folder"})
    sftp = connection_specs[SFTP]["targetSpec"]["spec"]
    assert _is_valid(sftp, {**common, "remotePath": "folder/subfolder"})
    assert _is_valid(sftp, {**common, "mode": "FTP", "remotePath": "test"})
    assert not _is_valid(sftp, {**common})
    # AS copy/paste artefact: bucketName on a non-S3 card is tolerated.
    assert _is_valid(sftp, {**common, "remotePath": "p", "bucketName": "b"})


def test_mode_server_to_server_only_on_non_sftp_new_cards(connection_specs):
    schema = connection_specs[S3]["targetSpec"]["spec"]
    base = {"bucketName": "bucket", "path": "p", "compression": "NONE"}
    assert _is_valid(schema, {**base, "mode": "Server-to-server"})
    assert not _is_valid(schema, {**base, "mode": "S3"})


def test_data_lake_source_spec_example(connection_specs):
    schema = connection_specs[DATA_LAKE]["sourceSpec"]["spec"]
    assert _is_valid(
        schema, {"datasets": [{"dataSetId": "616d53e0a6de2719486fb024", "name": "Company Dataset"}]}
    )
    assert not _is_valid(schema, {"datasets": []})
    assert not _is_valid(schema, {})


def test_encryption_specs(connection_specs):
    for cid in (S3, BLOB, ADLS, GCS, SFTP):
        encs = {e["name"]: e["spec"] for e in connection_specs[cid]["encryptionSpecs"]}
        assert _is_valid(encs["File PGP/GPG Encryption"], {"encryptionAlgo": "PGPGPG", "publicKey": "a2V5"})
        assert _is_valid(encs["File Encryption"], {"encryptionAlgo": "PGP/GPG", "publicKey": "a2V5"})
        assert not _is_valid(encs["File PGP/GPG Encryption"], {"encryptionAlgo": "PGPGPG"})
    assert connection_specs[DLZ]["encryptionSpecs"] == []
