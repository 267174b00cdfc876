"""Parquet read and written row group by row group, so memory stays bounded whatever the row count."""

from __future__ import annotations

import functools
import queue
import threading
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq


#: Membership fields read as dictionaries: audience ids and statuses repeat, and comparing a
#: dictionary's indices costs less than decoding and comparing the strings of every row.
DICTIONARY_FIELDS = ["segmentMembership.list.element.segmentId", "segmentMembership.list.element.status"]


@functools.lru_cache(maxsize=16)
def _metadata(path: Path, modified: float) -> tuple[pq.FileMetaData, list[str]]:
    metadata = pq.read_metadata(path)
    paths = {metadata.schema.column(i).path for i in range(metadata.num_columns)}
    return metadata, [name for name in DICTIONARY_FIELDS if name in paths]


def row_groups(path: Path) -> int:
    return _metadata(path, path.stat().st_mtime)[0].num_row_groups


def read_row_group(path: Path, group: int, columns: list[str]) -> pa.RecordBatch:
    """One row group as one batch; safe to call from several threads (each opens the file itself)."""
    metadata, dictionary = _metadata(path, path.stat().st_mtime)
    parquet = pq.ParquetFile(path, metadata=metadata, pre_buffer=False, read_dictionary=dictionary)
    table = parquet.read_row_group(group, columns=columns, use_threads=False).combine_chunks()
    batches = table.to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def read_parquet(path: Path, batch_size: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
    """Batches of a Parquet file. Pre-buffering and decode threads are off: with them pyarrow reads far
    ahead (all columns of 5M profiles: 627 MB peak instead of 211 MB) and is no faster."""
    return pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=batch_size, columns=columns,
                                                               use_threads=False)


#: The codec of the data directory's files. Exports are bound by decoding them: LZ4 decodes the 5M
#: profiles' columns about twice as fast as Snappy for files 15 % larger (docs/benchmarks.md).
CODEC = "lz4"


def write_parquet(path: Path, batches: Iterable[pa.RecordBatch], empty_schema: pa.Schema,
                  progress: Callable[[int], None] | None = None) -> int:
    """Write ``batches`` (one row group each, the first one's schema) to ``path``; the rows written.
    Without any batch the file holds no row and ``empty_schema``."""
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for batch in batches:
            if writer is None:
                writer = pq.ParquetWriter(path, batch.schema, compression=CODEC)
            writer.write_batch(batch)
            rows += batch.num_rows
            if progress is not None:
                progress(batch.num_rows)
        if writer is None:
            writer = pq.ParquetWriter(path, empty_schema, compression=CODEC)
    finally:
        if writer is not None:
            writer.close()
    return rows


def ahead(batches: Iterable[pa.RecordBatch], depth: int = 1) -> Iterator[pa.RecordBatch]:
    """``batches`` made on a second thread while the caller writes the previous ones: generation and
    Parquet encoding both release the GIL, so two cores do both at once (5M profiles: 12.7 s -> 8.3 s).
    At most ``depth`` batches wait, which keeps memory bounded; an error while making one is re-raised
    here, and a caller that stops early stops the thread."""
    waiting: queue.Queue = queue.Queue(depth)
    stop = threading.Event()
    end = object()

    def make() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        waiting.put((batch, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put((end, None))
        except BaseException as exc:  # handed to the consumer, which raises it
            waiting.put((end, exc))

    worker = threading.Thread(target=make, name="platform-data-batches", daemon=True)
    worker.start()
    try:
        while True:
            item, error = waiting.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                waiting.get_nowait()
            except queue.Empty:
                worker.join(0.05)
