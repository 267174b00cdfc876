"""The record proxy writes no secret into a fixture, whatever the body's shape."""

from __future__ import annotations

import json

from mockserver.fixtures.proxy import RecordingProxy


def test_recorded_fixtures_hold_no_secret(tmp_path):
    proxy = RecordingProxy("http://127.0.0.1:9", tmp_path)
    proxy.record("POST", "/data/foundation/flowservice/connections",
                 {"Content-Type": "application/json", "Authorization": "Bearer TOKEN-1"},
                 b'{"auth": {"params": {"s3SecretKey": "SECRET-1"}},', 400, {}, b"{}")
    proxy.record("POST", "/ims/token/v3", {"Content-Type": "application/x-www-form-urlencoded"},
                 b"grant_type=client_credentials&client_id=c&client_secret=SECRET-2", 200,
                 {"Content-Type": "application/json"}, b'{"access_token": "SECRET-3", "expires_in": 86399}')
    proxy.record("GET", "/data/foundation/flowservice/flows?access_token=SECRET-4&limit=1",
                 {}, b"", 200, {}, b'{"items": []}')
    written = "".join(p.read_text() for p in sorted(tmp_path.glob("*.json")))
    assert len(list(tmp_path.glob("*.json"))) == 3
    for secret in ("TOKEN-1", "SECRET-1", "SECRET-2", "SECRET-3", "SECRET-4"):
        assert secret not in written, secret
    assert json.loads(sorted(tmp_path.glob("*.json"))[2].read_text())["request"]["path"].endswith("limit=1")
