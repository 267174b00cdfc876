"""Fault rules: which requests get a failure instead of (or before) their answer.

A rule has a kind (``status``: 429 with Retry-After, 500, 502, 503; ``token-expired``: the
gateway's 401 ``401013``; ``latency``: a delay, then the normal answer; ``drop``: the connection
is closed without an answer), a pace (every Nth matching request, or with a seeded probability,
or every one; at most ``times`` times) and a scope (method, path glob, org, sandbox).
Rules are checked in the order they were added; the first that fires wins.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import re
import threading
from typing import Any, Callable

from ..domain.errors import ApiError, FlowServiceError, GatewayError, validation_failed
from ..text import loads

KINDS = ("status", "token-expired", "latency", "drop")
STATUSES = (429, 500, 502, 503)
MAX_LATENCY_MS = 60_000
#: Retry-After a 429 carries when the rule names none (a 429 without it gives a client nothing to go by).
DEFAULT_RETRY_AFTER = 1

FIELDS = {
    "kind": str, "status": int, "retryAfter": int, "latencyMs": int, "every": int, "probability": float,
    "seed": int, "times": int, "method": str, "path": str, "imsOrgId": str, "sandboxName": str,
}


class FaultRule:
    def __init__(self, rule_id: str, kind: str, *, status: int | None = None, retry_after: int | None = None,
                 latency_ms: int = 0, every: int | None = None, probability: float | None = None,
                 seed: int | None = None, times: int | None = None, method: str | None = None,
                 path: str = "*", org: str | None = None, sandbox: str | None = None) -> None:
        self.id = rule_id
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        self.latency_ms = latency_ms
        self.every = every
        self.probability = probability
        self.seed = seed
        self.times = times
        self.method = method
        self.path = path
        self.org = org
        self.sandbox = sandbox
        self.matched = 0
        self.injected = 0
        self._path_match = re.compile(fnmatch.translate(path)).match
        self._random = random.Random(seed)

    def applies_to(self, method: str, path: str, org: str | None, sandbox: str | None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.org is None or self.org == org)
            and (self.sandbox is None or self.sandbox == (sandbox or "prod"))
            and self._path_match(path) is not None
        )

    def fires(self) -> bool:
        """Counts one matching request and says whether the fault hits it (call under the rules' lock)."""
        self.matched += 1
        if self.times is not None and self.injected >= self.times:
            return False
        if self.every is not None:
            hit = self.matched % self.every == 0
        elif self.probability is not None:
            hit = self._random.random() < self.probability
        else:
            hit = True
        self.injected += hit
        return hit

    def error(self) -> ApiError | None:
        """The answer this fault gives instead of the real one (None: ``latency`` and ``drop``)."""
        if self.kind == "token-expired":
            return GatewayError(401, "401013", "Oauth token is not valid")
        if self.kind != "status":
            return None
        if self.status == 500:
            return FlowServiceError(
                1102, 500, "Internal Error",
                "An internal error has occurred. Please try again. "
                "If the problem persists, please contact customer support.",
            )
        code, message = GATEWAY_FAILURES[self.status]
        return GatewayError(self.status, code, message)

    def to_json(self) -> dict:
        rule = {"id": self.id, "kind": self.kind}
        optional = {
            "status": self.status, "retryAfter": self.retry_after, "latencyMs": self.latency_ms or None,
            "every": self.every, "probability": self.probability, "seed": self.seed, "times": self.times,
            "method": self.method, "imsOrgId": self.org, "sandboxName": self.sandbox,
        }
        rule.update({k: v for k, v in optional.items() if v is not None})
        rule.update(path=self.path, matched=self.matched, injected=self.injected)
        return rule


#: Bodies of the gateway's own failures (docs/fidelity.md: none is documented; the gateway's shape).
GATEWAY_FAILURES = {
    429: ("429001", "Too many requests"),
    502: ("502000", "Bad Gateway"),
    503: ("503000", "Service Unavailable"),
}


class FaultRules:
    def __init__(self, seed: int | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._seed = seed
        #: Called after every change (the platform keeps the rules in its store, for every process).
        self.on_change: Callable[[], None] = lambda: None

    def state(self) -> list[dict]:
        """The rules as data (their definitions; how often each matched is this process's own)."""
        with self._lock:
            return [_definition(rule) for rule in self._rules]

    def load(self, state: list[dict] | None) -> None:
        """Replace the rules by those of ``state`` (from ``state()``), unless they are the same:
        then each keeps its count of matches, so that ``every`` and ``times`` go on."""
        state = state or []
        if state == self.state():
            return
        rules = []
        for item in state:
            rule = parse({k: v for k, v in item.items() if k != "id"}, item["id"], self._seed)
            rules.append(rule)
        with self._lock:
            self._rules = rules
            highest = max((int(r.id.rsplit("-", 1)[1]) for r in rules if r.id.rsplit("-", 1)[-1].isdigit()), default=0)
            self._ids = itertools.count(highest + 1)

    @property
    def active(self) -> bool:
        return bool(self._rules)

    def add(self, items: Any) -> list[FaultRule]:
        """Rules from their JSON form (one object or a list): all are added, or none (a 400)."""
        items = items if isinstance(items, list) else [items]
        parsed = [parse(item, "", self._seed) for item in items]
        with self._lock:
            for rule in parsed:
                rule.id = f"fault-{next(self._ids)}"
                self._rules.append(rule)
        self.on_change()
        return parsed

    def load_file(self, path: str) -> list[FaultRule]:
        """Rules from a JSON file (one rule or a list); ValueError names what is wrong."""
        return self.add(read_file(path))

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def remove(self, rule_id: str) -> bool:
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            removed = len(kept) != len(self._rules)
            self._rules = kept
        if removed:
            self.on_change()
        return removed

    def clear(self) -> int:
        with self._lock:
            count, self._rules = len(self._rules), []
        self.on_change()
        return count

    def decide(self, method: str, path: str, org: str | None, sandbox: str | None) -> FaultRule | None:
        """The rule that fires for this request, if any."""
        with self._lock:
            for rule in self._rules:
                if rule.applies_to(method, path, org, sandbox) and rule.fires():
                    return rule
        return None


def _definition(rule: FaultRule) -> dict:
    """A rule as POST /_mock/faults takes it, with its id."""
    return {k: v for k, v in rule.to_json().items() if k not in ("matched", "injected")}


def read_file(path: str) -> Any:
    """The rules of a faults file, checked (ValueError with the reason otherwise)."""
    try:
        with open(path, "rb") as file:
            data = loads(file.read())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the faults file {path}: {exc}") from None
    try:
        for item in data if isinstance(data, list) else [data]:
            parse(item, "", None)
    except FlowServiceError as exc:
        raise ValueError(f"faults file {path}: {exc.message}") from None
    return data


def parse(data: Any, rule_id: str, default_seed: int | None) -> FaultRule:
    if not isinstance(data, dict):
        raise validation_failed("A fault rule must be a JSON object.")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise validation_failed(f"Unknown fault rule field '{unknown[0]}'; known: {', '.join(FIELDS)}.")
    values: dict[str, Any] = {}
    for name, kind in FIELDS.items():
        value = data.get(name)
        if value is None:
            continue
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise validation_failed(f"Fault rule field '{name}' must be {'a string' if kind is str else 'a number'}.")
        values[name] = value
    kind = values.get("kind")
    if kind not in KINDS:
        raise validation_failed(f"Fault rule field 'kind' must be one of {', '.join(KINDS)}.")
    status = values.get("status")
    if kind == "status" and status not in STATUSES:
        raise validation_failed(f"A status fault needs 'status', one of {', '.join(map(str, STATUSES))}.")
    if kind != "status" and status is not None:
        raise validation_failed("Only a status fault takes 'status'.")
    retry_after = values.get("retryAfter")
    if retry_after is not None and (retry_after < 0 or kind != "status" or status not in (429, 503)):
        raise validation_failed("'retryAfter' (seconds, not negative) goes with a 429 or 503 status fault.")
    if status == 429 and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER
    latency = values.get("latencyMs", 0)
    if not 0 <= latency <= MAX_LATENCY_MS or (kind == "latency" and latency == 0):
        raise validation_failed(f"'latencyMs' must be between 0 and {MAX_LATENCY_MS} (above 0 for a latency fault).")
    every, probability = values.get("every"), values.get("probability")
    if every is not None and probability is not None:
        raise validation_failed("A fault rule takes 'every' or 'probability', not both.")
    if every is not None and every < 1:
        raise validation_failed("'every' must be at least 1.")
    if probability is not None and not 0 <= probability <= 1:
        raise validation_failed("'probability' must be between 0 and 1.")
    if values.get("times") is not None and values["times"] < 1:
        raise validation_failed("'times' must be at least 1.")
    method = values.get("method")
    if method is not None and not re.fullmatch(r"[A-Za-z]+", method):
        raise validation_failed("'method' must be an HTTP method such as GET.")
    path = values.get("path", "*")
    if not path:
        raise validation_failed("'path' must not be empty (use '*' for every path).")
    seed = values.get("seed", default_seed)
    return FaultRule(
        rule_id, kind, status=status, retry_after=retry_after, latency_ms=latency, every=every,
        probability=probability, seed=seed, times=values.get("times"),
        method=method.upper() if method else None, path=path,
        org=values.get("imsOrgId"), sandbox=values.get("sandboxName"),
    )
