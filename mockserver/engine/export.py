"""Exports: stream batches of profiles (or dataset rows) into files of at most ``max_rows`` rows.

An audience export reads, selects, projects and (for CSV and JSON) formats its input batches on
``WORKERS`` threads at once, in order; deduplication, splitting into parts and writing follow on
their own thread. It holds a few batches and the deduplication keys in memory whatever the number of
profiles (docs/benchmarks.md, "Export writers": under 300 MB for 5 million profiles). Selection,
projection and the writers are Arrow compute kernels over whole batches; no Python loop per row.

Decisions the reference does not settle (docs/fidelity.md):

* An empty export still writes part 1: a header-only CSV, a Parquet file with the schema and no rows,
  an empty JSON lines file (gzip-framed when compressed).
* Deduplication is across the whole export, all parts included (a split file is one file cut in
  parts): the first row of a key wins, in input order. A row whose key fields are all null has no key
  and is never a duplicate; null is an ordinary value inside a composite key.
* ``input_rows`` counts the audience members selected (membership at ``until`` or in the window),
  ``skipped_rows`` those then dropped — ``skipped["mandatory"]`` (a mandatory field null or "") and
  ``skipped["duplicate"]`` — so ``input_rows == output_rows + skipped_rows`` as in the runs' metrics.
* A projected column that the input does not have is exported as nulls (profiles lacking the attribute).
* The ``segmentMembership.status`` column holds the membership's stored status (realized, existing,
  exited).
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .writers import Writer, line_format, open_writer

T = TypeVar("T")
R = TypeVar("R")


def _use_jemalloc() -> None:
    """Arrow's jemalloc pool for the process, unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise.

    With the default pool (mimalloc) an export of 5M profiles peaked above 300 MB and ran 10–20 %
    slower; with jemalloc it peaks near 200 MB (docs/benchmarks.md, "Export writers"). pyarrow
    builds without jemalloc (Windows) keep their default.
    """
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    with contextlib.suppress(NotImplementedError):
        pa.set_memory_pool(pa.jemalloc_memory_pool())


_use_jemalloc()

STATUS_COLUMN = "segmentMembership.status"
MEMBERSHIP_COLUMN = "segmentMembership"
INGEST_TIME_COLUMN = "_acp_system_metadata.ingestTime"
CHUNK_ROWS = 65536  # rows per write: big enough for the kernels, small enough for the memory bound
#: Threads that read and select batches of an audience export. Two keep peak memory under 300 MB
#: for batches of 100,000 profiles and use the two cores the figures were measured on.
WORKERS = 2
QUALIFIED = ("realized", "existing")
_FILTER = "\0filter:"  # names the mandatory/dedup columns carried next to the output ones


@dataclass(frozen=True)
class Column:
    """One exported column: ``source`` is a column path of the input (or ``STATUS_COLUMN``), ``name`` its header."""

    source: str
    name: str


class PartSink(Protocol):
    """Where one part goes: a binary file object that is committed (made visible) or aborted at the end.

    The export closes a part when it is full, reads ``size``, and commits every part only once all are
    written; ``abort()`` may come after ``close()``.
    """

    location: str

    @property
    def size(self) -> int: ...

    def write(self, data: bytes) -> int: ...

    def close(self) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


@dataclass
class FilePart:
    part: int
    location: str
    rows: int
    bytes: int


@dataclass
class ExportResult:
    input_rows: int
    output_rows: int
    skipped_rows: int
    skipped: dict[str, int] = field(default_factory=dict)
    files: list[FilePart] = field(default_factory=list)
    scanned_rows: int = 0  # rows read from the input (all profiles, members or not)


def audience_input_columns(columns: list[Column], mandatory: list[str], dedup: list[str]) -> list[str]:
    """The input columns an audience export reads (pass them to ``profile_batches(columns=...)``)."""
    wanted = [MEMBERSHIP_COLUMN] + [c.source for c in columns if c.source != STATUS_COLUMN] + mandatory + dedup
    return list(dict.fromkeys(wanted))


def export_audience(batches: Iterable[pa.RecordBatch], *, audience_id: str, columns: list[Column],
                    mandatory: list[str], dedup: list[str], since: float | None, until: float,
                    file_format: str, compression: str, csv_options: dict | None, max_rows: int,
                    open_part: Callable[[int], PartSink]) -> ExportResult:
    """Export the members of ``audience_id``.

    Full (``since`` None): memberships realized/existing qualified at or before ``until``.
    Incremental: qualified in (``since``, ``until``]; realized/existing, and exited too when
    ``STATUS_COLUMN`` is among ``columns`` (the file can then say who left).
    Rows missing a ``mandatory`` field (null or "") are skipped; ``dedup`` (1 or 2 attribute paths,
    or one identity column) keeps the first row of each key. Parts of at most ``max_rows`` rows come
    from ``open_part(1)``, ``open_part(2)``...; on any error every opened part is aborted and the
    error propagates; on success all parts are committed.
    """
    if not columns:
        raise ValueError("an audience export needs at least one column")
    with_status = any(c.source == STATUS_COLUMN for c in columns)
    statuses = QUALIFIED + (("exited",) if with_status and since is not None else ())
    window = (_ms(since) if since is not None else None, _ms(until))
    seen = _SeenKeys() if dedup else None
    counts = {"scanned": 0, "input": 0, "mandatory": 0, "duplicate": 0}
    # CSV and JSON rows are formatted on the selecting threads, in parallel; not when deduplicating,
    # which must see the rows in input order first, and not for Parquet, whose writer takes columns.
    lines = (line_format(pa.schema([(c.name, pa.string()) for c in columns]), file_format, csv_options)
             if file_format.upper() in ("CSV", "JSON") and seen is None else None)
    schema_seen: list[pa.Schema] = []  # the output schema, so that an empty Parquet file has the right types

    def select(item: pa.RecordBatch | Callable[[], pa.RecordBatch]) -> tuple[int, int, int, pa.Table | None]:
        """One batch's part of the export (read it first if it is a reader): run on a worker thread."""
        batch = item() if callable(item) else item
        if not schema_seen:
            none = np.empty(0, dtype=np.int64)
            schema_seen.append(_project(batch, none, pa.array([], pa.string()), columns, [], []).schema)
        rows, status = _members(batch, audience_id, statuses, window)
        if len(rows) == 0:
            return batch.num_rows, 0, 0, None
        table = _project(batch, rows, status, columns, mandatory, dedup)
        before = table.num_rows
        if mandatory:
            table = _drop_missing(table, mandatory)
        missing = before - table.num_rows
        if lines is not None and table.num_rows:
            output = table.select(range(len(columns)))
            return batch.num_rows, len(rows), missing, _Lines(lines.lines(output), output.schema)
        return batch.num_rows, len(rows), missing, table

    def selected() -> Iterator[pa.Table | _Lines]:
        # Deduplication keeps the first row of a key, so it runs here, in input order.
        for scanned, members, missing, table in _in_parallel(select, batches):
            counts["scanned"] += scanned
            counts["input"] += members
            counts["mandatory"] += missing
            if table is None:
                continue
            if isinstance(table, _Lines):
                yield table
                continue
            if seen is not None and table.num_rows:
                before = table.num_rows
                table = table.filter(seen.first_seen(table.select([_FILTER + p for p in dedup])))
                counts["duplicate"] += before - table.num_rows
            yield table.select(range(len(columns)))

    strings = pa.schema([(c.name, pa.string()) for c in columns])  # no input at all: every column is text
    # The in-order part of the selection (deduplication) runs one chunk ahead of the writing.
    result = _write_parts(_prefetched(_rechunk(selected()), depth=1),
                          lambda: schema_seen[0] if schema_seen else strings,
                          file_format=file_format, compression=compression, csv_options=csv_options,
                          max_rows=max_rows, open_part=open_part)
    skipped = {reason: counts[reason] for reason in ("mandatory", "duplicate")}
    return ExportResult(input_rows=counts["input"], output_rows=sum(f.rows for f in result),
                        skipped_rows=sum(skipped.values()), skipped=skipped, files=result,
                        scanned_rows=counts["scanned"])


def export_dataset(batches: Iterable[pa.RecordBatch], *, since: float | None, until: float, file_format: str,
                   compression: str, max_rows: int, open_part: Callable[[int], PartSink]) -> ExportResult:
    """Export the dataset rows ingested at or before ``until`` (after ``since`` when incremental), all columns."""
    counts = {"scanned": 0}
    schema_seen: list[pa.Schema] = []

    def selected() -> Iterator[pa.Table]:
        for batch in _prefetched(batches):
            counts["scanned"] += batch.num_rows
            if not schema_seen:
                schema_seen.append(batch.schema)
            if INGEST_TIME_COLUMN in batch.schema.names:
                ingested = _epoch_ms(batch.column(INGEST_TIME_COLUMN))
                mask = pc.less_equal(ingested, _ms(until))
                if since is not None:
                    mask = pc.and_(mask, pc.greater(ingested, _ms(since)))
                batch = batch.filter(pc.fill_null(mask, False))
            yield pa.Table.from_batches([batch])

    files = _write_parts(_prefetched(_rechunk(selected()), depth=1),
                         lambda: schema_seen[0] if schema_seen else pa.schema([]),
                         file_format=file_format, compression=compression, csv_options=None,
                         max_rows=max_rows, open_part=open_part)
    output = sum(f.rows for f in files)
    return ExportResult(input_rows=output, output_rows=output, skipped_rows=0, files=files,
                        scanned_rows=counts["scanned"])


def _in_parallel(work: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``work`` applied to ``items`` on ``WORKERS`` threads, results in input order. Arrow's readers
    and kernels release the GIL, so the threads use as many cores; at most ``WORKERS + 1`` items are
    in flight, which bounds memory. An error stops the rest and is raised here."""
    pending: collections.deque[Future] = collections.deque()
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="export") as pool:
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) > WORKERS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def _prefetched(batches: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Iterate ``batches`` on a background thread, ``depth`` ahead: the work that produces them (Arrow, GIL
    released) overlaps the work on the previous one, and at most ``depth`` items wait in memory."""
    done = object()
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        pool = pa.default_memory_pool()
        # mimalloc (pyarrow's default pool) keeps freed pages per thread: handing them back after each
        # batch keeps the peak RSS ~50 MB lower (for ~10 % more time); jemalloc needs no help
        # (docs/benchmarks.md, "Export writers").
        release = pool.release_unused if pool.backend_name == "mimalloc" else None
        try:
            for batch in batches:
                if release is not None:
                    release()
                while not stop.is_set():
                    try:
                        ready.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            item = done
        except BaseException as error:  # noqa: BLE001 -- handed to the consuming thread, which raises it
            item = error
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    thread = threading.Thread(target=produce, name="export-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def _ms(epoch_seconds: float) -> int:
    # Rounded to the microsecond first so that 1767225600.123 is 1767225600123 ms, not ...122.
    return math.floor(round(epoch_seconds * 1000, 3))


def _epoch_ms(times: pa.Array) -> pa.Array:
    if not pa.types.is_timestamp(times.type):
        raise TypeError(f"expected a timestamp column, got {times.type}")
    if times.type.unit != "ms":
        times = pc.cast(times, pa.timestamp("ms", times.type.tz), safe=False)
    return pc.cast(times, pa.int64())


def _members(batch: pa.RecordBatch, audience_id: str, statuses: tuple[str, ...],
             window: tuple[int | None, int]) -> tuple[np.ndarray, pa.Array]:
    """Row indices of the profiles whose membership of ``audience_id`` matches, and that membership's status."""
    memberships = batch.column(MEMBERSHIP_COLUMN)
    flat = pc.list_flatten(memberships)
    # The audience and time tests narrow the memberships before the (costlier) status test.
    mask = pc.equal(pc.struct_field(flat, "segmentId"), audience_id)
    qualified = _epoch_ms(pc.struct_field(flat, "lastQualificationTime"))
    since, until = window
    mask = pc.and_(mask, pc.less_equal(qualified, until))
    if since is not None:
        mask = pc.and_(mask, pc.greater(qualified, since))
    chosen = pc.indices_nonzero(mask)  # null (unknown) entries are not chosen
    status = pc.take(pc.struct_field(flat, "status"), chosen)
    if pa.types.is_dictionary(status.type):  # read as a dictionary (platform_data): exported as text
        status = status.cast(status.type.value_type)
    known = pc.fill_null(pc.is_in(status, pa.array(statuses)), False)
    chosen, status = pc.filter(chosen, known), pc.filter(status, known)
    parents = pc.take(pc.list_parent_indices(memberships), chosen).to_numpy()
    if len(parents) > 1:  # a profile listing the audience twice is exported once (its first entry)
        first = np.empty(len(parents), dtype=bool)
        first[0] = True
        np.not_equal(parents[1:], parents[:-1], out=first[1:])
        if not first.all():
            parents, status = parents[first], status.filter(pa.array(first))
    return parents, status


def _project(batch: pa.RecordBatch, rows: np.ndarray, status: pa.Array, columns: list[Column],
             mandatory: list[str], dedup: list[str]) -> pa.Table:
    """The selected rows: the output columns (named by header), then the filter columns (``_FILTER`` + path)."""
    indices = pa.array(rows, pa.int64())
    names = batch.schema.names

    def source(path: str) -> pa.Array:
        if path == STATUS_COLUMN:
            return status
        if path in names:
            return pc.take(batch.column(path), indices)
        return pa.nulls(len(rows), pa.string())

    arrays = [source(c.source) for c in columns]
    extra = list(dict.fromkeys(mandatory + dedup))
    return pa.Table.from_arrays(arrays + [source(p) for p in extra],
                                names=[c.name for c in columns] + [_FILTER + p for p in extra])


def _drop_missing(table: pa.Table, mandatory: list[str]) -> pa.Table:
    present = None
    for path in mandatory:
        column = table.column(_FILTER + path)
        ok = pc.is_valid(column)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            ok = pc.and_(ok, pc.greater(pc.binary_length(column), 0))
        present = ok if present is None else pc.and_(present, ok)
    return table.filter(pc.fill_null(present, False))


class _SeenKeys:
    """The deduplication keys already exported, as 64-bit hashes in sorted numpy arrays.

    Memory is O(distinct keys) at 8 bytes a key (40 MB for 5,000,000 keys), not a Python set of
    strings. Keys are hashed with polars' row hash (vectorised, nulls hashed as values); two distinct
    keys colliding on 64 bits (probability ~n²/2⁶⁵, ~1e-6 for 5,000,000 keys) would drop a row.
    New hashes go into small sorted runs merged like a log-structured tree, so inserting stays
    O(n log n) over the export instead of copying the whole array for every batch.
    """

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []

    def first_seen(self, keys: pa.Table) -> pa.Array:
        """A mask of the rows whose key is new (first in this table and not seen before); records them."""
        import polars as pl

        named = keys.rename_columns([f"k{i}" for i in range(keys.num_columns)])
        hashes = pl.from_arrow(named).hash_rows(seed=0x5EED).to_numpy()
        keyless = None
        for column in keys.columns:  # rows with every key field null have no key: always kept
            null = pc.is_null(column).to_numpy(zero_copy_only=False)
            keyless = null if keyless is None else keyless & null
        _, first_index = np.unique(hashes, return_index=True)
        new = np.zeros(len(hashes), dtype=bool)
        new[first_index] = True
        for run in self._runs:
            if len(run):
                at = np.searchsorted(run, hashes)
                np.minimum(at, len(run) - 1, out=at)
                new &= run[at] != hashes
        new &= ~keyless
        self._add(np.sort(hashes[new]))
        return pa.array(new | keyless)

    def _add(self, run: np.ndarray) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and len(self._runs[-2]) <= 2 * len(self._runs[-1]):
            last = self._runs.pop()
            self._runs[-1] = np.sort(np.concatenate([self._runs[-1], last]), kind="stable")


def _rechunk(tables: Iterable[pa.Table | _Lines]) -> Iterator[pa.Table | _Lines]:
    """Regroup small filtered tables into chunks of about ``CHUNK_ROWS`` rows (fewer, bigger writes)."""
    rows = CHUNK_ROWS
    pending: list[pa.Table] = []
    count = 0
    for table in tables:
        if table.num_rows == 0:
            continue
        if isinstance(table, _Lines):  # formatted already: written as they come
            yield table
            continue
        pending.append(table)
        count += table.num_rows
        if count >= rows:
            yield pa.concat_tables(pending, promote_options="permissive")  # no copy: the writers combine
            pending, count = [], 0
    if pending:
        yield pa.concat_tables(pending, promote_options="permissive")


@dataclass
class _OpenPart:
    number: int
    sink: PartSink
    writer: Writer | None
    rows: int = 0
    size: int = 0
    closed: bool = False


@dataclass(frozen=True)
class _Lines:
    """Rows formatted already (a CSV or JSON line each), with the schema of the columns they hold."""

    lines: pa.Array
    schema: pa.Schema

    @property
    def num_rows(self) -> int:
        return len(self.lines)

    def slice(self, offset: int, length: int | None = None) -> "_Lines":
        return _Lines(self.lines.slice(offset, length), self.schema)


def _write_parts(chunks: Iterable[pa.Table | _Lines], schema_of_empty: Callable[[], pa.Schema], *, file_format: str,
                 compression: str, csv_options: dict | None, max_rows: int,
                 open_part: Callable[[int], PartSink]) -> list[FilePart]:
    """Write the chunks into parts of at most ``max_rows`` rows; commit all, or abort all and re-raise."""
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    parts: list[_OpenPart] = []
    schema: pa.Schema | None = None

    def start() -> _OpenPart:
        part = _OpenPart(len(parts) + 1, open_part(len(parts) + 1), None)
        parts.append(part)  # appended before the writer exists, so a failing writer is aborted too
        part.writer = open_writer(part.sink, schema, file_format=file_format, compression=compression,
                                  csv_options=csv_options)
        return part

    def close(part: _OpenPart) -> None:
        part.writer.finish()
        part.sink.close()
        part.closed, part.size = True, part.sink.size

    try:
        current: _OpenPart | None = None
        for chunk in chunks:
            if schema is None:
                schema = chunk.schema
            elif not isinstance(chunk, _Lines) and chunk.schema != schema:
                chunk = chunk.cast(schema)
            while chunk.num_rows:
                if current is None:
                    current = start()
                piece = chunk.slice(0, max_rows - current.rows)
                if isinstance(piece, _Lines):
                    current.writer.write_lines(piece.lines)
                else:
                    current.writer.write(piece)
                current.rows += piece.num_rows
                chunk = chunk.slice(piece.num_rows)
                if current.rows == max_rows:
                    close(current)
                    current = None
        if not parts:
            schema = schema_of_empty()
            current = start()
        if current is not None:
            close(current)
        for part in parts:
            part.sink.commit()
    except BaseException:
        close_input = getattr(chunks, "close", None)
        if close_input is not None:  # stops the reader thread now, not when the traceback is collected
            close_input()
        for part in parts:
            with contextlib.suppress(Exception):  # the first error is the one to report
                if part.writer is not None and not part.closed:
                    part.writer.discard()
            with contextlib.suppress(Exception):
                part.sink.abort()
        raise
    return [FilePart(p.number, p.sink.location, p.rows, p.size) for p in parts]
