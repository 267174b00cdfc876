"""Snapshots of the state: one versioned JSON document, the same from every backend.

``dump`` writes the tenants (every entity with its etag, runs included, and the engine's record
of each flow's schedule) and the clock; ``load`` replaces the tenants a document holds, leaving
the others alone, and sets the clock. Moving a snapshot between backends (memory, sqlite,
redis) gives the same entities and etags.

Secrets are sealed, not written: each secret auth param becomes ``{"$sealed": "<token>"}``,
encrypted (Fernet: AES-128-CBC with HMAC-SHA256) under the mock's secrets key, so a snapshot
protects them as well as the mock does. The key is ``--secrets-key`` when given (the same on
every mock that should read the snapshot), else one made for the store and kept in it (a
restarted sqlite or redis mock reads its own snapshots). A document whose secrets were sealed
under another key is refused whole.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .domain.errors import validation_failed
from .store import ANY, COLLECTIONS
from .text import InvalidJson, loads

if TYPE_CHECKING:
    from .platform import Platform

FORMAT = "flowservice-mock-state"
VERSION = 1
SEALED = "$sealed"

_SCHEMA = {
    "type": "object",
    "required": ["format", "version", "tenants"],
    "properties": {
        "format": {"const": FORMAT},
        "version": {"type": "integer"},
        "clock": {"type": ["object", "null"], "properties": {
            # The clock's range (api/engine.py): 1970 to 9999, and offsets within it.
            "frozenAt": {"type": ["number", "null"], "minimum": 0, "maximum": 253370764800},
            "offset": {"type": "number", "minimum": -253370764800, "maximum": 253370764800},
        }},
        "tenants": {"type": "array", "items": {
            "type": "object",
            "required": ["imsOrgId", "sandboxName", "collections"],
            "properties": {
                "imsOrgId": {"type": "string", "minLength": 1},
                "sandboxName": {"type": "string", "minLength": 1},
                "collections": {"type": "object", "propertyNames": {"enum": list(COLLECTIONS)},
                                "additionalProperties": {"type": "array", "items": {
                                    "type": "object", "required": ["id"],
                                    "properties": {"id": {"type": "string", "minLength": 1}}}}},
                "engine": {"type": "object", "additionalProperties": {"type": "object"}},
            },
        }},
    },
}


def dump(platform: "Platform", org: str | None = None, sandbox: str | None = None) -> dict:
    seal = _fernet(platform).encrypt
    secrets = platform.catalog.all_secret_keys()
    tenants = []
    for tenant in platform.store.tenants():
        if (org is not None and tenant.org != org) or (sandbox is not None and tenant.sandbox != sandbox):
            continue
        collections = {name: tenant.values(name) for name in COLLECTIONS}
        collections["connections"] = [_sealed(e, secrets, seal) for e in collections["connections"]]
        engine = {}
        for flow in collections["flows"]:
            state = tenant.engine_state(flow["id"])
            if state is not None:
                engine[flow["id"]] = loads(_json(state))
        tenants.append({"imsOrgId": tenant.org, "sandboxName": tenant.sandbox,
                        "collections": {k: v for k, v in collections.items() if v}, "engine": engine})
    return {
        "format": FORMAT, "version": VERSION,
        "createdAt": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "clock": platform.clock.state(),
        "tenants": tenants,
    }


def load(platform: "Platform", document: Any) -> int:
    """Replace the tenants the document holds; returns how many. A bad document changes nothing."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(_SCHEMA).iter_errors(document))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the document"
        raise validation_failed(f"Not a flowservice-mock snapshot ({where}: {error.message}).")
    if document["version"] > VERSION:
        raise validation_failed(f"The snapshot is of version {document['version']}; this mock reads up to {VERSION}.")
    unseal = _fernet(platform).decrypt
    # Every secret is opened before anything is replaced: a refusal changes nothing.
    prepared = []
    for item in document["tenants"]:
        collections = dict(item["collections"])
        collections["connections"] = [_opened(e, unseal) for e in collections.get("connections", [])]
        prepared.append((item, collections))
    store = platform.store
    with store.lock:
        for item, collections in prepared:
            store.reset(item["imsOrgId"], item["sandboxName"])
            tenant = store.tenant(item["imsOrgId"], item["sandboxName"])
            for name, entities in collections.items():
                for entity in entities:
                    tenant.put(name, entity, ANY)
            for flow_id, state in (item.get("engine") or {}).items():
                tenant.save_engine_state(flow_id, state)
    if document.get("clock"):
        platform.clock.load(document["clock"])
        platform.clock.on_change()
    return len(prepared)


def read_file(path: str) -> Any:
    try:
        with open(path, "rb") as file:
            return loads(file.read())
    except (OSError, InvalidJson) as exc:
        raise ValueError(f"cannot read the snapshot {path}: {exc}") from None


def _json(value: Any) -> bytes:
    import orjson

    return orjson.dumps(value)


def _sealed(entity: dict, secrets: frozenset[str], seal: Any) -> dict:
    auth = entity.get("auth")
    params = auth.get("params") if isinstance(auth, dict) else None
    if not isinstance(params, dict) or not secrets.intersection(params):
        return entity
    sealed = {k: {SEALED: seal(_json(v)).decode()} if k in secrets and v is not None else v
              for k, v in params.items()}
    return {**entity, "auth": {**entity["auth"], "params": sealed}}


def _opened(entity: dict, unseal: Any) -> dict:
    from cryptography.fernet import InvalidToken

    auth = entity.get("auth")
    params = auth.get("params") if isinstance(auth, dict) else None
    if not isinstance(params, dict):
        return entity
    opened = {}
    for key, value in params.items():
        if isinstance(value, dict) and set(value) == {SEALED}:
            try:
                value = loads(unseal(str(value[SEALED]).encode()))
            except (InvalidToken, InvalidJson, ValueError):
                raise validation_failed(
                    "The snapshot's secrets were sealed under another key: start this mock with the "
                    "--secrets-key of the mock that saved it.") from None
        opened[key] = value
    return {**entity, "auth": {**entity["auth"], "params": opened}}


def _fernet(platform: "Platform") -> Any:
    from cryptography.fernet import Fernet

    key = platform.settings.secrets_key
    if key:
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))
    stored = platform.store.meta("secrets-key")
    if stored is None:
        stored = Fernet.generate_key().decode()
        platform.store.set_meta("secrets-key", stored)
    return Fernet(stored.encode())
