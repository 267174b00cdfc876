"""``flowservice-mock load``: put user files (profiles, audiences, dataset rows) into a data directory."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import UsageError

NAME = "load"
HELP = "load profiles, audiences and dataset rows from CSV, JSON lines or Parquet files into a data directory"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="the directory to write (created if missing)")
    parser.add_argument("--profiles", type=Path, help="profiles: .csv, .json/.jsonl/.ndjson (optionally .gz) or "
                                                      ".parquet, with an identityMap.ECID column")
    parser.add_argument("--audiences", type=Path, help="audiences: a JSON list (or JSON lines) of {id, name, ...}")
    parser.add_argument("--dataset", action="append", default=[], metavar="ID=FILE",
                        help="rows of dataset ID (repeatable)")


def run(args: argparse.Namespace) -> int:
    from ..platform_data import DataError, PlatformData, load

    datasets: dict[str, str] = {}
    for item in args.dataset:
        dataset_id, sep, file = item.partition("=")
        if not sep or not dataset_id or not file:
            raise UsageError(f"--dataset: expected ID=FILE, got {item!r}")
        if dataset_id in datasets:
            raise UsageError(f"--dataset: {dataset_id} named twice")
        datasets[dataset_id] = file
    try:
        load(args.data_dir, profiles=args.profiles, audiences=args.audiences, datasets=datasets)
        data = PlatformData.open(args.data_dir)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    print(f"{args.data_dir}: {data.profile_count():,} profiles, {len(data.audiences)} audiences, "
          f"{len(data.datasets)} datasets" + (f" (loaded: {', '.join(datasets)})" if datasets else ""))
    return 0
