"""Which flows use a connection: an index per tenant, kept while its flows are unchanged.

A PATCH or DELETE of a connection asks which flows use it; scanning every flow for it made that
cost grow with the flows of the tenant. The index is built from one scan and serves every such
question until a flow changes (``Tenant.version``). Building it costs about ten plain scans, so
the first question about a state of the flows is answered by a scan, and the index is built when
a second one comes: flows and connections changed in turn cost no more than before.
"""

from __future__ import annotations

from typing import Any

from .kept import MISSING, Kept

#: Tenants whose index is kept at once.
KEPT = 16


class FlowReferences:
    def __init__(self) -> None:
        #: sandbox id -> the index of its flows, or None when asked once about that state of them.
        self._kept = Kept(KEPT)

    def flows(self, tenant: Any, key: str, entity_id: str) -> list[dict]:
        """The flows whose ``key`` holds ``entity_id``: ``sourceConnectionIds``,
        ``targetConnectionIds``, or ``baseConnection`` (through their inherited attributes)."""
        version = tenant.version("flows")
        index = self._kept.get(tenant.sandbox_id, version)
        if index is MISSING:
            self._kept.put(tenant.sandbox_id, version, None)
            return [flow for flow in tenant.values("flows") if _uses(flow, key, entity_id)]
        if index is None:
            index = {}
            for flow in tenant.values("flows"):
                for ref in _references(flow):
                    index.setdefault(ref, []).append(flow["id"])
            self._kept.put(tenant.sandbox_id, version, index)
        found = (tenant.get("flows", flow_id) for flow_id in index.get((key, entity_id), ()))
        return [flow for flow in found if flow is not None]


def _bases(flow: dict) -> list[str]:
    inherited = flow.get("inheritedAttributes") or {}
    sides = (inherited.get("sourceConnections") or []) + (inherited.get("targetConnections") or [])
    return [base for side in sides if (base := (side.get("baseConnection") or {}).get("id"))]


def _uses(flow: dict, key: str, entity_id: str) -> bool:
    return entity_id in (_bases(flow) if key == "baseConnection" else flow.get(key, ()))


def _references(flow: dict) -> set[tuple[str, str]]:
    refs = {(key, ref) for key in ("sourceConnectionIds", "targetConnectionIds") for ref in flow.get(key, ())}
    return refs | {("baseConnection", base) for base in _bases(flow)}
