"""The subcommands of ``flowservice-mock``, one module each.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). Adding a command is adding a module and
naming it in ``COMMANDS``.
"""

from __future__ import annotations


class UsageError(Exception):
    """Words of the command line (flags, environment) that cannot be used; exit status 2."""


# The commands import UsageError, defined above.
from . import clock, conformance, faults, fixtures, load, record, run_flow, seed, serve  # noqa: E402

COMMANDS = (serve, seed, load, clock, run_flow, conformance, faults, fixtures, record)
