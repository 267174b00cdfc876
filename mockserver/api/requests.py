"""Reading what a request carries: the caller, its JSON body, its query."""

from __future__ import annotations

from typing import Any

import orjson
from flask import g, request

from ..domain.context import Caller
from ..domain.errors import validation_failed


def caller() -> Caller:
    return g.caller


def json_body() -> Any:
    """The parsed JSON body, or ``None`` when the request has none."""
    data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise validation_failed(f"The request body is not valid JSON: {exc}.") from None


def query_args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)
