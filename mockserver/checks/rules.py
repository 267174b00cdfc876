"""Conformance rules: small functions over the journal, each citing the doc that states its rule.

A rule takes the exchanges (oldest first) and the options, and yields findings. Only calls of
the emulated Flow Service API are judged (not ``/_mock/`` nor the IMS stand-in). A "client" is
one ``x-api-key`` in one org: rules about pace (Retry-After, polling, paging) compare a client's
requests with its own earlier ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator
from urllib.parse import parse_qsl

from .journal import Exchange
from ..redaction import MARK

FLOW_SERVICE = "/data/foundation/flowservice"
EXPERIENCE_LEAGUE = "https://experienceleague.adobe.com/en/docs/experience-platform"
BODY_METHODS = ("POST", "PUT", "PATCH")
#: Default shortest interval between two polls of the same runs (seconds); see docs/fidelity.md.
MIN_POLL_INTERVAL = 5.0
#: Clock slack when comparing a client's pace with a wait it was asked for (seconds).
SLACK = 0.05


@dataclass(frozen=True)
class Options:
    min_poll_interval: float = MIN_POLL_INTERVAL


@dataclass(frozen=True)
class Finding:
    rule: str
    exchange: Exchange
    message: str

    def to_json(self) -> dict:
        e = self.exchange
        return {"rule": self.rule, "requestNumber": e.id, "requestId": e.request_id, "method": e.method,
                "path": e.path + (f"?{e.query}" if e.query else ""), "status": e.status, "message": self.message}


Check = Callable[[list[Exchange], Options], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    doc: str
    check: Check


RULES: list[Rule] = []


def rule(rule_id: str, title: str, doc: str) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        RULES.append(Rule(rule_id, title, doc, check))
        return check
    return register


# --- helpers ---------------------------------------------------------------------------------------

def api_calls(exchanges: list[Exchange]) -> Iterator[Exchange]:
    return (e for e in exchanges if e.path.startswith(FLOW_SERVICE + "/"))


def client_of(e: Exchange) -> tuple:
    return (e.header("x-api-key"), e.org)


def resource(e: Exchange) -> tuple[str, str | None, str | None]:
    """(collection, id, sub-path) of a Flow Service path."""
    parts = e.path[len(FLOW_SERVICE) + 1:].strip("/").split("/")
    return parts[0], parts[1] if len(parts) > 1 else None, parts[2] if len(parts) > 2 else None


def query_names(e: Exchange) -> list[str]:
    return [name for name, _ in parse_qsl(e.query or "", keep_blank_values=True)]


def fingerprint_of(redacted_value: str | None) -> str | None:
    match = re.search(r"sha256:([0-9a-f]+)", redacted_value or "")
    return match.group(1) if match else None


# --- the rules -------------------------------------------------------------------------------------

REQUIRED_HEADERS = ("authorization", "x-api-key", "x-gw-ims-org-id", "x-sandbox-name")


@rule("required-headers", "Required headers present and consistent",
      f"{EXPERIENCE_LEAGUE}/destinations/api/connect-activate-batch-destinations#gather-values-headers")
def required_headers(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    orgs_of_token: dict[str, str] = {}
    for e in api_calls(exchanges):
        missing = [name for name in REQUIRED_HEADERS if not (e.header(name) or "").strip()]
        if missing:
            yield Finding("required-headers", e, f"Missing header(s): {', '.join(missing)}.")
        authorization = e.header("authorization")
        if authorization and not authorization.startswith("Bearer "):
            yield Finding("required-headers", e, "Authorization is not 'Bearer <access token>'.")
        api_key = fingerprint_of(e.header("x-api-key"))
        if e.token_client and api_key and e.token_client != api_key:
            yield Finding("required-headers", e,
                          "x-api-key is not the client id the access token was issued to.")
        token = fingerprint_of(authorization)
        if token and e.org:
            first_org = orgs_of_token.setdefault(token, e.org)
            if first_org != e.org:
                yield Finding("required-headers", e,
                              f"The same access token was sent for org {first_org} and for org {e.org}.")


@rule("content-type", "Content-Type: application/json on every body",
      f"{EXPERIENCE_LEAGUE}/landing/troubleshooting#valid-content-type-not-specified")
def content_type(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    for e in api_calls(exchanges):
        if e.method in BODY_METHODS and e.request_size:
            media = (e.header("content-type") or "").partition(";")[0].strip().lower()
            if media != "application/json":
                yield Finding("content-type", e,
                              f"A {e.method} body sent with Content-Type {media or '(none)'}, not application/json.")


def _etags_in(e: Exchange) -> Iterator[tuple[str, str, str]]:
    """(collection, id, etag) of every entity version an answer shows."""
    if e.status is None or e.status >= 300:
        return
    collection, entity_id, sub = resource(e)
    etag = e.header("etag", response=True)
    body = e.json()
    if e.method == "POST" and entity_id is None and isinstance(body, dict) and etag:
        yield collection, body.get("id"), etag
    elif entity_id is not None and etag and e.method != "DELETE":
        yield collection, entity_id, etag
    elif e.method == "GET" and entity_id is None and isinstance(body, dict):
        for item in body.get("items") or ():
            if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("etag"), str):
                yield collection, item["id"], item["etag"]


@rule("if-match", "PATCH with If-Match holding the entity's current etag",
      f"{EXPERIENCE_LEAGUE}/landing/troubleshooting#refresh-etag-error")
def if_match(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    # What each client was told: (client, sandbox, collection, id) -> (etag, request number). A
    # client is judged on what it had seen: a 412 after another client's change is a race, not a fault.
    current: dict[tuple, tuple[str, int]] = {}
    refused: set[tuple] = set()  # (entity, stale etag) already answered 412
    for e in api_calls(exchanges):
        collection, entity_id, sub = resource(e)
        tenant = (client_of(e), e.sandbox or "prod")
        sent = e.header("if-match")
        changes = e.method == "PATCH" or (e.method == "POST" and sub == "action" and sent)
        if changes and entity_id is not None:
            key = (*tenant, collection, entity_id)
            known = current.get(key)
            if not sent:
                yield Finding("if-match", e, "PATCH without If-Match (the entity's etag).")
            elif not (sent.startswith('"') and sent.endswith('"')):
                yield Finding("if-match", e, f"If-Match {sent} is not the etag as given: keep its double quotes.")
            elif (key, sent) in refused:
                yield Finding("if-match", e, f"If-Match {sent} was already refused with 412; the client "
                                             "re-sent a stale etag instead of reading the entity again.")
            elif known is not None and sent != known[0]:
                yield Finding("if-match", e, f"If-Match {sent} is stale: request #{known[1]} had already "
                                             f"returned the current etag {known[0]}.")
            if e.status == 412 and sent:
                refused.add((key, sent))
        if e.method == "DELETE" and entity_id is not None and e.status is not None and e.status < 300:
            current.pop((*tenant, collection, entity_id), None)
        for seen_collection, seen_id, etag in _etags_in(e):
            current[(*tenant, seen_collection, seen_id)] = (etag, e.id)


#: JSON Patch paths the tutorials use, per collection (update dataflows, edit destination,
#: export datasets, labels).
PATCH_PATHS = {
    "flows": re.compile(
        r"^/(name|description|labels"
        r"|transformations/\d+/params/(segmentSelectors|profileSelectors)/selectors/(-|\d+)(/.*)?"
        r"|transformations/\d+/params/(mandatoryFields|primaryFields|profileMapping)(/.*)?"
        r"|scheduleParams(/.*)?|sourceConnectionIds(/.*)?)$"),
    "connections": re.compile(r"^/(name|description|auth(/.*)?|encryption(/.*)?)$"),
    "targetConnections": re.compile(r"^/(name|description|params(/.*)?)$"),
    "sourceConnections": re.compile(r"^/(name|description)$"),
}
PATCH_OPS = ("add", "remove", "replace", "test")


@rule("patch-paths", "JSON Patch operations and paths the docs allow",
      f"{EXPERIENCE_LEAGUE}/destinations/api/update-destination-dataflows")
def patch_paths(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    for e in api_calls(exchanges):
        collection, entity_id, _ = resource(e)
        if e.method != "PATCH" or collection not in PATCH_PATHS:
            continue
        ops = e.json(response=False)
        if not isinstance(ops, list):
            if e.request_size and e.request_size == len(e.request_body or b""):
                yield Finding("patch-paths", e, "The PATCH body is not a JSON Patch array of operations.")
            continue
        for index, op in enumerate(ops):
            if not isinstance(op, dict):
                yield Finding("patch-paths", e, f"Operation {index} is not an object.")
                continue
            name, path = str(op.get("op", "")).lower(), op.get("path")
            if name not in PATCH_OPS:
                yield Finding("patch-paths", e, f"Operation {index}: '{op.get('op')}' is not one of {', '.join(PATCH_OPS)}.")
            elif not isinstance(path, str) or not PATCH_PATHS[collection].match(path):
                yield Finding("patch-paths", e, f"Operation {index}: path {path!r} is not one the docs allow "
                                                f"on {collection}.")


#: Query parameters of other APIs' paging, which Flow Service does not have.
FOREIGN_PAGING = ("start", "offset", "page", "pagesize", "skip", "pagetoken", "after", "cursor")


@rule("paging", "Paging by continuationToken (_links.next), not by re-querying",
      "https://developer.adobe.com/experience-platform-apis/references/destinations/")
def paging(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    pending: dict[tuple, Exchange] = {}  # (client, path, query) of a first page with a next page
    for e in api_calls(exchanges):
        collection, entity_id, _ = resource(e)
        if e.method != "GET" or entity_id is not None:
            continue
        names = query_names(e)
        foreign = [n for n in names if n.lower() in FOREIGN_PAGING]
        if foreign:
            yield Finding("paging", e, f"Paging parameter(s) {', '.join(foreign)} do not exist here; "
                                       "follow _links.next.href (continuationToken).")
        if "continuationToken" in names:
            for key in [k for k in pending if k[:2] == (client_of(e), e.path)]:
                del pending[key]
            continue
        key = (client_of(e), e.path, e.query)
        if key in pending:
            first = pending.pop(key)
            yield Finding("paging", e, f"Re-sent the query of request #{first.id}, whose answer had a next page, "
                                       "instead of following its _links.next.href.")
        if _has_next(e):
            pending[key] = e


def _has_next(e: Exchange) -> bool:
    return e.status == 200 and b'"next"' in (e.response_body or b"") and b"continuationToken" in (e.response_body or b"")


@rule("retry-after", "Retry-After respected after a 429 (or 503)",
      "https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3")
def retry_after(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    waits: dict[tuple, tuple[float, Exchange]] = {}  # client -> (not before, the answer asking to wait)
    for e in api_calls(exchanges):
        client = client_of(e)
        wait = waits.get(client)
        if wait is not None and wait[1].end <= e.at:
            if e.at < wait[0] - SLACK:
                asked = wait[1]
                yield Finding("retry-after", e, f"Sent {e.at - asked.end:.2f} s after request #{asked.id} was "
                                                f"answered {asked.status} with Retry-After: "
                                                f"{asked.header('retry-after', response=True)}.")
            del waits[client]
        value = e.header("retry-after", response=True) if e.status in (429, 503) else None
        if value is not None and value.strip().isdigit():
            waits[client] = (e.end + int(value), e)


@rule("run-polling", "Runs polled no faster than a sane interval",
      f"{EXPERIENCE_LEAGUE}/dataflows/api/monitor")
def run_polling(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    last: dict[tuple, Exchange] = {}
    for e in api_calls(exchanges):
        collection, _, _ = resource(e)
        if e.method != "GET" or collection != "runs" or "continuationToken" in query_names(e):
            continue
        key = (client_of(e), e.path, tuple(sorted(parse_qsl(e.query or "", keep_blank_values=True))))
        previous = last.get(key)
        if previous is not None and e.at - previous.at < options.min_poll_interval - SLACK:
            yield Finding("run-polling", e, f"Polled {e.at - previous.at:.2f} s after request #{previous.id}; "
                                            f"poll runs at most every {options.min_poll_interval:g} s.")
        last[key] = e


@rule("no-secrets-in-query", "No credentials in query strings",
      "https://www.rfc-editor.org/rfc/rfc6750#section-5.3")
def no_secrets_in_query(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    for e in exchanges:
        if e.path.startswith("/_mock/"):
            continue
        names = [name for name, value in parse_qsl(e.query or "", keep_blank_values=True) if value.startswith(MARK)]
        if names:
            yield Finding("no-secrets-in-query", e, f"Credential(s) in the query string: {', '.join(names)}; "
                                                    "send them in headers.")


@rule("repeat-after-403", "No unchanged re-send of a request answered 403",
      "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4")
def repeat_after_403(exchanges: list[Exchange], options: Options) -> Iterator[Finding]:
    # RFC 9110: "The client SHOULD NOT automatically repeat the request with the same credentials."
    # Same request: method, path, query, body, sandbox and credentials (token and x-api-key) of one
    # client. A change of the permissions (PUT or DELETE /_mock/permissions, journaled with
    # journal_admin) makes the next try a new one.
    refused: dict[tuple, Exchange] = {}
    for e in exchanges:
        if e.path.startswith("/_mock/permissions") and e.method in ("PUT", "DELETE"):
            refused.clear()
            continue
        if not e.path.startswith("/data/"):
            continue
        key = (client_of(e), e.header("authorization"), (e.header("x-sandbox-name") or "").strip(),
               e.method, e.path, e.query or "", e.request_size, e.request_body or b"")
        first = refused.get(key)
        if first is not None:
            yield Finding("repeat-after-403", e, f"The same request as #{first.id}, answered 403, sent again "
                                                 "unchanged; change the credentials or the permissions first.")
        if e.status == 403:
            refused.setdefault(key, e)
        elif first is not None and e.status is not None:
            del refused[key]
