"""Assertions the domain unit tests share."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from mockserver.domain.errors import FlowServiceError


@contextmanager
def refused(*fragments: str):
    """A 400 whose message contains every fragment (usually the field it is about)."""
    with pytest.raises(FlowServiceError) as info:
        yield info
    assert info.value.status == 400
    for fragment in fragments:
        assert fragment in info.value.message
