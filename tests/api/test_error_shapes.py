"""The error bodies of the reference's §2, and the assertion helpers the other API tests import.

Four shapes exist (reference §2.1-§2.4): the gateway's ``{"error_code", "message"}``,
the generic content-type body, Flow Service problem details (``FLOW-<code>-<status>``
with ``errorMessage``/``errorDetails`` kept for the older short form), and the bare
``{"message"}`` of an invalid spec id.
"""

from __future__ import annotations

import os
import re

import pytest

from mockserver import create_app
from mockserver.domain.catalog import Catalog
from mockserver.domain.platform import Platform
from mockserver.settings import Settings

from ..support import BASE, HEADERS, S3, spec

ERROR_TYPE = "https://ns.adobe.com/aep/errors/FLOW-{code}-{status}"
FLOW_ERROR_KEYS = {"type", "title", "status", "report", "errorMessage", "errorDetails"}
CONTENT_TYPE_BODY = {
    "type": "/placeholder/type/uri", "status": 400, "title": "BadRequestError",
    "detail": "A valid content-type must be specified",
}
INVALID_SPEC_BODY = {"message": "Please provide a valid spec id"}


# --- helpers imported by the other modules ------------------------------------------------

_CATALOG = Catalog()
_POOL: list = []  # Flask apps built so far
_LEASE = {"test": None, "apps": []}  # the apps handed out during the current test


def make_app(settings: Settings | None = None):
    """``create_app(settings)``, fast: a fresh Platform on a reused Flask app.

    Building a Flask app costs ~19 ms (werkzeug compiles the URL map), which over a thousand tests
    is most of the run. The app holds no state of its own (the Platform in ``extensions`` holds it
    all), so an app is reused across tests; within one test every call gets a different app.
    """
    settings = settings or Settings(seed=42)
    test = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]
    if test != _LEASE["test"]:
        _LEASE["test"], _LEASE["apps"] = test, []
    platform = Platform(settings, catalog=_CATALOG)
    app = next((a for a in _POOL if all(a is not b for b in _LEASE["apps"])), None)
    if app is None:
        app = create_app(settings, platform)
        _POOL.append(app)
    app.extensions["flowservice"] = platform
    _LEASE["apps"].append(app)
    return app


@pytest.fixture
def app(settings):
    return make_app(settings)


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

def test_gateway_shape_has_exactly_two_string_fields(client):
    response = client.get(BASE + "/flows")
    body = response.get_json()
    assert set(body) == {"error_code", "message"}
    assert isinstance(body["error_code"], str) and re.fullmatch(r"\d{6}", body["error_code"])


def test_content_type_shape(client):
    response = client.post(BASE + "/flows", data="{}", headers=HEADERS)
    content_type_error(response)


def test_flow_service_shape_for_not_found(api):
    response = api.get("/flows/no-such-flow")
    body = not_found(response, "flows", "no-such-flow")
    # report key order is irrelevant; its members are exactly these four for a resource error
    assert set(body["report"]) == {"detailed-message", "id", "request-id", "type"}


def test_flow_service_shape_without_resource_has_no_id_or_type(api):
    body = flow_error(api.get("/flows?foo=bar"), 1451, 400)
    assert set(body["report"]) == {"detailed-message", "request-id"}


def test_invalid_spec_shape(api):
    invalid_spec(api.post("/connections", {"name": "x", "connectionSpec": {"id": "nope", "version": "1.0"}}))


def test_request_id_in_report_is_the_callers(api):
    response = api.get("/flows/missing", headers={"x-request-id": "trace-123"})
    assert not_found(response, "flows", "missing")["report"]["request-id"] == "trace-123"


@pytest.mark.parametrize("path", ["/connections", "/sourceConnections", "/targetConnections", "/flows"])
def test_error_bodies_are_json(api, path):
    response = api.post(path, {"connectionSpec": spec(S3)})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    all_json_error_shapes(response)


def test_make_app_never_shares_an_app_within_a_test(app):
    other = make_app(Settings(seed=1, profile="current"))
    assert other is not app
    assert other.extensions["flowservice"] is not app.extensions["flowservice"]
    assert app.extensions["flowservice"].settings.profile == "default"
    assert other.extensions["flowservice"].settings.profile == "current"
