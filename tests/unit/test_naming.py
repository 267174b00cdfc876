"""Unit tests of mockserver.engine.naming: audience file names (reference §6.4), extensions and
splitting (§6.3), dataset folders and file names (§6.5, ED), destination roots (§5.4)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from calendar import timegm
from pathlib import Path

import pytest

from mockserver.engine import naming

#: 2026-03-04 15:06:07.089 UTC, a Wednesday (day 63 of the year).
AT = timegm((2026, 3, 4, 15, 6, 7)) + 0.089
SEG = "0f5d1ba0-7a1d-4c8a-9a2b-6c4f3b2e1d00"
FLOW = "7c2b9ad3-1111-4222-8333-944455556666"
CATALOG = Path(naming.__file__).resolve().parent.parent / "catalog" / "connection_specs"


def name(template, *, legacy=False, part=1, extension="csv", **values):
    args = dict(destination_name="Amazon S3", segment_id=SEG, segment_name="Loyal buyers",
                flow_id=FLOW, flow_name="Weekly export", org_name="Acme Corp",
                sandbox_name="prod", at=AT)
    args.update(values)
    return naming.audience_file_name(template, legacy=legacy, extension=extension, part=part, **args)


# --- audience file names --------------------------------------------------------------------

@pytest.mark.parametrize("macro, rendered", [
    ("%DESTINATION_NAME%", "Amazon S3"),
    ("%DESTINATION%", "Amazon S3"),
    ("%SEGMENT_ID%", SEG),
    ("%SEGMENT_NAME%", "Loyal buyers"),
    ("%DESTINATION_INSTANCE_ID%", FLOW),
    ("%DESTINATION_INSTANCE_NAME%", "Weekly export"),
    ("%ORGANIZATION_NAME%", "Acme Corp"),
    ("%SANDBOX_NAME%", "prod"),
    ("%DATETIME(YYYYMMdd_HHmmss)%", "20260304_150607"),
    ("%TIMESTAMP%", str(timegm((2026, 3, 4, 15, 6, 7)))),
])
@pytest.mark.parametrize("legacy", [True, False])
def test_each_macro_renders_in_legacy_and_new_templates(macro, rendered, legacy):
    assert name(f"x_{macro}_y", legacy=legacy) == f"x_{rendered}_y.csv"


def test_every_audience_macro_is_covered():
    template = "-".join(f"%{m}%" for m in naming.AUDIENCE_MACROS)
    assert "%" not in name(template)


def test_timestamp_is_ten_digit_unix_seconds():
    stamp = name("%TIMESTAMP%").removesuffix(".csv")
    assert re.fullmatch(r"\d{10}", stamp) and int(stamp) == int(AT)


def test_documented_full_new_card_example():
    template = ("%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_"
                "%DESTINATION_INSTANCE_NAME%_%DATETIME(YYYYMMdd_HHmmss)%")
    assert name(template) == f"Amazon S3_{SEG}_Loyal buyers_{FLOW}_Weekly export_20260304_150607.csv"


@pytest.mark.parametrize("template, rendered", [
    ("%DESTINATION_NAME%_%SEGMENT_ID%_custom-text", f"Amazon S3_{SEG}_custom-text"),
    ("%DESTINATION_NAME%_%SEGMENT_ID%_%this is custom text%", f"Amazon S3_{SEG}_this is custom text"),
    ("%custom-text%_%SEGMENT_ID%", f"custom-text_{SEG}"),
    ("50% off_%SEGMENT_ID%", f"50% off_{SEG}"),  # a lone percent sign is text
])
def test_custom_text_is_kept_without_its_percent_delimiters(template, rendered):
    assert name(template, legacy=True) == rendered + ".csv"


def test_default_templates():
    assert name(None, legacy=True) == f"Amazon S3_{SEG}_20260304_150607.csv"
    assert name(None, legacy=False, destination_name="SFTP") == f"SFTP_{SEG}_20260304_150607.csv"


@pytest.mark.parametrize("pattern, rendered", [
    ("YYYYMMdd_HHmmss", "20260304_150607"),
    ("yyyyMMdd", "20260304"),
    ("yy-M-d", "26-3-4"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSS", "2026-03-04T15_06_07.089"),  # ':' is not kept in file names
    ("MMM MMMM EEE EEEE", "Mar March Wed Wednesday"),
    ("hh a", "03 PM"),
    ("k K", "15 3"),
    ("DDD", "063"),
    ("'it''s' ''", "it's '"),
    ("HHmm-q", "1506-q"),  # letters outside the table are kept as written
])
def test_datetime_patterns_are_java_patterns(pattern, rendered):
    assert name(f"%DATETIME({pattern})%") == rendered + ".csv"


def test_midnight_hours():
    midnight = timegm((2026, 1, 1, 0, 0, 0))
    assert naming.format_java_datetime("HH kk hh KK a", midnight) == "00 24 12 00 AM"


def test_unsafe_characters_are_replaced_and_spaces_kept():
    rendered = name("%SEGMENT_NAME%", segment_name='A/B: "test" <1|2>?*\\\x01 ok')
    assert rendered == "A_B_ _test_ _1_2_____ ok.csv"


def test_file_name_limit_cuts_the_stem_and_keeps_part_and_extension():
    long = name("%SEGMENT_NAME%", segment_name="n" * 400, extension="csv.gz", part=12)
    assert len(long) == 255
    assert long.endswith("n_12.csv.gz")
    assert name("%SEGMENT_NAME%", segment_name="n" * 10) == "n" * 10 + ".csv"


def test_file_name_limit_counts_utf8_bytes_too():
    rendered = name("%SEGMENT_NAME%", segment_name="é" * 200)
    assert len(rendered.encode()) <= 255 and rendered.endswith("é.csv")
    assert len(rendered.encode()) > 250


def test_split_parts_before_the_extension():
    assert name("f", part=1, extension="csv.gz") == "f.csv.gz"
    assert name("f", part=2, extension="csv.gz") == "f_2.csv.gz"
    assert name("f", part=3, extension="parquet") == "f_3.parquet"
    with pytest.raises(ValueError):
        name("f", part=0)


@pytest.mark.parametrize("file_format, compression, dataset, ext", [
    ("CSV", "NONE", False, "csv"),
    ("CSV", "GZIP", False, "csv.gz"),
    ("JSON", "NONE", False, "json"),
    ("JSON", "GZIP", False, "json.gz"),
    ("PARQUET", "NONE", False, "parquet"),
    ("PARQUET", "GZIP", False, "parquet"),
    ("JSON", "GZIP", True, "json.gz"),
    ("PARQUET", "NONE", True, "parquet"),
    ("PARQUET", "GZIP", True, "gz.parquet"),
    ("csv", "gzip", False, "csv.gz"),
])
def test_extensions(file_format, compression, dataset, ext):
    assert naming.extension(file_format, compression, dataset) == ext


@pytest.mark.parametrize("file_format, compression", [("XML", "NONE"), ("CSV", "SNAPPY")])
def test_unknown_format_or_compression(file_format, compression):
    with pytest.raises(ValueError):
        naming.extension(file_format, compression, False)


# --- dataset folders and files ----------------------------------------------------------------

def folder(template, **values):
    args = dict(destination_name="Amazon S3", dataset_id="65a1b2c3d4", dataset_name="Web events",
                flow_id=FLOW, flow_name="Daily datasets", org_name="Acme Corp", sandbox_name="prod", at=AT)
    args.update(values)
    return naming.dataset_folder(template, **args)


def test_default_dataset_folder():
    assert folder(None) == "65a1b2c3d4/exportTime=202603041506"


def test_dataset_folder_template_precedes_the_standard_layout():
    assert folder("%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%") == (
        "Amazon S3_65a1b2c3d4_20260304_150607/65a1b2c3d4/exportTime=202603041506")


@pytest.mark.parametrize("macro, rendered", [
    ("%DESTINATION%", "Amazon S3"), ("%DESTINATION_NAME%", "Amazon S3"), ("%DATASET_ID%", "65a1b2c3d4"),
    ("%DATASET_NAME%", "Web events"), ("%DESTINATION_INSTANCE_ID%", FLOW),
    ("%DESTINATION_INSTANCE_NAME%", "Daily datasets"), ("%SANDBOX_NAME%", "prod"),
    ("%ORGANIZATION_NAME%", "Acme Corp"), ("%DATETIME(yyyyMMdd)%", "20260304"),
])
def test_each_folder_macro(macro, rendered):
    assert folder(f"f-{macro}") == f"f-{rendered}/65a1b2c3d4/exportTime=202603041506"


def test_export_time_macro_places_the_export_time_folder():
    assert folder("%DATASET_ID%/%EXPORT_TIME%") == "65a1b2c3d4/exportTime=202603041506"
    assert folder("out/%EXPORT_TIME%/%DATASET_NAME%") == "out/exportTime=202603041506/Web events"


def test_folder_macro_values_do_not_make_folders_and_dot_segments_are_dropped():
    assert folder("../%DATASET_NAME%/./x//", dataset_name="a/b") == "a_b/x/65a1b2c3d4/exportTime=202603041506"


def test_dataset_file_name_shape_and_determinism():
    first = naming.dataset_file_name("run-1", extension="parquet")
    assert re.fullmatch(
        r"part-00000-tid-\d+-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-\d+-1-c000\.parquet",
        first)
    assert naming.dataset_file_name("run-1", extension="parquet") == first
    assert naming.dataset_file_name("run-2", extension="parquet") != first
    second = naming.dataset_file_name("run-1", part=2, extension="parquet")
    assert second.startswith("part-00001-") and second.split("-")[2:9] == first.split("-")[2:9]
    assert naming.dataset_file_name("r", extension="gz.parquet").endswith("-1-c000.gz.parquet")
    with pytest.raises(ValueError):
        naming.dataset_file_name("r", part=0, extension="json")


# --- destination roots --------------------------------------------------------------------------

S3_NEW, S3_LEGACY = "4fce964d-3f37-408f-9778-e597338a21ee", "4890fc95-5a1f-4983-94bb-e060c08e3f81"
BLOB_NEW, BLOB_LEGACY = "6d6b59bf-fb58-4107-9064-4d246c0e5bb2", "e258278b-a4cf-43ac-b158-4fa0ca0d948b"
SFTP_NEW, SFTP_LEGACY = "36965a81-b1c6-401b-99f8-22508f1e6a26", "64ef4b8b-a6e0-41b5-9677-3805d1ee5dd0"
ADLS, GCS, DLZ = ("be2c3209-53bc-47e7-ab25-145db8b873e1", "c5d93acb-ea8b-4b14-8f53-02138444ae99",
                  "10440537-2a7b-4583-ac39-ed38d4b848e8")
EMAIL = {"Adobe Campaign": "0b23e41a-cb4a-4321-a78f-3b654f5d7d97",
         "Oracle Eloqua": "c1e44b6b-e7c8-404b-9031-58f0ef760604",
         "Oracle Responsys": "a5e28ddf-e265-426e-83a1-9d03a3a6822b",
         "Salesforce Marketing Cloud": "f599a5b3-60a7-4951-950a-cc4115c7ea27"}


def spec_of(ref: str) -> dict:
    """The catalogue's connection spec with this id or name (a bare name when there is none)."""
    for path in CATALOG.glob("*.json"):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if ref in (spec["id"], spec["name"]):
            return spec
    return {"name": ref}


@pytest.mark.parametrize("spec, params, container, prefix", [
    (S3_NEW, {"bucketName": "acme-exports", "path": "audiences/daily"}, "acme-exports", "audiences/daily"),
    (S3_LEGACY, {"bucketName": "acme-exports", "path": "/legacy/"}, "acme-exports", "legacy"),
    ("Amazon S3", {"bucketName": "b", "path": ""}, "b", ""),
    (GCS, {"bucketName": "acme-gcs", "path": "exports"}, "acme-gcs", "exports"),
    ("Google Cloud Storage", {"bucketName": "acme-gcs", "path": "e"}, "acme-gcs", "e"),
    (BLOB_NEW, {"container": "acme", "path": "blob/out"}, "acme", "blob/out"),
    (BLOB_LEGACY, {"container": "acme", "path": "old"}, "acme", "old"),
    ("Azure Blob Storage", {"container": "acme", "path": "x"}, "acme", "x"),
    ("Azure Blob", {"container": "acme", "path": "x"}, "acme", "x"),
    (ADLS, {"path": "filesystem1/exports/aep"}, "filesystem1", "exports/aep"),
    ("Azure Data Lake Gen2", {"path": "/fs/"}, "fs", ""),
    (SFTP_NEW, {"remotePath": "/upload/aep"}, naming.SFTP_CONTAINER, "upload/aep"),
    (SFTP_LEGACY, {"remotePath": "upload"}, "sftp", "upload"),
    ("SFTP", {"remotePath": "/"}, "sftp", ""),
    (DLZ, {"path": "exports"}, "dlz-destination", "exports"),
    ("Data Landing Zone", {"path": ""}, naming.DLZ_CONTAINER, ""),
])
def test_destination_roots(spec, params, container, prefix):
    assert naming.destination_root(spec_of(spec), params) == naming.Location(container, prefix)


MODES = {
    "S3": ({"mode": "S3", "bucketName": "b", "path": "p/q"}, "b", "p/q"),
    "AZURE_BLOB": ({"mode": "AZURE_BLOB", "container": "c", "path": "p"}, "c", "p"),
    "FTP": ({"mode": "FTP", "remotePath": "/r"}, "sftp", "r"),
}


@pytest.mark.parametrize("card, mode", [
    (card, mode) for card in sorted(EMAIL) for mode in MODES
    if mode != "AZURE_BLOB" or card == "Adobe Campaign"  # the only card with a Blob mode
])
def test_email_marketing_cards_by_mode(card, mode):
    params, container, prefix = MODES[mode]
    for spec in (card, EMAIL[card]):
        assert naming.destination_root(spec_of(spec), params) == naming.Location(container, prefix)


def test_s3_and_gcs_path_folder_macros():
    params = {"bucketName": "b", "path": "aep/%SEGMENT_NAME%/%SEGMENT_ID%/"}
    assert naming.destination_root(spec_of(S3_NEW), params, segment_id=SEG, segment_name="VIP/gold") == (
        naming.Location("b", f"aep/VIP_gold/{SEG}"))
    assert naming.destination_root(spec_of(GCS), params) == naming.Location("b", "aep")  # no audience: dropped


@pytest.mark.parametrize("spec, params", [
    (S3_NEW, {"path": "p"}),
    (BLOB_NEW, {"container": "", "path": "p"}),
    (ADLS, {"path": "/"}),
    ("Adobe Campaign", {"bucketName": "b"}),
    ("8a9c3494-9708-43d7-ae3f-cda01e5030e1", {}),  # the Profile Store is a source
    ("Nowhere", {}),
])
def test_unplaceable_destinations(spec, params):
    with pytest.raises(ValueError):
        naming.destination_root(spec_of(spec), params)


def test_every_catalogue_destination_has_a_root():
    for path in CATALOG.glob("*.json"):
        spec = json.loads(path.read_text(encoding="utf-8"))
        if not spec.get("targetSpec"):
            continue
        props = spec["targetSpec"]["spec"]["properties"]
        modes = props.get("mode", {}).get("enum", [])
        mode = next((m for m in modes if m != "Server-to-server"), modes[0] if modes else None)
        params = {"mode": mode, "bucketName": "b", "container": "c", "path": "fs/p", "remotePath": "r"}
        assert naming.destination_root(spec, params).container, path.name


def test_location_key():
    assert naming.Location("b", "a/b").key("f/x", "n.csv") == "a/b/f/x/n.csv"
    assert naming.Location("b", "").key("n.csv") == "n.csv"


def test_import_stays_light():
    code = ("import sys, mockserver.engine.naming; "
            "print(sorted(m for m in ('pyarrow', 'boto3', 'duckdb', 'polars') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
