"""The error bodies of the reference's §2 (the shapes themselves live in shapes.py)."""

from __future__ import annotations

import pytest

from mockserver.settings import Settings

from ..support import BASE, HEADERS, S3, make_app, spec
from .shapes import *  # noqa: F403 - the module tests every helper it defines

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
