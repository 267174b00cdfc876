"""Reading what a request carries: the caller, its JSON body, its query."""

from __future__ import annotations

from typing import Any, Callable

import orjson
from flask import g, request

from ..domain.context import Caller
from ..domain.errors import ApiError, validation_failed
from .wire import REQUEST_BODY


def caller() -> Caller:
    return g.caller


#: Deepest nesting a body may have; deeper documents are refused before anything copies them.
MAX_DEPTH = 200


def json_body(refuse: Callable[[str], ApiError] = validation_failed) -> Any:
    """The parsed JSON body, or ``None`` when the request has none (or is JSON ``null``). A body that
    is not JSON is refused with ``refuse(message)``: Flow Service's error unless the API has its own."""
    # The journal has read the body already (api/wire.py); reading it again through Flask costs more.
    data = request.environ.get(REQUEST_BODY)
    if data is None:
        data = request.get_data(cache=True)
    if not data.strip():
        return None
    try:
        body = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise refuse(f"The request body is not valid JSON: {exc}.") from None
    # Counting brackets is cheap and rules out deep nesting for nearly every body.
    if data.count(b"[") + data.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        raise refuse(f"The request body is nested deeper than {MAX_DEPTH} levels.")
    return body


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def query_args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)
