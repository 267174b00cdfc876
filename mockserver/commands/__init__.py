"""The subcommands of ``flowservice-mock``, one module each.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). Adding a command is adding a module and
naming it in ``COMMANDS``.
"""

from __future__ import annotations

import argparse

from ..text import parse_int, parse_number


class UsageError(Exception):
    """Words of the command line (flags, environment) that cannot be used; exit status 2."""


def integer(text: str) -> int:
    """An argparse ``type``: the integer reader every part of the mock uses (mockserver.text)."""
    try:
        return parse_int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def number(text: str) -> float:
    try:
        return parse_number(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


# The commands import UsageError, defined above.
from . import (  # noqa: E402
    clock, conformance, faults, fixtures, load, permissions, record, run_flow, seed, serve, state,
)

COMMANDS = (serve, seed, load, clock, run_flow, conformance, faults, permissions, state, fixtures, record)
