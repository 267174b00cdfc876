"""Reading what a request carries: the caller, its JSON body, its query."""

from __future__ import annotations

from typing import Any, Callable

from flask import g, request

from ..domain.context import Caller
from ..domain.errors import ApiError, validation_failed
from ..domain.limits import depth, may_be_deeper
from ..text import InvalidJson, loads
from .responses import platform
from .wire import REQUEST_BODY


def caller() -> Caller:
    return g.caller


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
        body = loads(data)
    except InvalidJson as exc:
        raise refuse(f"The request body is not valid JSON: {exc}.") from None
    max_depth = platform().settings.max_depth
    # Counting brackets is cheap and rules out deep nesting for nearly every body.
    if may_be_deeper(data, max_depth) and depth(body) > max_depth:
        raise refuse(f"The request body is nested deeper than {max_depth} levels.")
    return body


def query_args() -> dict[str, list[str]]:
    return request.args.to_dict(flat=False)
