"""segmentMembership in any shape a user may hold, normalised to the canonical list of memberships.

Accepted: the canonical ``list<struct<segmentId, status, lastQualificationTime>>``; the XDM map
``{"ups": {"<segmentId>": {"status": ..., "lastQualificationTime": ...}}}`` as JSON objects (which Arrow
reads as structs whose field names are segment ids), as Arrow maps (Parquet from the Data Lake), or as
JSON text (a CSV cell). Work is per namespace and per segment id, never per row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import model
from .errors import DataError

_Entries = tuple[np.ndarray, pa.Array, pa.Array, pa.Array]  # owner row, segmentId, status, time


def normalise(column: pa.Array | pa.ChunkedArray, where: str) -> pa.Array:
    """The canonical membership list of each row of ``column``; ``where`` names the file in messages."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        array = _parse_json(array, where)
    rows, segment, status, time = _entries(array, where)
    return _assemble(len(array), rows, segment, _status(status, where), to_timestamp(time, f"{where}: "
                     "segmentMembership lastQualificationTime"))


def _parse_json(text: pa.Array, where: str) -> pa.Array:
    # The cells become one JSON-lines buffer that Arrow's JSON reader parses in C++, not row by row.
    import pyarrow.json as pj

    cells = pc.if_else(pc.equal(pc.utf8_trim_whitespace(text), ""), pa.scalar(None, pa.string()), text)
    lines = pc.binary_join_element_wise('{"m":', pc.fill_null(pc.cast(cells, pa.string()), "null"), "}\n", "")
    if not len(lines):
        return pa.nulls(0)
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    try:
        parsed = pj.read_json(pa.BufferReader(data.slice(int(bounds[0]), int(bounds[-1] - bounds[0]))))
    except pa.ArrowInvalid as exc:
        raise DataError(f"{where}: segmentMembership is not valid JSON ({exc})") from None
    return parsed.column("m").combine_chunks()


def _entries(array: pa.Array, where: str) -> _Entries:
    kind = array.type
    if pa.types.is_null(kind):
        return _no_entries()
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        items = array.flatten()
        if not pa.types.is_struct(items.type) or items.type.get_field_index("segmentId") < 0:
            raise DataError(f"{where}: segmentMembership list items need segmentId, status and lastQualificationTime")
        rows = np.asarray(pc.list_parent_indices(array))
        return rows, _field(items, "segmentId", where), _field(items, "status", where), \
            _field(items, "lastQualificationTime", where)
    if pa.types.is_map(kind) or pa.types.is_struct(kind):
        # Namespaces ("ups", ...) each holding a map keyed by segment id.
        parts = [_segment_map(inner, where) if rows is None else _remap(rows, _segment_map(inner, where))
                 for rows, inner in _children(array)]
        return _concat(parts)
    raise DataError(f"{where}: segmentMembership has type {kind}; expected the XDM map or a list of memberships")


def _segment_map(array: pa.Array, where: str) -> _Entries:
    """Entries of an array whose items map segment ids to {status, lastQualificationTime}."""
    if pa.types.is_null(array.type):
        return _no_entries()
    if not (pa.types.is_map(array.type) or pa.types.is_struct(array.type)):
        raise DataError(f"{where}: segmentMembership namespaces must map segment ids to memberships, "
                        f"found {array.type}")
    parts = []
    for rows, key, membership in _keyed_children(array):
        if not pa.types.is_struct(membership.type):
            raise DataError(f"{where}: segmentMembership entries must be objects with status and "
                            f"lastQualificationTime, found {membership.type}")
        parts.append((rows, key, _field(membership, "status", where),
                      _field(membership, "lastQualificationTime", where)))
    return _concat(parts)


def _children(array: pa.Array):
    """(owner rows or None for 'same rows', child array) per key of a struct or map."""
    if pa.types.is_struct(array.type):
        return [(None, child) for child in array.flatten()]
    array = _as_list(array)
    return [(np.asarray(pc.list_parent_indices(array)), array.flatten().field(1))]


def _keyed_children(array: pa.Array):
    """(owner rows, segment ids, membership structs) per segment id of a struct, or all at once for a map."""
    if pa.types.is_struct(array.type):
        found = []
        for field, child in zip(array.type, array.flatten()):
            present = child.is_valid()
            count = pc.sum(present).as_py() or 0
            found.append((np.flatnonzero(np.asarray(present)), pa.array([field.name] * count, pa.string()),
                          child.filter(present)))
        return found
    array = _as_list(array)
    entries = array.flatten()
    values = entries.field(1)
    present = values.is_valid()
    rows = np.asarray(pc.list_parent_indices(array))[np.asarray(present)]
    return [(rows, pc.cast(entries.field(0).filter(present), pa.string()), values.filter(present))]


def _as_list(array: pa.Array) -> pa.Array:
    # A map is stored as a list of key/value structs; the list view has the kernels maps lack.
    kind = array.type
    return array.view(pa.list_(pa.struct([kind.key_field, kind.item_field])))


def _remap(owners: np.ndarray, entries: _Entries) -> _Entries:
    rows, segment, status, time = entries
    return owners[rows], segment, status, time


def _field(struct: pa.Array, name: str, where: str) -> pa.Array:
    index = struct.type.get_field_index(name)
    if index < 0:
        raise DataError(f"{where}: a segmentMembership entry has no {name}")
    return struct.flatten()[index]


def _no_entries() -> _Entries:
    return np.zeros(0, np.int64), pa.array([], pa.string()), pa.array([], pa.string()), pa.array([], pa.string())


def _concat(parts: list[_Entries]) -> _Entries:
    if not parts:
        return _no_entries()
    rows = np.concatenate([p[0] for p in parts]).astype(np.int64)
    columns = []
    for i in (1, 2, 3):
        chunks = [p[i] for p in parts]
        kinds = {c.type for c in chunks if not pa.types.is_null(c.type)}
        target = kinds.pop() if len(kinds) == 1 else pa.string()
        columns.append(pa.concat_arrays([c.cast(target) for c in chunks]))
    return rows, columns[0], columns[1], columns[2]


def _status(status: pa.Array, where: str) -> pa.Array:
    if not (pa.types.is_string(status.type) or pa.types.is_null(status.type)):
        raise DataError(f"{where}: segmentMembership status must be text, found {status.type}")
    status = status.cast(pa.string())
    bad = pc.invert(pc.fill_null(pc.is_in(status, pa.array(model.STATUSES)), False))
    if pc.any(bad).as_py():
        example = status.filter(bad)[0].as_py()
        raise DataError(f"{where}: segmentMembership status {example!r} is not one of {', '.join(model.STATUSES)}")
    return status


def to_timestamp(values: pa.Array, what: str) -> pa.Array:
    """Times as timestamp[ms, UTC]: ISO 8601 text (no zone means UTC), Arrow timestamps, or epoch milliseconds."""
    target = model.timestamp_type()
    kind = values.type
    if values.null_count:
        raise DataError(f"{what} is missing in {values.null_count} row(s)")
    try:
        if pa.types.is_timestamp(kind):
            if kind.tz is None:
                values = pc.assume_timezone(values, "UTC")
            return values.cast(target, safe=False)
        if pa.types.is_integer(kind):
            return values.cast(pa.int64()).cast(target)
        if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
            text = values.cast(pa.string())
            zoned = pc.match_substring_regex(text, r"(Z|[+-]\d\d:?\d\d)$")
            naive = pc.if_else(zoned, pa.scalar(None, pa.string()), text).cast(pa.timestamp("ns"))
            aware = pc.if_else(zoned, text, pa.scalar(None, pa.string())).cast(pa.timestamp("ns", "UTC"))
            return pc.coalesce(aware, pc.assume_timezone(naive, "UTC")).cast(target, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise DataError(f"{what} is not a date-time ({exc})") from None
    raise DataError(f"{what} must be an ISO 8601 date-time or epoch milliseconds, found {kind}")


def no_memberships(count: int) -> pa.Array:
    return _assemble(count, np.zeros(0, np.int64), pa.array([], pa.string()), pa.array([], pa.string()),
                     pa.array([], model.timestamp_type()))


def _assemble(count: int, rows: np.ndarray, segment: pa.Array, status: pa.Array, time: pa.Array) -> pa.Array:
    order = np.argsort(rows, kind="stable")  # keeps each row's memberships in file order
    offsets = np.zeros(count + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=count), out=offsets[1:])
    take = pa.array(order)
    item_type = model.membership_type().value_type
    items = pa.StructArray.from_arrays([segment.cast(pa.string()).take(take), status.take(take), time.take(take)],
                                       fields=list(item_type))
    return pa.ListArray.from_arrays(pa.array(offsets), items, type=model.membership_type())
