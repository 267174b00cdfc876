"""Limits on what is stored, checked on the result rather than on the request.

A create or a patch is refused when the entity it would store is nested deeper than
``max_depth`` or encodes to more than ``max_entity_bytes``: each PATCH of a sequence may be
small and shallow while their result is neither, and an entity that cannot be encoded would
make its GET and its tenant's lists fail for good. docs/fidelity.md, "Limits".
"""

from __future__ import annotations

from typing import Any

import orjson

from .errors import validation_failed


def depth(value: Any) -> int:
    """Levels of nesting of a JSON value (a scalar is 0, ``[]`` and ``{}`` are 1)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node)
    return deepest


def may_be_deeper(encoded: bytes, max_depth: int) -> bool:
    """False when the JSON text cannot nest deeper than ``max_depth`` (too few brackets): cheap."""
    return encoded.count(b"[") + encoded.count(b"{") > max_depth


def check_stored(entity: dict, what: str, max_depth: int, max_bytes: int) -> None:
    """Refuse an entity that could not be stored and served again."""
    try:
        encoded = orjson.dumps(entity)
    except (TypeError, orjson.JSONEncodeError):
        # orjson refuses what no JSON text holds (and nesting past its own limit).
        raise validation_failed(f"The {what} cannot be stored: it is nested deeper than {max_depth} levels "
                                "or holds a value JSON cannot carry.") from None
    if len(encoded) > max_bytes:
        raise validation_failed(f"The {what} would be {len(encoded)} bytes long; at most {max_bytes} are kept.")
    if may_be_deeper(encoded, max_depth) and depth(entity) > max_depth:
        raise validation_failed(f"The {what} would be nested deeper than {max_depth} levels.")
