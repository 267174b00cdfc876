"""Talking to a running mock's admin API from the command line (standard library only)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from . import UsageError

TIMEOUT = 30


def call(url: str, method: str, path: str, body: Any = None, timeout: float = TIMEOUT) -> tuple[int, Any]:
    """(status, parsed JSON body or None); UsageError when the mock cannot be reached."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url.rstrip("/") + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise UsageError(f"cannot reach the mock at {url}: {getattr(error, 'reason', error)}") from None
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        raise UsageError(f"{url} did not answer JSON: is it flowservice-mock?") from None


def refusal(status: int, body: Any) -> str:
    """The reason an admin call was refused, from the mock's error body."""
    if isinstance(body, dict):
        return str((body.get("report") or {}).get("detailed-message") or body.get("message") or body)
    return f"status {status}"
