"""The Platform data: the synthetic generator, the demo, the data directory, loading user files."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from mockserver.platform_data import DataError, PlatformData, generate, list_datasets, load, model
from mockserver.platform_data.datadir import packaged_datasets
from mockserver.platform_data.parquet_files import ahead

REFERENCE = 1767225600.0  # 2026-01-01T00:00:00Z
DAY_MS = 86_400_000


def rows(data: PlatformData, columns=None) -> pa.Table:
    return pa.Table.from_batches(list(data.profile_batches(columns)))


def memberships(data: PlatformData) -> pa.Table:
    flat = pc.list_flatten(rows(data, [model.MEMBERSHIP]).column(0).combine_chunks())
    return pa.Table.from_struct_array(flat)


# --- the synthetic generator -----------------------------------------------------------------------

def test_the_same_seed_writes_the_same_files(tmp_path):
    for name in ("a", "b"):
        generate(tmp_path / name, profiles=2500, audiences=4, seed=7, reference_time=REFERENCE)
    for relative in ("profiles.parquet", "audiences.json", "datasets.json"):
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes()
    generate(tmp_path / "c", profiles=2500, audiences=4, seed=8, reference_time=REFERENCE)
    a, c = PlatformData.open(tmp_path / "a"), PlatformData.open(tmp_path / "c")
    assert rows(a).column(model.ECID) != rows(c).column(model.ECID)
    assert [x["id"] for x in a.audiences] != [x["id"] for x in c.audiences]


def test_the_demo_is_what_generate_writes_for_1000_profiles(tmp_path):
    generate(tmp_path, profiles=1000, audiences=5, seed=3, reference_time=REFERENCE)
    demo, written = PlatformData.demo(seed=3, reference_time=REFERENCE), PlatformData.open(tmp_path)
    assert demo.profile_count() == written.profile_count() == 1000
    assert rows(demo).equals(rows(written))
    assert demo.audiences == written.audiences
    assert [d["id"] for d in demo.datasets] == [d["id"] for d in written.datasets]
    first = demo.datasets[0]["id"]
    assert pa.Table.from_batches(list(demo.dataset_batches(first))).equals(
        pa.Table.from_batches(list(written.dataset_batches(first))))


def test_profiles_have_the_canonical_schema_and_unique_38_digit_ecids():
    demo = PlatformData.demo()
    assert demo.profile_schema() == model.profile_schema()
    table = rows(demo)
    ecids = table.column(model.ECID).to_pylist()
    assert len(set(ecids)) == len(ecids) == 1000
    assert all(re.fullmatch(r"[1-9]\d{37}", e) for e in ecids)
    email_share = 1 - table.column(model.EMAIL).null_count / table.num_rows
    assert 0.72 < email_share < 0.88
    assert table.column(model.EMAIL).to_pylist() == table.column(model.EMAIL_ID).to_pylist()
    countries = set(table.column(model.COUNTRY).to_pylist())
    assert countries <= {"US", "CA", "GB", "FR", "DE", "ES", "IT", "NL", "PT", "SE", "PL", "JP", "KR", "SG", "AU", "IN",
                         "BR", "MX", "NG", "ZA", "AE"} and len(countries) > 10


def test_each_profile_belongs_to_0_to_3_distinct_audiences_with_xdm_statuses():
    demo = PlatformData.demo()
    ids = {a["id"] for a in demo.audiences}
    lists = rows(demo, [model.MEMBERSHIP]).column(0).to_pylist()
    assert {len(m) for m in lists} == {0, 1, 2, 3}
    for membership in lists:
        segments = [m["segmentId"] for m in membership]
        assert len(set(segments)) == len(segments) and set(segments) <= ids
    flat = memberships(demo)
    assert set(flat.column("status").to_pylist()) == set(model.STATUSES)
    sizes = pc.value_counts(flat.column("segmentId")).field("counts").to_pylist()
    assert len(sizes) == 5 and max(sizes) > 1.5 * min(sizes)  # audiences of unequal size


def test_qualification_times_spread_from_30_days_before_to_14_days_after_the_reference():
    flat = memberships(PlatformData.demo(reference_time=REFERENCE))
    times = pc.cast(flat.column("lastQualificationTime"), pa.int64()).to_numpy()
    reference_ms = REFERENCE * 1000
    assert times.min() >= reference_ms - 30 * DAY_MS and times.max() <= reference_ms + 14 * DAY_MS
    assert times.min() < reference_ms - 25 * DAY_MS and times.max() > reference_ms + 10 * DAY_MS
    # a clock moving past the reference finds new members
    assert 0.2 < (times > reference_ms).mean() < 0.45


def test_audiences_are_seeded_uuids_with_names_and_pql():
    audiences = PlatformData.demo(seed=5).audiences
    assert audiences == PlatformData.demo(seed=5).audiences
    assert [a["name"] for a in audiences][:2] == ["Loyalty members — gold", "Loyalty members — silver"]
    for audience in audiences:
        assert uuid.UUID(audience["id"]).version == 4
        assert audience["expression"]["type"] == "PQL" and audience["expression"]["value"]
        assert audience["createdAt"] < audience["updatedAt"] < REFERENCE * 1000
    assert PlatformData.demo(seed=5).audience(audiences[0]["id"]) == audiences[0]
    assert PlatformData.demo(seed=5).audience("nope") is None


def test_many_audiences_are_numbered(tmp_path):
    generate(tmp_path, profiles=10, audiences=10, seed=0, reference_time=REFERENCE)
    names = [a["name"] for a in PlatformData.open(tmp_path).audiences]
    assert len(set(names)) == 10 and names[8] == "Loyalty members — gold #2"


def test_every_packaged_dataset_has_rows_with_ingest_times_in_the_spread():
    demo = PlatformData.demo(reference_time=REFERENCE)
    assert demo.datasets == packaged_datasets()
    for dataset in demo.datasets:
        table = pa.Table.from_batches(list(demo.dataset_batches(dataset["id"])))
        assert 100 <= table.num_rows <= 1000
        assert demo.dataset_schema(dataset["id"]).field(model.INGEST_TIME).type == model.timestamp_type()
        ingest = pc.cast(table.column(model.INGEST_TIME), pa.int64()).to_numpy()
        assert REFERENCE * 1000 - 30 * DAY_MS <= ingest.min() and ingest.max() <= REFERENCE * 1000 + 14 * DAY_MS
        assert len(table.schema) >= 4
    city = pa.Table.from_batches(list(demo.dataset_batches("635865d23b3f261ba5a8589b")))
    assert "city.name" in city.column_names
    with pytest.raises(KeyError):
        demo.dataset_schema("nope")
    assert demo.dataset("nope") is None


def test_profile_batches_give_the_columns_asked_in_order_and_absent_ones_as_null_text():
    demo = PlatformData.demo()
    batches = list(demo.profile_batches([model.CITY, "no.such.path", model.ECID], batch_size=300))
    assert [b.num_rows for b in batches] == [300, 300, 300, 100]
    assert batches[0].schema.names == [model.CITY, "no.such.path", model.ECID]
    assert batches[0].column(1).type == pa.string() and batches[0].column(1).null_count == 300


def test_generation_writes_row_groups_of_bounded_size(tmp_path):
    calls = []
    generate(tmp_path, profiles=250_001, audiences=2, seed=0, reference_time=REFERENCE, progress=calls.append)
    assert calls == [100_000, 100_000, 50_001]
    meta = pq.ParquetFile(tmp_path / "profiles.parquet").metadata
    assert meta.num_rows == 250_001 and meta.num_row_groups == 3


def test_zero_profiles_and_zero_audiences(tmp_path):
    generate(tmp_path, profiles=0, audiences=0, seed=0, reference_time=REFERENCE)
    data = PlatformData.open(tmp_path)
    assert data.profile_count() == 0 and data.audiences == [] and list(data.profile_batches()) == []
    assert data.profile_schema() == model.profile_schema()


# --- the data directory ---------------------------------------------------------------------------

def test_open_needs_a_directory_and_reads_what_it_has(tmp_path):
    with pytest.raises(DataError, match="no such data directory"):
        PlatformData.open(tmp_path / "missing")
    empty = PlatformData.open(tmp_path)
    assert empty.profile_count() == 0 and empty.audiences == [] and empty.datasets == []


def test_list_datasets_reads_the_data_directory_or_the_packaged_catalog(tmp_path):
    assert list_datasets(None) == packaged_datasets()
    assert list_datasets(tmp_path) == []
    load(tmp_path, datasets={"mine": _write(tmp_path / "rows.csv", "a,b\n1,x\n")})
    assert [d["id"] for d in list_datasets(tmp_path)] == ["mine"]


def test_importing_the_package_does_not_import_pyarrow():
    code = "import sys, mockserver, mockserver.platform_data, mockserver.cli; print('pyarrow' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "False"


# --- loading user files ---------------------------------------------------------------------------

def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _xdm_map(segment: str, status: str, at: str) -> dict:
    return {"ups": {segment: {"status": status, "lastQualificationTime": at}}}


def _loaded(data_dir: Path) -> list[dict]:
    return rows(PlatformData.open(data_dir)).to_pylist()


def test_load_csv_with_xdm_map_memberships_as_json_text(tmp_path):
    cell = json.dumps(_xdm_map("seg-a", "realized", "2026-01-02T03:04:05.678Z")).replace('"', '""')
    header = "identityMap.ECID,homeAddress.postalCode,loyalty.points,segmentMembership,shoe.size\n"
    path = _write(tmp_path / "p.csv", header + f'0123,00042,10,"{cell}",44\n0456,,,,\n')
    load(tmp_path / "d", profiles=path)
    first, second = _loaded(tmp_path / "d")
    assert first[model.ECID] == "0123" and first[model.POSTAL_CODE] == "00042" and first[model.LOYALTY_POINTS] == 10.0
    assert first["shoe.size"] == 44
    [membership] = first[model.MEMBERSHIP]
    assert membership["segmentId"] == "seg-a" and membership["status"] == "realized"
    assert membership["lastQualificationTime"].isoformat() == "2026-01-02T03:04:05.678000+00:00"
    assert second[model.MEMBERSHIP] == [] and second[model.POSTAL_CODE] is None
    # an audience for each segment id the profiles name
    assert [(a["id"], a["name"]) for a in PlatformData.open(tmp_path / "d").audiences] == [("seg-a", "Audience seg-a")]


def test_load_gzipped_json_lines_in_the_xdm_shape(tmp_path):
    lines = [
        {"identityMap": {"ECID": [{"id": "111", "primary": True}], "Email": [{"id": "a@example.com"}]},
         "person": {"name": {"firstName": "Ann"}},
         "segmentMembership": _xdm_map("seg-b", "exited", "2026-01-01T00:00:00+02:00")},
        {"identityMap": {"ECID": [{"id": "222"}]}, "person": {"name": {"firstName": "Bob"}}},
    ]
    path = tmp_path / "p.jsonl.gz"
    path.write_bytes(gzip.compress("\n".join(json.dumps(line) for line in lines).encode()))
    load(tmp_path / "d", profiles=path)
    ann, bob = _loaded(tmp_path / "d")
    assert ann[model.ECID] == "111" and ann[model.EMAIL_ID] == "a@example.com" and ann[model.FIRST_NAME] == "Ann"
    assert ann[model.MEMBERSHIP][0]["lastQualificationTime"].isoformat() == "2025-12-31T22:00:00+00:00"
    assert bob[model.EMAIL_ID] is None and bob[model.MEMBERSHIP] == []


def test_load_json_lines_with_canonical_membership_lists_and_epoch_milliseconds(tmp_path):
    path = _write(tmp_path / "p.json", json.dumps({
        model.ECID: "1", model.MEMBERSHIP: [{"segmentId": "s", "status": "existing",
                                             "lastQualificationTime": int(REFERENCE * 1000)}]}) + "\n")
    load(tmp_path / "d", profiles=path)
    [profile] = _loaded(tmp_path / "d")
    assert profile[model.MEMBERSHIP][0]["lastQualificationTime"].timestamp() == REFERENCE


def test_load_parquet_with_arrow_map_memberships(tmp_path):
    entry = pa.struct([("status", pa.string()), ("lastQualificationTime", pa.timestamp("us"))])
    kind = pa.map_(pa.string(), pa.map_(pa.string(), entry))
    import datetime as dt
    table = pa.table({
        model.ECID: ["a", "b"],
        model.MEMBERSHIP: pa.array([[("ups", [
            ("x", {"status": "realized", "lastQualificationTime": dt.datetime(2026, 1, 1)}),
            ("y", {"status": "exited", "lastQualificationTime": dt.datetime(2026, 1, 2)}),
        ])], None], kind),
    })
    pq.write_table(table, tmp_path / "p.parquet")
    load(tmp_path / "d", profiles=tmp_path / "p.parquet")
    a, b = _loaded(tmp_path / "d")
    assert [(m["segmentId"], m["status"]) for m in a[model.MEMBERSHIP]] == [("x", "realized"), ("y", "exited")]
    assert b[model.MEMBERSHIP] == []


def test_loading_generated_profiles_gives_them_back_unchanged(tmp_path):
    generate(tmp_path / "a", profiles=3000, audiences=4, seed=2, reference_time=REFERENCE)
    load(tmp_path / "b", profiles=tmp_path / "a" / "profiles.parquet")
    assert rows(PlatformData.open(tmp_path / "b")).equals(rows(PlatformData.open(tmp_path / "a")))


def test_load_keeps_named_audiences_and_adds_datasets(tmp_path):
    profiles = _write(tmp_path / "p.csv", "identityMap.ECID\n1\n")
    audiences = _write(tmp_path / "a.json", json.dumps({"segments": [{"id": "s-1", "name": "Mine"}]}))
    rows_file = _write(tmp_path / "rows.csv", "identityMap.ECID,_acp_system_metadata.ingestTime,n\n"
                                              "12345678901234567890123456789012345678,2026-01-01T00:00:00Z,1\n"
                                              "22345678901234567890123456789012345678,2026-01-02T00:00:00Z,2\n")
    load(tmp_path / "d", profiles=profiles, audiences=audiences,
         datasets={"635865d23b3f261ba5a8589b": rows_file, "new-one": rows_file})
    data = PlatformData.open(tmp_path / "d")
    assert [(a["id"], a["name"]) for a in data.audiences] == [("s-1", "Mine")]
    assert data.dataset("635865d23b3f261ba5a8589b")["name"] == "City Dataset"
    new = data.dataset("new-one")
    assert new["name"] == "rows" and new["files"] == "@/dataSetFiles?dataSetId=new-one"
    assert set(new) == set(packaged_datasets()[0])
    table = pa.Table.from_batches(list(data.dataset_batches("new-one")))
    assert table.column(model.ECID).to_pylist()[0] == "12345678901234567890123456789012345678"
    assert table.schema.field(model.INGEST_TIME).type == model.timestamp_type()
    # loading again keeps what is not named
    load(tmp_path / "d", datasets={"new-one": rows_file})
    assert PlatformData.open(tmp_path / "d").profile_count() == 1
    assert [d["id"] for d in PlatformData.open(tmp_path / "d").datasets] == ["635865d23b3f261ba5a8589b", "new-one"]


@pytest.mark.parametrize("name, text, message", [
    ("p.txt", "x", "unknown file type"),
    ("p.csv", "person.name.firstName\nAnn\n", "no identityMap.ECID column"),
    ("p.csv", "identityMap.ECID,x\n1,a\n ,b\n", "profile 2 has no identityMap.ECID"),
    ("p.csv", "identityMap.ECID\n1\n1\n", "1 profile(s) repeat an identityMap.ECID"),
    ("p.csv", "identityMap.ECID,loyalty.points\n1,many\n", "loyalty.points must be a number"),
    ("p.jsonl", '{"identityMap.ECID": 42}\n', "identityMap.ECID must be text, found int64"),
    ("p.jsonl", '{"identityMap.ECID": "1", "tags": [1, 2]}\n', "column tags has type list<item: int64>"),
    ("p.jsonl", ('{"identityMap.ECID": "1", "segmentMembership": {"ups": {"s": {"status": "gone", '
                 '"lastQualificationTime": "2026-01-01T00:00:00Z"}}}}\n'), "status 'gone' is not one of"),
    ("p.jsonl", '{"identityMap.ECID": "1", "segmentMembership": {"ups": {"s": {"status": "realized"}}}}\n',
     "has no lastQualificationTime"),
    ("p.csv", 'identityMap.ECID,segmentMembership\n1,"{""ups"":"\n', "segmentMembership is not valid JSON"),
    ("p.jsonl", "{not json\n", "cannot read as JSON"),
])
def test_refused_profiles_leave_the_data_directory_as_it_was(tmp_path, name, text, message):
    data_dir = tmp_path / "d"
    generate(data_dir, profiles=10, audiences=1, seed=0, reference_time=REFERENCE)
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    with pytest.raises(DataError, match=re.escape(message)):
        load(data_dir, profiles=_write(tmp_path / name, text), datasets={"x": _write(tmp_path / "x.csv", "a\n1\n")})
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before
    assert not list(data_dir.glob(".staging-*"))


def test_other_refusals(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "d", profiles=tmp_path / "missing.csv")
    with pytest.raises(DataError, match="nothing to load"):
        load(tmp_path / "d")
    with pytest.raises(DataError, match="dataset id '../x'"):
        load(tmp_path / "d", datasets={"../x": tmp_path / "x.csv"})
    with pytest.raises(DataError, match="audience 1 has no id"):
        load(tmp_path / "d", audiences=_write(tmp_path / "a.json", '[{"name": "x"}]'))
    with pytest.raises(DataError, match="must be 0 or more"):
        generate(tmp_path / "d", profiles=-1, reference_time=REFERENCE)
    assert not (tmp_path / "d").exists()  # a refused command does not even create the directory


# --- the second-thread pipeline ---------------------------------------------------------------------

def test_ahead_yields_in_order_and_reraises_a_producer_error():
    assert list(ahead(iter(range(50)))) == list(range(50))

    def failing():
        yield 1
        raise ValueError("boom")

    got = []
    with pytest.raises(ValueError, match="boom"):
        for item in ahead(failing()):
            got.append(item)
    assert got == [1]


def test_ahead_stops_its_thread_when_the_consumer_stops():
    import threading

    made = []

    def endless():
        while True:
            made.append(len(made))
            yield made[-1]

    stream = ahead(endless())
    assert next(stream) == 0
    stream.close()
    assert not any(t.name == "platform-data-batches" for t in threading.enumerate())
    assert len(made) <= 4
