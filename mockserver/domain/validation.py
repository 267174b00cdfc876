"""Small checks on request bodies, each failing with the service's 400."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from ..redaction import scrub
from ..text import shown

if TYPE_CHECKING:
    from jsonschema import Draft7Validator

from .errors import validation_failed


def require_object(value: Any, where: str = "The request body") -> dict:
    if not isinstance(value, dict):
        raise validation_failed(f"{where} must be a JSON object.")
    return value


def require_string(body: dict, key: str, where: str = "", *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise validation_failed(f"Field '{where}{key}' is required and must be a non-empty string.")
    return value


def optional_string(body: dict, key: str, where: str = "") -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise validation_failed(f"Field '{where}{key}' must be a string.")
    return value


def check_schema(validator: "Draft7Validator", instance: Any, where: str, secrets: Iterable[Any] = ()) -> None:
    """Raise the most relevant schema violation of ``instance`` as a 400, naming the field.

    jsonschema's messages quote the value that failed (``'abc' does not match '^A'``): the values
    in ``secrets`` are masked in it, whichever member the message is about."""
    from jsonschema.exceptions import best_match

    found = best_match(validator.iter_errors(instance))
    if found is None:
        return
    path = where + "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in found.absolute_path)
    message = scrub(found.message, [s if isinstance(s, str) else repr(s) for s in secrets])
    raise validation_failed(f"Invalid value for '{shown(path)}': {shown(message, 500)}.")
