"""Where requests go: one interface, three transports (contract tests, fixture replay).

* ``inprocess``: the mock's Flask app through its test client (no socket);
* ``http``: any base URL (a mock started with ``flowservice-mock serve``), or a mock
  server process this module starts on a free loopback port;
* ``real``: the real Flow Service, with credentials from the environment.

Callers see only :class:`Target` and :class:`Reply`, never the mock's internals.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from typing import Any, Mapping

import requests
from requests.structures import CaseInsensitiveDict

BASE_PATH = "/data/foundation/flowservice"
#: An IMS org for the mock targets (any org works on the mock; this is the docs' example org).
MOCK_ORG = "5555467B5D8013E50A494220@AdobeOrg"
#: The sandbox used on a mock, away from a user's ``prod`` data on a shared server.
MOCK_SANDBOX = "contracts"
REAL_ENV = ("AEP_ACCESS_TOKEN", "AEP_API_KEY", "AEP_ORG_ID", "AEP_SANDBOX")
REAL_DEFAULT_URL = "https://platform.adobe.io"
#: How long a started server process may take to print its address.
SERVER_START_TIMEOUT_S = 20


@dataclass
class Reply:
    """One HTTP answer, whatever transport carried it."""

    status: int
    headers: CaseInsensitiveDict
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Target:
    """Sends one request; ``headers()`` are the valid headers of every call."""

    name = "abstract"
    #: Whether the target is a mock (its error messages can be compared to the mock's own texts).
    is_mock = True

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def send(self, method: str, path: str, headers: Mapping[str, str],
             params: Any = None, body: bytes | None = None) -> Reply:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the target holds (a server process, a session)."""


class InProcessTarget(Target):
    name = "inprocess"

    def __init__(self, store: str = "memory") -> None:
        from .app import create_app
        from .settings import Settings

        self._app = create_app(Settings(store=store))
        self._client = self._app.test_client()

    def headers(self) -> dict[str, str]:
        return mock_headers()

    def send(self, method, path, headers, params=None, body=None) -> Reply:
        response = self._client.open(path, method=method, headers=dict(headers),
                                     query_string=params, data=body)
        return Reply(response.status_code, CaseInsensitiveDict(dict(response.headers)), response.get_data())

    def close(self) -> None:
        self._app.extensions["flowservice"].close()


class HttpTarget(Target):
    name = "http"

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = dict(headers) if headers is not None else mock_headers()
        self._session = requests.Session()

    def headers(self) -> dict[str, str]:
        return dict(self._headers)

    def send(self, method, path, headers, params=None, body=None) -> Reply:
        # requests would add its own Content-Type/Accept-Encoding only when asked; the
        # session adds User-Agent, Accept and Accept-Encoding, harmless to every rule tested.
        response = self._session.request(method, self.base_url + path, headers=dict(headers),
                                         params=params, data=body, timeout=30, allow_redirects=False)
        return Reply(response.status_code, CaseInsensitiveDict(response.headers), response.content)

    def close(self) -> None:
        self._session.close()


class ServerProcessTarget(HttpTarget):
    """``python -m mockserver serve --port 0 --store STORE`` as a child process, stopped on close."""

    def __init__(self, store: str = "memory") -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--host", "127.0.0.1", "--port", "0", "--store", store],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        super().__init__(self._read_url())

    def _read_url(self) -> str:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self._process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(SERVER_START_TIMEOUT_S)
        found = re.search(r"http://127\.0\.0\.1:\d+", line[0]) if line else None
        if found is None:
            self._process.kill()
            raise RuntimeError(f"the mock server process did not start: {line[0] if line else 'no output'!r}")
        return found.group(0)

    def close(self) -> None:
        super().close()
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        self._process.stdout.close()


class RealTarget(HttpTarget):
    name = "real"
    is_mock = False


def mock_headers() -> dict[str, str]:
    return {
        "Authorization": "Bearer contract-token",
        "x-api-key": "contract-api-key",
        "x-gw-ims-org-id": MOCK_ORG,
        "x-sandbox-name": MOCK_SANDBOX,
    }


def missing_real_credentials(environ: Mapping[str, str] | None = None) -> list[str]:
    environ = os.environ if environ is None else environ
    return [name for name in REAL_ENV if not environ.get(name, "").strip()]


def real_target(environ: Mapping[str, str] | None = None, allow_prod: bool = False) -> RealTarget:
    """The real API from ``AEP_*`` variables; refuses the ``prod`` sandbox unless allowed."""
    environ = os.environ if environ is None else environ
    sandbox = environ["AEP_SANDBOX"].strip()
    if sandbox.lower() == "prod" and not (allow_prod or environ.get("AEP_ALLOW_PROD") == "1"):
        raise ValueError("refusing to use the sandbox 'prod': contract tests and replays create and delete "
                         "entities; use a development sandbox, or set AEP_ALLOW_PROD=1 (--allow-prod)")
    headers = {
        "Authorization": f"Bearer {environ['AEP_ACCESS_TOKEN'].strip()}",
        "x-api-key": environ["AEP_API_KEY"].strip(),
        "x-gw-ims-org-id": environ["AEP_ORG_ID"].strip(),
        "x-sandbox-name": sandbox,
    }
    return RealTarget(environ.get("AEP_BASE_URL", REAL_DEFAULT_URL), headers)


def open_target(name: str, base_url: str | None = None, allow_prod: bool = False, store: str = "memory") -> Target:
    """``store``: where the state of a mock this opens lives (``inprocess``, ``http`` without a URL)."""
    if name == "inprocess":
        return InProcessTarget(store)
    if name == "http":
        return HttpTarget(base_url) if base_url else ServerProcessTarget(store)
    if name == "real":
        return real_target(allow_prod=allow_prod)
    raise ValueError(f"unknown target {name!r} (inprocess, http, real)")
