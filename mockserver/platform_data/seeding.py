"""``generate``: a synthetic data directory of any size, streamed in row groups (``flowservice-mock seed``)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from . import model, synthetic
from .datadir import Staging, packaged_datasets
from .errors import DataError
from .parquet_files import ahead, write_parquet


def generate(data_dir: str | Path, *, profiles: int, audiences: int = 5, seed: int = 0, reference_time: float,
             progress: Callable[[int], None] | None = None) -> None:
    """Write ``profiles`` synthetic profiles in ``audiences`` audiences, and rows for every packaged
    dataset, into ``data_dir``; ``progress(rows)`` is called after each row group. Memory stays bounded
    (one row group at a time); nothing changes in ``data_dir`` unless everything was written."""
    if profiles < 0:
        raise DataError(f"profiles must be 0 or more, not {profiles}")
    if audiences < 0:
        raise DataError(f"audiences must be 0 or more, not {audiences}")
    made = synthetic.audiences(audiences, seed=seed, reference_time=reference_time)
    ids = [a["id"] for a in made]
    datasets = packaged_datasets()
    step = model.ROW_GROUP_ROWS
    batches = (synthetic.profile_batch(start, min(step, profiles - start), seed=seed, audience_ids=ids,
                                       reference_time=reference_time) for start in range(0, profiles, step))
    with Staging(Path(data_dir)) as staging:
        write_parquet(staging.path(model.PROFILES_FILE), ahead(batches), model.profile_schema(), progress)
        staging.write_json(model.AUDIENCES_FILE, made)
        staging.write_json(model.DATASETS_FILE, datasets)
        for dataset in datasets:
            table = synthetic.dataset_table(dataset, seed=seed, reference_time=reference_time)
            path = staging.path(f"{model.DATASETS_DIR}/{dataset['id']}.parquet")
            write_parquet(path, table.to_batches(), table.schema)
