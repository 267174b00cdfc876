"""``flowservice-mock record``: a proxy to the real API that records each exchange as a fixture."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from . import UsageError, integer

NAME = "record"
HELP = "proxy requests to an upstream Flow Service and record each exchange as a fixture (secrets redacted)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", required=True, help="base URL to forward to, e.g. https://platform.adobe.io")
    parser.add_argument("--out", type=Path, required=True, help="directory of the recorded sequence")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=integer, default=8081, help="port to listen on (default 8081; 0 picks one)")


def run(args: argparse.Namespace) -> int:
    from ..fixtures.proxy import RecordingProxy
    from ..server import MockServer
    from ..settings import Settings

    if not args.upstream.startswith(("http://", "https://")):
        raise UsageError("--upstream must be an http(s) URL")
    try:
        settings = Settings(host=args.host, port=args.port)
        server = MockServer(settings, app=RecordingProxy(args.upstream, args.out))
    except (ValueError, OSError) as exc:
        raise UsageError(str(exc)) from None
    server.start()
    print(f"flowservice-mock recording {args.upstream} into {args.out} on {server.url}; Ctrl-C stops it",
          flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0
