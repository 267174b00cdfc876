"""The fuzz's summary line: how many requests it sent, and what it found."""

from __future__ import annotations

from .harness import STATS


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not STATS.requests:
        return
    terminalreporter.write_line(
        f"fuzz: {STATS.requests} requests, {STATS.server_errors} 5xx, {STATS.leaks} leaks, "
        f"{STATS.malformed_tenants} malformed tenants"
    )
    for failure in STATS.failures[:20]:
        terminalreporter.write_line(f"  fuzz found: {failure[:400]}")
