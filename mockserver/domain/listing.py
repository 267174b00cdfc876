"""Listing: ``property`` filters, ``orderby``, ``limit``, ``count`` and continuation tokens.

The grammar is the one of the Flow Service sorting and filtering guide:
``property=<path><op><value>`` with dotted paths, ``[]`` to step into arrays,
comma-separated values meaning "any of", several ``property`` parameters
ANDed; ``orderby=[+|-]field[,...]``; ``count=true`` answering ``{"count": N}``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

from ..text import InvalidJson, loads, parse_int, shown
from .errors import invalid_request
from .kept import MISSING, Kept

MAX_LIMIT = 100
QUERY_PARAMS = frozenset({"property", "orderby", "limit", "count", "continuationToken"})

_FILTER = re.compile(r"^([A-Za-z0-9_.\[\]@$-]+?)([=!<>~]+)(.*)$", re.S)
_ORDER_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Filter:
    path: tuple[str, ...]
    op: str
    values: tuple[str, ...]
    text: str

    def matches(self, entity: Mapping[str, Any]) -> bool:
        found = list(_values_at(entity, self.path))
        if self.op == "==":
            wanted = {v.lower() for v in self.values}
            return any(_as_text(v).lower() in wanted for v in found)
        if self.op == "!=":
            unwanted = {v.lower() for v in self.values}
            return not any(_as_text(v).lower() in unwanted for v in found)
        bound = self.values[0]
        return any(_compare(v, bound, self.op) for v in found)


@dataclass(frozen=True)
class Query:
    filters: tuple[Filter, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    limit: int | None = None
    count: bool = False
    offset: int = 0
    raw: Mapping[str, Sequence[str]] = field(default_factory=dict)


def parse_query(args: Mapping[str, Sequence[str]], extra_params: Iterable[str] = ()) -> Query:
    """Parse list query parameters (each key mapping to its list of values)."""
    allowed = QUERY_PARAMS.union(extra_params)
    offset = 0
    token = _last(args, "continuationToken")
    if token is not None:
        # The token carries the query of the first page; parameters sent again override it.
        offset, stored = _parse_token(token)
        args = {**stored, **{k: v for k, v in args.items() if k != "continuationToken"}}
    for name in args:
        if name not in allowed:
            raise invalid_request(1451, f"Invalid params {shown(name)} provided in query params.")
    filters = tuple(_parse_filter(text) for text in args.get("property", ()))
    order = _parse_order(_last(args, "orderby"))
    count = _parse_bool(_last(args, "count"), "count")
    limit = _parse_limit(_last(args, "limit"))
    if count and limit is not None:
        raise invalid_request(
            1401,
            "The limit and count parameters cannot be given together in the same request. "
            "Please provide either only the limit or the count parameter and try again.",
        )
    return Query(filters, order, limit, count, offset, args)


def run_query(
    entities: Iterable[dict],
    query: Query,
    path: str,
    present: Callable[[dict], dict] = lambda e: e,
) -> dict:
    """Filter, order and page ``entities``; the answer body of a list request at ``path``."""
    return page(select(entities, query), query, path, present)


def select(entities: Iterable[dict], query: Query) -> list[dict]:
    """The entities the query's filters keep, in its order."""
    selected = [e for e in entities if all(f.matches(e) for f in query.filters)]
    if not query.count:
        _sort(selected, query.order)
    return selected


class Listings:
    """The selections of recent list requests, each kept while its collection is unchanged.

    Walking a list page by page then sorts the collection once, not once per page: a page costs
    its own entities, whatever the size of the collection. A collection's version
    (``Tenant.version``) says whether it changed; without one nothing is kept.
    """

    def __init__(self, size: int = 16) -> None:
        self._kept = Kept(size)

    def select(self, key: Any, version: int | None, entities: Callable[[], Iterable[dict]],
               query: Query) -> list[dict]:
        key = (key, query.filters, query.order, query.count)
        selected = self._kept.get(key, version)
        if selected is MISSING:
            selected = select(entities(), query)
            self._kept.put(key, version, selected)
        return selected


def page(selected: list[dict], query: Query, path: str, present: Callable[[dict], dict] = lambda e: e) -> dict:
    """One page of a selection (or its count): the answer body of a list request at ``path``."""
    if query.count:
        return {"count": len(selected)}
    page_size = query.limit or MAX_LIMIT
    items = selected[query.offset: query.offset + page_size]
    links: dict[str, Any] = {}
    next_offset = query.offset + page_size
    if next_offset < len(selected):
        # Only the token: clients split the href on '=' or append it to the base path.
        links["next"] = {"href": f"{path}?continuationToken={_make_token(next_offset, query.raw)}"}
    return {"items": [present(e) for e in items], "_links": links}


# --- filters -----------------------------------------------------------------

def _parse_filter(text: str) -> Filter:
    match = _FILTER.match(text)
    if not match:
        raise invalid_request(1453, f"Invalid query value {shown(text)} provided in query param.")
    path, op, value = match.groups()
    if op == "=":  # the guide's one example with a single '=' means equality
        op = "=="
    if op == "~":
        raise invalid_request(1440, "Operator '~' not implemented.")
    if op not in ("==", "!=", ">=", "<=", ">", "<"):
        raise invalid_request(1450, f"Invalid operator {shown(op)} in filter params.")
    if value == "":
        raise invalid_request(1453, f"Invalid query value {shown(text)} provided in query param.")
    values = tuple(v.strip().strip('"') for v in value.split(",")) if op in ("==", "!=") else (value.strip('"'),)
    if op not in ("==", "!=") and "," in value:
        if op == "<=":
            raise invalid_request(1443, "Operator '<=' is not allowed for multiple values.")
        raise invalid_request(1452, f"Invalid value {shown(value)} for field {shown(path)}.")
    if path == "id" and op in (">=", "<=", ">", "<"):
        raise invalid_request(1448, f"Operator {op} not supported for field id.")
    return Filter(tuple(path.split(".")), op, values, text)


def _values_at(node: Any, path: Sequence[str]) -> Iterator[Any]:
    if not path:
        if isinstance(node, list):  # a path that ends on an array matches any element
            yield from node
        else:
            yield node
        return
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        for item in node:
            yield from _values_at(item, path)
        return
    if not isinstance(node, dict):
        return
    key = head[:-2] if head.endswith("[]") else head
    if key in node:
        yield from _values_at(node[key], rest)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _compare(value: Any, bound: str, op: str) -> bool:
    left: Any
    right: Any
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            left, right = value, float(bound)
        except ValueError:
            return False
    elif isinstance(value, str):
        left, right = value, bound
    else:
        return False
    if op == ">":
        return left > right
    if op == "<":
        return left < right
    if op == ">=":
        return left >= right
    return left <= right


# --- order, limit, count, paging ----------------------------------------------

def _last(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = args.get(name)
    return values[-1] if values else None


def _parse_order(text: str | None) -> tuple[tuple[str, bool], ...]:
    if text is None:
        return ()
    order = []
    for part in text.split(","):
        part = part.strip()  # a '+' that was not percent-encoded arrives as a space
        descending = part.startswith("-")
        name = part[1:] if part[:1] in ("+", "-") else part
        if name[:1] in ("+", "-"):
            raise invalid_request(
                1432,
                "Sort order specified is not correct, prepend + for ascending order and - for "
                "descending order in the fieldName.",
            )
        if not _ORDER_FIELD.match(name):
            raise invalid_request(
                1433, f"Incorrect field= {shown(name)} passed in orderBy, example are +name, -name, name."
            )
        order.append((name, descending))
    return tuple(order)


def _sort(entities: list[dict], order: Sequence[tuple[str, bool]]) -> None:
    if not order:
        # The service lists the most recently created or updated entities first.
        entities.sort(key=lambda e: (e.get("updatedAt") or 0, e.get("id", "")), reverse=True)
        return
    for name, descending in reversed(order):  # stable sorts, last key first
        path = name.split(".")
        present = [e for e in entities if _sort_key(e, path) is not None]
        missing = [e for e in entities if _sort_key(e, path) is None]
        present.sort(key=lambda e: _sort_key(e, path), reverse=descending)
        entities[:] = present + missing


def _sort_key(entity: dict, path: Sequence[str]) -> Any:
    value = next(_values_at(entity, path), None)
    if isinstance(value, bool) or value is None:
        return None if value is None else (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    return (1, str(value).lower()) if isinstance(value, str) else None


def _parse_bool(text: str | None, name: str) -> bool:
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise invalid_request(1452, f"Invalid value {shown(text)} for field {name}.")


def _parse_limit(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_int(text, 1, MAX_LIMIT)
    except ValueError:
        raise invalid_request(1452, f"Invalid value {shown(text)} for field limit.") from None


def _make_token(offset: int, args: Mapping[str, Sequence[str]]) -> str:
    """An opaque token (URL-safe, without '=' or '&') holding the offset and the query."""
    state = {"o": offset, "q": {k: list(v) for k, v in args.items() if k != "continuationToken"}}
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_token(token: str) -> tuple[int, dict[str, list[str]]]:
    try:
        state = loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset, stored = state["o"], state["q"]
        if not isinstance(offset, int) or offset < 0 or not isinstance(stored, dict) or not all(
            isinstance(v, list) and all(isinstance(x, str) for x in v) for v in stored.values()
        ):
            raise ValueError(token)
    except (InvalidJson, ValueError, TypeError, KeyError, binascii.Error):
        raise invalid_request(1452, f"Invalid value {shown(token)} for field continuationToken.") from None
    return offset, stored
