"""``flowservice-mock fixtures verify|extract``: replay recorded exchanges against a target and report the
drift; write the reference's examples as fixtures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import UsageError

NAME = "fixtures"
HELP = "replay recorded exchanges (fixtures/) against the mock or the real API and report differences; " \
       "extract them from the reference docs"
TARGETS = ("inprocess", "http", "real")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    verify = actions.add_parser("verify", help="replay every sequence; exit 1 on differences not listed as known")
    verify.add_argument("--dir", type=Path, default=Path("fixtures"), help="the fixtures directory (default fixtures)")
    verify.add_argument("--target", choices=TARGETS, default="inprocess",
                        help="inprocess (default), http (with --base-url, or a mock server process), real "
                             "(AEP_ACCESS_TOKEN, AEP_API_KEY, AEP_ORG_ID, AEP_SANDBOX)")
    verify.add_argument("--base-url", help="base URL of the http target")
    verify.add_argument("--allow-prod", action="store_true", help="let the real target use a sandbox named prod")
    verify.add_argument("-v", "--verbose", action="store_true", help="list every exchange and known difference")
    extract = actions.add_parser("extract", help="write the reference's examples (docs, seed, OpenAPI) as fixtures; "
                                                 "known differences already listed are kept")
    extract.add_argument("--reference", type=Path, required=True,
                         help="the reference folder (with docs/, seed/, adobe-openapi/)")
    extract.add_argument("--out", type=Path, default=Path("fixtures"), help="where to write (default fixtures)")


def run(args: argparse.Namespace) -> int:
    if args.action == "extract":
        return _extract(args)
    from ..fixtures.verify import verify
    from ..targets import missing_real_credentials, open_target

    if not args.dir.is_dir():
        raise UsageError(f"--dir: no directory {args.dir}")
    if args.target == "real" and missing_real_credentials():
        print(f"fixtures verify: target real skipped: set {', '.join(missing_real_credentials())}")
        return 0
    try:
        target = open_target(args.target, args.base_url, args.allow_prod)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        return verify(args.dir, target, sys.stdout, args.verbose)
    finally:
        target.close()


def _extract(args: argparse.Namespace) -> int:
    from ..fixtures.extract import extract

    if not (args.reference / "adobe-openapi").is_dir():
        raise UsageError(f"--reference: {args.reference} has no adobe-openapi/ folder")
    counts = extract(args.reference, args.out)
    print(f"fixtures extract: {counts['exchanges']} exchanges in {counts['sequences']} sequences written to {args.out}")
    return 0
