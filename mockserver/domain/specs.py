"""Resolving the ``connectionSpec`` / ``flowSpec`` references of request bodies."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog
from .errors import invalid_request, invalid_spec, spec_version_missing


def connection_spec_ref(catalog: Catalog, body: dict) -> tuple[dict, dict]:
    """The catalogue spec named by ``body["connectionSpec"]`` and the reference to store."""
    ref = body.get("connectionSpec")
    if not isinstance(ref, dict):
        raise invalid_spec()
    spec = catalog.connection_spec(ref.get("id"))
    if spec is None:
        raise invalid_spec()
    version = ref.get("version")
    if version is None:
        raise spec_version_missing()
    if version != spec["version"]:
        raise invalid_spec()
    return spec, {"id": spec["id"], "version": spec["version"]}


def flow_spec_ref(catalog: Catalog, body: dict) -> tuple[dict, dict]:
    ref = body.get("flowSpec")
    spec = catalog.flow_spec(ref.get("id")) if isinstance(ref, dict) else None
    if spec is None:
        raise invalid_request(
            1413, "The spec ID provided is invalid. Please provide a valid spec ID and try again."
        )
    version: Any = ref.get("version", spec["version"])
    if version != spec["version"]:
        raise invalid_request(
            1413, "The spec ID provided is invalid. Please provide a valid spec ID and try again."
        )
    return spec, {"id": spec["id"], "version": spec["version"]}
