"""The mock's OpenAPI 3.0.3 document, built from small parts.

``build()`` returns the document as a dict; ``mockserver.openapi.document()``
caches it and ``GET /_mock/openapi.json`` serves it.

What it describes is what the mock serves (mockserver/api, mockserver/domain),
in the shapes of the official contract (the Flow Service destinations OpenAPI,
``destinations.yaml``, and the contract reference, §-numbers below):

* one schema per entity (``Connection``, ``SourceConnection``,
  ``TargetConnection``, ``Flow``, ``Run``, ``ConnectionSpec``, ``FlowSpec``);
* the four error bodies of §2 (gateway, content type, Flow Service problem
  details, the bare ``{"message"}`` of an invalid spec id), as shared responses;
* request bodies with the rules the mock enforces, so that generated "valid"
  requests mostly are valid. Where a rule depends on the catalogue (which
  connection specs exist, what their ``authSpec`` and ``targetSpec`` require),
  the schema is derived from the catalogue shipped in ``mockserver/catalog``.

The required headers of the Adobe I/O gateway are security schemes, applied
to every emulated operation: a client (or a fuzzer) configures them once, and
the schemes say what an unauthenticated call gets (401/403/400, gateway body).
"""

from __future__ import annotations

import copy
from typing import Any, Iterable

from .. import __version__
from ..domain.catalog import DATA_LAKE_SPEC_ID, PROFILE_STORE_SPEC_ID, Catalog
from ..domain.connections import Connections
from ..domain.flows import Flows
from ..domain.listing import MAX_LIMIT
from ..domain.selectors import EXPORT_MODES, FREQUENCIES as FREQUENCIES_BY_MODE, TRIGGER_TYPES
from ..domain.source_connections import SourceConnections
from ..domain.target_connections import TargetConnections
from ..settings import PROFILES

Schema = dict[str, Any]

FLOW_SERVICE = "/data/foundation/flowservice"
ADMIN = "/_mock"

TAG_SPECS = "Connection specs and flow specs"
TAG_CONFIGS = "Configurations"
TAG_CONNECTIONS = "Base connections"
TAG_SOURCES = "Source connections"
TAG_TARGETS = "Target connections"
TAG_FLOWS = "Dataflows"
TAG_RUNS = "Dataflow runs"
TAG_ADMIN = "Mock administration"
TAG_IMS = "IMS stand-in"

#: Top-level members a JSON Patch may touch, per collection (docs/fidelity.md, "Flow PATCH paths").
PATCHABLE = {
    resource.collection: tuple(sorted(resource.patchable))
    for resource in (Connections, SourceConnections, TargetConnections, Flows)
}
#: Audience export frequencies, those of every export mode.
FREQUENCIES = tuple(dict.fromkeys(f for mode in EXPORT_MODES for f in FREQUENCIES_BY_MODE[mode]))
JSON = "application/json"


# --- small constructors ------------------------------------------------------------------

def ref(name: str, kind: str = "schemas") -> Schema:
    return {"$ref": f"#/components/{kind}/{name}"}


def string(description: str | None = None, **keywords: Any) -> Schema:
    return _described({"type": "string", **keywords}, description)


def integer(description: str | None = None, **keywords: Any) -> Schema:
    return _described({"type": "integer", **keywords}, description)


def boolean(description: str | None = None) -> Schema:
    return _described({"type": "boolean"}, description)


def array(items: Schema, description: str | None = None, **keywords: Any) -> Schema:
    return _described({"type": "array", "items": items, **keywords}, description)


def obj(properties: dict[str, Schema] | None = None, required: Iterable[str] = (),
        description: str | None = None, **keywords: Any) -> Schema:
    schema: Schema = {"type": "object"}
    if properties:
        schema["properties"] = properties
    required = list(required)
    if required:
        schema["required"] = required
    schema.update(keywords)
    return _described(schema, description)


def enum(*values: Any, description: str | None = None) -> Schema:
    kind = "integer" if all(isinstance(v, int) for v in values) else "string"
    return _described({"type": kind, "enum": list(values)}, description)


def _described(schema: Schema, description: str | None) -> Schema:
    if description:
        schema["description"] = description
    return schema


ANY: Schema = {"description": "Any JSON value."}
NON_BLANK = string("A non-empty string (not only white space).", minLength=1, pattern=r"\S")
EPOCH_MS = integer("Epoch time in milliseconds.", format="int64")
DATE = string("A date, `YYYY-MM-DD`.", pattern=r"^\d{4}-\d{2}-\d{2}$", example="2030-07-20")


# --- headers, parameters, security ------------------------------------------------------------

def _header(description: str, schema: Schema | None = None, required: bool = True) -> Schema:
    return {"description": description, "required": required, "schema": schema or string()}


HEADERS = {
    "RequestId": _header(
        "The request id: the client's `x-request-id` when it sent one, generated otherwise; "
        "errors repeat it as `report.request-id`.",
    ),
    "ETag": _header(
        "The entity's new etag, the same value as the `etag` field (a quoted token, e.g. "
        '`"1f00a3c2-0000-0200-0000-65b2c1d30000"`). Send it back in `If-Match`.',
        string(pattern=r'^".*"$'),
    ),
    "Location": _header(
        "Where the created entity is (FY: \"location of the newly created instance\"): its path, e.g. "
        "`/data/foundation/flowservice/flows/<id>`.",
        string(pattern=r"^/data/foundation/flowservice/[A-Za-z]+/[^/]+$"),
    ),
}


def _headers(*names: str) -> dict[str, Schema]:
    return {name if name != "RequestId" else "x-request-id": ref(name, "headers") for name in names}


PARAMETERS: dict[str, Schema] = {
    "Id": {
        "name": "id", "in": "path", "required": True,
        "description": "The id of the entity (a UUID for entities the service creates).",
        "schema": string(minLength=1, pattern=r"^[^/]+$"),
    },
    "SandboxName": {
        "name": "x-sandbox-name", "in": "header", "required": False,
        "description": (
            "The all-lowercase sandbox name. Optional: a missing header means the `prod` sandbox "
            "(UD, EDIT, DDF, DDA), or 400 `FLOW-2105-400` with the `require_sandbox_header` setting. "
            "With the `sandboxes` setting, a name it does not list gets 404 `FLOW-2100-404`."
        ),
        "schema": string(pattern=r"^[a-z0-9][a-z0-9-]*$", maxLength=256, example="prod"),
    },
    "IfMatch": {
        "name": "If-Match", "in": "header", "required": True,
        "description": (
            "The entity's current etag, including the surrounding double quotes (DY). A missing header "
            "is 400 `FLOW-1403-400`; another value (also the etag without quotes) is 412 `FLOW-1404-412`."
        ),
        "schema": string(pattern=r'^".*"$', example='"1f00a3c2-0000-0200-0000-65b2c1d30000"'),
    },
    "IfMatchOptional": {
        "name": "If-Match", "in": "header", "required": False,
        "description": "The flow's current etag (optional, FY); checked when present (412 when stale).",
        "schema": string(pattern=r'^".*"$'),
    },
    "Property": {
        "name": "property", "in": "query", "required": False, "style": "form", "explode": True,
        "description": (
            "Filters, ANDed: `<path><op><value>` with a dotted path (`[]` steps into arrays), `op` one of "
            "`==` (a comma list means any of), `!=`, `>`, `<`, `>=`, `<=` (SAF). E.g. "
            "`connectionSpec.id==4fce964d-3f37-408f-9778-e597338a21ee`, `createdAt>=1659907304000`."
        ),
        "schema": array(string(pattern=r"^[A-Za-z0-9_.\[\]@$-]+(==|!=|>=|<=|>|<|=).+$")),
    },
    "OrderBy": {
        "name": "orderby", "in": "query", "required": False,
        "description": "Sort fields separated by `,`; prefix `-` for descending, `+` (or none) for ascending.",
        "schema": string(pattern=r"^[+-]?[A-Za-z_][A-Za-z0-9_.]*(,[+-]?[A-Za-z_][A-Za-z0-9_.]*)*$"),
    },
    "Limit": {
        "name": "limit", "in": "query", "required": False,
        "description": "Page size (at most 100; 100 without it). Cannot be combined with `count` (FLOW-1401-400).",
        "schema": integer(minimum=1, maximum=MAX_LIMIT),
    },
    "Count": {
        "name": "count", "in": "query", "required": False,
        "description": "`true` answers `{\"count\": N}` only.",
        "schema": boolean(),
    },
    "ContinuationToken": {
        "name": "continuationToken", "in": "query", "required": False,
        "description": "The opaque token of `_links.next.href`.",
        "schema": string(minLength=1),
    },
    "OutputType": {
        "name": "outputType", "in": "query", "required": True,
        "description": "Must be `activationDatasets` (2119 when missing).",
        "schema": enum("activationDatasets"),
    },
    "OutputField": {
        "name": "outputField", "in": "query", "required": True,
        "description": "Must be `datasets` (2119 when missing).",
        "schema": enum("datasets"),
    },
    "Start": {
        "name": "start", "in": "query", "required": False,
        "description": "Offset of the first dataset (default 0).",
        "schema": integer(minimum=0),
    },
    "ConfigsLimit": {
        "name": "limit", "in": "query", "required": False,
        "description": "Page size, 1 to 100 (default 20).",
        "schema": integer(minimum=1, maximum=100),
    },
    "Op": {
        "name": "op", "in": "query", "required": True,
        "description": (
            "`enable` or `disable` (any case). A missing op is 400 `FLOW-2119-400`, another action 400 "
            "`FLOW-1435-400`, enabling an enabled flow (or disabling a disabled one) 400 `FLOW-1422-400`."
        ),
        "schema": enum("enable", "disable", "ENABLE", "DISABLE"),
    },
}
LIST_PARAMETERS = ("Property", "OrderBy", "Limit", "Count", "ContinuationToken")

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": (
            "`Authorization: Bearer <IMS access token>`. Any token is accepted; the `user_id` and "
            "`client_id` claims of a JWT become `createdBy`/`createdClient`. Missing: 403 `403010`; "
            "not a bearer token: 401 `401013`."
        ),
    },
    "apiKey": {
        "type": "apiKey", "in": "header", "name": "x-api-key",
        "description": "The client id (API key). Missing: 403 `403000`.",
    },
    "imsOrg": {
        "type": "apiKey", "in": "header", "name": "x-gw-ims-org-id",
        "description": (
            "The IMS organisation, e.g. `5555467B5D8013E50A494220@AdobeOrg`; with `x-sandbox-name` it "
            "selects the isolated tenant. Missing or empty: 400 `400003`."
        ),
    },
}
SECURITY = [{name: [] for name in SECURITY_SCHEMES}]


# --- error bodies and responses --------------------------------------------------------------------

ERROR_SCHEMAS: dict[str, Schema] = {
    "GatewayError": obj(
        {"error_code": string("Six digits, e.g. `403010` (TS).", pattern=r"^\d{6}$"), "message": string()},
        ["error_code", "message"],
        "An error of the Adobe I/O gateway, answered before Flow Service sees the call (§2.1).",
    ),
    "ContentTypeError": obj(
        {"type": string(), "status": enum(400), "title": string(), "detail": string()},
        ["type", "status", "title", "detail"],
        "A body-carrying request without `Content-Type: application/json` (§2.2).",
    ),
    "ProblemDetails": obj(
        {
            "type": string("`https://ns.adobe.com/aep/errors/FLOW-<code>-<status>`.",
                           pattern=r"^https://ns\.adobe\.com/aep/errors/FLOW-\d{4}-\d{3}$"),
            "title": string(),
            "status": integer(minimum=400, maximum=599),
            "report": obj(
                {
                    "detailed-message": string(),
                    "request-id": string(),
                    "id": string("The id of the resource the error is about."),
                    "type": string("The collection of that resource, e.g. `flows`."),
                },
                ["detailed-message", "request-id"],
            ),
            "errorMessage": string("The short form of DY (§2.4)."),
            "errorDetails": string("The same text as `errorMessage`."),
        },
        ["type", "title", "status", "report", "errorMessage", "errorDetails"],
        "A Flow Service error: problem details (§2.3) with DY's short-form fields (§2.4).",
    ),
    "MessageError": obj(
        {"message": string(example="Please provide a valid spec id")},
        ["message"],
        "The bare body of an unknown or mismatching `connectionSpec` (§2.4).",
    ),
}


def _error_response(description: str, *shapes: str) -> Schema:
    schema = ref(shapes[0]) if len(shapes) == 1 else {"anyOf": [ref(s) for s in shapes]}
    return {"description": description, "headers": _headers("RequestId"), "content": {JSON: {"schema": schema}}}


RESPONSES = {
    "BadRequest": _error_response(
        "Bad request: the gateway's `400003` (no `x-gw-ims-org-id`) or a Flow Service error "
        "(invalid query, missing `x-sandbox-name` with `require_sandbox_header`, a refused change).",
        "GatewayError", "ProblemDetails",
    ),
    "BadRequestWithBody": _error_response(
        "Bad request, as `BadRequest`, or a body sent without `Content-Type: application/json` (§2.2).",
        "GatewayError", "ContentTypeError", "ProblemDetails",
    ),
    "BadRequestCreate": _error_response(
        "Bad request, as `BadRequestWithBody`, or `{\"message\": \"Please provide a valid spec id\"}` for an "
        "unknown or mismatching `connectionSpec`.",
        "GatewayError", "ContentTypeError", "ProblemDetails", "MessageError",
    ),
    "Unauthorized": _error_response("`Authorization` is not a bearer token (`401013`).", "GatewayError"),
    "Forbidden": _error_response(
        "`Authorization` or `x-api-key` missing (`403010`, `403000`); with a permissions document "
        "(`/_mock/permissions`), a missing permission (`FLOW-2118-403`, `FLOW-2121-403` on a stored entity) "
        "or a client holding none (`FLOW-2120-403`).",
        "GatewayError", "ProblemDetails",
    ),
    "NotFound": _error_response(
        "No such entity here (`FLOW-1439-404`; entities are isolated per org and sandbox), no such path "
        "(`FLOW-1101-404`), an unknown sandbox (`FLOW-2100-404`), or one the permissions document does not "
        "let the client use (`FLOW-2101-404`).",
        "ProblemDetails",
    ),
    "PreconditionFailed": _error_response("`If-Match` is not the current etag (`FLOW-1404-412`).", "ProblemDetails"),
    "UnprocessableEntity": _error_response(
        "`connectionSpec.version` missing (`FLOW-1100-422`, DY).", "ProblemDetails",
    ),
}


def errors(*statuses: int, bad_request: str = "BadRequest") -> dict[str, Schema]:
    """The shared error responses of an emulated operation (400, 401, 403, 404 always)."""
    names = {400: bad_request, 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
             412: "PreconditionFailed", 422: "UnprocessableEntity"}
    return {str(s): ref(names[s], "responses") for s in sorted({400, 401, 403, 404, *statuses})}


def ok(description: str, schema: Schema | None, *headers: str) -> Schema:
    response: Schema = {"description": description, "headers": _headers("RequestId", *headers)}
    if schema is not None:
        response["content"] = {JSON: {"schema": schema}}
    return response


# --- entities ----------------------------------------------------------------------------------------

SYSTEM_FIELDS: dict[str, Schema] = {
    "id": string("Set by the service (a UUID)."),
    "createdAt": EPOCH_MS,
    "updatedAt": EPOCH_MS,
    "createdBy": string("IMS user, e.g. `0A4334FA556585B77F000101@AdobeID`."),
    "updatedBy": string(),
    "createdClient": string("IMS client, e.g. `exc_app`."),
    "updatedClient": string(),
    "sandboxId": string(),
    "sandboxName": string(example="prod"),
    "imsOrgId": string(),
}
VERSIONED: dict[str, Schema] = {
    "version": string("Equal to `etag`."),
    "etag": string("A quoted token, new after every change.", pattern=r'^".*"$'),
}
STATE = enum("enabled", "disabled")


def entity(description: str, properties: dict[str, Schema], required: Iterable[str]) -> Schema:
    """An entity with the service's system fields (§4.0), its own fields, then version and etag."""
    return obj({**SYSTEM_FIELDS, **properties, **VERSIONED},
               [*SYSTEM_FIELDS, *required, *VERSIONED], description)


def spec_ref(ids: Iterable[str] | None = None, versions: Iterable[str] | None = None) -> Schema:
    """``{id, version}``: a reference to a connection spec or flow spec."""
    return obj(
        {"id": enum(*ids) if ids else string(), "version": enum(*versions) if versions else string()},
        ["id", "version"],
    )


def base_connection_ref() -> Schema:
    return obj({"id": string(), "connectionSpec": ref("SpecRef")}, ["id", "connectionSpec"])


ENTITY_SCHEMAS: dict[str, Schema] = {
    "SpecRef": spec_ref(),
    "Connection": entity(
        "A base connection (§4.1): credentials for a connection spec. Auth params the auth spec marks "
        "`format: password` are shown as `********` unless the `reveal_secrets` setting is on.",
        {
            "name": string(),
            "description": string(),
            "connectionSpec": ref("SpecRef"),
            "state": STATE,
            "auth": obj({"specName": string(), "params": obj(additionalProperties=True)},
                        ["specName", "params"],
                        "Absent for connection specs without an auth spec (Data Landing Zone, Platform)."),
            "encryption": obj({"specName": string(), "params": obj(additionalProperties=True)},
                              ["specName", "params"]),
        },
        ["name", "connectionSpec", "state"],
    ),
    "SourceConnection": entity(
        "A source connection (§4.2): the Profile Store (audiences) or the Data Lake (datasets).",
        {
            "name": string(),
            "description": string(),
            "baseConnectionId": string("Given at creation, or the id of a base connection the service "
                                       "creates implicitly."),
            "state": STATE,
            "connectionSpec": ref("SpecRef"),
            "typeInfo": obj({"type": enum("ProfileFragments"), "id": enum("ups")}, ["type", "id"]),
            "data": obj({"format": string(), "schema": ANY}),
            "params": obj({"datasets": array(ref("DatasetRef"))}, additionalProperties=True),
            "inheritedAttributes": obj({"baseConnection": base_connection_ref()}, ["baseConnection"]),
        },
        ["name", "baseConnectionId", "state", "connectionSpec", "inheritedAttributes"],
    ),
    "DatasetRef": obj({"dataSetId": string(pattern=r"^[A-Za-z0-9_-]{1,64}$"), "name": string()},
                      ["dataSetId"]),
    "TargetConnection": entity(
        "A target connection (§4.3): where and how a destination receives files.",
        {
            "name": string(),
            "description": string(),
            "baseConnectionId": string(),
            "state": STATE,
            "data": obj(additionalProperties=True),
            "connectionSpec": ref("SpecRef"),
            "params": obj(description="Destination-specific, per the connection spec's `targetSpec`.",
                          additionalProperties=True),
            "inheritedAttributes": obj({"baseConnection": base_connection_ref()}, ["baseConnection"]),
        },
        ["name", "baseConnectionId", "state", "connectionSpec", "params", "inheritedAttributes"],
    ),
    "Flow": entity(
        "A dataflow (§4.4).",
        {
            "name": string(),
            "description": string(),
            "flowSpec": ref("SpecRef"),
            "state": STATE,
            "sourceConnectionIds": array(string(), minItems=1, maxItems=1),
            "targetConnectionIds": array(string(), minItems=1, maxItems=1),
            "inheritedAttributes": obj(
                {
                    "sourceConnections": array(obj(
                        {"id": string(), "connectionSpec": ref("SpecRef"),
                         "baseConnection": base_connection_ref(),
                         "typeInfo": obj({"type": string(), "id": string()})},
                        ["id", "connectionSpec"])),
                    "targetConnections": array(obj(
                        {"id": string(), "connectionSpec": ref("SpecRef"),
                         "baseConnection": base_connection_ref()},
                        ["id", "connectionSpec", "baseConnection"])),
                    "properties": obj({"isDestinationFlow": boolean()}),
                },
                ["sourceConnections", "targetConnections"],
            ),
            "transformations": array(ref("Transformation"), "`[]` for dataset flows."),
            "scheduleParams": ref("DatasetSchedule"),
            "labels": array(string(minLength=1), "Access labels, e.g. `core/C12`."),
            "runs": string("`/runs?property=flowId==<id>`."),
            "lastOperation": obj(
                {
                    "started": EPOCH_MS, "updated": EPOCH_MS, "percentCompleted": integer(),
                    "status": obj({"value": string(), "properties": {"nullable": True, **ANY},
                                   "errors": array(ANY)}, ["value"]),
                    "ops": array(obj(additionalProperties=True), "The JSON Patch operations applied."),
                    "operation": enum("create", "update", "enable", "disable"),
                },
                ["started", "updated", "status", "operation"],
            ),
            "lastRunDetails": ref("LastRunDetails"),
        },
        ["name", "description", "flowSpec", "state", "sourceConnectionIds", "targetConnectionIds",
         "inheritedAttributes", "transformations", "runs", "lastOperation"],
    ),
    "Run": obj(
        {
            **SYSTEM_FIELDS,
            "flowId": string(),
            "flowSpec": ref("SpecRef"),
            "providerRefId": string(),
            "etag": VERSIONED["etag"],
            "metrics": ref("RunMetrics"),
            "activities": array(ref("RunActivity"), minItems=2, maxItems=2),
        },
        [*SYSTEM_FIELDS, "flowId", "flowSpec", "providerRefId", "etag", "metrics", "activities"],
        "A dataflow run (§4.5): one export of one audience or dataset of a flow, created by the mock's "
        "engine as its clock reaches the flow's schedule (or by ad hoc activation), never by clients. "
        "Each step (`pending`, `inProgress`, `success` or `failed`) has a new etag.",
    ),
    "ConnectionSpec": obj(
        {
            "id": string(), "name": string(), "providerId": string(), "version": string(),
            "description": string(),
            "authSpec": array(obj({"name": string(), "type": string(), "spec": obj(additionalProperties=True)},
                                  ["name", "spec"])),
            "encryptionSpecs": array(obj({"name": string(), "type": string(),
                                          "spec": obj(additionalProperties=True)}, ["name"])),
            "targetSpec": obj({"name": string(), "type": string(), "spec": obj(additionalProperties=True),
                               "attributes": obj(additionalProperties=True)}, ["spec"]),
            "sourceSpec": obj(additionalProperties=True),
            "attributes": obj(additionalProperties=True),
            "permissionsInfo": obj(additionalProperties=True),
        },
        ["id", "name", "providerId", "version"],
        "A connection spec (§3.3): what a destination (or Platform source) takes.",
    ),
    "FlowSpec": obj(
        {
            "id": string(), "name": string(), "providerId": string(), "version": string(),
            "description": string(),
            "sourceConnectionSpecIds": array(string()),
            "targetConnectionSpecIds": array(string()),
            "transformationSpecs": array(obj({"name": string(), "spec": obj(additionalProperties=True)})),
            "attributes": obj(additionalProperties=True),
            "permissionsInfo": obj(additionalProperties=True),
        },
        ["id", "name", "providerId", "version", "sourceConnectionSpecIds", "targetConnectionSpecIds"],
        "A flow spec (§3.3).",
    ),
    "Dataset": obj(
        {
            "id": string(), "name": string(), "description": string(),
            "schemaRef": obj({"id": string(), "contentType": string()}),
            "fileDescription": obj({"persisted": boolean(), "containerFormat": string(), "format": string()}),
            "aspect": string(), "state": string(), "version": string(),
            "created": EPOCH_MS, "updated": EPOCH_MS,
        },
        ["id", "name"],
        "A Catalog dataset eligible for export (§3.4).",
    ),
}

# --- dataflow parts: transformations and schedules (§4.4, §6) ---------------------------------------

FLOW_PART_SCHEMAS: dict[str, Schema] = {
    "Transformation": obj(
        {"name": enum("GeneralTransform", "General Transform",
                      description="`GeneralTransform` (DY's text spells it with a space; the service "
                                  "returns `GeneralTransform`)."),
         "params": ref("TransformationParams")},
        ["name"],
    ),
    "TransformationParams": obj(
        {
            "segmentSelectors": obj({"selectors": array(ref("SegmentSelector"))}),
            "profileSelectors": obj({"selectors": array(ref("ProfileSelector")),
                                     "mandatoryFields": ref("MandatoryFields"),
                                     "primaryFields": ref("PrimaryFields")}),
            "mandatoryFields": ref("MandatoryFields"),
            "primaryFields": ref("PrimaryFields"),
            "profileMapping": ref("ProfileMapping"),
            "identityMapping": obj(additionalProperties=True),
            "attributeMapping": obj(additionalProperties=True),
        },
        description="Legacy cards use `profileSelectors`; new cards `profileMapping`, `mandatoryFields` and "
                    "`primaryFields`. Dataset flows take no params.",
    ),
    "SegmentSelector": obj(
        {
            "type": enum("PLATFORM_SEGMENT"),
            "value": obj(
                {
                    "id": NON_BLANK,
                    "systemSegmentId": string(),
                    "namespace": string(),
                    "name": string(),
                    "description": string(),
                    "exportMode": enum(*EXPORT_MODES),
                    "schedule": ref("AudienceSchedule"),
                    "filenameTemplate": string(
                        "At most 255 characters, no `/`, `\\` or control characters; legacy cards need "
                        "`%DESTINATION_NAME%` and `%SEGMENT_ID%`. DY spells it `fileNameTemplate` "
                        "(accepted, returned as `filenameTemplate`).",
                        minLength=1, maxLength=255, pattern=r"^[^/\\\x00-\x1f]*$"),
                    "createTime": string("Epoch seconds, set by the service.", readOnly=True),
                    "updateTime": string("Epoch seconds, set by the service.", readOnly=True),
                    "enrichmentInfo": obj(additionalProperties=True),
                },
                ["id", "exportMode", "schedule"],
            ),
        },
        ["type", "value"],
        "An audience in a dataflow (§4.4, §6.1).",
    ),
    "AudienceSchedule": obj(
        {
            "frequency": enum(*FREQUENCIES, description=(
                "`DAILY_FULL_EXPORT`: `ONCE`, `DAILY`, `WEEKLY`, `MONTHLY`; "
                "`FIRST_FULL_THEN_INCREMENTAL`: `DAILY`, `EVERY_3_HOURS`, `EVERY_6_HOURS`, "
                "`EVERY_8_HOURS`, `EVERY_12_HOURS`.")),
            "triggerType": enum(*TRIGGER_TYPES),
            "startDate": DATE,
            "endDate": DATE,
            "startTime": string("`HH:00`, UTC; required unless `triggerType` is `AFTER_SEGMENT_EVAL`.",
                                pattern=r"^([01]\d|2[0-3]):00$", example="20:00"),
        },
        ["frequency", "startDate"],
    ),
    "ProfileSelector": obj(
        {
            "type": enum("JSON_PATH"),
            "value": obj(
                {"path": NON_BLANK,
                 "operator": enum("EXISTS", description="Set to `EXISTS` by the service when omitted."),
                 "identity": obj(additionalProperties=True),
                 "mapping": obj(additionalProperties=True)},
                ["path"],
            ),
        },
        ["type", "value"],
        "A profile attribute of a legacy card; GET shows it with `operator` and `mapping` filled in.",
    ),
    "MandatoryFields": array(NON_BLANK, "Attribute paths every exported profile must have."),
    "PrimaryFields": array(
        {"oneOf": [
            obj({"fieldType": enum("IDENTITY"), "identityNamespace": NON_BLANK},
                ["fieldType", "identityNamespace"]),
            obj({"fieldType": enum("ATTRIBUTE"), "attributePath": NON_BLANK},
                ["fieldType", "attributePath"]),
        ]},
        "Deduplication key: one identity namespace, or one or two attributes (§6.7).",
        maxItems=2,
    ),
    "ProfileMapping": obj(
        {"mappingId": NON_BLANK, "mappingVersion": integer(minimum=0)},
        description="A Data Prep mapping set; `{}` in the create skeleton of AS.",
        anyOf=[{"maxProperties": 0}, {"required": ["mappingId", "mappingVersion"]}],
    ),
    "DatasetSchedule": obj(
        {
            "exportMode": enum(*EXPORT_MODES),
            "startTime": integer("Epoch seconds.", minimum=0),
            "endTime": integer("Epoch seconds, after `startTime`; six months after creation when omitted.",
                               minimum=0),
            "interval": integer(minimum=0),
            "timeUnit": enum("hour", "day"),
            "foldernameTemplate": string("DY spells it `folderNameTemplate` (accepted too).", minLength=1,
                                         pattern=r"\S"),
        },
        ["startTime", "interval", "timeUnit"],
        "The schedule of a dataset flow (§6.2): a one-time full export (`DAILY_FULL_EXPORT`, `day`, 0), "
        "or incremental every day (`day`, 1) or every 3, 6, 9 or 12 hours. `startTime`, `interval` and "
        "`endTime` are also accepted as numeric strings (aepp sends `\"interval\": \"1\"`) and returned "
        "as integers.",
        anyOf=[
            obj({"exportMode": enum("DAILY_FULL_EXPORT"), "timeUnit": enum("day"), "interval": enum(0)},
                ["exportMode"]),
            obj({"exportMode": enum("FIRST_FULL_THEN_INCREMENTAL"), "timeUnit": enum("day"),
                 "interval": enum(1)}),
            obj({"exportMode": enum("FIRST_FULL_THEN_INCREMENTAL"), "timeUnit": enum("hour"),
                 "interval": enum(3, 6, 9, 12)}),
        ],
    ),
}

#: The documented JSON Patch operations (§3.5, §3.7, §6.6): pointer and value.
PATCH_TARGETS: dict[str, list[tuple[str, Schema]]] = {
    "connections": [
        ("/name", NON_BLANK),
        ("/description", string()),
        ("/auth/params", obj(description="The complete new auth params (they replace the old ones).",
                             additionalProperties=True)),
    ],
    "sourceConnections": [("/name", NON_BLANK), ("/description", string())],
    "targetConnections": [
        ("/name", NON_BLANK),
        ("/description", string()),
        ("/params", obj(description="The complete new params.", additionalProperties=True)),
    ],
    "flows": [
        ("/name", NON_BLANK),
        ("/description", string()),
        ("/transformations/0/params/segmentSelectors/selectors/-", ref("SegmentSelector")),
        ("/transformations/0/params/profileSelectors/selectors/-", ref("ProfileSelector")),
        ("/transformations/0/params/profileMapping", ref("ProfileMapping")),
        ("/transformations/0/params/mandatoryFields", ref("MandatoryFields")),
        ("/transformations/0/params/primaryFields", ref("PrimaryFields")),
        ("/sourceConnectionIds", array(string(minLength=1), minItems=1, maxItems=1)),
        ("/scheduleParams", ref("DatasetSchedule")),
        ("/labels", array(string(minLength=1))),
    ],
}


# --- listing, creation, update ------------------------------------------------------------------------

ENVELOPE_SCHEMAS: dict[str, Schema] = {
    "Links": obj({"next": obj({"href": string("The collection path with the query and a "
                                              "`continuationToken`, e.g. `/connections?continuationToken=...`.")},
                              ["href"])},
                 description="`next` when more entities remain."),
    "Count": obj({"count": integer(minimum=0)}, ["count"], "The answer to `count=true`.",
                 additionalProperties=False),
    "EntityCreated": obj({"id": string(), "etag": VERSIONED["etag"]}, ["id", "etag"]),
    "EntityUpdated": obj({"id": string(), "etag": VERSIONED["etag"]}, ["id", "etag"]),
}


def page(entity_name: str) -> Schema:
    """``{items, _links}`` of a list, or ``{count}`` with ``count=true``."""
    return {"anyOf": [
        obj({"items": array(ref(entity_name)), "_links": ref("Links")}, ["items", "_links"]),
        ref("Count"),
    ]}


def single(entity_name: str) -> Schema:
    """GET by id: the entity, always wrapped in ``items``."""
    return obj({"items": array(ref(entity_name), minItems=1, maxItems=1)}, ["items"])


def json_patch(collection: str) -> Schema:
    """An RFC 6902 document: the documented operations of ``collection`` (§6.6), then any other."""
    members = "|".join(PATCHABLE[collection])
    path = string(f"A JSON Pointer under one of: {', '.join(PATCHABLE[collection])}.",
                  pattern=rf"^/({members})(/.*)?$")
    setters = enum("add", "replace", "ADD", "REPLACE")
    documented = [
        obj({"op": setters, "path": enum(pointer), "value": value}, ["op", "path", "value"],
            title=f"set {pointer}")
        for pointer, value in PATCH_TARGETS[collection]
    ]
    return array(
        {"anyOf": [
            *documented,
            obj({"op": enum("remove", "REMOVE"), "path": path, "value": ANY}, ["op", "path"], title="remove"),
            obj({"op": enum("add", "replace", "test", "ADD", "REPLACE", "TEST"), "path": path, "value": ANY},
                ["op", "path", "value"], title="other"),
        ]},
        "RFC 6902 operations, applied in order; `op` in any case; `move` and `copy` are refused "
        "(`FLOW-1434-400`), other paths `FLOW-1455-400`. The patched entity is validated as a whole.",
        minItems=1,
    )


# --- request bodies derived from the catalogue ---------------------------------------------------------

_KEEP = frozenset({
    "title", "description", "type", "required", "enum", "default", "format", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "multipleOf", "nullable", "readOnly", "writeOnly",
})
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")


def oas_schema(schema: Any) -> Schema:
    """A draft-07 schema of the catalogue as an OpenAPI 3.0 schema object.

    ``const`` becomes a one-value ``enum``; keywords OpenAPI 3.0 lacks (``$schema``, ``if``/``then``,
    ``contentEncoding``, the catalogue's ``conditional`` and ``uiAttributes``) and patterns with
    look-arounds (not portable to every regex engine) are left out, so the result is a little looser
    than the rule the mock applies, never stricter.
    """
    if not isinstance(schema, dict):
        return {}
    out: Schema = {}
    for key, value in schema.items():
        if key == "const":
            out["enum"] = [value]
        elif key == "properties":
            out[key] = {name: oas_schema(sub) for name, sub in value.items()}
        elif key in ("items", "not"):
            out[key] = oas_schema(value)
        elif key == "additionalProperties":
            out[key] = value if isinstance(value, bool) else oas_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            parts = [part for part in (oas_schema(v) for v in value) if part]
            if parts:
                out[key] = parts
        elif key == "type" and isinstance(value, list):
            kinds = [v for v in value if v != "null"]
            if len(kinds) == 1:
                out["type"] = kinds[0]
            if "null" in value:
                out["nullable"] = True
        elif key == "required":
            if value:
                out[key] = list(value)
        elif key == "pattern":
            if not any(marker in value for marker in _LOOKAROUND):
                out[key] = value
        elif key in _KEEP:
            out[key] = value
    return out


NAME = string("Required, not blank.", minLength=1, pattern=r"\S")
DESCRIPTION = string()


def encryption(spec: dict) -> Schema | None:
    """File encryption of a base connection, per the spec's ``encryptionSpecs`` (MIG's shape)."""
    encryption_specs = spec.get("encryptionSpecs") or []
    if not encryption_specs:
        return None
    return {
        "description": "File encryption, `{specName, params}` (MIG), one of the connection spec's "
                       "`encryptionSpecs`; `specName` defaults to the first. AS sends the params as "
                       "`auth.params.encryptionSpecs` instead.",
        "anyOf": [
            obj({"specName": enum(e["name"]), "params": oas_schema(e.get("spec"))}, ["params"])
            for e in encryption_specs
        ],
    }


def _branch(spec: dict, properties: dict[str, Schema], required: Iterable[str], **keywords: Any) -> Schema:
    return obj(
        {"name": NAME, "description": DESCRIPTION,
         "connectionSpec": spec_ref([spec["id"]], [spec["version"]]), **properties},
        ["name", "connectionSpec", *required],
        title=f"{spec['name']} ({spec['id']})",
        **keywords,
    )


def connection_create(catalog: Catalog) -> Schema:
    branches = []
    for spec in catalog.connection_specs():
        auth_specs = catalog.auth_specs(spec)
        properties: dict[str, Schema] = {}
        if encryption(spec):
            properties["encryption"] = encryption(spec)
        if auth_specs:
            properties["auth"] = {"oneOf": [
                obj({"specName": enum(a["name"]), "params": oas_schema(a["spec"])}, ["specName", "params"])
                for a in auth_specs
            ]}
        branches.append(_branch(spec, properties, ["auth"] if auth_specs else ()))
    return {
        "description": (
            "A base connection for one of the catalogue's connection specs: `auth` names one of the spec's "
            "`authSpec` (`FLOW-1415-400` otherwise) with the params its JSON Schema requires; specs "
            "without an auth spec take no `auth`. An unknown or mismatching `connectionSpec` is 400 "
            "`{\"message\": \"Please provide a valid spec id\"}`, a missing `connectionSpec.version` 422."
        ),
        "oneOf": branches,
    }


def source_connection_create(catalog: Catalog) -> Schema:
    profile_store = catalog.connection_spec(PROFILE_STORE_SPEC_ID)
    data_lake = catalog.connection_spec(DATA_LAKE_SPEC_ID)
    branches = []
    if profile_store:
        branches.append(_branch(profile_store, {
            "baseConnectionId": string("Legacy two-step form (CA): a base connection to the Profile Store.",
                                       minLength=1),
            "data": obj({"format": enum("CSV"), "schema": {"nullable": True, **ANY}}),
            "params": obj(additionalProperties=True),
        }, ()))
    if data_lake:
        branches.append(_branch(data_lake, {
            "baseConnectionId": string(minLength=1),
            "data": obj(additionalProperties=True),
            "params": obj({"datasets": array(ref("DatasetRef"), minItems=1, uniqueItems=True)}, ["datasets"]),
        }, ["params"]))
    return {
        "description": "The Profile Store (audiences) or the Data Lake (datasets, a fixed list).",
        "oneOf": branches,
    }


def target_connection_create(catalog: Catalog) -> Schema:
    branches = []
    for spec in catalog.connection_specs():
        if not catalog.is_destination(spec):
            continue
        params = oas_schema(spec["targetSpec"]["spec"])
        needs = [keys for keys in (catalog.workflow_requirements(spec, w) for w in ("SEGMENTS", "DATASETS"))
                 if keys]
        if needs:
            params["anyOf"] = [{"required": keys} for keys in needs]
        branches.append(_branch(spec, {
            "baseConnectionId": string("A base connection of the same connection spec.", minLength=1),
            "params": params,
            "data": obj(additionalProperties=True, description="Legacy cards (CA)."),
        }, ["baseConnectionId", "params"]))
    return {
        "description": "A target connection of a destination connection spec, with the params of its "
                       "`targetSpec`.",
        "oneOf": branches,
    }


def flow_create(catalog: Catalog) -> Schema:
    flow_specs = list(catalog.public_flow_specs)
    one_id = array(string(minLength=1), minItems=1, maxItems=1)
    return obj(
        {
            "name": NAME,
            "description": DESCRIPTION,
            "flowSpec": obj({"id": enum(*(s["id"] for s in flow_specs)),
                             "version": enum(*sorted({s["version"] for s in flow_specs}))}, ["id"]),
            "sourceConnectionIds": one_id,
            "targetConnectionIds": one_id,
            "transformations": array(ref("Transformation"), "`[]` (or omitted) for dataset flows."),
            "scheduleParams": ref("DatasetSchedule"),
            "labels": array(string(minLength=1)),
        },
        ["name", "flowSpec", "sourceConnectionIds", "targetConnectionIds"],
        "A dataflow from one source connection to one target connection. `state` is not allowed "
        "(`FLOW-1410-400`); new flows are enabled. `scheduleParams` is required for dataset flows and "
        "refused for audience flows.",
    )


# --- operations -----------------------------------------------------------------------------------------

def operation(operation_id: str, summary: str, tag: str, responses: dict[str, Schema], *,
              parameters: Iterable[str] = (), body: Schema | None = None, body_required: bool = True,
              description: str | None = None, emulated: bool = True) -> Schema:
    op: Schema = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    names = [*parameters, *(("SandboxName",) if emulated else ())]
    if names:
        op["parameters"] = [ref(name, "parameters") for name in names]
    if body is not None:
        op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": body}}}
    op["responses"] = {**responses, **LIMIT_RESPONSES} if emulated else responses
    if not emulated:
        op["security"] = []
    return op


#: What every emulated operation may answer when a request passes a limit (docs/fidelity.md, "Limits"),
#: or when the store cannot be reached.
LIMIT_RESPONSES = {
    "413": _error_response("The body is larger than `max_body_bytes` (`FLOW-1100-413`).", "ProblemDetails"),
    "414": _error_response("The query string is longer than `max_query_length` (`FLOW-1100-414`).",
                           "ProblemDetails"),
    "431": _error_response("More request headers than `max_headers` (`FLOW-1100-431`).", "ProblemDetails"),
    "503": _error_response("The store (`--store`) cannot be reached now (`FLOW-1103-503`).", "ProblemDetails"),
}


def patch_answers(collection: str) -> dict[str, Schema]:
    """PATCH answers: the doc eras disagree on flows only (§7.5), so only flows follow the profile."""
    if collection != "flows":
        return {"200": ok("Updated: `{id, etag}` with the new etag (DY, EDIT, FY).", ref("EntityUpdated"), "ETag")}
    return {
        "200": ok("Updated (`current` profile; DY, UD, AS, EDIT): `{id, etag}` with the new etag.",
                  ref("EntityUpdated"), "ETag"),
        "202": ok("Updated (`default` profile: `{id, etag}`; `seed` profile, CA: no body).",
                  ref("EntityUpdated"), "ETag"),
    }


def collection_paths(collection: str, entity_name: str, tag: str, singular: str,
                     *, spec_errors: bool) -> dict[str, Schema]:
    """List, create, get, patch, delete of one writable collection."""
    cap = entity_name
    create_errors = errors(422, bad_request="BadRequestCreate") if spec_errors else \
        errors(bad_request="BadRequestWithBody")
    return {
        f"{FLOW_SERVICE}/{collection}": {
            "get": operation(
                f"list{cap}s", f"List {singular}s", tag,
                {"200": ok(f"A page of {singular}s (most recently changed first), or their count.",
                           page(entity_name)), **errors()},
                parameters=LIST_PARAMETERS,
            ),
            "post": operation(
                f"create{cap}", f"Create a {singular}", tag,
                {"201": ok("Created.", ref("EntityCreated"), "Location", "ETag"), **create_errors},
                body=ref(f"{entity_name}Create"),
            ),
        },
        f"{FLOW_SERVICE}/{collection}/{{id}}": {
            "parameters": [ref("Id", "parameters")],
            "get": operation(
                f"get{cap}", f"Get a {singular}", tag,
                {"200": ok(f"The {singular}, wrapped in `items`.", single(entity_name), "ETag"), **errors()},
            ),
            "patch": operation(
                f"patch{cap}", f"Update a {singular} with JSON Patch", tag,
                {**patch_answers(collection), **errors(412, bad_request="BadRequestWithBody")},
                parameters=("IfMatch",), body=json_patch(collection),
                description=f"Members a patch may change: {', '.join(PATCHABLE[collection])}.",
            ),
            "delete": operation(
                f"delete{cap}", f"Delete a {singular}", tag,
                {
                    "202": ok("Deleted (`default` and `seed` profiles), empty body (DY).", None),
                    "204": ok("Deleted (`current` profile; FY, DDA).", None),
                    **errors(412),
                },
                parameters=("IfMatchOptional",),
                description="Refused with 400 while a dataflow uses it (`FLOW-1418-400`, `FLOW-1447-400`). "
                            "`If-Match` is optional; when sent, it must be the current etag (or `*`), else 412.",
            ),
        },
    }


COLLECTIONS = (
    ("connections", "Connection", TAG_CONNECTIONS, "base connection"),
    ("sourceConnections", "SourceConnection", TAG_SOURCES, "source connection"),
    ("targetConnections", "TargetConnection", TAG_TARGETS, "target connection"),
    ("flows", "Flow", TAG_FLOWS, "dataflow"),
)


def flow_service_paths() -> dict[str, Schema]:
    paths: dict[str, Schema] = {
        f"{FLOW_SERVICE}/connectionSpecs": {"get": operation(
            "listConnectionSpecs", "List connection specs", TAG_SPECS,
            {"200": ok("The catalogue's connection specs.", page("ConnectionSpec")), **errors()},
            parameters=LIST_PARAMETERS,
        )},
        f"{FLOW_SERVICE}/connectionSpecs/{{id}}": {
            "parameters": [ref("Id", "parameters")],
            "get": operation(
                "getConnectionSpec", "Get a connection spec", TAG_SPECS,
                {"200": ok("The connection spec, wrapped in `items`.", single("ConnectionSpec")), **errors()},
            ),
        },
        f"{FLOW_SERVICE}/connectionSpecs/{{id}}/configs": {
            "parameters": [ref("Id", "parameters")],
            "get": operation(
                "getConnectionSpecConfigs", "List the datasets eligible for export", TAG_CONFIGS,
                {"200": ok("Datasets (ED's form, with `pageInfo`).", obj(
                    {"items": array(ref("Dataset")),
                     "pageInfo": obj({"start": integer(minimum=0), "end": integer(minimum=0),
                                      "total": integer(minimum=0), "hasNext": boolean()},
                                     ["start", "end", "total", "hasNext"])},
                    ["items", "pageInfo"])),
                 **errors()},
                parameters=("OutputType", "OutputField", "Start", "ConfigsLimit"),
                description=f"Served for the Data Lake connection spec `{DATA_LAKE_SPEC_ID}` and for destination "
                            "connection specs that export datasets (400 for other specs). Other Catalog parameters "
                            "(e.g. `properties`) are accepted and ignored.",
            ),
        },
        f"{FLOW_SERVICE}/flowSpecs": {"get": operation(
            "listFlowSpecs", "List flow specs", TAG_SPECS,
            {"200": ok("The catalogue's flow specs.", page("FlowSpec")), **errors()},
            parameters=LIST_PARAMETERS,
        )},
        f"{FLOW_SERVICE}/flowSpecs/{{id}}": {
            "parameters": [ref("Id", "parameters")],
            "get": operation(
                "getFlowSpec", "Get a flow spec", TAG_SPECS,
                {"200": ok("The flow spec, wrapped in `items`.", single("FlowSpec")), **errors()},
            ),
        },
    }
    for collection, entity_name, tag, singular in COLLECTIONS:
        paths.update(collection_paths(collection, entity_name, tag, singular,
                                      spec_errors=collection != "flows"))
    paths[f"{FLOW_SERVICE}/flows/{{id}}/action"] = {
        "parameters": [ref("Id", "parameters")],
        "post": operation(
            "actOnFlow", "Enable or disable a dataflow", TAG_FLOWS,
            {"200": ok("Done: `{id, etag}` with the new etag.", ref("EntityUpdated"), "ETag"),
             **errors(412, bad_request="BadRequestWithBody")},
            parameters=("Op", "IfMatchOptional"),
            description="No request body (UD).",
        ),
    }
    paths[f"{FLOW_SERVICE}/runs"] = {"get": operation(
        "listRuns", "List dataflow runs", TAG_RUNS,
        {"200": ok("A page of runs, or their count.", page("Run")), **errors()},
        parameters=LIST_PARAMETERS,
        description="Filter by flow with `property=flowId==<id>`.",
    )}
    paths[f"{FLOW_SERVICE}/runs/{{id}}"] = {
        "parameters": [ref("Id", "parameters")],
        "get": operation(
            "getRun", "Get a dataflow run", TAG_RUNS,
            {"200": ok("The run, wrapped in `items`.", single("Run"), "ETag"), **errors()},
        ),
    }
    return paths


ADMIN_SCHEMAS: dict[str, Schema] = {
    "Health": obj(
        {
            "status": enum("ok"),
            "version": string(),
            "profile": enum(*PROFILES),
            "uptimeSeconds": {"type": "number", "minimum": 0},
            "tenants": array(obj(
                {"imsOrgId": string(), "sandboxName": string(),
                 "counts": obj(additionalProperties=integer(minimum=0))},
                ["imsOrgId", "sandboxName", "counts"],
            )),
        },
        ["status", "version", "profile", "uptimeSeconds", "tenants"],
    ),
    "ResetScope": obj(
        {"imsOrgId": string(), "sandboxName": string()},
        description="Forget only the tenants of this org and/or sandbox; nothing means everything.",
    ),
    "ResetResult": obj({"reset": integer("How many tenants were forgotten.", minimum=0)}, ["reset"]),
}


IMS_SCHEMAS: dict[str, Schema] = {
    "ImsTokenRequest": obj(
        {
            "grant_type": enum("client_credentials", "authorization_code"),
            "client_id": string("The client id; or the user name of HTTP Basic credentials.", minLength=1),
            "client_secret": string("Not checked."),
            "scope": string("Copied into the token's `scope` claim."),
        },
        ["grant_type"],
        "OAuth client credentials, form-encoded, as aepp's server-to-server log-in sends them.",
    ),
    "ImsToken": obj(
        {
            "access_token": string("An unsigned JWT whose `client_id` and `user_id` claims become "
                                   "`createdClient`/`createdBy`."),
            "token_type": enum("bearer"),
            "expires_in": integer("Seconds.", minimum=1),
        },
        ["access_token", "token_type", "expires_in"],
    ),
    "ImsError": obj({"error": string(example="invalid_client"), "error_description": string()},
                    ["error", "error_description"]),
}


def ims_paths() -> dict[str, Schema]:
    token = operation(
        "getImsToken", "Issue an access token (IMS stand-in)", TAG_IMS,
        {"200": ok("A token for the emulated API.", ref("ImsToken")),
         "400": _error_response("`grant_type` is not supported (`unsupported_grant_type`) or no client id "
                                "was given (`invalid_client`).", "ImsError")},
        emulated=False,
        description="Stands in for IMS (`https://ims-na1.adobelogin.com/ims/token/v3`) so that clients which "
                    "log in first can be pointed at the mock; no gateway headers.",
    )
    token["parameters"] = [{"name": "version", "in": "path", "required": True,
                            "description": "The IMS token API version, e.g. `v3`.",
                            "schema": string(pattern=r"^v[0-9]+$", example="v3")}]
    token["requestBody"] = {"required": True,
                            "content": {"application/x-www-form-urlencoded": {"schema": ref("ImsTokenRequest")}}}
    return {"/ims/token/{version}": {"post": token}}


def admin_paths() -> dict[str, Schema]:
    scope_parameters = [
        {"name": name, "in": "query", "required": False, "schema": string(),
         "description": f"Only the tenants with this `{name}`."}
        for name in ("imsOrgId", "sandboxName")
    ]
    reset = operation(
        "resetMock", "Forget state", TAG_ADMIN,
        {"200": ok("Done.", ref("ResetResult")),
         "400": _error_response("The body is not a JSON object or a field is not a string.", "ProblemDetails")},
        body=ref("ResetScope"), body_required=False, emulated=False,
        description="Query parameters win over the same keys of the JSON body. A full reset also restarts "
                    "the id sequence (deterministic ids with a `seed`).",
    )
    reset["parameters"] = scope_parameters
    return {
        f"{ADMIN}/health": {"get": operation(
            "getMockHealth", "Status, version, tenants", TAG_ADMIN,
            {"200": ok("The mock is up.", ref("Health"))}, emulated=False,
        )},
        f"{ADMIN}/reset": {"post": reset},
        f"{ADMIN}/state": {
            "get": {**operation(
                "getMockState", "A snapshot of the state", TAG_ADMIN,
                {"200": ok("The snapshot: tenants (entities with their etags, runs, the engine's record) and "
                           "the clock; secret auth params sealed.", obj(additionalProperties=True)),
                 "400": _error_response("An unknown query parameter.", "ProblemDetails")},
                emulated=False), "parameters": scope_parameters},
            "post": operation(
                "loadMockState", "Load a snapshot", TAG_ADMIN,
                {"200": ok("How many tenants were replaced.", obj({"loaded": integer()}, ["loaded"])),
                 "400": _error_response("Not a snapshot, a newer version, or secrets sealed under another key "
                                        "(nothing is changed).", "ProblemDetails")},
                body=obj(additionalProperties=True), emulated=False,
                description="Replaces the tenants the document holds and leaves the others alone; sets the clock.",
            ),
        },
        f"{ADMIN}/openapi.json": {"get": operation(
            "getMockOpenApi", "This document", TAG_ADMIN,
            {"200": ok("The OpenAPI 3.0.3 document of everything the mock serves.",
                       obj(additionalProperties=True))},
            emulated=False,
        )},
    }


INFO_DESCRIPTION = """\
flowservice-mock: a local emulator of Adobe Experience Platform's **Flow Service API for destinations**
(base path `/data/foundation/flowservice`, as on `https://platform.adobe.io`), and its own administration
API under `/_mock` and an IMS token stand-in (`POST /ims/token/v3`) for clients that log in first.

* Every emulated operation needs the gateway headers `Authorization: Bearer <token>`, `x-api-key` and
  `x-gw-ims-org-id` (the security schemes); `x-sandbox-name` is optional (`prod`). Entities are isolated
  per org and sandbox.
* Bodies are JSON, sent with `Content-Type: application/json` (also JSON Patch).
* Errors have the real service's bodies: the gateway's `{error_code, message}`, the generic content-type
  body, Flow Service problem details (`FLOW-<code>-<status>`) with `errorMessage`/`errorDetails`, and
  `{"message"}` for an invalid spec id. A method a path does not serve is 405 (with `Allow`).
* The `profile` setting chooses the doc era of the answers the docs disagree on: `default` (PATCH of a flow
  202 `{id, etag}`, DELETE 202), `seed` (PATCH of a flow 202 without body, DELETE 202), `current` (PATCH of a
  flow 200 `{id, etag}`, DELETE 204). PATCH of the other entities is 200 `{id, etag}` in every profile.

The server URL is relative (`/`): the document works for the mock wherever it runs.
"""


def build(catalog: Catalog | None = None) -> dict:
    """The whole document (a fresh dict on every call)."""
    from . import checks, engine, platform_apis  # they build on the helpers above
    from . import permissions

    catalog = catalog or Catalog()
    return copy.deepcopy({
        "openapi": "3.0.3",
        "info": {
            "title": "flowservice-mock: Flow Service API for destinations",
            "version": __version__,
            "description": INFO_DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "servers": [{"url": "/", "description": "The mock itself (in-process test client or a live server)."}],
        "tags": [{"name": tag} for tag in (TAG_SPECS, TAG_CONFIGS, TAG_CONNECTIONS, TAG_SOURCES, TAG_TARGETS,
                                           TAG_FLOWS, TAG_RUNS, engine.TAG, platform_apis.TAG, TAG_IMS,
                                           TAG_ADMIN)],
        "security": SECURITY,
        "paths": {**flow_service_paths(), **platform_apis.paths(), **ims_paths(), **admin_paths(), **checks.paths(),
                  **permissions.paths(), **engine.paths()},
        "components": {
            "schemas": {**ERROR_SCHEMAS, **ENTITY_SCHEMAS, **FLOW_PART_SCHEMAS, **ENVELOPE_SCHEMAS,
                        **IMS_SCHEMAS, **ADMIN_SCHEMAS, **platform_apis.schemas(), **checks.schemas(),
                        **permissions.schemas(), **engine.schemas(),
                        "ConnectionCreate": connection_create(catalog),
                        "SourceConnectionCreate": source_connection_create(catalog),
                        "TargetConnectionCreate": target_connection_create(catalog),
                        "FlowCreate": flow_create(catalog)},
            "parameters": PARAMETERS,
            "headers": HEADERS,
            "responses": RESPONSES,
            "securitySchemes": SECURITY_SCHEMES,
        },
    })
