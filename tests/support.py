"""What the tests share: ids of the catalogue, valid headers, a small client that builds resources."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone

# The catalogue's ids, as the contract suite names them.
from contracts.bodies import (  # noqa: F401 - re-exported for the tests
    CAMPAIGN, DATA_LAKE, LEGACY_FLOW, PROFILE_STORE, S3, S3_DATASET_FLOW, S3_SEGMENT_FLOW, spec,
)
from mockserver import create_app
from mockserver.domain.catalog import Catalog
from mockserver.platform import Platform
from mockserver.settings import Settings

BASE = "/data/foundation/flowservice"
ORG = "5555467B5D8013E50A494220@AdobeOrg"
HEADERS = {
    "Authorization": "Bearer test-token",
    "x-api-key": "test-api-key",
    "x-gw-ims-org-id": ORG,
    "x-sandbox-name": "prod",
}

S3_AUTH = {"specName": "Access Key",
           "params": {"s3AccessKey": "AKIAABCDEFGHIJKLMNOP", "s3SecretKey": "a" * 40}}
S3_TARGET_PARAMS = {"mode": "Server-to-server", "bucketName": "exports-bucket", "path": "audiences",
                    "fileType": "CSV", "compression": "NONE"}


def audience_members(platform, audience: str, until: float, since: float | None = None) -> int:
    """Profiles whose membership of ``audience`` (realized or existing) qualified by ``until`` (and
    after ``since``): what an export of it writes, counted here row by row, apart from the engine."""
    high = datetime.fromtimestamp(until, timezone.utc)
    low = datetime.fromtimestamp(since, timezone.utc) if since is not None else None
    count = 0
    for batch in platform.data.profile_batches(columns=["segmentMembership"]):
        for items in batch.column(0).to_pylist():
            for item in items or []:
                qualified = item["lastQualificationTime"]
                if qualified.tzinfo is None:
                    qualified = qualified.replace(tzinfo=timezone.utc)
                if (item["segmentId"] == audience and item["status"] in ("realized", "existing")
                        and qualified <= high and (low is None or low < qualified)):
                    count += 1
                    break
    return count


class Api:
    """A thin client of the emulated API that builds the usual resources."""

    def __init__(self, client, headers=None):
        self.client = client
        self.headers = dict(HEADERS if headers is None else headers)

    def call(self, method: str, path: str, json=None, headers=None, **kwargs):
        merged = {**self.headers, **(headers or {})}
        return self.client.open(BASE + path, method=method, json=json, headers=merged, **kwargs)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.call("POST", path, json=json, **kw)

    def patch(self, path, ops, etag, **kw):
        return self.call("PATCH", path, json=ops, headers={"If-Match": etag, **kw.pop("headers", {})}, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)

    def created(self, path, body) -> dict:
        response = self.post(path, body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()

    # --- the usual resources -------------------------------------------------

    def profile_source(self) -> str:
        return self.created("/sourceConnections", {"name": "Profiles", "connectionSpec": spec(PROFILE_STORE)})["id"]

    def dataset_source(self, dataset_id="616d53e0a6de2719486fb024") -> str:
        return self.created("/sourceConnections", {
            "name": "Datasets", "connectionSpec": spec(DATA_LAKE),
            "params": {"datasets": [{"dataSetId": dataset_id, "name": "Company Dataset"}]},
        })["id"]

    def s3_base(self) -> str:
        return self.created("/connections", {"name": "S3", "connectionSpec": spec(S3), "auth": S3_AUTH})["id"]

    def s3_target(self, base=None, **params) -> str:
        return self.created("/targetConnections", {
            "name": "S3 target", "baseConnectionId": base or self.s3_base(),
            "connectionSpec": spec(S3), "params": {**S3_TARGET_PARAMS, **params},
        })["id"]

    def audience_flow(self, transformations=None, **target_params) -> dict:
        return self.created("/flows", {
            "name": "Audiences to S3", "flowSpec": spec(S3_SEGMENT_FLOW),
            "sourceConnectionIds": [self.profile_source()], "targetConnectionIds": [self.s3_target(**target_params)],
            "transformations": transformations if transformations is not None else [
                {"name": "GeneralTransform", "params": {"segmentSelectors": {"selectors": []}}}
            ],
        })

    def entity(self, path) -> dict:
        response = self.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["items"][0]


_CATALOG = Catalog()
_POOL: list = []  # Flask apps built so far
_LEASE = {"test": None, "apps": []}  # the apps handed out during the current test
#: Opens the store of each Platform ``make_app`` builds during the current test (tests/conftest.py,
#: ``store_backend``); None: the settings' own store (memory unless a test says otherwise).
STORE_OPENER: dict = {"open": None, "platforms": []}


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
    opener = STORE_OPENER["open"] if settings.store == "memory" else None
    platform = Platform(settings, catalog=_CATALOG, store=opener() if opener else None)
    if opener:
        STORE_OPENER["platforms"].append(platform)
    app = next((a for a in _POOL if all(a is not b for b in _LEASE["apps"])), None)
    if app is None:
        app = create_app(settings, platform)
        _POOL.append(app)
    app.extensions["flowservice"] = platform
    _LEASE["apps"].append(app)
    return app


def stop_process(process: subprocess.Popen, kill: bool = False, timeout: float = 10) -> None:
    """End a child process (``kill``: SIGKILL, as a crash; else SIGTERM, then SIGKILL after
    ``timeout`` seconds) and wait until it is gone."""
    if process.poll() is None:
        process.kill() if kill else process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def served_port(process: subprocess.Popen, timeout: float = 20) -> int | None:
    """The port a ``serve`` child process says it serves on (its first line), or None."""
    import re
    import threading

    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    found = re.search(r"http://127\.0\.0\.1:(\d+)", line[0]) if line else None
    return int(found.group(1)) if found else None
