"""``flowservice-mock permissions --url URL get|set FILE|clear|table``: a running mock's access control."""

from __future__ import annotations

import argparse
import json
import sys

from ..domain.permissions import read_file
from . import UsageError
from .admin_client import call, refusal

NAME = "permissions"
HELP = "who holds which permissions in a running mock: get, set (from a JSON file), clear, or the table"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("get", help="print the permissions document in force ({}: everybody holds everything)")
    put = actions.add_parser("set", help="replace the document with a JSON file's, as --permissions-file takes it")
    put.add_argument("file")
    actions.add_parser("clear", help="everybody holds every permission again")
    actions.add_parser("table", help="print what each operation needs")


def run(args: argparse.Namespace) -> int:
    body = None
    if args.action == "set":
        try:
            body = read_file(args.file)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    method, path = {"get": ("GET", "/_mock/permissions"), "set": ("PUT", "/_mock/permissions"),
                    "clear": ("DELETE", "/_mock/permissions"),
                    "table": ("GET", "/_mock/permissions/table")}[args.action]
    status, answer = call(args.url, method, path, body)
    if status >= 400:
        print(f"flowservice-mock permissions: refused: {refusal(status, answer)}", file=sys.stderr)
        return 1
    if answer is not None:
        print(json.dumps(answer, indent=2))
    return 0
