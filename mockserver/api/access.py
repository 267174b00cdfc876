"""Access control at the HTTP edge: one ``before_request`` check, after the gateway's (api/hooks.py).

It gathers what the request carries (method, the matched route's template, the client id, the
sandbox, the entity id of the path, the body when the table asks for it) and lets the domain decide
(``mockserver.domain.permissions``, driven by the table ``mockserver/catalog/permissions.json``).
Handlers never test permissions. With no permissions document in force it is one attribute check.

The client is the ``x-api-key`` (the gateway's client id); when the document has no entry for it,
the ``client_id`` claim of a JWT bearer token, then ``"*"`` (docs/fidelity.md, "Access control").
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from ..domain.errors import ApiError
from ..text import claim, token_claims
from .hooks import DEFAULT_SANDBOX, UNGUARDED_PREFIXES
from .requests import json_body


def install(app: Flask) -> None:
    app.before_request(_check_access)


def _check_access() -> None:
    permissions = current_app.extensions["flowservice"].permissions
    if permissions.policy is None:
        return
    environ = request.environ
    if environ.get("PATH_INFO", "").startswith(UNGUARDED_PREFIXES):
        return
    caller = g.get("caller")
    tenant = getattr(caller, "tenant", None)
    sandbox = tenant.sandbox if tenant is not None else (
        environ.get("HTTP_X_SANDBOX_NAME", "").strip() or DEFAULT_SANDBOX)
    rule = request.url_rule
    token = environ.get("HTTP_AUTHORIZATION", "")
    refusal = permissions.check(
        environ.get("REQUEST_METHOD", "GET"), rule.rule if rule is not None else None, sandbox,
        environ.get("HTTP_X_API_KEY", "").strip(),
        token_client=lambda: _token_client(token), tenant=tenant,
        entity_id=(request.view_args or {}).get("entity_id"), body=_body, accept=environ.get("HTTP_ACCEPT"),
    )
    if refusal is not None:
        raise refusal


def _body():
    try:
        return json_body()
    except ApiError:  # the handler answers a malformed body in its API's own shape
        return None


def _token_client(authorization: str) -> str | None:
    """The ``client_id`` claim of a JWT bearer token, read without verifying it."""
    return claim(token_claims(authorization.strip().partition(" ")[2]), "client_id")
