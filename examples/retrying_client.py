"""An example Flow Service client that survives the service's failures, checked against flowservice-mock.

What it does, and why:

* **429 and 503** answers are retried after the ``Retry-After`` the answer gives (the gateway
  refused the request before the service saw it, so even a POST is safe to send again).
* **500 and 502**, and **dropped connections**, are retried with exponential back-off, but only
  for requests that are safe to repeat: GET and DELETE, and PATCH (it carries ``If-Match``, so a
  repeat of a PATCH that already went through is refused with 412 rather than applied twice).
  A POST that may have been applied is not repeated; the caller decides.
* **401 ``401013``** (the access token expired) gets a new token from ``token_provider`` once,
  and the request is sent again.
* **PATCH** reads the entity first and sends its etag in ``If-Match``; on 412 (someone changed it)
  it reads the entity again and retries once with the new etag.
* **Lists** are followed page by page through ``_links.next.href`` (``continuationToken``).

Run ``python -m pytest tests/e2e/test_example_client.py`` to see it tested against injected faults
with the flowservice-mock pytest plugin.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import requests

FLOW_SERVICE = "/data/foundation/flowservice"
REPEATABLE = frozenset({"GET", "DELETE", "PATCH", "HEAD"})


class FlowServiceError(Exception):
    def __init__(self, response: requests.Response):
        super().__init__(f"{response.request.method} {response.url}: {response.status_code} {response.text[:200]}")
        self.response = response


class FlowServiceClient:
    def __init__(self, platform_url: str, *, api_key: str, org_id: str, sandbox: str = "prod",
                 token_provider: Callable[[], str], max_attempts: int = 5, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base = platform_url.rstrip("/") + FLOW_SERVICE
        self.token_provider = token_provider
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers.update({"x-api-key": api_key, "x-gw-ims-org-id": org_id, "x-sandbox-name": sandbox})
        self._token = token_provider()

    # --- one request, with retries -----------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None, headers: dict | None = None,
                params: dict | None = None) -> requests.Response:
        refreshed = False
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            try:
                response = self.session.request(
                    method, self.base + path, json=json, params=params, timeout=30,
                    headers={"Authorization": f"Bearer {self._token}", **(headers or {})},
                )
            except requests.ConnectionError:
                if method not in REPEATABLE or last:
                    raise
                self.sleep(self._delay(attempt))
                continue
            status = response.status_code
            if status == 401 and _error_code(response) == "401013" and not refreshed:
                self._token, refreshed = self.token_provider(), True
                continue
            if status in (429, 503) and not last:
                retry_after = response.headers.get("Retry-After", "")
                self.sleep(float(retry_after) if retry_after.isdigit() else self._delay(attempt))
                continue
            if status in (500, 502) and method in REPEATABLE and not last:
                self.sleep(self._delay(attempt))
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover - the last attempt returns or raises

    def _delay(self, attempt: int) -> float:
        return self.backoff * 2 ** (attempt - 1)

    def _ok(self, response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            raise FlowServiceError(response)
        return response

    # --- what a provisioner needs --------------------------------------------------------------

    def get(self, collection: str, entity_id: str) -> dict:
        return self._ok(self.request("GET", f"/{collection}/{entity_id}")).json()["items"][0]

    def create(self, collection: str, body: dict) -> dict:
        return self._ok(self.request("POST", f"/{collection}", json=body)).json()

    def list(self, collection: str, **params: str) -> Iterator[dict]:
        """Every entity of a collection, page by page (``_links.next.href``)."""
        page = self._ok(self.request("GET", f"/{collection}", params=params or None)).json()
        while True:
            yield from page["items"]
            following = (page.get("_links") or {}).get("next")
            if not following:
                return
            page = self._ok(self.request("GET", following["href"])).json()

    def patch(self, collection: str, entity_id: str, operations: list[dict]) -> dict:
        """Apply a JSON Patch under the entity's current etag; once more after a 412."""
        for attempt in (1, 2):
            etag = self.get(collection, entity_id)["etag"]
            response = self.request("PATCH", f"/{collection}/{entity_id}", json=operations,
                                    headers={"If-Match": etag})
            if response.status_code != 412 or attempt == 2:
                self._ok(response)
                return response.json() if response.content else {"id": entity_id}
        raise AssertionError("unreachable")  # pragma: no cover

    def delete(self, collection: str, entity_id: str) -> None:
        response = self.request("DELETE", f"/{collection}/{entity_id}")
        if response.status_code != 404:  # a repeated DELETE may find it gone: that is success
            self._ok(response)


def _error_code(response: requests.Response) -> str | None:
    try:
        return str(response.json().get("error_code"))
    except ValueError:
        return None


def ims_token_provider(ims_url: str, client_id: str, client_secret: str) -> Callable[[], str]:
    """Tokens from IMS (or the mock's stand-in), by OAuth client credentials."""
    def fetch() -> str:
        response = requests.post(f"{ims_url.rstrip('/')}/ims/token/v3", timeout=30, data={
            "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret,
            "scope": "openid,AdobeID,read_organizations",
        })
        response.raise_for_status()
        return response.json()["access_token"]
    return fetch
