"""The mock's own OpenAPI document: the emulated API and the admin API."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def document() -> dict:
    """Built on first use (from ``spec.build()``), not at start-up; the same dict afterwards."""
    from .spec import build

    return build()
