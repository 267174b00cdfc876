"""The subcommands of ``flowservice-mock``, one module each.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). Adding a command is adding a module and
naming it in ``COMMANDS``.
"""

from __future__ import annotations


class UsageError(Exception):
    """Words of the command line (flags, environment) that cannot be used; exit status 2."""


from . import clock, conformance, faults, fixtures, record, run_flow, serve  # noqa: E402 - they import UsageError

COMMANDS = (serve, clock, run_flow, conformance, faults, fixtures, record)
