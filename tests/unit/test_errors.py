"""Unit tests of mockserver.domain.errors: every body shape of reference §2, exactly."""

from __future__ import annotations

import pytest

from mockserver.domain import errors
from mockserver.domain.errors import (
    ApiError, ContentTypeError, FlowServiceError, GatewayError, PlainMessageError,
)

FLOW_ID = "df8d079d-11eb-466a-9731-6b5948a009e4"
REQ = "req-123"


# --- Flow Service problem details (§2.3 / §2.4) -----------------------------------------------------

def test_a_resource_scoped_error_body():
    error = FlowServiceError(1439, 404, "Resource not found", "detailed text",
                             resource_type="flows", resource_id=FLOW_ID, error_message="short text")
    assert error.body(REQ) == {
        "type": "https://ns.adobe.com/aep/errors/FLOW-1439-404",
        "title": "Resource not found",
        "status": 404,
        "report": {"detailed-message": "detailed text", "id": FLOW_ID, "request-id": REQ, "type": "flows"},
        "errorMessage": "short text",
        "errorDetails": "short text",
    }


def test_an_error_without_a_resource_has_only_message_and_request_id_in_its_report():
    # the 403 example of §2.3
    error = FlowServiceError(2120, 403, "Forbidden", "no permission")
    assert error.body(REQ) == {
        "type": "https://ns.adobe.com/aep/errors/FLOW-2120-403",
        "title": "Forbidden",
        "status": 403,
        "report": {"detailed-message": "no permission", "request-id": REQ},
        "errorMessage": "no permission",
        "errorDetails": "no permission",
    }


def test_the_request_id_is_the_one_given():
    error = errors.invalid_request(1401, "x")
    assert error.body("a")["report"]["request-id"] == "a"
    assert error.body("")["report"]["request-id"] == ""


def test_not_found_carries_both_documented_texts():
    body = errors.not_found("flows", FLOW_ID).body(REQ)
    assert body == {
        "type": "https://ns.adobe.com/aep/errors/FLOW-1439-404",
        "title": "Resource not found",
        "status": 404,
        "report": {
            "detailed-message": f"The requested flows resource {FLOW_ID} is not found. "
                                "Verify the resource ID before trying again.",
            "id": FLOW_ID, "request-id": REQ, "type": "flows",
        },
        "errorMessage": f"flows not found with id = [{FLOW_ID}]",
        "errorDetails": f"flows not found with id = [{FLOW_ID}]",
    }


@pytest.mark.parametrize("collection", ["connections", "sourceConnections", "targetConnections", "flows", "runs"])
def test_not_found_names_the_collection(collection):
    error = errors.not_found(collection, "abc")
    assert error.status == 404
    body = error.body(REQ)
    assert body["errorMessage"] == f"{collection} not found with id = [abc]"
    assert body["report"]["detailed-message"].startswith(f"The requested {collection} resource abc is not found.")
    assert body["report"]["type"] == collection


def test_version_mismatch_text_keeps_the_quotes_of_both_etags():
    sent, current = '"1111aaaa-0000-0200-0000-62b1c7a90000"', '"7400453a-0000-1a00-0000-62b1c7a90000"'
    body = errors.version_mismatch(sent, current, "flows", FLOW_ID).body(REQ)
    text = ('Supplied version=["1111aaaa-0000-0200-0000-62b1c7a90000"] does not match the current version '
            'on entity=["7400453a-0000-1a00-0000-62b1c7a90000"]')
    assert body == {
        "type": "https://ns.adobe.com/aep/errors/FLOW-1404-412",
        "title": "Version not matching",
        "status": 412,
        "report": {"detailed-message": text, "id": FLOW_ID, "request-id": REQ, "type": "flows"},
        "errorMessage": text,
        "errorDetails": text,
    }


@pytest.mark.parametrize("factory, code, status, title", [
    (lambda: errors.invalid_request(1452, "m"), 1452, 400, "Invalid request"),
    (lambda: errors.validation_failed("m"), 1100, 400, "Invalid request"),
    (lambda: errors.patch_invalid("m"), 1455, 400, "Invalid request"),
    (lambda: errors.not_found("flows", "x"), 1439, 404, "Resource not found"),
    (errors.if_match_missing, 1403, 400, "Header is missing"),
    (lambda: errors.version_mismatch('"a"', '"b"', "flows", "x"), 1404, 412, "Version not matching"),
    (errors.body_missing, 1405, 400, "Invalid request"),
    (errors.sandbox_header_missing, 2105, 400, "Header is missing"),
    (lambda: errors.sandbox_not_found("nope"), 2100, 404, "Sandbox not found"),
    (errors.spec_version_missing, 1100, 422, "Invalid request"),
    (lambda: errors.auth_spec_not_found("Bad", "spec-1"), 1415, 400, "Invalid request"),
    (lambda: errors.connection_in_use("c1"), 1418, 400, "Invalid request"),
    (lambda: errors.active_flows_contain("t1"), 1447, 400, "Invalid request"),
    (errors.state_in_create, 1410, 400, "Invalid request"),
    (errors.connection_spec_immutable, 1414, 400, "Invalid request"),
    (lambda: errors.unsupported_patch_op("move"), 1434, 400, "Invalid request"),
    (lambda: errors.action_not_applicable("enable", "enabled"), 1422, 400, "Invalid request"),
])
def test_documented_cases_have_their_fse_code_status_and_title(factory, code, status, title):
    error = factory()
    assert isinstance(error, FlowServiceError)
    assert (error.code, error.status, error.title) == (code, status, title)
    body = error.body(REQ)
    assert body["type"] == f"https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"
    assert (body["status"], body["title"]) == (status, title)
    assert body["errorMessage"] == body["errorDetails"]
    assert set(body) == {"type", "title", "status", "report", "errorMessage", "errorDetails"}


@pytest.mark.parametrize("factory, text", [
    (errors.if_match_missing,
     "The header 'If-Match' is missing in the request. Please provide the header and try again."),
    (errors.body_missing,
     "The request body cannot be null or empty. Please provide a request body and try again."),
    (errors.spec_version_missing, "connectionSpec.version 'version' is required for spec info"),
    (errors.state_in_create, "`State` is not allowed in the create flow request."),
    (lambda: errors.patch_invalid('Missing field "op"'),
     'An error has occurred while validating patch instructions: Missing field "op"'),
    (lambda: errors.validation_failed("Field 'name' is required."),
     "The request could not be processed. Field 'name' is required."),
    (lambda: errors.connection_in_use("c1"),
     "The base connection with the ID c1 cannot be deleted because the base connection is being used in "
     "one or more flows. Please ensure that corresponding flows are deleted before deleting a base connection."),
])
def test_messages(factory, text):
    error = factory()
    assert error.message == text
    assert str(error) == text
    assert error.body(REQ)["report"]["detailed-message"] == text


# --- the other body shapes ------------------------------------------------------------------------------

@pytest.mark.parametrize("status, code, message", [
    (403, "403010", "Oauth token is missing."),
    (401, "401013", "Oauth token is not valid"),
    (403, "403000", "Api Key is required"),
    (400, "400003", "Missing header"),
])
def test_gateway_errors_use_error_code_and_message_only(status, code, message):
    error = GatewayError(status, code, message)
    assert error.status == status
    assert error.body(REQ) == {"error_code": code, "message": message}
    assert error.headers() == {}


def test_content_type_error_body():
    error = ContentTypeError()
    assert error.status == 400
    assert error.body(REQ) == {"type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
                               "detail": "A valid content-type must be specified"}


def test_invalid_spec_is_a_bare_message():
    error = errors.invalid_spec()
    assert isinstance(error, PlainMessageError)
    assert error.status == 400
    assert error.body(REQ) == {"message": "Please provide a valid spec id"}


def test_adhoc_errors_are_a_bare_message():
    error = PlainMessageError(400, "Segments gold are not part of this dataflow or out of schedule range!")
    assert error.status == 400
    assert error.body(REQ) == {"message": "Segments gold are not part of this dataflow or out of schedule range!"}


@pytest.mark.parametrize("error", [
    GatewayError(401, "401013", "x"), ContentTypeError(), errors.invalid_spec(), PlainMessageError(500, "x"),
    errors.not_found("flows", "x"),
])
def test_every_refusal_is_an_api_error(error):
    assert isinstance(error, ApiError) and isinstance(error, Exception)
    assert isinstance(error.status, int)
    with pytest.raises(ApiError):
        raise error
