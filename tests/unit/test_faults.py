"""Fault rules: validation, pace (every Nth, seeded probability, times), scope, order."""

from __future__ import annotations

import json

import pytest

from mockserver.checks.faults import FaultRules, read_file
from mockserver.domain.errors import FlowServiceError

FLOWS = "/data/foundation/flowservice/flows"


def hits(rules: FaultRules, n: int, method="GET", path=FLOWS, org="ORG", sandbox=None) -> list:
    return [(r.id if r else None) for r in (rules.decide(method, path, org, sandbox) for _ in range(n))]


@pytest.mark.parametrize("rule, message", [
    ([1], "must be a JSON object"),
    ({"kind": "explode"}, "'kind' must be one of"),
    ({"kind": "status"}, "needs 'status'"),
    ({"kind": "status", "status": 404}, "needs 'status'"),
    ({"kind": "drop", "status": 500}, "Only a status fault takes 'status'"),
    ({"kind": "status", "status": 500, "retryAfter": 1}, "'retryAfter'"),
    ({"kind": "latency"}, "above 0 for a latency fault"),
    ({"kind": "latency", "latencyMs": 60001}, "'latencyMs'"),
    ({"kind": "drop", "every": 0}, "'every' must be at least 1"),
    ({"kind": "drop", "every": 2, "probability": 0.5}, "not both"),
    ({"kind": "drop", "probability": 1.5}, "between 0 and 1"),
    ({"kind": "drop", "times": 0}, "'times' must be at least 1"),
    ({"kind": "drop", "method": "GET /x"}, "'method'"),
    ({"kind": "drop", "path": ""}, "'path' must not be empty"),
    ({"kind": "drop", "every": "2"}, "'every' must be a number"),
    ({"kind": "drop", "every": True}, "'every' must be a number"),
    ({"kind": "drop", "colour": "red"}, "Unknown fault rule field 'colour'"),
])
def test_malformed_rules_are_refused_and_nothing_is_added(rule, message):
    rules = FaultRules()
    rules.add({"kind": "drop"})
    with pytest.raises(FlowServiceError) as refused:
        rules.add([{"kind": "latency", "latencyMs": 5}, rule] if not isinstance(rule, list) else rule)
    assert refused.value.status == 400 and message in refused.value.message
    assert [r.kind for r in rules.rules()] == ["drop"]


def test_every_nth_request():
    rules = FaultRules()
    rules.add({"kind": "status", "status": 503, "every": 3})
    assert hits(rules, 7) == [None, None, "fault-1", None, None, "fault-1", None]
    assert rules.rules()[0].to_json() | {} == {"id": "fault-1", "kind": "status", "status": 503, "every": 3,
                                               "path": "*", "matched": 7, "injected": 2}


def test_probability_is_seeded():
    def pattern(seed):
        rules = FaultRules()
        rules.add({"kind": "drop", "probability": 0.5, "seed": seed})
        return hits(rules, 40)
    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 5 < pattern(7).count("fault-1") < 35


def test_probability_takes_the_mocks_seed_by_default():
    def pattern():
        rules = FaultRules(seed=3)
        rules.add({"kind": "drop", "probability": 0.3})
        return hits(rules, 30)
    assert pattern() == pattern()


def test_times_limits_the_injections():
    rules = FaultRules()
    rules.add({"kind": "token-expired", "times": 2})
    assert hits(rules, 4) == ["fault-1", "fault-1", None, None]


def test_a_429_carries_retry_after_by_default():
    rules = FaultRules()
    rule = rules.add({"kind": "status", "status": 429})[0]
    assert rule.retry_after == 1
    assert rule.error().status == 429 and rule.error().body("r") == {"error_code": "429001", "message": "Too many requests"}


@pytest.mark.parametrize("scope, request_, hit", [
    ({"method": "patch"}, ("PATCH", FLOWS + "/f1", "ORG", None), True),
    ({"method": "PATCH"}, ("GET", FLOWS + "/f1", "ORG", None), False),
    ({"path": FLOWS + "/*"}, ("GET", FLOWS + "/f1", "ORG", None), True),
    ({"path": FLOWS + "/*"}, ("GET", FLOWS, "ORG", None), False),
    ({"imsOrgId": "ORG"}, ("GET", FLOWS, "OTHER", None), False),
    ({"sandboxName": "prod"}, ("GET", FLOWS, "ORG", None), True),
    ({"sandboxName": "dev"}, ("GET", FLOWS, "ORG", "prod"), False),
])
def test_scope(scope, request_, hit):
    rules = FaultRules()
    rules.add({"kind": "drop", **scope})
    assert (rules.decide(*request_) is not None) is hit


def test_first_rule_that_fires_wins_and_rules_can_be_removed():
    rules = FaultRules()
    rules.add([{"kind": "status", "status": 500, "every": 2}, {"kind": "status", "status": 502}])
    assert hits(rules, 3) == ["fault-2", "fault-1", "fault-2"]
    assert rules.remove("fault-1") is True and rules.remove("fault-1") is False
    assert hits(rules, 1) == ["fault-2"]
    assert rules.clear() == 1 and rules.active is False and hits(rules, 1) == [None]


def test_rules_from_a_file(tmp_path):
    good = tmp_path / "faults.json"
    good.write_text(json.dumps([{"kind": "drop", "every": 2}, {"kind": "latency", "latencyMs": 10}]))
    rules = FaultRules()
    assert [r.kind for r in rules.load_file(str(good))] == ["drop", "latency"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "status", "status": 418}))
    with pytest.raises(ValueError, match="needs 'status'"):
        read_file(str(bad))
    with pytest.raises(ValueError, match="cannot read the faults file"):
        read_file(str(tmp_path / "missing.json"))
