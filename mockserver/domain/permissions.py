"""Access control: which permissions each operation needs, who holds what, and the verdict.

Two pieces of data meet here:

* **the table** (``mockserver/catalog/permissions.json``, shipped with the package): operation
  (method + path template) -> the permissions it needs, as the tutorials list them. Where the kind
  of data matters (an audience dataflow or a dataset dataflow), the table says how to tell
  (``kindOf``: the create body, or the stored entity the path names) and what each kind needs;
* **the document** (``PUT /_mock/permissions``, ``--permissions-file``): client id -> what it
  holds, ``{"<client id>": {"permissions": [...], "sandboxes": [...]}, "*": {...}}``.
  ``permissions`` is a list, or a map from sandbox name (or ``"*"``) to a list; absent, every
  permission. ``sandboxes`` absent means every sandbox. ``"*"`` is every client not named.

No document (or an empty one) means every client holds every permission, which is what a
:class:`Permissions` starts with unless a file is given; the HTTP edge then does one attribute
check (``Permissions.policy is None``). The edge (``mockserver/api/access.py``) only gathers what a
request carries and calls :meth:`Permissions.check`; handlers never test permissions.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import adhoc
from .catalog import CATALOG_DIR
from .errors import (
    ApiError, FlowServiceError, forbidden, permission_denied, permission_missing, sandbox_not_permitted,
    validation_failed,
)

TABLE_FILE = CATALOG_DIR / "permissions.json"
#: The document's key for every client it does not name (and, in a per-sandbox map, every sandbox).
WILDCARD = "*"
#: How the table may say which kind of data a request is about.
KIND_SOURCES = ("body:connectionSpec", "body:sourceConnectionIds", "stored:sourceConnections", "stored:flows",
                "header:Accept")
_PLACEHOLDER = re.compile(r"\{[^}]*\}|<[^>]*>")


def template_key(path: str) -> str:
    """A path template with its placeholders made alike: ``/flows/{id}`` and Flask's
    ``/flows/<entity_id>`` are both ``/flows/{}``."""
    return _PLACEHOLDER.sub("{}", path)


# --- the table ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """What one operation needs."""

    method: str
    path: str
    #: Alternatives (a client must hold every permission of one of them), per kind; key None when
    #: the kind does not matter.
    needs: Mapping[str | None, tuple[tuple[str, ...], ...]]
    kind_of: str | None = None
    #: Added to every alternative when the request's body selects identities.
    identities: tuple[str, ...] = ()

    @property
    def reads_body(self) -> bool:
        return bool(self.identities) or (self.kind_of or "").startswith("body:")

    def alternatives(self, kind: str | None) -> tuple[tuple[str, ...], ...]:
        """What the client must hold: one of these lists. An unknown kind (a body or entity that
        does not say) takes any kind's alternatives, and the domain answers what is wrong with it."""
        if self.kind_of is None:
            return self.needs[None]
        if kind in self.needs:
            return self.needs[kind]
        return tuple(alt for alts in self.needs.values() for alt in alts)

    def to_json(self) -> dict:
        needs: Any = ([list(a) for a in self.needs[None]] if self.kind_of is None
                      else {k: [list(a) for a in v] for k, v in self.needs.items()})
        entry = {"method": self.method, "path": self.path, "needs": needs}
        if self.kind_of:
            entry["kindOf"] = self.kind_of
        if self.identities:
            entry["identities"] = list(self.identities)
        return entry


class Table:
    """The permission table: known permissions, kinds of data, and one :class:`Rule` per operation."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.descriptions: dict[str, str] = dict(data["permissions"])
        self.known: tuple[str, ...] = tuple(self.descriptions)
        self.kinds: dict[str, str] = {
            spec_id: kind for kind, spec_ids in data["kinds"].items() for spec_id in spec_ids
        }
        sets = data.get("sets", {})
        self.rules: dict[tuple[str, str], Rule] = {}
        for entry in data["operations"]:
            method, path = entry["method"].upper(), entry["path"]
            kind_of = entry.get("kindOf")
            where = f"{method} {path}"
            if kind_of is None:
                needs = {None: self._alternatives(entry["needs"], sets, where)}
            else:
                if kind_of not in KIND_SOURCES:
                    raise ValueError(f"{where}: kindOf {kind_of!r} is not one of {', '.join(KIND_SOURCES)}")
                unknown = sorted(set(entry["needs"]) - set(data["kinds"]))
                if unknown:
                    raise ValueError(f"{where}: unknown kind {unknown[0]!r}")
                needs = {k: self._alternatives(v, sets, where) for k, v in entry["needs"].items()}
            identities = tuple(entry.get("identities", ()))
            self._check_names(identities, where)
            key = (method, template_key(path))
            if key in self.rules:
                raise ValueError(f"{where}: listed twice")
            self.rules[key] = Rule(method, path, needs, kind_of, identities)

    def _alternatives(self, spec: Any, sets: Mapping[str, Any], where: str) -> tuple[tuple[str, ...], ...]:
        if isinstance(spec, str):
            if spec not in sets:
                raise ValueError(f"{where}: no set named {spec!r}")
            return self._alternatives(sets[spec], sets, where)
        if isinstance(spec, dict):
            alternatives = tuple(tuple(alt) for alt in spec["anyOf"])
        else:
            alternatives = (tuple(spec),)
        for alt in alternatives:
            self._check_names(alt, where)
        return alternatives

    def _check_names(self, names: Iterable[str], where: str) -> None:
        for name in names:
            if name not in self.descriptions:
                raise ValueError(f"{where}: unknown permission {name!r}")

    @classmethod
    def load(cls, path: Path = TABLE_FILE) -> "Table":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def rule(self, method: str, template: str) -> Rule | None:
        """The rule of an operation (a path template in either placeholder style)."""
        method = "GET" if method == "HEAD" else method
        return self.rules.get((method, template_key(template)))

    def kind_of_spec(self, spec_id: Any) -> str | None:
        return self.kinds.get(spec_id) if isinstance(spec_id, str) else None

    def to_json(self) -> dict:
        kinds: dict[str, list[str]] = {}
        for spec_id, kind in self.kinds.items():
            kinds.setdefault(kind, []).append(spec_id)
        return {"permissions": [{"name": n, "description": d} for n, d in self.descriptions.items()],
                "kinds": kinds, "operations": [r.to_json() for r in self.rules.values()]}


@lru_cache(maxsize=1)
def default_table() -> Table:
    """The shipped table, read once."""
    return Table.load()


# --- the document: who holds what --------------------------------------------------------------------

@dataclass(frozen=True)
class Grant:
    """What one client holds: permissions (None: all; or per sandbox) and sandboxes (None: all)."""

    permissions: frozenset[str] | Mapping[str, frozenset[str]] | None = None
    sandboxes: frozenset[str] | None = None

    def may_use(self, sandbox: str) -> bool:
        return self.sandboxes is None or sandbox in self.sandboxes

    def held(self, sandbox: str) -> frozenset[str] | None:
        """The permissions held in ``sandbox`` (None: every one)."""
        permissions = self.permissions
        if permissions is None or isinstance(permissions, frozenset):
            return permissions
        return permissions.get(sandbox, permissions.get(WILDCARD, frozenset()))


@dataclass(frozen=True)
class Policy:
    """A parsed, valid document."""

    document: dict
    grants: Mapping[str, Grant]

    def grant(self, api_key: str, token_client: Callable[[], str | None] = lambda: None) -> Grant | None:
        """The client's grant: its ``x-api-key``'s entry, else its token's ``client_id``'s, else ``"*"``'s.
        The token is only read when the api key has no entry of its own."""
        found = self.grants.get(api_key) if api_key != WILDCARD else None
        if found is None:
            client = token_client()
            if client and client != WILDCARD:
                found = self.grants.get(client)
        return found if found is not None else self.grants.get(WILDCARD)


def _schema(known: Iterable[str]) -> dict:
    names = {"type": "array", "items": {"type": "string", "enum": list(known)}, "uniqueItems": True}
    return {
        "type": "object",
        "propertyNames": {"minLength": 1},
        "additionalProperties": {
            "type": "object",
            "properties": {
                "permissions": {"if": {"type": "array"}, "then": names,
                                "else": {"type": "object", "propertyNames": {"minLength": 1},
                                         "additionalProperties": names}},
                "sandboxes": {"type": "array", "items": {"type": "string", "minLength": 1}, "uniqueItems": True},
            },
            "additionalProperties": False,
        },
    }


@lru_cache(maxsize=4)
def _validator(known: tuple[str, ...]) -> Any:
    from jsonschema import Draft7Validator  # on first use: jsonschema is slow to import

    return Draft7Validator(_schema(known))


def _pointer(path: Iterable[Any]) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _message(error: Any, known: tuple[str, ...]) -> str:
    where = _pointer(error.absolute_path)
    if error.validator == "enum":
        return f"Unknown permission {error.instance!r} at {where}; known: {', '.join(known)}."
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - {"permissions", "sandboxes"})
        return f"Unknown field {extra[0]!r} at {where}; a client's entry takes 'permissions' and 'sandboxes'."
    if error.validator == "type" and not list(error.absolute_path):
        return ("The permissions document must be a JSON object mapping client ids (or '*') to "
                "{\"permissions\": [...], \"sandboxes\": [...]}.")
    if error.validator == "minLength":
        return f"An empty client id, sandbox name or sandbox at {where}."
    if error.validator == "uniqueItems":
        return f"A name listed twice at {where}."
    return f"Invalid permissions document at {where}: {error.message}."


def parse(document: Any, table: Table | None = None) -> Policy | None:
    """A :class:`Policy` from a document (None for an empty one); a 400 naming what is wrong."""
    table = table or default_table()
    if document is None:
        return None
    errors = sorted(_validator(table.known).iter_errors(document),
                    key=lambda e: (list(map(str, e.absolute_path)), e.validator != "type"))
    if errors:
        raise validation_failed(_message(errors[0], table.known))
    if not document:
        return None
    grants: dict[str, Grant] = {}
    for client, entry in document.items():
        permissions = entry.get("permissions")
        if isinstance(permissions, list):
            held: Any = frozenset(permissions)
        elif isinstance(permissions, dict):
            held = {sandbox: frozenset(names) for sandbox, names in permissions.items()}
        else:
            held = None
        sandboxes = entry.get("sandboxes")
        grants[client] = Grant(held, frozenset(sandboxes) if sandboxes is not None else None)
    return Policy(json.loads(json.dumps(document)), grants)


def read_file(path: str, table: Table | None = None) -> Any:
    """The document of a permissions file, checked (ValueError with one line saying why otherwise)."""
    try:
        with open(path, encoding="utf-8") as file:
            data = json.load(file)
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the permissions file {path}: {exc}") from None
    try:
        parse(data, table)
    except FlowServiceError as exc:
        raise ValueError(f"permissions file {path}: {exc.message}") from None
    return data


# --- the verdict ---------------------------------------------------------------------------------

def selects_identities(body: Any) -> bool:
    """Whether a flow, patch or mapping set body exports identities: an ``identityMap`` path, or an
    identity namespace as deduplication key (``fieldType: IDENTITY``)."""
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            if "identityMap" in node:
                return True
        elif isinstance(node, dict):
            if node.get("fieldType") == "IDENTITY":
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _source_spec_id(entity: Mapping[str, Any]) -> Any:
    """The connection spec of the data an entity reads: a source connection's own, a flow's source's."""
    try:
        inherited = entity.get("inheritedAttributes") or {}
        if "sourceConnections" in inherited:
            return inherited["sourceConnections"][0]["connectionSpec"]["id"]
        return entity["connectionSpec"]["id"]
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def kind_of(table: Table, rule: Rule, tenant: Any, body: Any, entity_id: str | None,
            accept: str | None = None) -> tuple[str | None, str | None]:
    """(kind of data the request is about or None, the stored resource that decided it or None)."""
    source = rule.kind_of or ""
    if source == "header:Accept":  # the ad hoc API's forms (domain/adhoc.py)
        try:
            return adhoc.form_of(accept), None
        except ApiError:
            return None, None
    if source == "body:connectionSpec":
        spec = body.get("connectionSpec") if isinstance(body, dict) else None
        return table.kind_of_spec(spec.get("id") if isinstance(spec, dict) else None), None
    if source == "body:sourceConnectionIds":
        ids = body.get("sourceConnectionIds") if isinstance(body, dict) else None
        if tenant is None or not isinstance(ids, list) or not ids or not isinstance(ids[0], str):
            return None, None
        entity = tenant.get("sourceConnections", ids[0])
        return (table.kind_of_spec(_source_spec_id(entity)) if entity else None), None
    if source.startswith("stored:"):
        collection = source.partition(":")[2]
        entity = tenant.get(collection, entity_id) if tenant is not None and entity_id else None
        if entity is None:
            return None, None
        return table.kind_of_spec(_source_spec_id(entity)), f"{collection}/{entity_id}"
    return None, None


def decide(grant: Grant | None, rule: Rule | None, sandbox: str, *, kind: str | None = None,
           identities: bool = False, resource: str | None = None) -> ApiError | None:
    """The refusal a request gets, or None: 2120 for a client holding nothing, 2101 for a sandbox it
    may not use, 2118 (2121 on a stored resource) naming the first permission it lacks."""
    if grant is None:
        return forbidden()
    if not grant.may_use(sandbox):
        return sandbox_not_permitted(sandbox)
    if rule is None:
        return None
    held = grant.held(sandbox)
    if held is None:
        return None
    if not held:
        return forbidden()
    extra = rule.identities if identities else ()
    closest: list[str] | None = None
    for alternative in rule.alternatives(kind):
        missing = [p for p in (*alternative, *extra) if p not in held]
        if not missing:
            return None
        if closest is None or len(missing) < len(closest):
            closest = missing
    assert closest is not None  # every rule has an alternative
    return permission_denied(closest[0], resource) if resource else permission_missing(closest[0])


class Permissions:
    """The platform's access control: the table, and the document in force (``policy``).

    ``policy`` is None when every client holds everything; replaced whole (never changed in place),
    so a request reads either the old or the new document.
    """

    def __init__(self, file: str | None = None, table: Table | None = None) -> None:
        self.table = table or default_table()
        self._lock = threading.Lock()
        #: What a start-up file gave (restore() returns to it).
        self._configured: Policy | None = parse(read_file(file, self.table), self.table) if file else None
        self.policy: Policy | None = self._configured
        #: Called after every change (the platform keeps the document in its store, for every process).
        self.on_change: Callable[[], None] = lambda: None

    def state(self) -> dict | None:
        """The document in force as data; None when every client holds everything."""
        return self.document() if self.policy is not None else None

    def load(self, state: dict | None) -> None:
        """Put ``state`` (from ``state()``) in force, unless it already is."""
        if state == self.state():
            return
        policy = parse(state, self.table) if state is not None else None
        with self._lock:
            self.policy = policy

    def document(self) -> dict:
        policy = self.policy
        return json.loads(json.dumps(policy.document)) if policy is not None else {}

    def set(self, document: Any) -> dict:
        """Replace the document (all of it or nothing: a bad one is a 400 and changes nothing)."""
        policy = parse(document, self.table)
        with self._lock:
            self.policy = policy
        self.on_change()
        return self.document()

    def clear(self) -> int:
        """Every client holds everything again; returns how many entries the document had."""
        with self._lock:
            count = len(self.policy.grants) if self.policy is not None else 0
            self.policy = None
        self.on_change()
        return count

    def restore(self) -> None:
        """Back to the start-up configuration (the permissions file's, or none)."""
        with self._lock:
            self.policy = self._configured
        self.on_change()

    def check(self, method: str, template: str | None, sandbox: str, api_key: str, *,
              token_client: Callable[[], str | None] = lambda: None, tenant: Any = None,
              entity_id: str | None = None, body: Callable[[], Any] = lambda: None,
              accept: str | None = None) -> ApiError | None:
        """The refusal of one request, or None. ``body`` and ``token_client`` are called only when needed."""
        policy = self.policy
        if policy is None:
            return None
        grant = policy.grant(api_key, token_client)
        rule = self.table.rule(method, template) if template is not None else None
        kind = resource = None
        identities = False
        if rule is not None and grant is not None and grant.may_use(sandbox) and grant.held(sandbox) is not None:
            parsed = body() if rule.reads_body else None
            if rule.kind_of is not None:
                kind, resource = kind_of(self.table, rule, tenant, parsed, entity_id, accept)
            identities = bool(rule.identities) and selects_identities(parsed)
        return decide(grant, rule, sandbox, kind=kind, identities=identities, resource=resource)
