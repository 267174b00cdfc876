"""Cross-cutting request handling, done once for every route.

In the order the real platform applies it: the Adobe I/O gateway's header
checks (Authorization, x-api-key, x-gw-ims-org-id), then the sandbox, then
the Content-Type of a body. The mock's own ``/_mock/`` API and the IMS stand-in skip all of it.
"""

from __future__ import annotations

import base64
import json

from flask import Flask, g, request

from ..domain.context import Caller
from ..domain.errors import (
    ContentTypeError, GatewayError, sandbox_header_missing, sandbox_not_found,
)
from .responses import platform
from .wire import REQUEST_ID

#: Paths outside the gateway: the mock's own API and the IMS token stand-in.
UNGUARDED_PREFIXES = ("/_mock/", "/ims/")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_SANDBOX = "prod"
DEFAULT_USER = "mockuser@AdobeID"


def install(app: Flask) -> None:
    app.before_request(_check_request)


def _check_request() -> None:
    # Reads the WSGI environ directly: this runs on every request, and werkzeug's
    # header and proxy objects cost more than the checks themselves.
    environ = request.environ
    # The HTTP edge (api/wire.py) chose the id and puts it on the answer.
    g.request_id = environ[REQUEST_ID]
    if environ.get("PATH_INFO", "").startswith(UNGUARDED_PREFIXES):
        return
    authorization = environ.get("HTTP_AUTHORIZATION")
    if authorization is None:
        raise GatewayError(403, "403010", "Oauth token is missing.")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise GatewayError(401, "401013", "Oauth token is not valid")
    api_key = environ.get("HTTP_X_API_KEY", "").strip()
    if not api_key:
        raise GatewayError(403, "403000", "Api Key is required")
    org = environ.get("HTTP_X_GW_IMS_ORG_ID", "").strip()
    if not org:
        raise GatewayError(400, "400003", "Missing header")
    mock = platform()
    settings = mock.settings
    sandbox = environ.get("HTTP_X_SANDBOX_NAME", "").strip()
    if not sandbox:
        if settings.require_sandbox_header:
            raise sandbox_header_missing()
        sandbox = DEFAULT_SANDBOX
    elif settings.sandboxes and sandbox not in settings.sandboxes:
        raise sandbox_not_found(sandbox)
    method = environ.get("REQUEST_METHOD", "GET")
    if method in BODY_METHODS and _has_body(environ):
        content_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        if content_type != "application/json":
            raise ContentTypeError()
    user, client = _identity(token, api_key) if method != "GET" else ("", "")
    g.caller = Caller(mock.store.tenant(org, sandbox), user, client, g.request_id)


def _has_body(environ: dict) -> bool:
    length = environ.get("CONTENT_LENGTH", "")
    return (length.isdigit() and int(length) > 0) or (
        environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    )


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
