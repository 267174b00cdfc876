"""The one exception hierarchy of the mock.

Every refusal the emulated service can give is an :class:`ApiError`. Each
subclass knows its HTTP status and renders the body shape the real platform
uses for that kind of failure; the HTTP layer turns any of them into a
response in one place (``mockserver.api.errors``).

Three body shapes exist on the real platform (see docs/fidelity.md):

* the Adobe I/O gateway: ``{"error_code", "message"}``;
* the generic bad-request body for a wrong Content-Type;
* Flow Service problem details: ``type`` ``.../FLOW-<code>-<status>``,
  ``title``, ``status``, ``report``, plus ``errorMessage``/``errorDetails``
  for clients written against the older short form.
"""

from __future__ import annotations

from typing import Any

from ..text import clean

ERROR_TYPE_BASE = "https://ns.adobe.com/aep/errors/FLOW-"


class ApiError(Exception):
    """A refusal with an HTTP status and a body of the real service's shape."""

    status: int = 400

    def body(self, request_id: str) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        return {}


class GatewayError(ApiError):
    """An error answered by the Adobe I/O gateway before Flow Service sees the call."""

    def __init__(self, status: int, error_code: str, message: str):
        message = clean(message)
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message

    def body(self, request_id: str) -> dict[str, Any]:
        return {"error_code": self.error_code, "message": self.message}


class ContentTypeError(ApiError):
    """A body-carrying request without ``Content-Type: application/json``."""

    status = 400

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified",
        }


class FlowServiceError(ApiError):
    """A Flow Service error: ``FLOW-<code>-<status>`` problem details."""

    def __init__(
        self,
        code: int,
        status: int,
        title: str,
        message: str,
        *,
        resource_type: str | None = None,
        resource_id: str | None = None,
        error_message: str | None = None,
    ):
        # Messages quote what clients sent: escaped here, so that every error body serialises.
        message = clean(message)
        super().__init__(message)
        self.code = code
        self.status = status
        self.title = title
        self.message = message
        self.resource_type = resource_type
        self.resource_id = None if resource_id is None else clean(resource_id)
        # The short-form text, where the older documents give a different one.
        self.error_message = clean(error_message) if error_message else message

    def body(self, request_id: str) -> dict[str, Any]:
        report: dict[str, Any] = {"detailed-message": self.message}
        if self.resource_id is not None:
            report["id"] = self.resource_id
        report["request-id"] = request_id
        if self.resource_type is not None:
            report["type"] = self.resource_type
        return {
            "type": f"{ERROR_TYPE_BASE}{self.code}-{self.status}",
            "title": self.title,
            "status": self.status,
            "report": report,
            "errorMessage": self.error_message,
            "errorDetails": self.error_message,
        }


class PlainMessageError(ApiError):
    """A bare ``{"message"}`` body: Flow Service's invalid spec id, and the ad hoc activation service."""

    def __init__(self, status: int, message: str):
        message = clean(message)
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self, request_id: str) -> dict[str, Any]:
        return {"message": self.message}


class ProblemError(ApiError):
    """An error of the other Platform APIs the tutorials call (Data Prep, Profile):
    RFC 7807 problem details with ``title``, ``status`` and ``detail``."""

    def __init__(self, status: int, title: str, detail: str):
        detail = clean(detail)
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail

    def body(self, request_id: str) -> dict[str, Any]:
        return {"title": self.title, "status": self.status, "detail": self.detail}


# --- Constructors for the documented cases (codes from the FSE catalogue) ---

def invalid_request(code: int, message: str) -> FlowServiceError:
    return FlowServiceError(code, 400, "Invalid request", message)


def body_too_large(size: int, limit: int) -> FlowServiceError:
    return FlowServiceError(
        1100, 413, "Request entity too large",
        f"The request body has {size} bytes; at most {limit} are accepted.",
    )


def query_too_long(length: int, limit: int) -> FlowServiceError:
    return FlowServiceError(
        1100, 414, "URI too long",
        f"The query string has {length} characters; at most {limit} are accepted.",
    )


def headers_too_many(count: int, limit: int) -> FlowServiceError:
    return FlowServiceError(
        1100, 431, "Request header fields too large",
        f"The request has {count} headers; at most {limit} are accepted.",
    )


def store_unavailable() -> FlowServiceError:
    """The state cannot be read or written now (``--store`` unreachable): FSE's 1103."""
    return FlowServiceError(
        1103, 503, "Service Unavailable",
        "The service is temporarily unavailable. Please try again. "
        "If the problem persists, please contact customer support.",
    )


def validation_failed(message: str) -> FlowServiceError:
    """A request body that breaks the documented schema (see docs/fidelity.md)."""
    return invalid_request(1100, f"The request could not be processed. {message}")


def patch_invalid(message: str) -> FlowServiceError:
    return invalid_request(
        1455, f"An error has occurred while validating patch instructions: {message}"
    )


def not_found(collection: str, entity_id: str) -> FlowServiceError:
    return FlowServiceError(
        1439,
        404,
        "Resource not found",
        f"The requested {collection} resource {entity_id} is not found. "
        "Verify the resource ID before trying again.",
        resource_type=collection,
        resource_id=entity_id,
        error_message=f"{collection} not found with id = [{entity_id}]",
    )


def if_match_missing() -> FlowServiceError:
    return FlowServiceError(
        1403,
        400,
        "Header is missing",
        "The header 'If-Match' is missing in the request. "
        "Please provide the header and try again.",
    )


def version_mismatch(supplied: str, current: str, collection: str, entity_id: str) -> FlowServiceError:
    text = (
        f"Supplied version=[{supplied}] does not match the current version "
        f"on entity=[{current}]"
    )
    return FlowServiceError(
        1404, 412, "Version not matching", text,
        resource_type=collection, resource_id=entity_id,
    )


def body_missing() -> FlowServiceError:
    return invalid_request(
        1405,
        "The request body cannot be null or empty. Please provide a request body and try again.",
    )


def sandbox_header_missing() -> FlowServiceError:
    return FlowServiceError(
        2105,
        400,
        "Header is missing",
        "The header x-sandbox-name is missing in the request. "
        "Please add the header in the request and try again.",
    )


def sandbox_not_found(name: str) -> FlowServiceError:
    return FlowServiceError(
        2100,
        404,
        "Sandbox not found",
        f"The sandbox with the name '{name}' could not be found. "
        "Please ensure that the sandbox name is correct and try again.",
    )


def invalid_spec() -> PlainMessageError:
    return PlainMessageError(400, "Please provide a valid spec id")


def spec_version_missing() -> FlowServiceError:
    return FlowServiceError(
        1100, 422, "Invalid request",
        "connectionSpec.version 'version' is required for spec info",
    )


def auth_spec_not_found(spec_name: str, spec_id: str) -> FlowServiceError:
    return invalid_request(
        1415,
        f"The auth spec '{spec_name}' could not be found for the connection spec ID {spec_id}.",
    )


def connection_in_use(connection_id: str) -> FlowServiceError:
    return invalid_request(
        1418,
        f"The base connection with the ID {connection_id} cannot be deleted because the base "
        "connection is being used in one or more flows. Please ensure that corresponding flows "
        "are deleted before deleting a base connection.",
    )


def active_flows_contain(entity_id: str) -> FlowServiceError:
    return invalid_request(1447, f"Found active flows containing id {entity_id}.")


def state_in_create() -> FlowServiceError:
    return invalid_request(1410, "`State` is not allowed in the create flow request.")


def connection_spec_immutable() -> FlowServiceError:
    return invalid_request(1414, "The connection spec of a connection cannot be updated.")


def unsupported_patch_op(op: str) -> FlowServiceError:
    return invalid_request(
        1434,
        f"Unsupported operation '{op}' received. "
        "Please use one of the supported operation types and try again.",
    )


def action_not_applicable(action: str, state: str) -> FlowServiceError:
    return invalid_request(
        1422,
        f"The action {action} cannot be applied on the current state {state}. "
        "Please update the action and try again.",
    )


# --- Access control (mockserver/domain/permissions.py; docs/fidelity.md, "Access control") ---

PERMISSION_ADVICE = "Please contact your administrator to resolve permissions and try again."


def permission_missing(permission: str) -> FlowServiceError:
    """The operation needs a permission the client does not hold."""
    return FlowServiceError(2118, 403, "Missing permission",
                            f"The permission {permission} is missing. {PERMISSION_ADVICE}")


def forbidden() -> FlowServiceError:
    """The client holds no permission at all (not in the permissions document, or an empty list)."""
    return FlowServiceError(2120, 403, "Forbidden",
                            f"You do not have sufficient permissions to perform the operation. {PERMISSION_ADVICE}")


def permission_denied(permission: str, resource: str) -> FlowServiceError:
    """A change of a stored entity whose kind (audience or dataset) needs a permission the client lacks."""
    return FlowServiceError(2121, 403, "Forbidden",
                            f"The permission {permission} is denied on resource {resource}. {PERMISSION_ADVICE}")


def sandbox_not_permitted(name: str) -> FlowServiceError:
    """A sandbox the client may not use: Sandbox Management does not show it to the caller."""
    return FlowServiceError(
        2101, 404, "Sandbox not found",
        f"The sandbox with the name '{name}' could not be found. Error from Sandbox Management API: "
        f"Sandbox with name '{name}' not present. Please check if resource exists.",
    )
