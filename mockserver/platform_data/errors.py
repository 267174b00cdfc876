"""The one refusal of the Platform data package."""

from __future__ import annotations


class DataError(ValueError):
    """User data (a file, a flag value, a data directory) that cannot be used; the message says why and where."""
