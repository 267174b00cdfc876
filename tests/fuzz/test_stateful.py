"""A stateful fuzz of the four writable collections: random sequences of creates, PATCHes, actions,
DELETEs and lists, with hostile headers, tokens, queries and bodies.

After every step: no 5xx answer, every entity created and not deleted is readable (200, valid JSON),
the tenant's four lists answer 200, ``/_mock/health`` answers and names no tenant made from a malformed
header, and no secret the fuzz put into a base connection shows in any answer (nor, when checked, the
journal).
"""

from __future__ import annotations

import copy
import json
import string

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from contracts import bodies
from contracts.bodies import S3, spec

from .harness import (
    BASE, COLLECTIONS, HEADERS, JSON, ORG, Fuzzer, fail, budget, chain, continuation_tokens,
    encode_query, if_match_values, latin1_text, list_queries, nasty_text, patch_ops, token_of, tokens,
)

SFTP = "36965a81-b1c6-401b-99f8-22508f1e6a26"
ALNUM = string.ascii_letters + string.digits
S3_SECRETS = st.text(ALNUM, min_size=38, max_size=38).map(lambda s: "Fz" + s)
PASSWORDS = st.text(ALNUM, min_size=20, max_size=20).map(lambda s: "fzpw" + s)
SECRET_KEYS = {S3: "s3SecretKey", SFTP: "password"}
#: Where a PATCH may nest objects inside an entity (the schemas there allow unknown members).
DEEP_PATHS = {"connections": "/auth/params/deep", "targetConnections": "/params/deep",
              "flows": "/transformations/0/params/deep"}


def sftp_connection(password: str, spec_name: str = "SFTP with Password") -> dict:
    return {"name": "SFTP account", "connectionSpec": spec(SFTP),
            "auth": {"specName": spec_name, "params": {"domain": "sftp.example.com", "username": "fuzz",
                                                       "password": password}}}


@st.composite
def mutated(draw, body: dict) -> object:
    """``body`` with a few members replaced, removed or added (hostile values), or another shape."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.one_of(JSON, st.just([body]), st.just(json.dumps(body))))
    body = copy.deepcopy(body)
    for _ in range(draw(st.integers(1, 3))):
        node = body
        # walk down to a random object (through arrays too)
        while True:
            if isinstance(node, list):
                objects = [v for v in node if isinstance(v, (dict, list))]
                if not objects:
                    break
                node = draw(st.sampled_from(objects))
                continue
            children = [k for k, v in node.items() if isinstance(v, (dict, list)) and v]
            if not children or draw(st.booleans()):
                break
            node = node[draw(st.sampled_from(sorted(children)))]
        if isinstance(node, list):
            node.append(draw(JSON))
            continue
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        keys = sorted(node)
        if action == "replace" and keys:
            node[draw(st.sampled_from(keys))] = draw(st.one_of(JSON, nasty_text(), st.just("\ud800"),
                                                                 st.just(chain(250))))
        elif action == "remove" and keys:
            del node[draw(st.sampled_from(keys))]
        else:
            node[draw(nasty_text(10))] = draw(JSON)
    return body


class FlowServiceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fz: Fuzzer | None = None
        #: collection -> {id: etag} of the entities that exist (as far as the fuzz knows).
        self.live: dict[str, dict[str, str]] = {c: {} for c in COLLECTIONS}
        self.stale: dict[str, list[str]] = {}
        self.spec_of: dict[str, str] = {}     # base connection id -> connection spec id
        self.secret_of: dict[str, str] = {}   # base connection id -> its secret
        self.deep: dict[str, int] = {}        # entity id -> length of the chain nested at DEEP_PATHS
        self.segment = "fz-segment"

    # --- set-up -------------------------------------------------------------------------------

    @initialize(profile=st.sampled_from(["default", "seed", "current"]), lenient=st.booleans(),
                require_sandbox=st.booleans())
    def start(self, profile, lenient, require_sandbox):
        self.fz = Fuzzer(profile=profile, lenient_if_match=lenient, require_sandbox_header=require_sandbox)
        audiences = self.fz.send("GET", "/_mock/audiences").get_json()
        items = audiences.get("items") if isinstance(audiences, dict) else audiences
        if items:
            self.segment = items[0]["id"]

    # --- helpers ------------------------------------------------------------------------------

    def headers(self, data, hostile: bool = True) -> dict:
        headers = dict(HEADERS)
        if hostile and data.draw(st.integers(0, 2), label="hostile token?") == 0:
            headers["Authorization"] = data.draw(tokens(), label="token")
        return headers

    def created(self, collection: str, response) -> str | None:
        if response.status_code != 201:
            return None
        body = response.get_json()
        self.live[collection][body["id"]] = body["etag"]
        return body["id"]

    def updated(self, collection: str, entity_id: str, response) -> None:
        if 200 <= response.status_code < 300:
            etag = response.headers.get("ETag")
            if etag:
                self.stale.setdefault(entity_id, []).append(self.live[collection][entity_id])
                self.live[collection][entity_id] = etag

    def pick(self, data, collection: str) -> str:
        return data.draw(st.sampled_from(sorted(self.live[collection])), label=f"{collection} id")

    def any_entity(self, data) -> tuple[str, str]:
        collection = data.draw(st.sampled_from([c for c in COLLECTIONS if self.live[c]]), label="collection")
        return collection, self.pick(data, collection)

    def has(self, *collections: str) -> bool:
        return all(self.live[c] for c in collections)

    def has_any(self) -> bool:
        return any(self.live.values())

    def refresh(self, collection: str, entity_id: str) -> str:
        """The entity's current etag, read again (a rejected PATCH may have been a success)."""
        response = self.fz.send("GET", f"{BASE}/{collection}/{entity_id}")
        if response.status_code == 200:
            self.live[collection][entity_id] = response.headers["ETag"]
        return self.live[collection][entity_id]

    # --- creates ------------------------------------------------------------------------------

    @rule(data=st.data(), kind=st.sampled_from([S3, SFTP]), mutate=st.integers(0, 3))
    def create_base_connection(self, data, kind, mutate):
        secret = data.draw(S3_SECRETS if kind == S3 else PASSWORDS, label="secret")
        self.fz.secrets.add(secret)
        body = bodies.s3_connection() if kind == S3 else sftp_connection(secret)
        if kind == S3:
            body["auth"]["params"]["s3SecretKey"] = secret
        if mutate == 0:
            body = data.draw(mutated(body), label="mutated body")
        raw = json.dumps(body, ensure_ascii=True)
        if data.draw(st.integers(0, 5), label="escape the key?") == 0:
            # The same document, with the secret's member name JSON-escaped (it parses the same).
            key = SECRET_KEYS[kind]
            raw = raw.replace(f'"{key}"', '"' + key[:-1] + "\\u%04x" % ord(key[-1]) + '"')
        if data.draw(st.integers(0, 7), label="break the JSON?") == 0:
            # Not JSON any more (the mock refuses it), but it names the secret all the same.
            key = SECRET_KEYS[kind]
            raw = data.draw(st.sampled_from([
                raw + "}", raw[:-1], raw.replace(f'"{key}":', f'"{key}" /* c */ :'),
                raw.replace(f'"{key}": "{secret}"', f"'{key}': '{secret}'"), raw.replace(f'"{secret}"', secret),
                raw.replace('"name": "', '"name": "\\ud800'), raw.replace(f'"{key}": ', f'"{key}"\n:\t'),
            ]), label="broken body")
        response = self.fz.send("POST", f"{BASE}/connections", headers=self.headers(data), body=raw.encode())
        entity_id = self.created("connections", response)
        if entity_id:
            self.spec_of[entity_id] = kind
            self.secret_of[entity_id] = secret

    @rule(data=st.data(), kind=st.sampled_from(["profiles", "datasets"]), mutate=st.integers(0, 3))
    def create_source_connection(self, data, kind, mutate):
        body = bodies.profile_source() if kind == "profiles" else bodies.dataset_source()
        if mutate == 0:
            body = data.draw(mutated(body), label="mutated body")
        response = self.fz.send("POST", f"{BASE}/sourceConnections", headers=self.headers(data), body=body)
        self.created("sourceConnections", response)

    @precondition(lambda self: self.live["connections"])
    @rule(data=st.data(), mutate=st.integers(0, 3))
    def create_target_connection(self, data, mutate):
        s3_bases = sorted(i for i in self.live["connections"] if self.spec_of.get(i) == S3)
        base = data.draw(st.sampled_from(s3_bases or sorted(self.live["connections"])), label="base")
        body = bodies.s3_target(base)
        if mutate == 0:
            body = data.draw(mutated(body), label="mutated body")
        response = self.fz.send("POST", f"{BASE}/targetConnections", headers=self.headers(data), body=body)
        self.created("targetConnections", response)

    @precondition(lambda self: self.has("sourceConnections", "targetConnections"))
    @rule(data=st.data(), mutate=st.integers(0, 3), with_selector=st.booleans())
    def create_flow(self, data, mutate, with_selector):
        body = bodies.audience_flow(self.pick(data, "sourceConnections"), self.pick(data, "targetConnections"))
        if with_selector:
            body["transformations"][0]["params"]["segmentSelectors"]["selectors"] = [bodies.selector(self.segment)]
        if mutate == 0:
            body = data.draw(mutated(body), label="mutated body")
        response = self.fz.send("POST", f"{BASE}/flows", headers=self.headers(data), body=body)
        self.created("flows", response)

    @precondition(lambda self: self.has("sourceConnections", "connections"))
    @rule(data=st.data())
    def create_flow_hostile_names(self, data):
        """A flow whose names, templates and target path come from the fuzz: what exports name files after."""
        s3_bases = sorted(i for i in self.live["connections"] if self.spec_of.get(i) == S3)
        if not s3_bases:
            return
        text = st.one_of(nasty_text(30), st.sampled_from(["../..", "..", "/", "a/../../b", "%SEGMENT_NAME%", "CON",
                                                          "x" * 300, "%DATETIME(" + "Y" * 200 + ")%", "%%", "%"]))
        path = data.draw(st.sampled_from(["%SEGMENT_NAME%", "../../x", "a/./b", "..", "./", "%SEGMENT_ID%/..",
                                          "a//b", "*", "'()!", "x" * 1000]), label="target path")
        target = self.fz.send("POST", f"{BASE}/targetConnections", body=bodies.s3_target(data.draw(st.sampled_from(s3_bases)),
                                                                                         path=path))
        target_id = self.created("targetConnections", target)
        if target_id is None:
            return
        body = bodies.audience_flow(self.pick(data, "sourceConnections"), target_id)
        body["name"] = data.draw(text, label="flow name")
        selector = bodies.selector(self.segment, data.draw(st.sampled_from(["DAILY", "ONCE", "WEEKLY", "MONTHLY"])))
        selector["value"]["name"] = data.draw(text, label="audience name")
        template = data.draw(st.sampled_from([
            "%SEGMENT_NAME%_%DESTINATION%_%SEGMENT_ID%", "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_NAME%..",
            "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%_%ORGANIZATION_NAME%_%SANDBOX_NAME%",
            "%DESTINATION%_%SEGMENT_ID%_%DATETIME(" + "y" * 60 + ")%", "%DESTINATION%_%SEGMENT_ID%_%TIMESTAMP%%%",
            "%DESTINATION%_%SEGMENT_ID%_%DESTINATION_INSTANCE_NAME%"]), label="template")
        selector["value"]["filenameTemplate"] = template
        body["transformations"][0]["params"]["segmentSelectors"]["selectors"] = [selector]
        self.created("flows", self.fz.send("POST", f"{BASE}/flows", body=body, headers=self.headers(data)))

    @precondition(lambda self: self.live["flows"])
    @rule(data=st.data(), body=st.one_of(st.just({}), st.builds(lambda ids: {"ids": ids}, st.lists(nasty_text(10), max_size=2)),
                                         JSON))
    def run_flow_now(self, data, body):
        flow = self.pick(data, "flows")
        if data.draw(st.booleans(), label="its audience?"):
            body = {"ids": [self.segment]}
        self.fz.send("POST", f"/_mock/flows/{flow}/run", body=body)
        self.check_exports()

    @precondition(lambda self: self.live["flows"])
    @rule(data=st.data(), advance=st.sampled_from(["1h", "6h", "1d", "2d", "1w", 3600, 0, "0s"]))
    def advance_clock(self, data, advance):
        self.fz.send("POST", "/_mock/clock", body={"advance": advance})
        flow = self.pick(data, "flows")
        runs = self.fz.send("GET", f"{BASE}/runs", query=encode_query([("property", f"flowId=={flow}")]))
        if runs.status_code == 200:
            for run in runs.get_json()["items"][:3]:
                self.fz.send("GET", f"{BASE}/runs/{run['id']}")
        self.check_exports()

    @precondition(lambda self: self.live["flows"])
    @rule(data=st.data(), accept=st.sampled_from([None, "application/vnd.adobe.adhoc.activation+json; version=2"]))
    def adhoc_run(self, data, accept):
        flow = self.pick(data, "flows")
        audiences = data.draw(st.one_of(st.just([self.segment]), st.lists(nasty_text(10), max_size=2)), label="audiences")
        body = data.draw(st.sampled_from([{"activationInfo": {flow: audiences}},
                                          {"activationInfo": {flow: [{"segmentId": a} for a in audiences]}}]))
        headers = {**HEADERS, **({"Accept": accept} if accept else {})}
        self.fz.send("POST", "/data/core/activation/disflowprovider/adhocrun", body=body, headers=headers)

    def check_exports(self):
        """Every file an export wrote is under the storage root."""
        import os
        response = self.fz.send("GET", "/_mock/exports")
        root = os.path.realpath(self.fz.settings.storage_root)
        for item in response.get_json()["items"]:
            for file in item.get("files", []):
                location = os.path.realpath(file["location"])
                if not location.startswith(root + os.sep):
                    fail(f"an export wrote outside the storage root: {file['location']!r}")

    # --- changes ------------------------------------------------------------------------------

    @precondition(has_any)
    @rule(data=st.data())
    def patch(self, data):
        collection, entity_id = self.any_entity(data)
        current = self.live[collection][entity_id]
        ops = data.draw(patch_ops(collection, self.segment), label="patch")
        if_match = data.draw(if_match_values(current, self.stale.get(entity_id, [])), label="If-Match")
        headers = {**self.headers(data), "If-Match": if_match}
        response = self.fz.send("PATCH", f"{BASE}/{collection}/{entity_id}", headers=headers, body=ops)
        self.updated(collection, entity_id, response)

    @precondition(lambda self: any(self.live[c] for c in DEEP_PATHS))
    @rule(data=st.data(), depth=st.integers(60, 190))
    def deepen(self, data, depth):
        """PATCHes each within the depth limit whose sum is deeper: nest again where the last one ended."""
        collection = data.draw(st.sampled_from([c for c in DEEP_PATHS if self.live[c]]), label="collection")
        entity_id = self.pick(data, collection)
        known = self.deep.get(entity_id, 0)
        path = DEEP_PATHS[collection] + "/a" * known + ("/a" if known else "")
        ops = [{"op": "add", "path": path, "value": chain(depth)}]
        headers = {**HEADERS, "If-Match": self.live[collection][entity_id]}
        response = self.fz.send("PATCH", f"{BASE}/{collection}/{entity_id}", headers=headers, body=ops)
        self.updated(collection, entity_id, response)
        if 200 <= response.status_code < 300:
            self.deep[entity_id] = known + depth + (1 if known else 0)

    @precondition(lambda self: self.live["flows"])
    @rule(data=st.data(), op=st.one_of(st.sampled_from(["enable", "disable", "ENABLE", "Disable"]), nasty_text(10),
                                        st.none()))
    def flow_action(self, data, op):
        flow = self.pick(data, "flows")
        current = self.live["flows"][flow]
        if_match = data.draw(st.one_of(st.none(), if_match_values(current, self.stale.get(flow, []))), label="If-Match")
        query = None if op is None else encode_query([("op", op)])
        response = self.fz.send("POST", f"{BASE}/flows/{flow}/action", query=query,
                                headers={**self.headers(data), "If-Match": if_match})
        self.updated("flows", flow, response)

    @precondition(has_any)
    @rule(data=st.data(), with_if_match=st.booleans())
    def delete(self, data, with_if_match):
        collection, entity_id = self.any_entity(data)
        headers = self.headers(data)
        if with_if_match:
            headers["If-Match"] = data.draw(if_match_values(self.live[collection][entity_id],
                                                            self.stale.get(entity_id, [])), label="If-Match")
        response = self.fz.send("DELETE", f"{BASE}/{collection}/{entity_id}", headers=headers)
        if 200 <= response.status_code < 300:
            del self.live[collection][entity_id]
            self.deep.pop(entity_id, None)

    # --- reads ---------------------------------------------------------------------------------

    @rule(collection=st.sampled_from(COLLECTIONS + ("runs",)), data=st.data())
    def list_with_query(self, collection, data):
        pairs = data.draw(list_queries(collection), label="query")
        response = self.fz.send("GET", f"{BASE}/{collection}", query=encode_query(pairs), headers=self.headers(data))
        if response.status_code == 200:
            body = response.get_json()
            href = (body.get("_links") or {}).get("next", {}).get("href") if isinstance(body, dict) else None
            if href:
                path, _, query = href.partition("?")
                self.fz.send("GET", BASE + path if not path.startswith(BASE) else path, query=query)

    @rule(collection=st.sampled_from(COLLECTIONS), token=continuation_tokens(), limit=st.integers(1, 3))
    def page_through(self, collection, token, limit):
        """Follow every next link of a small page size; then a hostile token."""
        query, seen = f"limit={limit}", 0
        while query is not None and seen < 40:
            response = self.fz.send("GET", f"{BASE}/{collection}", query=query)
            if response.status_code != 200:
                fail(f"GET {collection}?{query} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
                break
            body = response.get_json()
            seen += 1
            href = body["_links"].get("next", {}).get("href")
            query = href.partition("?")[2] if href else None
        self.fz.send("GET", f"{BASE}/{collection}", query=encode_query([("continuationToken", token)]))

    # --- gateway headers -------------------------------------------------------------------

    @rule(data=st.data(), collection=st.sampled_from(COLLECTIONS), method=st.sampled_from(["GET", "POST", "DELETE"]))
    def hostile_gateway_headers(self, data, collection, method):
        kind = data.draw(st.sampled_from(["duplicate-org", "duplicate-sandbox", "org", "sandbox", "api-key"]),
                         label="header kind")
        headers: list[tuple[str, str]] = [(k, v) for k, v in HEADERS.items()
                                          if not (kind.endswith("org") and k == "x-gw-ims-org-id")
                                          and not (kind.endswith("sandbox") and k == "x-sandbox-name")]
        if kind == "duplicate-org":
            headers += [("x-gw-ims-org-id", ORG), ("x-gw-ims-org-id", data.draw(st.sampled_from([ORG, "OTHER@AdobeOrg"])))]
        elif kind == "duplicate-sandbox":
            headers += [("x-sandbox-name", "prod"), ("x-sandbox-name", data.draw(st.sampled_from(["prod", "dev"])))]
        elif kind == "org":
            headers.append(("x-gw-ims-org-id", data.draw(latin1_text(), label="org")))
        elif kind == "sandbox":
            headers.append(("x-sandbox-name", data.draw(latin1_text(), label="sandbox")))
        else:
            headers = [(k, v) for k, v in headers if k != "x-api-key"] + [("x-api-key", data.draw(latin1_text()))]
        body = bodies.profile_source() if method == "POST" else None
        path = f"{BASE}/{collection}" + ("" if method != "DELETE" else "/" + bodies.UNKNOWN_ID)
        if method == "POST":
            path = f"{BASE}/sourceConnections"
        self.fz.send(method, path, headers=headers, body=body)

    @rule(claim=st.sampled_from(["user_id", "sub", "client_id"]),
          value=st.one_of(st.sampled_from(["\ud800", "a\udfffb", "x\x00y", "\u2028", "\x1b[31m", "é" * 3, "u" * 9000]),
                          nasty_text()))
    def create_with_claim(self, claim, value):
        """A write whose token carries a hostile claim: it becomes createdBy / createdClient."""
        claims = {claim: value} if claim != "client_id" else {"user_id": "fuzz@AdobeID", claim: value}
        response = self.fz.send("POST", f"{BASE}/sourceConnections", body=bodies.profile_source(),
                                headers={**HEADERS, "Authorization": token_of(claims)})
        self.created("sourceConnections", response)

    # --- secrets -------------------------------------------------------------------------------

    @precondition(lambda self: self.secret_of and any(i in self.live["connections"] for i in self.secret_of))
    @rule(data=st.data(), op=st.sampled_from(["==", ">=", "<=", ">", "<", "!="]))
    def secret_oracle(self, data, op):
        """Neither a property filter nor a PATCH ``test`` may tell a right guess from a wrong one."""
        entity_id = data.draw(st.sampled_from(sorted(i for i in self.secret_of if i in self.live["connections"])))
        secret, key = self.secret_of[entity_id], SECRET_KEYS[self.spec_of[entity_id]]
        self.fz.queried.add(secret)
        guess = "Fz" + "0" * (len(secret) - 2)
        answers = []
        for candidate in (secret, guess):
            query = encode_query([("property", f"id=={entity_id}"), ("property", f"auth.params.{key}{op}{candidate}")])
            response = self.fz.send("GET", f"{BASE}/connections", query=query)
            answers.append(len(response.get_json()["items"]) if response.status_code == 200 else response.status_code)
        if answers[0] != answers[1]:
            fail(f"property=auth.params.{key}{op}<guess> tells the secret from a guess: {answers}")
        statuses = []
        for candidate in (secret, guess):
            ops = [{"op": "test", "path": f"/auth/params/{key}", "value": candidate}]
            etag = self.refresh("connections", entity_id)
            response = self.fz.send("PATCH", f"{BASE}/connections/{entity_id}", body=ops,
                                    headers={**HEADERS, "If-Match": etag})
            self.updated("connections", entity_id, response)
            statuses.append(response.status_code)
        if statuses[0] != statuses[1]:
            fail(f"PATCH test /auth/params/{key} tells the secret from a guess: {statuses}")

    @precondition(lambda self: any(self.spec_of.get(i) == SFTP for i in self.live["connections"]))
    @rule(data=st.data(), name=st.sampled_from(["SFTP with SSH Key", "SSH PublicKey Authentication for sftp",
                                                "Basic Authentication for sftp"]))
    def switch_auth_spec(self, data, name):
        entity_id = data.draw(st.sampled_from(sorted(i for i in self.live["connections"] if self.spec_of.get(i) == SFTP)))
        ops = [{"op": "replace", "path": "/auth/specName", "value": name},
               {"op": "add", "path": "/auth/params/sshKey", "value": "QUFBQQ=="},
               {"op": "add", "path": "/auth/params/host", "value": "sftp.example.com"}]
        response = self.fz.send("PATCH", f"{BASE}/connections/{entity_id}", body=ops,
                                headers={**HEADERS, "If-Match": self.live["connections"][entity_id]})
        self.updated("connections", entity_id, response)

    @rule(data=st.data(), mutate=st.integers(0, 2), scope=st.sampled_from([None, ORG, "nobody"]))
    def snapshot_round_trip(self, data, mutate, scope):
        """GET /_mock/state shows no secret (checked by send); loading it back, or a mutated copy, answers."""
        query = encode_query([("imsOrgId", scope)]) if scope else None
        response = self.fz.send("GET", "/_mock/state", query=query)
        if response.status_code != 200:
            return
        document = response.get_json()
        if mutate == 0:
            document = data.draw(mutated(document), label="mutated snapshot")
        loaded = self.fz.send("POST", "/_mock/state", body=document)
        if 200 <= loaded.status_code < 300:
            self.resync()

    def resync(self):
        """What the tenant holds now (after a snapshot was loaded): every id the lists show."""
        for collection in COLLECTIONS:
            found, query = {}, "limit=100"
            while query is not None:
                response = self.fz.send("GET", f"{BASE}/{collection}", query=query)
                if response.status_code != 200:
                    fail(f"GET {collection}?{query} answered {response.status_code} after a snapshot was loaded")
                    return
                body = response.get_json()
                found.update({item["id"]: item.get("etag") for item in body["items"] if isinstance(item, dict)})
                href = body["_links"].get("next", {}).get("href")
                query = href.partition("?")[2] if href else None
            self.live[collection] = found

    @rule(data=st.data())
    def read_journal(self, data):
        query = data.draw(st.lists(st.tuples(
            st.sampled_from(["limit", "since", "status", "path", "method", "imsOrgId", "sandboxName", "x"]),
            st.one_of(st.sampled_from(["1", "5", "0", "\u0661", "\u00b2", "1" * 5000, "4xx", "dropped", "*", "[",
                                       "/data/*", "GET", "patch"]), nasty_text(12))), max_size=2), label="journal query")
        self.fz.send("GET", "/_mock/requests", query=encode_query(query))
        self.fz.check_journal()

    @rule(org=st.sampled_from([ORG, "OTHER@AdobeOrg", None]))
    def reset_tenant(self, org):
        query = encode_query([("imsOrgId", org)]) if org else encode_query([("imsOrgId", "OTHER@AdobeOrg")])
        self.fz.send("POST", "/_mock/reset", query=query)
        if org == ORG:
            for items in self.live.values():
                items.clear()
            self.deep.clear()

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def everything_readable(self):
        if self.fz is None:
            return
        for collection, items in self.live.items():
            for entity_id in list(items):
                response = self.fz.send("GET", f"{BASE}/{collection}/{entity_id}")
                if response.status_code != 200:
                    fail(f"GET {collection}/{entity_id} answered {response.status_code}: "
                                      f"{response.get_data(as_text=True)[:300]}")
                else:
                    json.loads(response.get_data())
                    items[entity_id] = response.headers["ETag"]
            response = self.fz.send("GET", f"{BASE}/{collection}")
            if response.status_code != 200:
                fail(f"GET {collection} answered {response.status_code}")
        self.fz.check_health()

    def teardown(self):
        if self.fz is not None:
            self.fz.check_journal()


FlowServiceMachine.TestCase.settings = budget(100, stateful_step_count=30)
TestFlowService = pytest.mark.filterwarnings("ignore:Generating overly large repr")(FlowServiceMachine.TestCase)
