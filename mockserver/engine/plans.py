"""What one export of a flow writes, read off the flow and its connections.

A :class:`Plan` is taken when a run is created, so that a run already queued keeps the
configuration it was created under even if the flow is changed meanwhile. It knows
nothing of files or formats beyond what the target connection says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..store import Tenant

MEMBERSHIP_STATUS = "segmentMembership.status"
#: The profile key: exported when a flow selects no attribute at all.
PROFILE_KEY = "identityMap.ECID"


@dataclass(frozen=True)
class Plan:
    flow: dict
    target: dict
    #: The target connection's base connection (its auth params carry storage credentials).
    base: dict
    #: The target connection spec (its name and id say where files go).
    spec: dict
    #: "segment:<id>" or "dataset:<id>".
    entity: str
    #: The audience selector value, or the dataset's entry in the source connection.
    item: dict = field(default_factory=dict)
    #: What an audience export writes: (source path, column name) pairs, then the source paths of
    #: the mandatory attributes and of the deduplication key.
    columns: tuple[tuple[str, str], ...] = ()
    mandatory: tuple[str, ...] = ()
    dedup: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return self.entity.split(":", 1)[0]

    @property
    def entity_id(self) -> str:
        return self.entity.split(":", 1)[1]

    @property
    def params(self) -> dict:
        return self.target.get("params") or {}

    @property
    def file_format(self) -> str:
        params = self.params
        key = "datasetFileType" if self.kind == "dataset" else "fileType"
        return str(params.get(key) or params.get("format") or ("JSON" if self.kind == "dataset" else "CSV")).upper()

    @property
    def compression(self) -> str:
        return str(self.params.get("compression") or "NONE").upper()

    @property
    def csv_options(self) -> dict | None:
        return self.params.get("csvOptions") if self.file_format == "CSV" else None

    @property
    def manifest(self) -> bool:
        return bool(self.params.get("includeFileManifest"))


def plan(platform: Any, tenant: Tenant, flow: dict, entity: str, item: dict) -> Plan:
    target = tenant.get("targetConnections", flow["targetConnectionIds"][0]) or {}
    base_id = (target.get("inheritedAttributes") or {}).get("baseConnection", {}).get("id") \
        or target.get("baseConnectionId")
    base = tenant.get("connections", base_id) or {} if base_id else {}
    spec = platform.catalog.connection_spec(target["connectionSpec"]["id"])
    chosen = columns(tenant, flow)
    return Plan(flow=flow, target=target, base=base, spec=spec, entity=entity, item=item,
                columns=tuple(chosen), mandatory=tuple(mandatory(flow, chosen)), dedup=tuple(dedup(flow)))


# --- what an audience export selects ------------------------------------------------------

def columns(tenant: Tenant, flow: dict) -> list[tuple[str, str]]:
    """(source path, column name) pairs: the mapping set of a new-card flow, the profile
    selectors of a legacy one, or the profile key when the flow selects nothing."""
    params = _params(flow)
    mapping = params.get("profileMapping") or {}
    mapping_set = tenant.get("mappingSets", mapping.get("mappingId", "")) if mapping else None
    if mapping_set:
        return [(_source_path(m["source"]), m["destination"]) for m in mapping_set["mappings"]]
    paths = [
        s["value"]["path"] for s in (params.get("profileSelectors") or {}).get("selectors") or []
        if (s.get("value") or {}).get("path")
    ]
    return [(_source_path(p), p) for p in paths] or [(PROFILE_KEY, PROFILE_KEY)]


def mandatory(flow: dict, chosen: list[tuple[str, str]]) -> list[str]:
    """Source paths of the mandatory attributes (given as paths or as exported column names)."""
    params = _params(flow)
    names = params.get("mandatoryFields") or (params.get("profileSelectors") or {}).get("mandatoryFields") or []
    by_name = {name: source for source, name in chosen}
    return [by_name.get(name, _source_path(name)) for name in names]


def dedup(flow: dict) -> list[str]:
    """Source paths of the deduplication key: one identity namespace, or one or two attributes."""
    params = _params(flow)
    fields = params.get("primaryFields") or (params.get("profileSelectors") or {}).get("primaryFields") or []
    keys = []
    for item in fields:
        if item.get("fieldType") == "IDENTITY" and item.get("identityNamespace"):
            keys.append(f"identityMap.{item['identityNamespace']}")
        elif item.get("attributePath"):
            keys.append(_source_path(item["attributePath"]))
    return keys


def _params(flow: dict) -> dict:
    transformations = flow.get("transformations") or []
    return (transformations[0].get("params") or {}) if transformations else {}


def _source_path(path: str) -> str:
    """A profile column for an XDM path as the docs write it (``xdm:`` prefixes, identity
    namespaces, and the per-audience membership status ``segmentMembership.ups.<id>.status``)."""
    path = path.removeprefix("xdm:").removeprefix("_xdm.").strip()
    if path.startswith("segmentMembership.") and path.endswith(".status"):
        return MEMBERSHIP_STATUS
    if path.startswith("identityMap.") and path.endswith(".id"):
        return path[: -len(".id")]
    return path
