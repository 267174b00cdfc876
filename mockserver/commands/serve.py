"""``flowservice-mock serve``: the emulated API over HTTP, in the foreground."""

from __future__ import annotations

import argparse
from dataclasses import fields

from ..checks.faults import read_file
from ..settings import PROFILES, Settings
from . import UsageError

NAME = "serve"
HELP = "serve the emulated API over HTTP"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port to listen on (default 8080; 0 picks a free one)")
    parser.add_argument("--profile", choices=PROFILES, help="which doc era PATCH/DELETE answers follow")
    parser.add_argument("--seed", type=int, help="seed for deterministic ids and etags")
    parser.add_argument("--threads", type=int, help="worker threads of the server (default 8)")
    parser.add_argument("--require-sandbox-header", action="store_true", default=None,
                        help="answer 400 when x-sandbox-name is missing instead of using prod")
    parser.add_argument("--sandboxes", type=lambda text: tuple(s for s in text.split(",") if s),
                        help="comma-separated sandbox names that exist (default: every name)")
    parser.add_argument("--lenient-if-match", action="store_true", default=None,
                        help="accept If-Match without the surrounding double quotes")
    parser.add_argument("--reveal-secrets", action="store_true", default=None,
                        help="return secret auth params in clear")
    parser.add_argument("--journal-size", type=int, help="exchanges the request journal keeps (default 1000; 0: off)")
    parser.add_argument("--journal-body-limit", type=int, help="bytes of each body the journal keeps (default 8192)")
    parser.add_argument("--journal-admin", action="store_true", default=None,
                        help="journal the mock's own /_mock/ requests too")
    parser.add_argument("--faults-file", help="a JSON file of fault rules to load at start")
    parser.add_argument("--data-dir", help="Platform data to export (from `seed` or `load`; default: demo data)")
    parser.add_argument("--storage-root", help="folder export files land in (default ./flowservice-mock-exports)")
    parser.add_argument("--s3-endpoint-url", help="an S3-compatible endpoint that S3 destinations upload to")
    parser.add_argument("--segment-evaluation-time", help="HH:MM UTC of the daily segment evaluation (default 02:00)")
    parser.add_argument("--export-max-rows", type=int, help="rows per export file before splitting (default 5000000)")
    parser.add_argument("--scheduler-interval", type=float,
                        help="seconds between checks for due runs (default 1; 0: only when the clock moves)")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the flags given."""
    try:
        # Every flag is named after its settings field.
        settings = Settings.from_env().with_overrides(
            **{f.name: getattr(args, f.name, None) for f in fields(Settings)}
        )
        if settings.faults_file:
            read_file(settings.faults_file)  # refused here, as a usage error, rather than at start-up
        return settings
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from ..server import serve_forever

    return serve_forever(settings_from(args))
