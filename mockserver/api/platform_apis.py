"""The other Platform APIs the audience-export tutorial calls before Flow Service:
the profile union schema, identity namespaces, and Data Prep schemas and mapping sets.
Behind the same gateway and tenant rules as Flow Service (api/hooks.py)."""

from __future__ import annotations

import json
from functools import lru_cache

from flask import Blueprint, Response

from ..domain.catalog import CATALOG_DIR
from ..domain.dataprep import MAPPING_SETS, SCHEMAS
from ..domain.errors import ProblemError
from .requests import caller, json_body
from .responses import json_response, platform

bp = Blueprint("platform_apis", __name__, url_prefix="/data")
PROFILE_ENTITY = "_xdm.context.profile"


@lru_cache(maxsize=None)
def _platform_data(name: str):
    return json.loads((CATALOG_DIR / "platform" / name).read_text(encoding="utf-8"))


@bp.get("/core/ups/config/entityTypes/<entity_type>")
def union_schema(entity_type: str) -> Response:
    if entity_type != PROFILE_ENTITY:
        raise ProblemError(404, "Not Found", f"Entity type {entity_type} not found; the mock serves {PROFILE_ENTITY}.")
    return json_response(_platform_data("profile_union_schema.json"))


@bp.get("/core/idnamespace/identities")
def identity_namespaces() -> Response:
    return json_response(_platform_data("identity_namespaces.json"))


@bp.post("/foundation/conversion/schemas")
def create_schema() -> Response:
    return json_response(platform().dataprep.create_schema(caller(), json_body()))


@bp.get("/foundation/conversion/schemas/<schema_id>")
def get_schema(schema_id: str) -> Response:
    return json_response(platform().dataprep.get(caller(), SCHEMAS, schema_id))


@bp.post("/foundation/conversion/mappingSets")
def create_mapping_set() -> Response:
    mapping_set = platform().dataprep.create_mapping_set(caller(), json_body())
    return json_response({k: mapping_set[k] for k in (
        "id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy")})


@bp.get("/foundation/conversion/mappingSets/<mapping_set_id>")
def get_mapping_set(mapping_set_id: str) -> Response:
    return json_response(platform().dataprep.get(caller(), MAPPING_SETS, mapping_set_id))
