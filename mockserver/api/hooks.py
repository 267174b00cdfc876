"""Cross-cutting request handling, done once for every route.

In the order the real platform applies it: the Adobe I/O gateway's header
checks (Authorization, x-api-key, x-gw-ims-org-id), then the sandbox, then
the Content-Type of a body. The mock's own ``/_mock/`` API skips all of it.
"""

from __future__ import annotations

import base64
import json
import os

from flask import Flask, Response, g, request

from ..domain.context import Caller
from ..domain.errors import (
    ContentTypeError, GatewayError, sandbox_header_missing, sandbox_not_found,
)
from .responses import platform

ADMIN_PREFIX = "/_mock/"
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_SANDBOX = "prod"
DEFAULT_USER = "mockuser@AdobeID"


def install(app: Flask) -> None:
    app.before_request(_check_request)
    app.after_request(_add_request_id)


def _check_request() -> None:
    g.request_id = request.headers.get("x-request-id") or os.urandom(16).hex()
    if request.path.startswith(ADMIN_PREFIX):
        return
    headers = request.headers
    authorization = headers.get("Authorization")
    if authorization is None:
        raise GatewayError(403, "403010", "Oauth token is missing.")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise GatewayError(401, "401013", "Oauth token is not valid")
    api_key = headers.get("x-api-key")
    if not api_key:
        raise GatewayError(403, "403000", "Api Key is required")
    org = headers.get("x-gw-ims-org-id", "").strip()
    if not org:
        raise GatewayError(400, "400003", "Missing header")
    mock = platform()
    settings = mock.settings
    sandbox = headers.get("x-sandbox-name", "").strip()
    if not sandbox:
        if settings.require_sandbox_header:
            raise sandbox_header_missing()
        sandbox = DEFAULT_SANDBOX
    elif settings.sandboxes and sandbox not in settings.sandboxes:
        raise sandbox_not_found(sandbox)
    if request.method in BODY_METHODS and _has_body() and request.mimetype != "application/json":
        raise ContentTypeError()
    user, client = _identity(token.strip(), api_key) if request.method != "GET" else ("", "")
    g.caller = Caller(mock.store.tenant(org, sandbox), user, client, g.request_id)


def _has_body() -> bool:
    length = request.content_length
    return bool(length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def _identity(token: str, api_key: str) -> tuple[str, str]:
    """``createdBy``/``createdClient`` from an IMS access token (a JWT), read without verifying it."""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
            user = claims.get("user_id") or claims.get("sub")
            client = claims.get("client_id")
            if isinstance(user, str) and user:
                return user, client if isinstance(client, str) and client else api_key
        except (ValueError, AttributeError):
            pass
    return DEFAULT_USER, api_key


def _add_request_id(response: Response) -> Response:
    response.headers["x-request-id"] = g.get("request_id", "")
    return response
