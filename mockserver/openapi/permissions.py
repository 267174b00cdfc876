"""Access control's admin API in the mock's OpenAPI document: ``/_mock/permissions`` and its table."""

from __future__ import annotations

from ..domain.permissions import KIND_SOURCES, WILDCARD, default_table
from .spec import ADMIN, TAG_ADMIN, Schema, _error_response, array, enum, integer, obj, ok, operation, ref, string


def schemas() -> dict[str, Schema]:
    table = default_table()
    names = array(enum(*table.known), "Permission names, as the access control UI lists them.", uniqueItems=True)
    grant = obj(
        {
            "permissions": {
                "description": "What the client holds: a list, or a map from sandbox name (or `*`) to a list. "
                               "Absent: every permission.",
                "anyOf": [names, obj(additionalProperties=names)],
            },
            "sandboxes": array(string(minLength=1), "The sandboxes it may use (absent: all); another "
                                                    "gets 404 `FLOW-2101-404`.", uniqueItems=True),
        },
        description="What one client holds.",
        additionalProperties=False,
    )
    alternatives = array(array(enum(*table.known)), "Hold every permission of one of these lists.")
    return {
        "PermissionGrant": grant,
        "Permissions": obj(
            additionalProperties=ref("PermissionGrant"),
            description=f"Client id (the `x-api-key`, or a JWT's `client_id` when the key has no entry) -> "
                        f"what it holds; `{WILDCARD}` for every other client. `{{}}`: every client holds every "
                        "permission. A client that matches no entry holds nothing (`FLOW-2120-403`).",
        ),
        "PermissionTable": obj(
            {
                "permissions": array(obj({"name": string(), "description": string()}, ["name", "description"])),
                "kinds": obj(additionalProperties=array(string()),
                             description="Kind of data (`audience`, `dataset`) -> the source connection specs "
                                         "that read it."),
                "operations": array(obj(
                    {
                        "method": string(), "path": string(),
                        "needs": {"anyOf": [alternatives, obj(additionalProperties=alternatives)],
                                  "description": "Alternatives, or alternatives per kind (with `kindOf`)."},
                        "kindOf": enum(*KIND_SOURCES),
                        "identities": array(string(), "Also needed when the body selects identities."),
                    },
                    ["method", "path", "needs"],
                )),
            },
            ["permissions", "kinds", "operations"],
        ),
    }


def paths() -> dict[str, Schema]:
    return {
        f"{ADMIN}/permissions": {
            "get": operation(
                "getMockPermissions", "Who holds which permissions", TAG_ADMIN,
                {"200": ok("The document in force (`{}`: every client holds every permission).",
                           ref("Permissions"))},
                emulated=False,
            ),
            "put": operation(
                "setMockPermissions", "Replace the permissions document", TAG_ADMIN,
                {"200": ok("The document now in force.", ref("Permissions")),
                 "400": _error_response("The document is malformed or names an unknown permission (the message "
                                        "lists the known ones); nothing changed.", "ProblemDetails")},
                body=ref("Permissions"), body_required=False, emulated=False,
                description="Each emulated operation needs the permissions of the table "
                            "(`GET /_mock/permissions/table`); a client lacking one gets 403 `FLOW-2118-403` "
                            "(`FLOW-2121-403` on a stored audience or dataset entity). No body or `{}`: every "
                            "client holds every permission again. A reset does not change it.",
            ),
            "delete": operation(
                "clearMockPermissions", "Every client holds every permission again", TAG_ADMIN,
                {"200": ok("How many entries the document had.",
                           obj({"cleared": integer(minimum=0)}, ["cleared"]))},
                emulated=False,
            ),
        },
        f"{ADMIN}/permissions/table": {"get": operation(
            "getMockPermissionTable", "What each operation needs", TAG_ADMIN,
            {"200": ok("The permission table (data shipped with the mock).", ref("PermissionTable"))},
            emulated=False,
        )},
    }
