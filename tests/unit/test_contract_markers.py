"""Every contract test names where its claim comes from (contracts/markers.py)."""

from __future__ import annotations

from contracts import markers


class Item:
    nodeid = "contracts/test_x.py::test_y"

    def __init__(self, *marks):
        self.marks = marks

    def iter_markers(self, name):
        return [m for m in self.marks if m.name == name]


class Mark:
    def __init__(self, name, *args, **kwargs):
        self.name, self.args, self.kwargs = name, args, kwargs


ANCHORS = markers.fidelity_anchors()


def test_fidelity_headings_are_anchors():
    assert {"headers", "responses-by-doc-era--profile", "listing-32", "creates-answer-id-and-etag"} <= ANCHORS


def test_a_valid_verified_or_assumption_marker():
    assert markers.problems(Item(Mark("verified", era="DY+CA", date="2026-11-28")), ANCHORS) == []
    assert markers.problems(Item(Mark("assumption", "headers")), ANCHORS) == []


def test_missing_or_double_markers_are_reported():
    assert markers.problems(Item(), ANCHORS)
    assert markers.problems(Item(Mark("verified", era="DY"), Mark("assumption", "headers")), ANCHORS)


def test_unknown_era_bad_date_or_anchor_are_reported():
    assert "unknown era" in markers.problems(Item(Mark("verified", era="XX")), ANCHORS)[0]
    assert "YYYY-MM-DD" in markers.problems(Item(Mark("verified", era="DY", date="yesterday")), ANCHORS)[0]
    assert "no heading" in markers.problems(Item(Mark("assumption", "nowhere")), ANCHORS)[0]
