"""The client contract tests use: valid headers by default, names under a run prefix, and
cleanup of everything a test created, even when the test fails."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Mapping

from mockserver.targets import BASE_PATH, Reply, Target

log = logging.getLogger(__name__)

#: Deletion order: dependants first (a flow holds its connections, a target its base connection).
DELETE_ORDER = ("flows", "targetConnections", "sourceConnections", "connections")
DELETED = (200, 202, 204, 404)
CLEANUP_ATTEMPTS = 4
CLEANUP_PAUSE_S = 2.0
#: Stands for "send this request without the header".
OMIT = None


class Client:
    """Calls the Flow Service on a target; ``create`` remembers what to delete afterwards."""

    def __init__(self, target: Target, prefix: str) -> None:
        self.target = target
        self.prefix = prefix
        self.created: list[tuple[str, str]] = []

    def call(self, method: str, path: str, body: Any = None, *, headers: Mapping[str, str | None] | None = None,
             params: Any = None, raw: bytes | None = None, base: str = BASE_PATH) -> Reply:
        """``body`` is sent as JSON (with ``Content-Type: application/json``); ``raw`` as is.
        A header given as ``OMIT`` is left out. ``path`` is under ``base``, the Flow Service's base path
        unless said (the ad hoc activation API has its own)."""
        merged: dict[str, str | None] = dict(self.target.headers())
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            merged["Content-Type"] = "application/json"
        merged.update(headers or {})
        sent = {name: value for name, value in merged.items() if value is not OMIT}
        return self.target.send(method, base + path, sent, params, data)

    def get(self, path: str, **kw) -> Reply:
        return self.call("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw) -> Reply:
        return self.call("POST", path, body, **kw)

    def patch(self, path: str, ops: Any, etag: str | None, **kw) -> Reply:
        headers = {"If-Match": etag, **kw.pop("headers", {})}
        return self.call("PATCH", path, ops, headers=headers, **kw)

    def delete(self, path: str, **kw) -> Reply:
        return self.call("DELETE", path, **kw)

    def named(self, body: dict) -> dict:
        """The body with its ``name`` under the run prefix, so a run's entities can be found."""
        return {**body, "name": f"{self.prefix}{body.get('name', 'entity')}"}

    def create_reply(self, collection: str, body: dict) -> Reply:
        reply = self.post(f"/{collection}", self.named(body))
        if reply.status == 201:
            self.created.append((collection, reply.json()["id"]))
        return reply

    def create(self, collection: str, body: dict) -> dict:
        """POST a create that must succeed; returns ``{id, etag}``."""
        reply = self.create_reply(collection, body)
        assert reply.status == 201, f"create {collection}: {reply.status} {reply.text}"
        return reply.json()

    def entity(self, collection: str, entity_id: str) -> dict:
        reply = self.get(f"/{collection}/{entity_id}")
        assert reply.status == 200, reply.text
        return reply.json()["items"][0]

    def _delete_settled(self, path: str) -> Reply:
        """DELETE; on the real API a dependant's deletion may still be settling (202), so a refusal
        is retried a few times before it counts."""
        attempts = 1 if self.target.is_mock else CLEANUP_ATTEMPTS
        for attempt in range(attempts):
            reply = self.delete(path)
            if reply.status in DELETED or attempt == attempts - 1:
                return reply
            time.sleep(CLEANUP_PAUSE_S)
        return reply

    def cleanup(self) -> list[str]:
        """Delete what this client created (dependants first); returns what could not be deleted."""
        left = []
        for collection in DELETE_ORDER:
            for kind, entity_id in reversed(self.created):
                if kind != collection:
                    continue
                reply = self._delete_settled(f"/{collection}/{entity_id}")
                if reply.status not in DELETED:
                    left.append(f"{collection}/{entity_id}: {reply.status} {reply.text[:200]}")
        self.created.clear()
        for line in left:
            log.warning("contract cleanup left %s", line)
        return left
