"""Every contract test says where its claim comes from, with exactly one marker:

* ``@pytest.mark.verified(era="DY", date=None)``: the official sources of that doc era show the
  real service behaving so; ``date`` is the day a run against the real service last confirmed it
  (``None``: not yet run live).
* ``@pytest.mark.assumption("<anchor>")``: the sources leave it open; the anchor is the heading
  in docs/fidelity.md that records the decision.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

FIDELITY = Path(__file__).resolve().parent.parent / "docs" / "fidelity.md"

#: The doc eras a claim can cite (reference/flow-service-destinations.md §0.2, with their versions).
ERAS = {
    "DY": "OpenAPI destinations.yaml",
    "FY": "OpenAPI flow-service.yaml",
    "CA": "connect-activate-batch-destinations 5525e81a (the seed's contract)",
    "AS": "activate-segments-file-based-destinations 011db65c (2023)",
    "ED": "export-datasets 22a752e2 (after September 2024)",
    "UD": "update-destination-dataflows c3aba92a",
    "EDIT": "edit-destination dea3f61e",
    "DDF": "delete-destination-dataflow 23df35d7",
    "DDA": "delete-destination-account daa333b6",
    "MIG": "api-migration-guide-cloud-storage-destinations fa87b025",
    "FSE": "flow-service-errors fb1a8f3a",
    "SAF": "sort-and-filter c3aba92a",
    "TS": "troubleshooting 81f570f8",
    "AY": "OpenAPI ad-hoc-activation.yaml",
    "ADH": "ad-hoc-activation-api",
    "MON": "monitor",
    "LBL": "labels 0761c1a2",
}

LINES = (
    "verified(era, date=None): the doc era (DY, CA, ...) whose sources show the real service doing "
    "this; date (YYYY-MM-DD) of the last live confirmation",
    "assumption(anchor): a behaviour the sources leave open; anchor = heading of docs/fidelity.md",
)


def slug(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def fidelity_anchors(path: Path = FIDELITY) -> set[str]:
    return {slug(line.lstrip("#")) for line in path.read_text().splitlines() if line.startswith("#")}


def problems(item, anchors: set[str]) -> list[str]:
    """What is wrong with an item's provenance markers (empty when it has exactly one valid one)."""
    verified = list(item.iter_markers("verified"))
    assumed = list(item.iter_markers("assumption"))
    if len(verified) + len(assumed) != 1:
        return [f"{item.nodeid}: needs exactly one 'verified' or 'assumption' marker"]
    if verified:
        kwargs = verified[0].kwargs
        era, date = kwargs.get("era"), kwargs.get("date")
        found = []
        if not era or any(part not in ERAS for part in era.split("+")):
            found.append(f"{item.nodeid}: unknown era {era!r} (one of {', '.join(ERAS)}, joined by '+')")
        if date is not None:
            try:
                datetime.date.fromisoformat(date)
            except (TypeError, ValueError):
                found.append(f"{item.nodeid}: date {date!r} is not YYYY-MM-DD")
        return found
    anchor = assumed[0].args[0] if assumed[0].args else None
    if anchor not in anchors:
        return [f"{item.nodeid}: assumption anchor {anchor!r} is no heading of docs/fidelity.md"]
    return []


def tally(items) -> str:
    verified = [i for i in items if i.get_closest_marker("verified")]
    live = [i for i in verified if i.get_closest_marker("verified").kwargs.get("date")]
    assumed = len(items) - len(verified)
    return (f"contracts: {len(items)} tests: {len(verified)} verified from the docs "
            f"({len(live)} confirmed live), {assumed} assumptions (docs/fidelity.md)")
