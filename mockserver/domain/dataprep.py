"""The Data Prep calls of the audience-export tutorial: conversion schemas and mapping sets.

The new cloud-storage cards take their exported columns from a mapping set
(``profileMapping {mappingId, mappingVersion}`` on the flow), built from an
input schema (the profile union schema) and an output schema (the card's
partner schema). The mock keeps them per tenant with the Data Prep answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import Caller
from .errors import ProblemError

if TYPE_CHECKING:
    from ..platform import Platform

SCHEMAS = "conversionSchemas"
MAPPING_SETS = "mappingSets"
SOURCE_TYPES = ("ATTRIBUTE", "EXPRESSION", "CONSTANT")


def _invalid(detail: str) -> ProblemError:
    return ProblemError(400, "Bad Request", detail)


class DataPrep:
    def __init__(self, platform: "Platform") -> None:
        self.platform = platform

    def create_schema(self, caller: Caller, body: Any) -> dict:
        body = _object(body, "The request body")
        json_schema = body.get("jsonSchema")
        if not isinstance(json_schema, dict) or not json_schema:
            raise _invalid("'jsonSchema' is required and must be a JSON Schema object.")
        if body.get("name") is not None and not isinstance(body["name"], str):
            raise _invalid("'name' must be a string.")
        schema = {"id": self.platform.ids.hex(32), "version": 0, "jsonSchema": json_schema}
        with self.platform.store.lock:
            caller.tenant.put(SCHEMAS, schema, expect=None)
        return schema

    def create_mapping_set(self, caller: Caller, body: Any) -> dict:
        body = _object(body, "The request body")
        for key in ("inputSchema", "outputSchema"):
            ref = body.get(key)
            schema_id = ref.get("id") if isinstance(ref, dict) else None
            if not isinstance(schema_id, str) or caller.tenant.get(SCHEMAS, schema_id) is None:
                raise _invalid(f"'{key}.id' must name a schema created with POST /conversion/schemas.")
        mappings = body.get("mappings")
        if not isinstance(mappings, list) or not mappings:
            raise _invalid("'mappings' must be a non-empty array.")
        for index, mapping in enumerate(mappings):
            _mapping(mapping, f"mappings[{index}]")
        xdm_version = body.get("xdmVersion", "1.0")
        if not isinstance(xdm_version, str):
            raise _invalid("'xdmVersion' must be a string.")
        now = self.platform.clock.now_ms()
        mapping_set = {
            "id": self.platform.ids.hex(32), "version": 0, "createdDate": now, "modifiedDate": now,
            "createdBy": caller.user, "modifiedBy": caller.user,
            "inputSchema": {"id": body["inputSchema"]["id"], "version": 0},
            "outputSchema": {"id": body["outputSchema"]["id"], "version": 0},
            "mappings": mappings, "xdmVersion": xdm_version,
        }
        with self.platform.store.lock:
            caller.tenant.put(MAPPING_SETS, mapping_set, expect=None)
        return mapping_set

    def get(self, caller: Caller, collection: str, entity_id: str) -> dict:
        entity = caller.tenant.get(collection, entity_id)
        if entity is None:
            raise ProblemError(404, "Not Found", f"No {collection[:-1]} with id {entity_id}.")
        return entity


def _object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _invalid(f"{where} must be a JSON object.")
    return value


def _mapping(mapping: Any, where: str) -> None:
    mapping = _object(mapping, f"'{where}'")
    for key in ("source", "destination"):
        if not isinstance(mapping.get(key), str) or not mapping[key]:
            raise _invalid(f"'{where}.{key}' is required and must be a string.")
    if "." in mapping["destination"]:
        # The tutorial's rule: write personalEmail_address, not personalEmail.address.
        raise _invalid(f"'{where}.destination' must not contain dots: {mapping['destination']}.")
    if mapping.get("sourceType", "ATTRIBUTE") not in SOURCE_TYPES:
        raise _invalid(f"'{where}.sourceType' must be one of {', '.join(SOURCE_TYPES)}.")
