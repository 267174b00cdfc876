"""Cross-cutting request handling, done once for every route.

In the order the real platform applies it: the Adobe I/O gateway's header
checks (Authorization, x-api-key, x-gw-ims-org-id), then the sandbox, then
the Content-Type of a body. The mock's own ``/_mock/`` API and the IMS stand-in skip all of it.
"""

from __future__ import annotations

import re

from flask import Flask, g, request
from werkzeug.exceptions import NotFound

from ..domain.context import Caller
from ..text import claim, is_clean, token_claims
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
#: An IMS org id (``5555467B5D8013E50A494220@AdobeOrg``) or an API key: one printable ASCII word.
#: Two headers arrive joined by ", ", which no org id contains.
_ORG = re.compile(r"[!-~]{1,255}")
_ORG_FORBIDDEN = re.compile(r"[,;\"\\]")
#: A sandbox name: letters, digits, hyphens and underscores (the names Platform gives sandboxes).
_SANDBOX = re.compile(r"[A-Za-z0-9_-]{1,255}")


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
    if not _ORG.fullmatch(api_key):
        raise GatewayError(403, "403003", "Api Key is invalid")
    org = environ.get("HTTP_X_GW_IMS_ORG_ID", "").strip()
    if not org:
        raise GatewayError(400, "400003", "Missing header")
    if not _ORG.fullmatch(org) or _ORG_FORBIDDEN.search(org):
        # Duplicated headers (joined by ", "), blanks, control characters: no org has that id.
        raise GatewayError(403, "403027", "User region is missing")
    mock = platform()
    settings = mock.settings
    sandbox = environ.get("HTTP_X_SANDBOX_NAME", "").strip()
    if not sandbox:
        if settings.require_sandbox_header:
            raise sandbox_header_missing()
        sandbox = DEFAULT_SANDBOX
    elif not _SANDBOX.fullmatch(sandbox) or (settings.sandboxes and sandbox not in settings.sandboxes):
        raise sandbox_not_found(sandbox)
    method = environ.get("REQUEST_METHOD", "GET")
    if method in BODY_METHODS and _has_body(environ):
        content_type = environ.get("CONTENT_TYPE", "").partition(";")[0].strip().lower()
        if content_type != "application/json":
            raise ContentTypeError()
    if request.view_args:
        _check_path_values(request.view_args, settings.max_id_length)
    user, client = _identity(token, api_key) if method != "GET" else ("", "")
    g.caller = Caller(mock.store.tenant(org, sandbox), user, client, g.request_id)


def _check_path_values(values: dict, limit: int) -> None:
    """An id in a path longer than ``max_id_length``, or not printable, names nothing: 404."""
    for value in values.values():
        if isinstance(value, str) and (len(value) > limit or not is_clean(value)):
            raise NotFound()


def _has_body(environ: dict) -> bool:
    length = environ.get("CONTENT_LENGTH", "")
    return (length not in ("", "0") and length.strip("0") != "") or (
        environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked"
    )


def _identity(token: str, api_key: str) -> tuple[str, str]:
    """``createdBy``/``createdClient`` from an IMS access token (a JWT), read without verifying it."""
    claims = token_claims(token)
    user = claim(claims, "user_id") or claim(claims, "sub")
    if user:
        return user, claim(claims, "client_id") or api_key
    return DEFAULT_USER, api_key
