"""A stand-in for the IMS token endpoint, so that clients which log in first (aepp's
OAuth server-to-server flow) can be pointed at the mock for the whole session.

It issues an unsigned JWT-shaped token carrying ``client_id`` and ``user_id``;
the mock reads them back as ``createdClient``/``createdBy`` (api/hooks.py).
"""

from __future__ import annotations

import base64
import json
import os

from flask import Blueprint, Response, request

from .responses import json_response, platform

bp = Blueprint("ims", __name__, url_prefix="/ims")
TOKEN_LIFETIME_S = 86399
GRANT_TYPES = ("client_credentials", "authorization_code")


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


@bp.post("/token/<version>")
def token(version: str) -> Response:
    form = request.form
    client_id = form.get("client_id") or (request.authorization.username if request.authorization else None)
    if form.get("grant_type") not in GRANT_TYPES:
        return json_response({"error": "unsupported_grant_type",
                              "error_description": "grant_type must be client_credentials"}, 400)
    if not client_id:
        return json_response({"error": "invalid_client", "error_description": "invalid client_id parameter"}, 400)
    mock = platform()
    now = int(mock.clock.now())
    claims = {
        "id": os.urandom(8).hex(), "type": "access_token", "client_id": client_id,
        "user_id": f"{client_id}@AdobeID", "as": "ims-na1", "created_at": str(now * 1000),
        "expires_in": str(TOKEN_LIFETIME_S * 1000), "scope": form.get("scope", ""),
    }
    access_token = f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims)}.mock"
    return json_response({"access_token": access_token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME_S})
