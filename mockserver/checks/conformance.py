"""The conformance report: every rule run over the journal, as JSON and as text for a terminal."""

from __future__ import annotations

from .journal import Exchange
from .rules import RULES, Options


def report(exchanges: list[Exchange], options: Options = Options()) -> dict:
    findings = [f for r in RULES for f in r.check(exchanges, options)]
    findings.sort(key=lambda f: (f.exchange.id, f.rule))
    counts = {r.id: 0 for r in RULES}
    for finding in findings:
        counts[finding.rule] += 1
    return {
        "conformant": not findings,
        "requests": len(exchanges),
        "options": {"minPollInterval": options.min_poll_interval},
        "rules": [{"id": r.id, "title": r.title, "doc": r.doc, "violations": counts[r.id]} for r in RULES],
        "findings": [f.to_json() for f in findings],
    }


def render_text(result: dict) -> str:
    """The report as a person reads it: one line per rule, then each finding with its request."""
    lines = [f"Conformance of {result['requests']} journaled request(s): "
             + ("no violations." if result["conformant"] else f"{len(result['findings'])} violation(s).")]
    for r in result["rules"]:
        mark = "ok  " if not r["violations"] else "FAIL"
        lines.append(f"  {mark} {r['id']:<20} {r['title']} ({r['violations']})")
    docs = {r["id"]: r["doc"] for r in result["rules"]}
    for f in result["findings"]:
        lines.append("")
        lines.append(f"[{f['rule']}] request #{f['requestNumber']} {f['method']} {f['path']} -> "
                     f"{f['status'] if f['status'] is not None else 'dropped'}"
                     + (f" (x-request-id {f['requestId']})" if f["requestId"] else ""))
        lines.append(f"    {f['message']}")
        lines.append(f"    see {docs[f['rule']]}")
    return "\n".join(lines) + "\n"
