"""Who is calling, in which tenant."""

from __future__ import annotations

from dataclasses import dataclass

from ..store import Tenant


@dataclass(frozen=True, slots=True)
class Caller:
    tenant: Tenant
    #: IMS user of the token (``createdBy``), e.g. ``0A4334FA556585B77F000101@AdobeID``.
    user: str
    #: IMS client of the token (``createdClient``), e.g. ``exc_app``.
    client: str
    request_id: str = ""
