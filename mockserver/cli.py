"""``flowservice-mock``: the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__
from .settings import PROFILES, Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="flowservice-mock",
        description="A local, stateful emulator of Adobe Experience Platform's Flow Service API for destinations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the emulated API over HTTP")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080; 0 picks a free one)")
    serve.add_argument("--profile", choices=PROFILES, help="which doc era PATCH/DELETE answers follow")
    serve.add_argument("--seed", type=int, help="seed for deterministic ids and etags")
    serve.add_argument("--threads", type=int, help="worker threads of the server (default 8)")
    serve.add_argument("--require-sandbox-header", action="store_true", default=None,
                       help="answer 400 when x-sandbox-name is missing instead of using prod")
    serve.add_argument("--sandboxes", type=lambda text: tuple(s for s in text.split(",") if s),
                       help="comma-separated sandbox names that exist (default: every name)")
    serve.add_argument("--lenient-if-match", action="store_true", default=None,
                       help="accept If-Match without the surrounding double quotes")
    serve.add_argument("--reveal-secrets", action="store_true", default=None,
                       help="return secret auth params in clear")

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env().with_overrides(
            host=args.host, port=args.port, profile=args.profile, seed=args.seed,
            threads=args.threads, require_sandbox_header=args.require_sandbox_header,
            sandboxes=args.sandboxes, lenient_if_match=args.lenient_if_match,
            reveal_secrets=args.reveal_secrets,
        )
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "serve":
        from .server import serve_forever
        return serve_forever(settings)
    return 2  # pragma: no cover - argparse already refused


if __name__ == "__main__":
    sys.exit(main())
