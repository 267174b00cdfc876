"""``flowservice-mock state --url URL save FILE | load FILE``: a running mock's state as a snapshot file."""

from __future__ import annotations

import argparse
import json
import sys

from ..snapshot import read_file
from . import UsageError
from .admin_client import call, refusal

NAME = "state"
HELP = "save a running mock's state to a snapshot file, or load one into it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    actions = parser.add_subparsers(dest="action", required=True)
    save = actions.add_parser("save", help="write the state (GET /_mock/state) to FILE")
    save.add_argument("file")
    save.add_argument("--org", help="only this IMS org")
    save.add_argument("--sandbox", help="only this sandbox")
    load = actions.add_parser("load", help="load FILE, replacing the tenants it holds")
    load.add_argument("file")


def run(args: argparse.Namespace) -> int:
    if args.action == "save":
        query = "&".join(f"{k}={v}" for k, v in (("imsOrgId", args.org), ("sandboxName", args.sandbox)) if v)
        status, answer = call(args.url, "GET", "/_mock/state" + (f"?{query}" if query else ""), timeout=300)
        if status >= 400:
            print(f"flowservice-mock state: refused: {refusal(status, answer)}", file=sys.stderr)
            return 1
        with open(args.file, "w", encoding="utf-8") as file:
            json.dump(answer, file)
        print(f"saved {len(answer['tenants'])} tenants to {args.file}")
        return 0
    try:
        document = read_file(args.file)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    status, answer = call(args.url, "POST", "/_mock/state", document, timeout=300)
    if status >= 400:
        print(f"flowservice-mock state: refused: {refusal(status, answer)}", file=sys.stderr)
        return 1
    print(f"loaded {answer['loaded']} tenants from {args.file}")
    return 0
