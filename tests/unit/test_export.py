"""The export engine: selection, mandatory fields, dedup, projection, formats, splitting, failures."""

from __future__ import annotations

import csv
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mockserver.engine import export
from mockserver.engine.export import STATUS_COLUMN, Column, export_audience, export_dataset

AUDIENCE = "aud-1"
OTHER = "aud-2"
T0 = 1767225600.0  # 2026-01-01T00:00:00Z
MEMBERSHIP = pa.struct([("segmentId", pa.string()), ("status", pa.string()),
                        ("lastQualificationTime", pa.timestamp("ms", tz="UTC"))])
SCHEMA = pa.schema([("identityMap.ECID", pa.string()), ("person.name.firstName", pa.string()),
                    ("person.name.lastName", pa.string()), ("personalEmail.address", pa.string()),
                    ("segmentMembership", pa.list_(MEMBERSHIP))])


class MemorySink(io.BytesIO):
    """A PartSink kept in memory; records whether it was committed or aborted."""

    def __init__(self, part: int, log: list) -> None:
        super().__init__()
        self.location = f"mem://part-{part}"
        self.state = "open"
        self.data = b""
        log.append(self)

    def close(self) -> None:
        if not self.closed:
            self.data = self.getvalue()
        super().close()

    @property
    def size(self) -> int:
        return len(self.data)

    def commit(self) -> None:
        assert self.closed, "parts are closed before they are committed"
        self.state = "committed"

    def abort(self) -> None:
        self.state = "aborted"


def profile(ecid, first="Ada", last="Lovelace", email="ada@example.com", memberships=()):
    return {"identityMap.ECID": ecid, "person.name.firstName": first, "person.name.lastName": last,
            "personalEmail.address": email,
            "segmentMembership": [{"segmentId": s, "status": st, "lastQualificationTime": int(t * 1000)}
                                  for s, st, t in memberships]}


def batches(profiles, size=1000):
    table = pa.Table.from_pylist(profiles, schema=SCHEMA)
    return table.to_batches(max_chunksize=size)


def member(ecid, status="realized", at=T0 - 3600, **fields):
    return profile(ecid, memberships=[(OTHER, "realized", T0 - 7200), (AUDIENCE, status, at)], **fields)


def run(profiles, *, columns=None, mandatory=(), dedup=(), since=None, until=T0, file_format="CSV",
        compression="NONE", csv_options=None, max_rows=1000, size=1000):
    sinks: list[MemorySink] = []
    result = export_audience(
        batches(profiles, size), audience_id=AUDIENCE,
        columns=columns or [Column("identityMap.ECID", "ECID")], mandatory=list(mandatory),
        dedup=list(dedup), since=since, until=until, file_format=file_format, compression=compression,
        csv_options=csv_options, max_rows=max_rows, open_part=lambda n: MemorySink(n, sinks))
    return result, sinks


def csv_rows(data: bytes, **dialect) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode()), **dialect))


def ecids(sink: MemorySink) -> list[str]:
    return [row[0] for row in csv_rows(sink.data)[1:]]


# --- selection ---------------------------------------------------------------------------------

def test_full_export_takes_realized_and_existing_members_qualified_by_until():
    people = [member("a"), member("b", "existing"), member("c", "exited"), member("d", at=T0 + 1),
              member("e", at=T0), profile("f", memberships=[(OTHER, "realized", T0 - 5)]), profile("g")]
    result, sinks = run(people)
    assert ecids(sinks[0]) == ["a", "b", "e"]
    assert (result.input_rows, result.output_rows, result.skipped_rows, result.scanned_rows) == (3, 3, 0, 7)


def test_incremental_export_takes_the_window_since_exclusive_until_inclusive():
    since = T0 - 100
    people = [member("at-since", at=since), member("just-after", at=since + 0.001), member("at-until", at=T0),
              member("after", at=T0 + 0.001), member("exited", "exited", at=T0 - 50)]
    _, sinks = run(people, since=since)
    assert ecids(sinks[0]) == ["just-after", "at-until"]


def test_incremental_export_includes_exited_members_only_with_the_status_column():
    people = [member("in", at=T0 - 10), member("out", "exited", at=T0 - 10), member("old-out", "exited", at=T0 - 500)]
    columns = [Column("identityMap.ECID", "ECID"), Column(STATUS_COLUMN, "status")]
    _, sinks = run(people, since=T0 - 100, columns=columns)
    assert csv_rows(sinks[0].data) == [["ECID", "status"], ["in", "realized"], ["out", "exited"]]
    _, full = run(people, columns=columns)  # a full export never lists those who left
    assert csv_rows(full[0].data)[1:] == [["in", "realized"]]


def test_a_profile_listing_the_audience_twice_is_exported_once():
    twice = profile("x", memberships=[(AUDIENCE, "realized", T0 - 10), (AUDIENCE, "existing", T0 - 5)])
    result, sinks = run([twice], columns=[Column(STATUS_COLUMN, "s")])
    assert csv_rows(sinks[0].data) == [["s"], ["realized"]]
    assert result.input_rows == 1


# --- mandatory fields and dedup -------------------------------------------------------------------

def test_mandatory_fields_drop_rows_with_null_or_empty_values():
    people = [member("a"), member("b", email=None), member("c", email=""), member("d", first=None)]
    result, sinks = run(people, mandatory=["personalEmail.address", "person.name.firstName"])
    assert ecids(sinks[0]) == ["a"]
    assert (result.input_rows, result.output_rows, result.skipped_rows) == (4, 1, 3)
    assert result.skipped == {"mandatory": 3, "duplicate": 0}


def test_dedup_on_one_attribute_keeps_the_first_row_of_each_key_across_batches():
    people = [member("a", email="x@e"), member("b", email="y@e"), member("c", email="x@e"),
              member("d", email="y@e"), member("e", email="z@e")]
    result, sinks = run(people, dedup=["personalEmail.address"], size=2)
    assert ecids(sinks[0]) == ["a", "b", "e"]
    assert result.skipped == {"mandatory": 0, "duplicate": 2}
    assert result.input_rows == result.output_rows + result.skipped_rows


def test_dedup_on_two_attributes_uses_the_pair():
    people = [member("a", first="Ada", last="L"), member("b", first="Ada", last="K"),
              member("c", first="Ada", last="L"), member("d", first="Bob", last="L"),
              member("e", first="Ada", last=None), member("f", first="Ada", last=None)]
    _, sinks = run(people, dedup=["person.name.firstName", "person.name.lastName"])
    assert ecids(sinks[0]) == ["a", "b", "d", "e"]


def test_dedup_on_an_identity_column_and_rows_without_any_key_are_kept():
    people = [member("a"), member("a"), member("b"), member(None), member(None)]
    _, sinks = run(people, dedup=["identityMap.ECID"], columns=[Column("identityMap.ECID", "ECID"),
                                                              Column("person.name.firstName", "n")])
    rows = csv_rows(sinks[0].data)
    assert [r[0] for r in rows[1:]] == ["a", "b", "null", "null"]


# --- projection and header ----------------------------------------------------------------------

def test_columns_are_projected_in_order_under_their_header_names_missing_sources_are_null():
    columns = [Column("person.name.lastName", "last name"), Column("identityMap.ECID", "id"),
               Column("loyalty.tier", "tier"), Column("identityMap.ECID", "id again")]
    _, sinks = run([member("a", last="Hopper")], columns=columns)
    assert csv_rows(sinks[0].data) == [["last name", "id", "tier", "id again"], ["Hopper", "a", "null", "a"]]


def test_a_header_named_like_a_mandatory_path_does_not_hide_that_path():
    columns = [Column("person.name.firstName", "personalEmail.address")]
    result, sinks = run([member("a", email=None, first="Ada")], columns=columns, mandatory=["personalEmail.address"])
    assert result.output_rows == 0 and csv_rows(sinks[0].data) == [["personalEmail.address"]]


# --- CSV options ----------------------------------------------------------------------------------

TRICKY = [member("1", first='say "hi"'), member("2", first="a,b"), member("3", first="two\nlines"),
          member("4", first="back\\slash"), member("5", first=""), member("6", first=None)]
NAME = [Column("identityMap.ECID", "id"), Column("person.name.firstName", "name")]


def test_csv_defaults_quote_values_that_need_it_and_escape_with_backslash():
    _, sinks = run(TRICKY, columns=NAME, csv_options={"quote": '"'})
    text = sinks[0].data.decode()
    assert text == ('id,name\n1,"say \\"hi\\""\n2,"a,b"\n3,"two\nlines"\n4,"back\\\\slash"\n5,\n6,null\n')
    read = csv_rows(sinks[0].data, escapechar="\\", doublequote=False)
    assert [r[1] for r in read[1:5]] == ['say "hi"', "a,b", "two\nlines", "back\\slash"]


def test_csv_quote_equal_to_escape_doubles_quotes_as_rfc4180():
    _, sinks = run(TRICKY[:2], columns=NAME, csv_options={"quote": '"', "escape": '"'})
    assert csv_rows(sinks[0].data)[1:] == [["1", 'say "hi"'], ["2", "a,b"]]
    assert b'"say ""hi"""' in sinks[0].data


def test_csv_without_quote_escapes_specials_with_the_escape_character():
    _, sinks = run(TRICKY, columns=NAME, csv_options={"quote": "", "escape": "\\"})
    read = csv_rows(sinks[0].data, quoting=csv.QUOTE_NONE, escapechar="\\")
    assert [r[1] for r in read[1:5]] == ['say "hi"', "a,b", "two\nlines", "back\\slash"]
    assert b'"' not in sinks[0].data.replace(b'say "hi"', b"")


def test_csv_single_quote_escape():
    _, sinks = run([member("1", first="it's, ok")], columns=NAME, csv_options={"quote": '"', "escape": "'"})
    assert sinks[0].data.decode().splitlines()[1] == "1,\"it''s, ok\""


@pytest.mark.parametrize("delimiter, sep", [("\t", "\t"), ("\\t", "\t"), ("|", "|"), (";", ";"), (":", ":")])
def test_csv_delimiter(delimiter, sep):
    _, sinks = run([member("1", first=f"x{sep}y")], columns=NAME, csv_options={"delimiter": delimiter, "quote": '"'})
    assert sinks[0].data.decode() == f'id{sep}name\n1{sep}"x{sep}y"\n'


@pytest.mark.parametrize("null_value, empty_value", [("null", ""), ('""', '""'), ("", "null")])
def test_csv_null_and_empty_values_are_written_literally(null_value, empty_value):
    _, sinks = run(TRICKY[4:], columns=NAME, csv_options={"nullValue": null_value, "emptyValue": empty_value})
    assert sinks[0].data.decode() == f"id,name\n5,{empty_value}\n6,{null_value}\n"


# --- formats ------------------------------------------------------------------------------------

def test_json_lines_one_object_per_row_flat_keys_nulls_omitted():
    people = [member("1", first='q"\\\n\t\x01é'), member("2", first=None)]
    columns = [Column("identityMap.ECID", "id"), Column("person.name.firstName", "person.name.firstName"),
               Column(STATUS_COLUMN, "segmentMembership.status")]
    _, sinks = run(people, columns=columns, file_format="JSON")
    lines = sinks[0].data.decode().splitlines()
    assert [json.loads(line) for line in lines] == [
        {"id": "1", "person.name.firstName": 'q"\\\n\t\x01é', "segmentMembership.status": "realized"},
        {"id": "2", "segmentMembership.status": "realized"}]


def test_json_numbers_booleans_and_timestamps():
    table = pa.table({"n": [1, None], "f": [1.5, float("nan")], "b": [True, False],
                      "t": pa.array([0, 1500], pa.timestamp("ms", tz="UTC")),
                      "_acp_system_metadata.ingestTime": pa.array([0, 0], pa.timestamp("ms", tz="UTC"))})
    sinks: list[MemorySink] = []
    export_dataset(table.to_batches(), since=None, until=T0, file_format="JSON", compression="NONE",
                   max_rows=10, open_part=lambda n: MemorySink(n, sinks))
    rows = [json.loads(line) for line in sinks[0].data.decode().splitlines()]
    assert rows[0] == {"n": 1, "f": 1.5, "b": True, "t": "1970-01-01T00:00:00.000Z",
                       "_acp_system_metadata.ingestTime": "1970-01-01T00:00:00.000Z"}
    assert rows[1] == {"b": False, "t": "1970-01-01T00:00:01.500Z",
                       "_acp_system_metadata.ingestTime": "1970-01-01T00:00:00.000Z"}


@pytest.mark.parametrize("compression, codec", [("NONE", "UNCOMPRESSED"), ("GZIP", "GZIP")])
def test_parquet_round_trip_keeps_names_and_types(compression, codec):
    columns = [Column("identityMap.ECID", "ECID"), Column(STATUS_COLUMN, "segmentMembership.status"),
               Column("personalEmail.address", "email")]
    _, sinks = run([member("a"), member("b", email=None)], columns=columns, file_format="PARQUET",
                   compression=compression)
    parquet = pq.ParquetFile(io.BytesIO(sinks[0].data))
    assert parquet.metadata.row_group(0).column(0).compression == codec
    assert parquet.read().to_pylist() == [
        {"ECID": "a", "segmentMembership.status": "realized", "email": "ada@example.com"},
        {"ECID": "b", "segmentMembership.status": "realized", "email": None}]


@pytest.mark.parametrize("file_format", ["CSV", "JSON"])
def test_gzip_is_the_same_bytes_compressed(file_format):
    people = [member(str(i), first=f"n{i}") for i in range(50)]
    _, plain = run(people, columns=NAME, file_format=file_format)
    result, zipped = run(people, columns=NAME, file_format=file_format, compression="GZIP")
    assert zipped[0].data[:2] == b"\x1f\x8b"
    assert gzip.decompress(zipped[0].data) == plain[0].data
    assert result.files[0].bytes == len(zipped[0].data)


# --- splitting and empty exports --------------------------------------------------------------------

def test_split_into_parts_of_max_rows_each_with_its_header():
    people = [member(str(i)) for i in range(5)]
    result, sinks = run(people, max_rows=2, size=3)
    assert [ecids(s) for s in sinks] == [["0", "1"], ["2", "3"], ["4"]]
    assert [(f.part, f.rows, f.location) for f in result.files] == [
        (1, 2, "mem://part-1"), (2, 2, "mem://part-2"), (3, 1, "mem://part-3")]
    assert all(s.state == "committed" for s in sinks)
    assert [f.bytes for f in result.files] == [len(s.data) for s in sinks]


def test_an_exactly_full_last_part_opens_no_extra_part():
    result, sinks = run([member(str(i)) for i in range(4)], max_rows=2, file_format="PARQUET")
    assert [f.rows for f in result.files] == [2, 2]
    assert [pq.read_table(io.BytesIO(s.data)).num_rows for s in sinks] == [2, 2]


@pytest.mark.parametrize("file_format", ["CSV", "JSON", "PARQUET"])
def test_an_empty_export_writes_one_part_csv_header_only(file_format):
    result, sinks = run([profile("nobody")], columns=NAME, file_format=file_format)
    assert len(sinks) == 1 and sinks[0].state == "committed"
    assert result.files[0].rows == 0 and result.output_rows == 0
    if file_format == "CSV":
        assert sinks[0].data == b"id,name\n"
    elif file_format == "JSON":
        assert sinks[0].data == b""
    else:
        table = pq.read_table(io.BytesIO(sinks[0].data))
        assert table.num_rows == 0 and table.column_names == ["id", "name"]


# --- failures -----------------------------------------------------------------------------------------

def test_an_input_failure_in_the_middle_aborts_every_part_and_propagates(monkeypatch):
    monkeypatch.setattr(export, "CHUNK_ROWS", 2)  # write as soon as two rows are selected

    def failing():
        # More batches than the selection threads hold in flight, so parts are written before it fails.
        yield from batches([member(str(i)) for i in range(3 * 2 * export.WORKERS + 6)], size=3)
        raise RuntimeError("profile store went away")

    sinks: list[MemorySink] = []
    with pytest.raises(RuntimeError, match="went away"):
        export_audience(failing(), audience_id=AUDIENCE, columns=[Column("identityMap.ECID", "id")],
                        mandatory=[], dedup=[], since=None, until=T0, file_format="CSV", compression="NONE",
                        csv_options=None, max_rows=2, open_part=lambda n: MemorySink(n, sinks))
    assert len(sinks) >= 2 and all(s.state == "aborted" for s in sinks)


@pytest.mark.parametrize("file_format", ["CSV", "PARQUET"])
def test_a_sink_write_failure_aborts_the_parts_already_written(file_format):
    sinks: list[MemorySink] = []

    def open_part(n):
        sink = MemorySink(n, sinks)
        if n == 2:
            sink.write = lambda data: (_ for _ in ()).throw(OSError("disk full"))
        return sink

    with pytest.raises(OSError, match="disk full"):
        export_audience(batches([member(str(i)) for i in range(4)]), audience_id=AUDIENCE,
                        columns=[Column("identityMap.ECID", "id")], mandatory=[], dedup=[], since=None,
                        until=T0, file_format=file_format, compression="GZIP", csv_options=None, max_rows=2,
                        open_part=open_part)
    assert [s.state for s in sinks] == ["aborted", "aborted"]


# --- datasets ---------------------------------------------------------------------------------------

def test_dataset_export_selects_by_ingest_time_and_keeps_all_columns():
    times = [T0 - 100, T0 - 10, T0, T0 + 1]
    table = pa.table({"_id": ["a", "b", "c", "d"],
                      "_acp_system_metadata.ingestTime": pa.array([int(t * 1000) for t in times],
                                                                  pa.timestamp("ms", tz="UTC"))})
    sinks: list[MemorySink] = []
    result = export_dataset(table.to_batches(max_chunksize=2), since=T0 - 100, until=T0, file_format="PARQUET",
                            compression="GZIP", max_rows=10, open_part=lambda n: MemorySink(n, sinks))
    back = pq.read_table(io.BytesIO(sinks[0].data))
    assert back.column("_id").to_pylist() == ["b", "c"]
    assert back.schema == table.schema
    assert (result.input_rows, result.output_rows, result.scanned_rows) == (2, 2, 4)


def test_an_empty_parquet_export_keeps_the_column_types():
    table = pa.table({"_id": ["a"], "n": [1.5],
                      "_acp_system_metadata.ingestTime": pa.array([int(T0 * 1000) + 1], pa.timestamp("ms", tz="UTC"))})
    sinks: list[MemorySink] = []
    result = export_dataset(table.to_batches(), since=None, until=T0, file_format="PARQUET", compression="NONE",
                            max_rows=10, open_part=lambda n: MemorySink(n, sinks))
    assert result.output_rows == 0
    assert pq.read_table(io.BytesIO(sinks[0].data)).schema == table.schema
    profiles = pa.Table.from_pylist([profile("nobody")], schema=SCHEMA).append_column("loyalty.points", pa.array([1.0]))
    sinks = []
    export_audience(profiles.to_batches(), audience_id=AUDIENCE, columns=[Column("loyalty.points", "points"),
                    Column(STATUS_COLUMN, "s")], mandatory=[], dedup=[], since=None, until=T0, file_format="PARQUET",
                    compression="NONE", csv_options=None, max_rows=10, open_part=lambda n: MemorySink(n, sinks))
    assert pq.read_table(io.BytesIO(sinks[0].data)).schema == pa.schema([("points", pa.float64()), ("s", pa.string())])
