"""``flowservice-mock serve``: the emulated API over HTTP, in the foreground."""

from __future__ import annotations

import argparse
from dataclasses import fields

from ..checks.faults import read_file
from ..settings import PROFILES, SERVERS, Settings
from . import UsageError, integer, number

#: The limits on requests (docs/fidelity.md, "Limits"), each a flag named after its setting.
LIMIT_FLAGS = {
    "max_body_bytes": "bytes of a request body; larger ones get 413",
    "max_depth": "nesting levels of a body and of a stored entity",
    "max_patch_operations": "operations in one JSON Patch",
    "max_entity_bytes": "bytes of an entity as stored, after a create or a patch",
    "max_query_length": "characters of a query string",
    "max_id_length": "characters of an id in a path",
    "max_headers": "request headers",
}

NAME = "serve"
HELP = "serve the emulated API over HTTP"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=integer, help="port to listen on (default 8080; 0 picks a free one)")
    parser.add_argument("--profile", choices=PROFILES, help="which doc era PATCH/DELETE answers follow")
    parser.add_argument("--seed", type=integer, help="seed for deterministic ids and etags")
    parser.add_argument("--threads", type=integer, help="worker threads of the server, per process (default 8)")
    parser.add_argument("--server", choices=SERVERS,
                        help="the HTTP server: waitress (default) or granian (faster; one worker process holds the state)")
    parser.add_argument("--workers", type=integer,
                        help="processes serving at once (default 1; above 1: --server granian and --store redis://...)")
    parser.add_argument("--require-sandbox-header", action="store_true", default=None,
                        help="answer 400 when x-sandbox-name is missing instead of using prod")
    parser.add_argument("--sandboxes", type=lambda text: tuple(s for s in text.split(",") if s),
                        help="comma-separated sandbox names that exist (default: every name)")
    parser.add_argument("--lenient-if-match", action="store_true", default=None,
                        help="accept If-Match without the surrounding double quotes")
    parser.add_argument("--reveal-secrets", action="store_true", default=None,
                        help="return secret auth params in clear")
    parser.add_argument("--journal-size", type=integer, help="exchanges the request journal keeps (default 1000; 0: off)")
    parser.add_argument("--journal-body-limit", type=integer, help="bytes of each body the journal keeps (default 8192)")
    parser.add_argument("--journal-admin", action="store_true", default=None,
                        help="journal the mock's own /_mock/ requests too")
    parser.add_argument("--store", help="where state lives: memory (default), sqlite:PATH or redis://HOST:PORT/DB")
    parser.add_argument("--load-state", help="a snapshot file (GET /_mock/state) to load at start")
    parser.add_argument("--secrets-key", help="the key snapshots seal secrets with (the same on mocks that share snapshots)")
    parser.add_argument("--faults-file", help="a JSON file of fault rules to load at start")
    parser.add_argument("--permissions-file",
                        help="a JSON file of who holds which permissions (default: every client holds all)")
    parser.add_argument("--data-dir", help="Platform data to export (from `seed` or `load`; default: demo data)")
    parser.add_argument("--storage-root", help="folder export files land in (default ./flowservice-mock-exports)")
    parser.add_argument("--s3-endpoint-url", help="an S3-compatible endpoint that S3 destinations upload to")
    parser.add_argument("--segment-evaluation-time", help="HH:MM UTC of the daily segment evaluation (default 02:00)")
    parser.add_argument("--export-max-rows", type=integer, help="rows per export file before splitting (default 5000000)")
    for name, what in LIMIT_FLAGS.items():
        parser.add_argument("--" + name.replace("_", "-"), type=integer, metavar="N",
                            help=f"{what} (default {getattr(Settings, name):,})")
    parser.add_argument("--scheduler-interval", type=number,
                        help="seconds between checks for due runs (default 1; 0: only when the clock moves)")
    parser.add_argument("--connection-limit", type=integer, metavar="N",
                        help="open connections the server holds at once (default 1000)")
    parser.add_argument("--channel-timeout", type=integer, metavar="S",
                        help="seconds a connection may stay silent before it is closed (default 30)")
    parser.add_argument("--request-timeout", type=integer, metavar="S",
                        help="seconds a client may take to send one request, headers and body (default 30; 0: no limit)")
    parser.add_argument("--max-request-header-size", type=integer, metavar="BYTES",
                        help="bytes of a request's headers; larger ones get 431 (default 65536)")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the flags given."""
    try:
        # Every flag is named after its settings field.
        settings = Settings.from_env().with_overrides(
            **{f.name: getattr(args, f.name, None) for f in fields(Settings)}
        )
        if settings.faults_file:
            read_file(settings.faults_file)  # refused here, as a usage error, rather than at start-up
        if settings.permissions_file:
            from ..domain.permissions import read_file as read_permissions

            read_permissions(settings.permissions_file)
        return settings
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from ..server import serve_forever

    return serve_forever(settings_from(args))
