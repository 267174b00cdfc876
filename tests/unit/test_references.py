"""Which flows use a connection (domain/references.py): the same answers from a scan and from the
index, and never an answer about an earlier state of the flows."""

from __future__ import annotations

from mockserver.domain.references import FlowReferences
from mockserver.store.memory import MemoryStore


def flow(flow_id: str, source: str, target: str, base: str) -> dict:
    return {"id": flow_id, "etag": f'"{flow_id}"', "sourceConnectionIds": [source], "targetConnectionIds": [target],
            "inheritedAttributes": {"sourceConnections": [{"id": source}],
                                    "targetConnections": [{"id": target, "baseConnection": {"id": base}}]}}


def ids(flows: list[dict]) -> list[str]:
    return sorted(f["id"] for f in flows)


def test_scan_and_index_answer_the_same_and_follow_changes():
    tenant = MemoryStore().tenant("ORG@AdobeOrg", "prod")
    tenant.put("flows", flow("f1", "s1", "t1", "b1"))
    tenant.put("flows", flow("f2", "s1", "t2", "b1"))
    references = FlowReferences()
    questions = [("sourceConnectionIds", "s1", ["f1", "f2"]), ("targetConnectionIds", "t2", ["f2"]),
                 ("baseConnection", "b1", ["f1", "f2"]), ("targetConnectionIds", "t9", [])]
    for _ in range(3):  # the first answers scan, the next ones read the index
        assert [ids(references.flows(tenant, key, ref)) for key, ref, _ in questions] == [q[2] for q in questions]
    tenant.put("flows", flow("f3", "s3", "t2", "b3"))
    tenant.remove("flows", "f1")
    for _ in range(3):
        assert ids(references.flows(tenant, "targetConnectionIds", "t2")) == ["f2", "f3"]
        assert ids(references.flows(tenant, "sourceConnectionIds", "s1")) == ["f2"]
        assert ids(references.flows(tenant, "baseConnection", "b3")) == ["f3"]
