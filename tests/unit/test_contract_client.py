"""The contract suite's client names what it creates and deletes it afterwards (contracts/client.py)."""

from __future__ import annotations

import json

import pytest
from requests.structures import CaseInsensitiveDict

from contracts import client as client_module
from contracts.client import OMIT, Client
from mockserver.targets import Reply, Target


class Scripted(Target):
    """A target answering DELETEs from a script of statuses; creates answer 201, the rest 200."""

    def __init__(self, delete_statuses, is_mock=False):
        self.is_mock = is_mock
        self.delete_statuses = list(delete_statuses)
        self.sent = []

    def headers(self):
        return {"Authorization": "Bearer t", "x-api-key": "k"}

    def send(self, method, path, headers, params=None, body=None):
        self.sent.append((method, path, dict(headers), body))
        if method == "POST":
            return Reply(201, CaseInsensitiveDict(), json.dumps({"id": f"id{len(self.sent)}", "etag": '"e"'}).encode())
        if method == "DELETE":
            return Reply(self.delete_statuses.pop(0), CaseInsensitiveDict(), b"")
        return Reply(200, CaseInsensitiveDict(), b"{}")


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(client_module, "CLEANUP_PAUSE_S", 0)


def test_creates_are_named_under_the_prefix_and_deleted_dependants_first():
    target = Scripted([202, 202])
    client = Client(target, "run-1 ")
    client.create("connections", {"name": "base"})
    client.create("flows", {"name": "flow"})
    assert json.loads(target.sent[0][3])["name"] == "run-1 base"
    assert client.cleanup() == []
    assert [call[1] for call in target.sent[2:]] == ["/data/foundation/flowservice/flows/id2",
                                                    "/data/foundation/flowservice/connections/id1"]


def test_a_refused_delete_on_the_real_api_is_retried_then_reported():
    settled = Client(Scripted([400, 202]), "p ")
    settled.create("connections", {})
    assert settled.cleanup() == []
    stuck = Client(Scripted([400] * client_module.CLEANUP_ATTEMPTS), "p ")
    stuck.create("connections", {})
    assert stuck.cleanup() == ["connections/id1: 400 "]


def test_a_mock_refusal_is_reported_at_once():
    client = Client(Scripted([400], is_mock=True), "p ")
    client.create("connections", {})
    assert client.cleanup() == ["connections/id1: 400 "]


def test_omitted_headers_are_not_sent():
    target = Scripted([])
    Client(target, "p ").call("GET", "/flows", headers={"x-api-key": OMIT, "x-extra": "1"})
    assert target.sent[0][2] == {"Authorization": "Bearer t", "x-extra": "1"}
