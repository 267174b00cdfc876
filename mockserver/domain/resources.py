"""What every Flow Service entity shares: system fields, etags, the CRUD cycle.

A resource module subclasses :class:`Resource` and supplies its rules (how a
create body becomes an entity, how a patched entity is re-validated, what
blocks a delete); this class applies them with the service's etag and
isolation rules, under the store's lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from . import patching
from .context import Caller
from .errors import not_found, version_mismatch, if_match_missing
from .listing import parse_query, run_query
from .validation import optional_string, require_string

if TYPE_CHECKING:
    from .platform import Platform

#: Fields the service sets; a client never writes them.
SYSTEM_FIELDS = frozenset({
    "id", "createdAt", "updatedAt", "createdBy", "updatedBy", "createdClient", "updatedClient",
    "sandboxId", "sandboxName", "imsOrgId", "version", "etag",
})


class Resource:
    #: Collection name, as in paths and error messages (``flows``, ``connections``...).
    collection: str = ""
    #: Top-level members a JSON Patch may touch.
    patchable: frozenset[str] = frozenset({"name", "description"})

    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    # --- rules supplied by each resource ------------------------------------------

    def build(self, caller: Caller, body: Any) -> dict:
        """The resource's own fields for a create request (validated)."""
        raise NotImplementedError

    def revalidate(self, caller: Caller, old: dict, new: dict) -> dict:
        """The patched entity, validated as a whole (may normalise it)."""
        return new

    def check_delete(self, caller: Caller, entity: dict) -> None:
        """Raise when the entity may not be deleted now."""

    def present(self, entity: dict) -> dict:
        """The entity as GET shows it."""
        return entity

    # --- the cycle ---------------------------------------------------------------

    def get(self, caller: Caller, entity_id: str) -> dict:
        entity = caller.tenant.get(self.collection, entity_id)
        if entity is None:
            raise not_found(self.collection, entity_id)
        return entity

    def find(self, caller: Caller, entity_id: Any) -> dict | None:
        return caller.tenant.get(self.collection, entity_id) if isinstance(entity_id, str) else None

    def list(self, caller: Caller, args: Mapping[str, Sequence[str]], path: str) -> dict:
        query = parse_query(args)
        return run_query(caller.tenant.values(self.collection), query, path, self.present)

    def create(self, caller: Caller, body: Any) -> dict:
        with self.platform.store.lock:
            fields = self.build(caller, body)
            entity = self.stamp_new(caller, fields)
            caller.tenant.put(self.collection, entity)
        return entity

    def patch(self, caller: Caller, entity_id: str, if_match: str | None, ops: Any) -> dict:
        with self.platform.store.lock:
            old = self.get(caller, entity_id)
            self.check_version(old, if_match)
            ops = patching.normalise(ops, self.patchable)
            new = self.revalidate(caller, old, _named(patching.apply(old, ops)))
            entity = self.stamp_update(caller, new, ops)
            caller.tenant.put(self.collection, entity)
        return entity

    def delete(self, caller: Caller, entity_id: str) -> None:
        with self.platform.store.lock:
            entity = self.get(caller, entity_id)
            self.check_delete(caller, entity)
            caller.tenant.remove(self.collection, entity_id)

    # --- helpers shared by the resources --------------------------------------------

    def check_version(self, entity: dict, if_match: str | None, required: bool = True) -> None:
        if if_match is None:
            if required:
                raise if_match_missing()
            return
        current = entity["etag"]
        supplied = if_match.strip()
        if self.platform.settings.lenient_if_match:
            matched = supplied.strip('"') == current.strip('"')
        else:
            matched = supplied == current
        if not matched:
            raise version_mismatch(supplied, current, self.collection, entity["id"])

    def stamp_new(self, caller: Caller, fields: dict) -> dict:
        platform = self.platform
        now = platform.clock.now_ms()
        etag = platform.ids.etag()
        tenant = caller.tenant
        entity = {
            "id": platform.ids.uuid(),
            "createdAt": now,
            "updatedAt": now,
            "createdBy": caller.user,
            "updatedBy": caller.user,
            "createdClient": caller.client,
            "updatedClient": caller.client,
            "sandboxId": tenant.sandbox_id,
            "sandboxName": tenant.sandbox,
            "imsOrgId": tenant.org,
        }
        entity.update(fields)
        entity["version"] = etag
        entity["etag"] = etag
        return entity

    def stamp_update(self, caller: Caller, entity: dict, ops: Iterable[dict] = ()) -> dict:
        """A copy of ``entity`` with a new etag and the caller as the last updater."""
        etag = self.platform.ids.etag()
        return {
            **entity,
            "updatedAt": self.platform.clock.now_ms(),
            "updatedBy": caller.user,
            "updatedClient": caller.client,
            "version": etag,
            "etag": etag,
        }


def _named(entity: dict) -> dict:
    """Every entity keeps a name and a description (``""`` when a patch removed it)."""
    require_string(entity, "name")
    return {**entity, "description": optional_string(entity, "description") or ""}
