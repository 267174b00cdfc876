"""Reading user files (CSV, JSON lines, Parquet; optionally gzipped) into canonical Arrow batches.

CSV and Parquet stream batch by batch; JSON lines are read whole (Arrow infers the XDM map's segment ids
as struct fields, which must be known for the whole file). Nested objects become dotted column names, so
an XDM-shaped JSON line and a flat CSV with ``person.name.firstName`` headers give the same columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import model
from .errors import DataError
from .membership import no_memberships, normalise, to_timestamp
from .parquet_files import read_parquet

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json", ".parquet": "parquet"}
BATCH_ROWS = model.ROW_GROUP_ROWS


def file_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = FORMATS.get(suffixes[-1]) if suffixes else None
    if kind is None or (kind == "parquet" and path.suffix.lower() == ".gz"):
        raise DataError(f"{path}: unknown file type; use .csv, .json/.jsonl/.ndjson (optionally .gz) or .parquet")
    return kind


def _raw_batches(path: Path, string_columns: tuple[str, ...]) -> Iterator[pa.RecordBatch]:
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    kind = file_format(path)
    try:
        if kind == "parquet":
            yield from read_parquet(path, BATCH_ROWS)
        elif kind == "csv":
            import pyarrow.csv as pcsv

            # Identifiers and codes are text even when they look like numbers (ECIDs, postal codes).
            convert = pcsv.ConvertOptions(column_types={name: pa.string() for name in string_columns},
                                          strings_can_be_null=True)
            with pcsv.open_csv(pa.input_stream(str(path), compression="detect"),
                               read_options=pcsv.ReadOptions(block_size=16 << 20), convert_options=convert) as reader:
                yield from reader
        else:
            import pyarrow.json as pj

            with pa.input_stream(str(path), compression="detect") as stream:
                table = pj.read_json(stream)
            yield from table.to_batches(max_chunksize=BATCH_ROWS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as exc:
        raise DataError(f"{path}: cannot read as {kind.upper()}: {exc}") from None


def _flatten(name: str, array: pa.Array, keep: tuple[str, ...]) -> list[tuple[str, pa.Array]]:
    if name in keep or not pa.types.is_struct(array.type):
        return [(name, array)]
    found: list[tuple[str, pa.Array]] = []
    for field, child in zip(array.type, array.flatten()):
        found.extend(_flatten(f"{name}.{field.name}", child, keep))
    return found


def _first_id(identities: pa.Array) -> pa.Array:
    """The first ``id`` of each XDM identity list ([{"id": ..., "primary": ...}, ...]), null when empty."""
    items = identities.flatten()
    owners = np.asarray(pc.list_parent_indices(identities))
    rows, first = np.unique(owners, return_index=True)
    positions = np.zeros(len(identities), dtype=np.int64)
    positions[rows] = first
    missing = np.ones(len(identities), dtype=bool)
    missing[rows] = False
    return items.field("id").take(pa.array(positions, mask=missing))


def _columns(batch: pa.RecordBatch) -> list[tuple[str, pa.Array]]:
    columns: list[tuple[str, pa.Array]] = []
    for name, array in zip(batch.schema.names, batch.columns):
        columns.extend(_flatten(name, array, (model.MEMBERSHIP,)))
    fixed = []
    for name, array in columns:
        if name.startswith("identityMap.") and pa.types.is_list(array.type) and pa.types.is_struct(
                array.type.value_type) and array.type.value_type.get_field_index("id") >= 0:
            array = _first_id(array)
        fixed.append((name, array))
    return fixed


def _text(name: str, array: pa.Array, where: str) -> pa.Array:
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type) or pa.types.is_null(array.type):
        return array.cast(pa.string())
    raise DataError(f"{where}: column {name} must be text, found {array.type}")


def profile_batches(path: Path) -> Iterator[pa.RecordBatch]:
    """The profiles of a user file as canonical batches: ECID text, present and non-empty; memberships
    normalised; canonical columns with their canonical types; other columns kept if scalar."""
    string_columns = model.PROFILE_STRING_COLUMNS + (model.MEMBERSHIP,)
    schema: pa.Schema | None = None
    where = str(path)
    seen = 0
    for batch in _raw_batches(path, string_columns):
        columns = dict(_columns(batch))
        if model.ECID not in columns:
            raise DataError(f"{where}: no {model.ECID} column (the profile key; found: "
                            f"{', '.join(sorted(columns)) or 'none'})")
        out: dict[str, pa.Array] = {}
        for name, array in columns.items():
            if name in model.PROFILE_STRING_COLUMNS:
                out[name] = _text(name, array, where)
            elif name in model.PROFILE_NUMBER_COLUMNS:
                if not (pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
                        or pa.types.is_null(array.type)):
                    raise DataError(f"{where}: column {name} must be a number, found {array.type}")
                out[name] = array.cast(pa.float64())
            elif name == model.MEMBERSHIP:
                out[name] = normalise(array, where)
            elif pa.types.is_nested(array.type):
                raise DataError(f"{where}: column {name} has type {array.type}; profile columns other than "
                                f"{model.MEMBERSHIP} must be scalars")
            else:
                out[name] = array
        ecid = out[model.ECID]
        empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(ecid), ""), True)
        if pc.any(empty).as_py():
            row = seen + int(np.flatnonzero(np.asarray(empty))[0]) + 1
            raise DataError(f"{where}: profile {row} has no {model.ECID}")
        seen += len(ecid)
        if model.MEMBERSHIP not in out:
            out[model.MEMBERSHIP] = no_memberships(len(ecid))
        ordered = _canonical_order(out)
        fields = [pa.field(name, array.type, nullable=name != model.ECID) for name, array in ordered.items()]
        batch = pa.RecordBatch.from_arrays(list(ordered.values()), schema=pa.schema(fields))
        if schema is None:
            schema = batch.schema
        yield _conform(batch, schema, where)


def _canonical_order(columns: dict[str, pa.Array]) -> dict[str, pa.Array]:
    names = [n for n in model.profile_schema().names if n in columns]
    names += [n for n in columns if n not in names]
    return {n: columns[n] for n in names}


def _conform(batch: pa.RecordBatch, schema: pa.Schema, where: str) -> pa.RecordBatch:
    """A later batch in the first batch's schema (Parquet needs one schema per file)."""
    if batch.schema.equals(schema):
        return batch
    if set(batch.schema.names) != set(schema.names):
        differ = sorted(set(batch.schema.names) ^ set(schema.names))
        raise DataError(f"{where}: rows do not all have the same columns ({', '.join(differ)})")
    try:
        arrays = [batch.column(n).cast(schema.field(n).type) for n in schema.names]
        return pa.RecordBatch.from_arrays(arrays, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataError(f"{where}: a column changes type between rows: {exc}") from None


def dataset_batches(path: Path, ingest_default_ms: int) -> Iterator[pa.RecordBatch]:
    """A dataset file's rows; rows without ``_acp_system_metadata.ingestTime`` were ingested at
    ``ingest_default_ms`` (the time of the load)."""
    schema: pa.Schema | None = None
    for batch in _raw_batches(path, model.PROFILE_STRING_COLUMNS):
        columns = dict(_columns(batch))
        if model.INGEST_TIME in columns:
            columns[model.INGEST_TIME] = to_timestamp(columns[model.INGEST_TIME], f"{path}: {model.INGEST_TIME}")
        else:
            columns[model.INGEST_TIME] = pa.array(np.full(batch.num_rows, ingest_default_ms), model.timestamp_type())
        batch = pa.RecordBatch.from_pydict(columns)
        if schema is None:
            schema = batch.schema
        yield _conform(batch, schema, str(path))
