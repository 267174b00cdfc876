"""The mock's own OpenAPI document: the emulated API and the admin API."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"


@lru_cache(maxsize=1)
def document() -> dict:
    """Read on first use, not at start-up."""
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))
