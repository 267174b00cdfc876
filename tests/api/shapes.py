"""The error bodies of the reference's §2, as assertions the API tests share.

Four shapes exist (reference §2.1-§2.4): the gateway's ``{"error_code", "message"}``,
the generic content-type body, Flow Service problem details (``FLOW-<code>-<status>``
with ``errorMessage``/``errorDetails`` kept for the older short form), and the bare
``{"message"}`` of an invalid spec id.
"""

from __future__ import annotations

import re

ERROR_TYPE = "https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"
FLOW_ERROR_KEYS = {"type", "title", "status", "report", "errorMessage", "errorDetails"}
CONTENT_TYPE_BODY = {
    "type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
    "detail": "A valid content-type must be specified",
}
INVALID_SPEC_BODY = {"message": "Please provide a valid spec id"}


def flow_error(response, code: int, status: int, *, title: str = "Invalid request",
               message: str | None = None, contains: str | None = None) -> dict:
    """Assert a Flow Service problem-details error (§2.3) and return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == FLOW_ERROR_KEYS, body
    assert body["type"] == ERROR_TYPE.format(code=code, status=status), body
    assert body["title"] == title
    assert body["status"] == status
    report = body["report"]
    assert report["request-id"] == response.headers["x-request-id"]
    assert isinstance(report["detailed-message"], str) and report["detailed-message"]
    assert body["errorDetails"] == body["errorMessage"]
    if message is not None:
        assert report["detailed-message"] == message
    if contains is not None:
        assert contains in report["detailed-message"], report["detailed-message"]
    return body


def invalid(response, contains: str | None = None) -> dict:
    """The mock's generic 400 for a body breaking the documented schema (FLOW-1100-400)."""
    return flow_error(response, 1100, 400, contains=contains)


def not_found(response, collection: str, entity_id: str) -> dict:
    """The 404 of a missing entity: §2.3 report plus the §2.4 short message."""
    body = flow_error(
        response, 1439, 404, title="Resource not found",
        message=f"The requested {collection} resource {entity_id} is not found. "
                "Verify the resource ID before trying again.",
    )
    assert body["errorMessage"] == f"{collection} not found with id = [{entity_id}]"
    assert body["report"]["id"] == entity_id
    assert body["report"]["type"] == collection
    return body


def gateway_error(response, status: int, code: str, message: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json() == {"error_code": code, "message": message}


def content_type_error(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json() == CONTENT_TYPE_BODY


def invalid_spec(response) -> None:
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json() == INVALID_SPEC_BODY


def stale_etag(response, sent: str, current: str) -> dict:
    """412 with the exact text of DY (quotes inside the brackets are part of the values)."""
    text = f"Supplied version=[{sent}] does not match the current version on entity=[{current}]"
    body = flow_error(response, 1404, 412, title="Version not matching", message=text)
    assert body["errorMessage"] == text
    return body


def if_match_missing(response) -> dict:
    return flow_error(response, 1403, 400, title="Header is missing", contains="If-Match")


def all_json_error_shapes(response) -> None:
    """Any of the documented error shapes: used where only 'a well-formed 4xx' is asserted."""
    body = response.get_json(silent=True)
    assert isinstance(body, dict), response.get_data(as_text=True)
    if set(body) == FLOW_ERROR_KEYS:
        assert body["status"] == response.status_code
        assert re.fullmatch(r"https://ns\.adobe\.com/aep/errors/FLOW-\d{4}-\d{3}", body["type"])
        assert body["type"].endswith(f"-{response.status_code}")
    else:
        assert body in (INVALID_SPEC_BODY, CONTENT_TYPE_BODY), body


# --- the shapes themselves ----------------------------------------------------------------
