"""The OpenAPI part of the other Platform APIs the audience-export tutorial calls
(profile union schema, identity namespaces, Data Prep schemas and mapping sets)."""

from __future__ import annotations

from .spec import (
    EPOCH_MS, NON_BLANK, Schema, _error_response, array, boolean, enum, errors, integer, obj, ok, operation,
    ref, string,
)

TAG = "Profile, Identity and Data Prep (tutorial companions)"


def _errors(*statuses: int) -> dict[str, Schema]:
    """Gateway errors as on Flow Service; this API's own refusals are plain problem details."""
    shared = errors(*statuses, bad_request="BadRequestWithBody")
    shared["400"] = _error_response("A gateway, content-type or Data Prep refusal.",
                                    "GatewayError", "ContentTypeError", "ProblemDetails", "Problem")
    shared["404"] = _error_response("No such schema, mapping set or entity type here.", "ProblemDetails", "Problem")
    return shared


def _id_parameter(name: str) -> list[Schema]:
    return [{"name": name, "in": "path", "required": True, "schema": string()}]


def paths() -> dict[str, Schema]:
    union = operation("getUnionSchema", "The profile union schema", TAG,
                      {"200": ok("A JSON Schema of the profile attributes.", obj()), **_errors()})
    union["parameters"] = [*union["parameters"],
                           {"name": "entityType", "in": "path", "required": True,
                            "schema": string(example="_xdm.context.profile")},
                           {"name": "property", "in": "query", "required": False, "style": "form",
                            "explode": True, "schema": array(string())}]
    get_schema = operation("getConversionSchema", "A Data Prep schema", TAG,
                           {"200": ok("The schema.", ref("ConversionSchema")), **_errors()})
    get_schema["parameters"] += _id_parameter("schemaId")
    get_mapping = operation("getMappingSet", "A Data Prep mapping set", TAG,
                            {"200": ok("The mapping set.", ref("MappingSet")), **_errors()})
    get_mapping["parameters"] += _id_parameter("mappingSetId")
    return {
        "/data/core/ups/config/entityTypes/{entityType}": {"get": union},
        "/data/core/idnamespace/identities": {"get": operation(
            "listIdentityNamespaces", "Identity namespaces", TAG,
            {"200": ok("The standard namespaces.", array(ref("IdentityNamespace"))), **_errors()})},
        "/data/foundation/conversion/schemas": {"post": operation(
            "createConversionSchema", "Create a Data Prep schema", TAG,
            {"200": ok("The schema, with its id.", ref("ConversionSchema")), **_errors()},
            body=ref("ConversionSchemaCreate"))},
        "/data/foundation/conversion/schemas/{schemaId}": {"get": get_schema},
        "/data/foundation/conversion/mappingSets": {"post": operation(
            "createMappingSet", "Create a Data Prep mapping set", TAG,
            {"200": ok("The mapping set's id and audit fields.", ref("MappingSetCreated")), **_errors()},
            body=ref("MappingSetCreate"))},
        "/data/foundation/conversion/mappingSets/{mappingSetId}": {"get": get_mapping},
    }


_MAPPING = obj({"destination": string("No dots: `personalEmail_address`.", minLength=1, pattern=r"^[^.]+$"),
                "source": NON_BLANK, "sourceType": enum("ATTRIBUTE", "EXPRESSION", "CONSTANT")},
               ["destination", "source"])
_SCHEMA_REF = obj({"id": string(), "version": integer()}, ["id"])
_CREATED = {"id": string(), "version": integer(), "createdDate": EPOCH_MS, "modifiedDate": EPOCH_MS,
            "createdBy": string(), "modifiedBy": string()}


def schemas() -> dict[str, Schema]:
    return {
        "Problem": obj({"title": string(), "status": integer(minimum=400, maximum=599), "detail": string()},
                       ["title", "status", "detail"], "An error of the Data Prep or Profile stand-ins."),
        "IdentityNamespace": obj(
            {"id": integer(), "code": string(), "name": string(), "description": string(), "idType": string(),
             "namespaceType": string(), "status": string(), "custom": boolean(),
             "createTime": EPOCH_MS, "updateTime": EPOCH_MS},
            ["id", "code", "name", "idType", "status"]),
        "ConversionSchemaCreate": obj({"name": string(), "jsonSchema": obj(minProperties=1)}, ["jsonSchema"]),
        "ConversionSchema": obj({"id": string(), "version": integer(), "jsonSchema": obj()},
                                ["id", "version", "jsonSchema"]),
        "MappingSetCreate": obj({"inputSchema": _SCHEMA_REF, "outputSchema": _SCHEMA_REF,
                                 "mappings": array(_MAPPING, minItems=1), "xdmVersion": string()},
                                ["inputSchema", "outputSchema", "mappings"]),
        "MappingSetCreated": obj(_CREATED, list(_CREATED)),
        "MappingSet": obj({**_CREATED, "inputSchema": _SCHEMA_REF, "outputSchema": _SCHEMA_REF,
                           "mappings": array(_MAPPING), "xdmVersion": string()}, list(_CREATED)),
    }
