"""``flowservice-mock clock --url URL``: show, freeze, set or advance a running mock's clock.

Moving the clock runs the exports the schedules reached, and prints them.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import UsageError
from .admin_client import call, refusal
from .exports_report import print_runs

NAME = "clock"
HELP = "show or move a running mock's clock (moving it runs the exports it passes)"
#: Exports started by a clock move may take a while on big data; the mock waits up to 120 s.
TIMEOUT = 180


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    moves = parser.add_argument_group("moves (none: show the clock)")
    moves.add_argument("--freeze", action="store_true", help="stop the clock")
    moves.add_argument("--unfreeze", action="store_true", help="let the clock run from where it shows")
    moves.add_argument("--set", metavar="WHEN", help="epoch seconds or ISO 8601 (UTC if no offset)")
    moves.add_argument("--advance", metavar="DURATION", help='seconds or a duration such as "1w", "1d12h"')
    moves.add_argument("--reset", action="store_true", help="back to real time")


def run(args: argparse.Namespace) -> int:
    if args.freeze and args.unfreeze:
        raise UsageError("--freeze and --unfreeze cannot be given together")
    body: dict[str, Any] = {}
    if args.reset:
        body["reset"] = True
    if args.freeze or args.unfreeze:
        body["freeze"] = bool(args.freeze)
    if args.set is not None:
        body["set"] = float(args.set) if _number(args.set) else args.set
    if args.advance is not None:
        body["advance"] = float(args.advance) if _number(args.advance) else args.advance
    status, answer = (call(args.url, "POST", "/_mock/clock", body, timeout=TIMEOUT) if body
                      else call(args.url, "GET", "/_mock/clock"))
    if status != 200 or not isinstance(answer, dict):
        raise UsageError(f"the mock refused: {refusal(status, answer)}")
    print(f"clock: {answer['iso']} ({'frozen' if answer['frozen'] else 'running'})")
    if body:
        print_runs(answer.get("runs", []), still_running=answer.get("stillRunning", False))
    return 0


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
