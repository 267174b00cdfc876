"""``PlatformData``: the profiles, audiences and datasets the mock exports, read-only once built.

Tables are either in memory (the demo) or Parquet files of a data directory, read batch by batch with a
file handle per call, so concurrent exports share nothing mutable.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pyarrow as pa

from . import model, synthetic
from .datadir import dataset_file, packaged_datasets, read_json
from .errors import DataError
from .parquet_files import read_row_group, row_groups

DEMO_PROFILES = 1000
DEMO_AUDIENCES = 5


class _Table:
    """Rows of one table: its schema, its row count, and its batches with requested columns."""

    def __init__(self, table: pa.Table | None = None, path: Path | None = None) -> None:
        self._table, self._path = table, path

    def schema(self) -> pa.Schema:
        if self._table is not None:
            return self._table.schema
        import pyarrow.parquet as pq

        return pq.read_schema(self._path)

    def count(self) -> int:
        if self._table is not None:
            return self._table.num_rows
        import pyarrow.parquet as pq

        return pq.ParquetFile(self._path).metadata.num_rows

    def batches(self, columns: Sequence[str] | None, batch_size: int) -> Iterator[pa.RecordBatch]:
        """The batches with the table's own types (the readers' may be dictionary-encoded)."""
        schema = self.schema()
        for read in self.readers(columns, batch_size):
            batch = read()
            if batch.num_rows:
                types = pa.schema([schema.field(n) if n in schema.names else batch.schema.field(n)
                                   for n in batch.schema.names])
                yield batch if batch.schema == types else batch.cast(types)

    def readers(self, columns: Sequence[str] | None, batch_size: int) -> list[Callable[[], pa.RecordBatch]]:
        """One function per batch (a row group of a file) that reads it; they may be called from
        several threads at once, which is how an export uses both cores."""
        schema = self.schema()
        wanted = list(dict.fromkeys(columns)) if columns is not None else schema.names
        present = [name for name in wanted if name in schema.names]
        # A path no row has (a mapping to an attribute absent from the data) reads as empty text.
        read = present or schema.names[:1]

        def shaped(batch: pa.RecordBatch) -> pa.RecordBatch:
            # Types as read (a file's membership ids come as dictionaries: see parquet_files.py).
            arrays = [batch.column(name) if name in present else pa.nulls(batch.num_rows, pa.string())
                      for name in wanted]
            return pa.RecordBatch.from_arrays(arrays, names=wanted)

        if self._table is not None:
            return [functools.partial(shaped, batch) for batch in self._table.select(read).to_batches(batch_size)]
        return [functools.partial(lambda group: shaped(read_row_group(self._path, group, read)), group)
                for group in range(row_groups(self._path))]


class PlatformData:
    """What the sandbox holds: audiences, profiles with their memberships, datasets with their rows."""

    def __init__(self, *, audiences: list[dict], profiles: _Table, datasets: list[dict],
                 dataset_tables: dict[str, _Table]) -> None:
        self.audiences = audiences
        self.datasets = datasets
        self._audiences = {a["id"]: a for a in audiences}
        self._datasets = {d["id"]: d for d in datasets}
        self._profiles = profiles
        self._dataset_tables = dataset_tables

    @classmethod
    def demo(cls, seed: int = 0, reference_time: float = 1767225600.0) -> "PlatformData":
        """Small deterministic data in memory: 1,000 profiles, 5 audiences, rows for every packaged
        dataset. The same as ``generate(profiles=1000, audiences=5)`` with the same seed and time."""
        return _demo(seed, float(reference_time))

    @classmethod
    def open(cls, data_dir: str | Path) -> "PlatformData":
        """The data directory written by ``seed``/``load``; a file it lacks means none of that kind."""
        root = Path(data_dir)
        if not root.is_dir():
            raise DataError(f"{root}: no such data directory")
        datasets = read_json(root / model.DATASETS_FILE, [])
        profiles_file = root / model.PROFILES_FILE
        profiles = (_Table(path=profiles_file) if profiles_file.exists()
                    else _Table(model.profile_schema().empty_table()))
        tables = {}
        for dataset in datasets:
            path = dataset_file(root, dataset["id"])
            tables[dataset["id"]] = _Table(path=path) if path.exists() else _Table(pa.table(
                {model.INGEST_TIME: pa.array([], model.timestamp_type())}))
        return cls(audiences=read_json(root / model.AUDIENCES_FILE, []), profiles=profiles, datasets=datasets,
                   dataset_tables=tables)

    # --- audiences and profiles --------------------------------------------------------------

    def audience(self, audience_id: str) -> dict | None:
        return self._audiences.get(audience_id)

    def profile_schema(self) -> pa.Schema:
        return self._profiles.schema()

    def profile_count(self) -> int:
        return self._profiles.count()

    def profile_batches(self, columns: list[str] | None = None, batch_size: int = 65536) -> Iterator[pa.RecordBatch]:
        """Profiles with ``columns`` in that order (all when None); a column no profile has is null text."""
        return self._profiles.batches(columns, batch_size)

    def profile_readers(self, columns: list[str] | None = None,
                        batch_size: int = 65536) -> list[Callable[[], pa.RecordBatch]]:
        """The profile batches as functions that read one each (see ``_Table.readers``)."""
        return self._profiles.readers(columns, batch_size)

    # --- datasets ------------------------------------------------------------------------------

    def dataset(self, dataset_id: str) -> dict | None:
        return self._datasets.get(dataset_id)

    def dataset_schema(self, dataset_id: str) -> pa.Schema:
        return self._table(dataset_id).schema()

    def dataset_batches(self, dataset_id: str, columns: list[str] | None = None,
                        batch_size: int = 65536) -> Iterator[pa.RecordBatch]:
        return self._table(dataset_id).batches(columns, batch_size)

    def _table(self, dataset_id: str) -> _Table:
        try:
            return self._dataset_tables[dataset_id]
        except KeyError:
            raise KeyError(f"no dataset {dataset_id}") from None


@functools.lru_cache(maxsize=4)
def _demo(seed: int, reference_time: float) -> PlatformData:
    # Cached: the data is read-only, so every caller can share one copy.
    audiences = synthetic.audiences(DEMO_AUDIENCES, seed=seed, reference_time=reference_time)
    batch = synthetic.profile_batch(0, DEMO_PROFILES, seed=seed, audience_ids=[a["id"] for a in audiences],
                                    reference_time=reference_time)
    datasets = packaged_datasets()
    tables = {d["id"]: _Table(synthetic.dataset_table(d, seed=seed, reference_time=reference_time)) for d in datasets}
    return PlatformData(audiences=audiences, profiles=_Table(pa.Table.from_batches([batch])), datasets=datasets,
                        dataset_tables=tables)
