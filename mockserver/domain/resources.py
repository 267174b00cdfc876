"""What every Flow Service entity shares: system fields, etags, the CRUD cycle.

A resource module subclasses :class:`Resource` and supplies its rules (how a
create body becomes an entity, how a patched entity is re-validated, what
blocks a delete); this class applies them with the service's etag and
isolation rules, under the store's lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from . import limits, patching
from .context import Caller
from .errors import not_found, version_mismatch, if_match_missing
from ..store.base import VersionConflict
from .listing import page, parse_query
from .validation import optional_string, require_string

if TYPE_CHECKING:
    from ..platform import Platform

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

    #: What lists filter and order on, and what a JSON Patch applies to: the entity as GET shows
    #: it (so that a filter, a sort or a ``test`` operation on a masked secret learns nothing).
    #: Resources whose ``present`` only adds or masks set it to True.
    patch_presented: bool = False

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
        tenant = caller.tenant
        # Filters and orders see the entity as GET shows it, where presenting changes more than masks.
        presented = bool(self.patch_presented and (query.filters or query.order))

        def entities() -> list[dict]:
            values = tenant.values(self.collection)
            return [self.present(e) for e in values] if presented else values

        selected = self.platform.listings.select((tenant.sandbox_id, self.collection, presented),
                                                 tenant.version(self.collection), entities, query)
        return page(selected, query, path, (lambda e: e) if presented else self.present)

    def create(self, caller: Caller, body: Any) -> dict:
        with self.platform.store.lock:
            fields = self.build(caller, body)
            entity = self.stamp_new(caller, fields)
            self.check_stored(entity)
            caller.tenant.put(self.collection, entity, expect=None)
        return entity

    def patch(self, caller: Caller, entity_id: str, if_match: str | None, ops: Any) -> dict:
        settings = self.platform.settings
        with self.platform.store.lock:
            old = self.get(caller, entity_id)
            self.check_version(old, if_match)
            ops = patching.normalise(ops, self.patchable, settings.max_patch_operations)
            base = self.present(old) if self.patch_presented else old
            new = self.revalidate(caller, old, _named(patching.apply(base, ops)))
            entity = self.stamp_update(caller, new, ops)
            self.check_stored(entity)
            self.swap(caller, old, entity, if_match or old["etag"])
        return entity

    def delete(self, caller: Caller, entity_id: str, if_match: str | None = None) -> None:
        """Delete; an ``If-Match`` is optional (the docs send none) and, when sent, must match."""
        with self.platform.store.lock:
            entity = self.get(caller, entity_id)
            if if_match is None or if_match.strip() != "*":
                self.check_version(entity, if_match, required=False)
            self.check_delete(caller, entity)
            try:
                caller.tenant.remove(self.collection, entity_id, expect=entity["etag"])
            except VersionConflict:  # another process changed it since it was read
                raise version_mismatch(if_match or entity["etag"], _current(caller, self.collection, entity_id),
                                       self.collection, entity_id) from None

    def swap(self, caller: Caller, old: dict, new: dict, supplied: str) -> None:
        """Store ``new`` in place of ``old``, in one step with the check that ``old`` is still
        the stored version (another process may have changed it since it was read): 412 if not."""
        try:
            caller.tenant.put(self.collection, new, expect=old["etag"])
        except VersionConflict as conflict:
            if conflict.current is None:
                raise not_found(self.collection, old["id"]) from None
            raise version_mismatch(supplied, conflict.current, self.collection, old["id"]) from None

    def check_stored(self, entity: dict) -> None:
        settings = self.platform.settings
        limits.check_stored(entity, _WHAT.get(self.collection, self.collection),
                            settings.max_depth, settings.max_entity_bytes)

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


#: How messages name an entity of each collection.
_WHAT = {"connections": "base connection", "sourceConnections": "source connection",
         "targetConnections": "target connection", "flows": "dataflow"}


def _current(caller: Caller, collection: str, entity_id: str) -> str:
    entity = caller.tenant.get(collection, entity_id)
    return entity["etag"] if entity else ""


def _named(entity: dict) -> dict:
    """Every entity keeps a name and a description (``""`` when a patch removed it)."""
    require_string(entity, "name")
    return {**entity, "description": optional_string(entity, "description") or ""}
