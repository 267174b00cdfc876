"""``flowservice-mock faults --url URL add|list|remove|clear|load``: a running mock's fault rules."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..checks.faults import KINDS, STATUSES, read_file
from . import UsageError, integer, number
from .admin_client import call, refusal

NAME = "faults"
HELP = "inject failures into a running mock: add, list, remove, clear or load fault rules"

#: add's flags and the rule fields they set.
RULE_FLAGS = {
    "kind": "kind", "status": "status", "retry_after": "retryAfter", "latency_ms": "latencyMs",
    "every": "every", "probability": "probability", "seed": "seed", "times": "times",
    "method": "method", "path": "path", "org": "imsOrgId", "sandbox": "sandboxName",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", required=True, help="the running mock, e.g. http://127.0.0.1:8080")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add one rule")
    add.add_argument("--kind", choices=KINDS, help="status (default with --status), token-expired, latency, drop")
    add.add_argument("--status", type=integer, choices=STATUSES, help="the status of a status fault")
    add.add_argument("--retry-after", type=integer, help="Retry-After seconds of a 429/503 (429 default: 1)")
    add.add_argument("--latency-ms", type=integer, help="delay before answering, milliseconds")
    add.add_argument("--every", type=integer, help="fault every Nth matching request")
    add.add_argument("--probability", type=number, help="fault a matching request with this probability")
    add.add_argument("--seed", type=integer, help="seed of the probability")
    add.add_argument("--times", type=integer, help="fault at most this many times")
    add.add_argument("--method", help="only this HTTP method")
    add.add_argument("--path", help="only paths matching this glob, e.g. '/data/foundation/flowservice/flows*'")
    add.add_argument("--org", help="only this IMS org (x-gw-ims-org-id)")
    add.add_argument("--sandbox", help="only this sandbox (x-sandbox-name; none sent means prod)")
    actions.add_parser("list", help="list the rules and their counts")
    remove = actions.add_parser("remove", help="remove one rule")
    remove.add_argument("id", help="the rule's id, e.g. fault-1")
    actions.add_parser("clear", help="remove every rule")
    load = actions.add_parser("load", help="add the rules of a JSON file (one rule or a list)")
    load.add_argument("file")


def rule_from(args: argparse.Namespace) -> dict[str, Any]:
    rule = {field: getattr(args, flag) for flag, field in RULE_FLAGS.items() if getattr(args, flag) is not None}
    if "kind" not in rule and "status" in rule:
        rule["kind"] = "status"
    return rule


def run(args: argparse.Namespace) -> int:
    if args.action == "add":
        method, path, body = "POST", "/_mock/faults", rule_from(args)
    elif args.action == "load":
        try:
            body = read_file(args.file)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        method, path = "POST", "/_mock/faults"
    elif args.action == "remove":
        method, path, body = "DELETE", f"/_mock/faults/{args.id}", None
    else:
        method, path, body = {"list": "GET", "clear": "DELETE"}[args.action], "/_mock/faults", None
    status, answer = call(args.url, method, path, body)
    if status >= 400:
        print(f"flowservice-mock faults: refused: {refusal(status, answer)}", file=sys.stderr)
        return 1
    if answer is not None:
        print(json.dumps(answer, indent=2))
    return 0
