"""The admin API of the client checks in the mock's OpenAPI document: journal, conformance, faults."""

from __future__ import annotations

from ..checks.faults import KINDS, MAX_LATENCY_MS, STATUSES
from ..checks.rules import RULES
from .spec import (
    ADMIN, ANY, TAG_ADMIN, Schema, _error_response, array, boolean, enum, integer, obj, ok, operation, ref,
    string,
)

NUMBER = {"type": "number"}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema}


def _bad_request(description: str) -> Schema:
    return _error_response(description, "ProblemDetails")


def _message(nullable_body: bool = True) -> Schema:
    return obj({
        "headers": obj(additionalProperties=string()),
        "body": {**ANY, "nullable": True,
                 "description": "JSON when the body is whole JSON, else text (capped bodies keep head and tail)."},
        "bodySize": integer("Bytes of the (redacted) body.", minimum=0),
        "bodyTruncated": boolean(),
    }, ["headers", "body", "bodySize", "bodyTruncated"])


def schemas() -> dict[str, Schema]:
    response = _message()
    response["properties"]["status"] = integer(minimum=100, maximum=599)
    response["required"] = ["status", *response["required"]]
    response["nullable"] = True
    response["description"] = "null: the connection was dropped by a fault rule."
    rule_fields = {
        "kind": enum(*KINDS),
        "status": enum(*STATUSES),
        "retryAfter": integer("Seconds, with a 429 or 503 (429 default: 1).", minimum=0),
        "latencyMs": integer("Delay before the answer.", minimum=0, maximum=MAX_LATENCY_MS),
        "every": integer("Fault every Nth matching request.", minimum=1),
        "probability": {**NUMBER, "minimum": 0, "maximum": 1, "description": "Fault with this probability."},
        "seed": integer("Seed of the probability (default: the mock's seed)."),
        "times": integer("Fault at most this many times.", minimum=1),
        "method": string("Only this method.", pattern=r"^[A-Za-z]+$"),
        "path": string("Only paths matching this glob (`*`, `?`); default `*`.", minLength=1),
        "imsOrgId": string("Only this org."),
        "sandboxName": string("Only this sandbox (none sent means `prod`)."),
    }
    return {
        "JournalEntry": obj({
            "id": integer("Number of the exchange, from 1.", minimum=1),
            "at": {**NUMBER, "description": "When the request came, epoch seconds."},
            "durationMs": {**NUMBER, "minimum": 0},
            "method": string(), "path": string(), "query": string("Credentials in it are redacted."),
            "imsOrgId": string(nullable=True), "sandboxName": string(nullable=True),
            "requestId": string(nullable=True),
            "request": _message(), "response": response,
            "fault": string("The fault rule that answered or delayed it.", nullable=True),
        }, ["id", "at", "durationMs", "method", "path", "query", "imsOrgId", "sandboxName", "requestId",
            "request", "response", "fault"]),
        "Journal": obj({
            "items": array(ref("JournalEntry")), "count": integer(minimum=0),
            "capacity": integer("The ring's size (setting `journal_size`).", minimum=0),
            "evicted": integer("Exchanges pushed out of the full ring since the last clear.", minimum=0),
        }, ["items", "count", "capacity", "evicted"]),
        "Cleared": obj({"cleared": integer(minimum=0)}, ["cleared"]),
        "ConformanceReport": obj({
            "conformant": boolean(),
            "requests": integer(minimum=0),
            "options": obj({"minPollInterval": NUMBER}, ["minPollInterval"]),
            "rules": array(obj({"id": enum(*(r.id for r in RULES)), "title": string(),
                                "doc": string(format="uri"), "violations": integer(minimum=0)},
                               ["id", "title", "doc", "violations"])),
            "findings": array(obj({
                "rule": enum(*(r.id for r in RULES)),
                "requestNumber": integer(minimum=1), "requestId": string(nullable=True),
                "method": string(), "path": string(),
                "status": integer(nullable=True), "message": string(),
            }, ["rule", "requestNumber", "requestId", "method", "path", "status", "message"])),
        }, ["conformant", "requests", "options", "rules", "findings"]),
        "FaultRuleCreate": obj(rule_fields, ["kind"], additionalProperties=False),
        "FaultRule": obj({"id": string(example="fault-1"), **rule_fields,
                          "matched": integer(minimum=0), "injected": integer(minimum=0)},
                         ["id", "kind", "path", "matched", "injected"]),
        "FaultRules": obj({"items": array(ref("FaultRule"))}, ["items"]),
    }


def paths() -> dict[str, Schema]:
    journal_get = operation(
        "listMockRequests", "The request journal", TAG_ADMIN,
        {"200": ok("Exchanges, oldest first.", ref("Journal")),
         "400": _bad_request("An unknown or malformed filter.")},
        emulated=False,
        description="Every request to the emulated API and its answer, secrets redacted, in a ring of "
                    "`journal_size` exchanges. `/_mock/` requests are not journaled unless `journal_admin` is on.",
    )
    journal_get["parameters"] = [
        _query("method", "Only this method.", string()),
        _query("path", "Only paths matching this glob.", string()),
        _query("status", "A status (`412`), a class (`4xx`) or `dropped`.", string(pattern=r"^([1-5](xx|\d\d)|dropped)$")),
        _query("imsOrgId", "Only this org.", string()),
        _query("sandboxName", "Only this sandbox.", string()),
        _query("since", "Only exchanges numbered above this.", integer(minimum=0)),
        _query("limit", "Only the newest N.", integer(minimum=1)),
    ]
    conformance = operation(
        "getMockConformance", "The conformance report of the journal", TAG_ADMIN,
        {"200": ok("Rules, their doc links and findings (each names its request).", ref("ConformanceReport")),
         "400": _bad_request("An unknown or malformed parameter.")},
        emulated=False,
    )
    conformance["parameters"] = [_query(
        "minPollInterval", "Shortest sane interval between two polls of the same runs, seconds (default 5).",
        {**NUMBER, "minimum": 0, "maximum": 86400})]
    return {
        f"{ADMIN}/requests": {
            "get": journal_get,
            "delete": operation("clearMockRequests", "Empty the journal", TAG_ADMIN,
                                {"200": ok("How many exchanges were forgotten.", ref("Cleared"))}, emulated=False),
        },
        f"{ADMIN}/conformance": {"get": conformance},
        f"{ADMIN}/faults": {
            "get": operation("listMockFaults", "Fault rules", TAG_ADMIN,
                             {"200": ok("The rules, in the order they are tried, with their counts.",
                                        ref("FaultRules"))}, emulated=False),
            "post": operation(
                "addMockFaults", "Add fault rules", TAG_ADMIN,
                {"201": ok("The rules added.", ref("FaultRules")),
                 "400": _bad_request("A rule is malformed (none is added).")},
                body={"oneOf": [ref("FaultRuleCreate"), array(ref("FaultRuleCreate"))]}, emulated=False,
                description="One rule or a list. The `/_mock/` API is never faulted.",
            ),
            "delete": operation("clearMockFaults", "Remove every fault rule", TAG_ADMIN,
                                {"200": ok("How many rules were removed.", ref("Cleared"))}, emulated=False),
        },
        f"{ADMIN}/faults/{{ruleId}}": {
            "parameters": [{"name": "ruleId", "in": "path", "required": True, "schema": string(example="fault-1"),
                            "description": "The rule's id."}],
            "delete": operation("removeMockFault", "Remove one fault rule", TAG_ADMIN,
                                {"204": ok("Removed.", None),
                                 "404": _error_response("No such rule.", "ProblemDetails")}, emulated=False),
        },
    }
