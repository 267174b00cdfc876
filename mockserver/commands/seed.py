"""``flowservice-mock seed``: write a synthetic data directory (profiles, audiences, datasets)."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from . import UsageError, integer
from .progress import Progress

NAME = "seed"
HELP = "write synthetic profiles, audiences and dataset rows into a data directory (for serve --data-dir)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, required=True, help="the directory to write (created if missing)")
    parser.add_argument("--profiles", type=integer, required=True, help="how many profiles")
    parser.add_argument("--audiences", type=integer, default=5, help="how many audiences (default 5)")
    parser.add_argument("--seed", type=integer, default=0, help="the seed: the same seed and time give the same data")
    parser.add_argument("--reference-time",
                        help="ISO 8601 date-time or epoch seconds around which qualification and ingest times "
                             "spread (30 days before to 14 days after); default: today 00:00 UTC")


def reference_time(text: str | None) -> float:
    if text is None:
        today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        return today.timestamp()
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--reference-time: {text!r} is neither ISO 8601 nor epoch seconds") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def run(args: argparse.Namespace) -> int:
    from ..platform_data import DataError, generate

    at = reference_time(args.reference_time)
    progress = Progress(args.profiles, "profiles")
    try:
        generate(args.data_dir, profiles=args.profiles, audiences=args.audiences, seed=args.seed,
                 reference_time=at, progress=progress)
    except DataError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        progress.close()
        print(f"flowservice-mock seed: interrupted; {args.data_dir} is as it was", file=sys.stderr)
        return 130
    finally:
        progress.close()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    print(f"seeded {args.profiles:,} profiles in {args.audiences} audiences, and the packaged datasets, into "
          f"{args.data_dir} in {progress.elapsed:.1f} s (seed {args.seed}, reference time {stamp})")
    return 0
