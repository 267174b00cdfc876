"""``flowservice-mock serve``: the emulated API over HTTP, in the foreground."""

from __future__ import annotations

import argparse

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


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the flags given."""
    try:
        settings = Settings.from_env().with_overrides(
            host=args.host, port=args.port, profile=args.profile, seed=args.seed,
            threads=args.threads, require_sandbox_header=args.require_sandbox_header,
            sandboxes=args.sandboxes, lenient_if_match=args.lenient_if_match,
            reveal_secrets=args.reveal_secrets, journal_size=args.journal_size,
            journal_body_limit=args.journal_body_limit, journal_admin=args.journal_admin,
            faults_file=args.faults_file,
        )
        if settings.faults_file:
            read_file(settings.faults_file)  # refused here, as a usage error, rather than at start-up
        return settings
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from ..server import serve_forever

    return serve_forever(settings_from(args))
