"""``flowservice-mock conformance --url URL``: the conformance report of a running mock's journal.

Exit status 0 when the journal holds no violation, 1 when it does (for CI), 2 when the mock
cannot be asked.
"""

from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import urlencode

from ..checks.conformance import render_text
from . import UsageError, number
from .admin_client import call, refusal

NAME = "conformance"
HELP = "report how a client used the API (rules run over a running mock's request journal)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    parser.add_argument("--min-poll-interval", type=number,
                        help="shortest sane interval between two polls of the same runs, seconds (default 5)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    query = {} if args.min_poll_interval is None else {"minPollInterval": args.min_poll_interval}
    status, report = call(args.url, "GET", "/_mock/conformance" + (f"?{urlencode(query)}" if query else ""))
    if status != 200 or not isinstance(report, dict):
        raise UsageError(f"the mock refused the report: {refusal(status, report)}")
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else render_text(report))
    return 0 if report["conformant"] else 1
