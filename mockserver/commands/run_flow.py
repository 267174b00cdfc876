"""``flowservice-mock run FLOW_ID --url URL``: export a flow now and print where its files went."""

from __future__ import annotations

import argparse

from . import UsageError
from .admin_client import call, refusal
from .exports_report import print_runs

NAME = "run"
HELP = "export a flow now (all its audiences or datasets, or those given) and print its files"
TIMEOUT = 180


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("flow_id", help="the dataflow's id")
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    parser.add_argument("--id", dest="ids", action="append", metavar="ID",
                        help="an audience or dataset id of the flow (repeatable; default: all)")


def run(args: argparse.Namespace) -> int:
    body = {"ids": args.ids} if args.ids else {}
    status, answer = call(args.url, "POST", f"/_mock/flows/{args.flow_id}/run", body, timeout=TIMEOUT)
    if status != 200 or not isinstance(answer, dict):
        raise UsageError(f"the mock refused: {refusal(status, answer)}")
    runs = answer.get("runs", [])
    print_runs(runs, still_running=answer.get("stillRunning", False))
    return 1 if any(run["status"] == "failed" for run in runs) else 0
