"""What arrives from outside the mock, made safe once: JSON, integers, numbers and echoed text.

Every request body, token claim, continuation token, admin value and file the mock reads goes
through these functions, so that nothing it stores or quotes back can fail to serialise:

* JSON is parsed by orjson, which refuses invalid UTF-8, lone UTF-16 surrogates (``"\\ud800"``)
  and numbers beyond a double, so a parsed document always serialises again;
* integers are ASCII digits of bounded length (Python's ``int()`` takes ``"٣"`` and thousands of
  digits, and then fails elsewhere);
* text quoted back in a message is shortened and shown with its control characters escaped.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

import orjson

#: Longest integer text read (enough for a millisecond timestamp or a byte count).
MAX_INT_DIGITS = 18
_INT = re.compile(r"[+-]?[0-9]{1,%d}" % MAX_INT_DIGITS)
_NUMBER = re.compile(r"[+-]?([0-9]{1,18}(\.[0-9]{0,9})?|\.[0-9]{1,9})([eE][+-]?[0-9]{1,3})?")
#: Longest echo of a client's value in an error message.
SHOWN_LENGTH = 120


class InvalidJson(ValueError):
    """Text that is not JSON the mock can store and serialise again."""


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """The JSON document in ``data``; :class:`InvalidJson` with the parser's reason otherwise."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidJson(str(exc)) from None


def token_claims(token: str) -> dict | None:
    """The claims of a JWT (an IMS access token), read without verifying it; None if it is none."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        return None
    try:
        claims = loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):  # InvalidJson is a ValueError
        return None
    return claims if isinstance(claims, dict) else None


def claim(claims: dict | None, name: str, limit: int = 255) -> str | None:
    """A claim fit to be stored or compared: printable text of at most ``limit`` characters."""
    value = claims.get(name) if claims else None
    if isinstance(value, str) and 0 < len(value) <= limit and value.strip() and is_clean(value):
        return value
    return None


def parse_int(text: Any, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer written in ASCII digits (optionally signed), within the bounds given.

    ``ValueError`` for anything else: other scripts' digits, more than 18 digits, blanks inside,
    values out of bounds. Surrounding whitespace is ignored.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise ValueError(f"not an integer: {shown(text)}")
    if isinstance(text, str):
        stripped = text.strip()
        if not _INT.fullmatch(stripped):
            raise ValueError(f"not an integer: {shown(text)}")
        value = int(stripped)
    else:
        value = text
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"out of range: {shown(text)}")
    return value


def parse_number(text: Any, minimum: float | None = None, maximum: float | None = None) -> float:
    """A finite decimal number (``12``, ``-0.5``, ``1e3``) within the bounds given; ``ValueError`` else."""
    if isinstance(text, bool):
        raise ValueError(f"not a number: {shown(text)}")
    if isinstance(text, (int, float)):
        value = float(text)
    elif isinstance(text, str) and _NUMBER.fullmatch(text.strip()):
        value = float(text.strip())
    else:
        raise ValueError(f"not a number: {shown(text)}")
    if not math.isfinite(value) or (minimum is not None and value < minimum) or (
            maximum is not None and value > maximum):
        raise ValueError(f"out of range: {shown(text)}")
    return value


def is_clean(text: str) -> bool:
    """True when ``text`` has no control character and no lone surrogate."""
    return not _UNSAFE.search(text)


_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` with control characters and lone surrogates escaped as ``\\uXXXX``."""
    if is_clean(text):
        return text
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def shown(value: Any, limit: int = SHOWN_LENGTH) -> str:
    """A client's value as an error message quotes it: clean, and shortened past ``limit``."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return clean(text)
