"""The subcommands of ``flowservice-mock``, one module each.

A command module defines ``NAME``, ``HELP``, ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status). Adding a command is adding a module and
naming it in ``COMMANDS``.
"""

from __future__ import annotations


class UsageError(Exception):
    """Words of the command line (flags, environment) that cannot be used; exit status 2."""


from . import conformance, faults, fixtures, record, serve  # noqa: E402 - the commands import UsageError

COMMANDS = (serve, conformance, faults, fixtures, record)
