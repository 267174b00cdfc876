"""Unit tests of mockserver.store.ids: seeded ids and etags (reference §4.0, §6.8)."""

from __future__ import annotations

import re
import uuid

import pytest

from mockserver.store.ids import IdFactory

ETAG = re.compile(r'^"[0-9a-f]{8}-0000-0200-0000-[0-9a-f]{8}0000"$')


def _sequence(factory: IdFactory) -> list[str]:
    return [factory.uuid(), factory.etag(), factory.hex(), factory.uuid(), factory.etag(), factory.hex(8)]


@pytest.mark.parametrize("seed", [0, 1, 42, 2**40])
def test_the_same_seed_gives_the_same_sequence(seed):
    assert _sequence(IdFactory(seed)) == _sequence(IdFactory(seed))


def test_different_seeds_give_different_sequences():
    assert _sequence(IdFactory(1)) != _sequence(IdFactory(2))


def test_without_a_seed_ids_are_random():
    assert IdFactory().uuid() != IdFactory().uuid()
    assert IdFactory(None).seed is None


def test_ids_do_not_repeat():
    factory = IdFactory(7)
    assert len({factory.uuid() for _ in range(500)}) == 500
    assert len({factory.etag() for _ in range(500)}) == 500


def test_uuid_is_a_version_4_uuid_string():
    text = IdFactory(3).uuid()
    parsed = uuid.UUID(text)
    assert (str(parsed), parsed.version, parsed.variant) == (text, 4, uuid.RFC_4122)


@pytest.mark.parametrize("seed", [None, 0, 5])
def test_etag_has_the_cosmos_shape_with_its_double_quotes(seed):
    factory = IdFactory(seed)
    for _ in range(50):
        etag = factory.etag()
        assert ETAG.match(etag), etag
        assert len(etag) == 38


def test_etag_matches_the_documented_example_shape():
    # reference §4.0: "\"0e0d95ae-0000-0200-0000-62a21cdd0000\""
    assert ETAG.match('"0e0d95ae-0000-0200-0000-62a21cdd0000"')
    assert not ETAG.match("0e0d95ae-0000-0200-0000-62a21cdd0000")


@pytest.mark.parametrize("length", [24, 8, 1, 32])
def test_hex_ids_have_the_asked_length(length):
    text = IdFactory(9).hex(length)
    assert re.fullmatch(f"[0-9a-f]{{{length}}}", text)


def test_catalog_style_hex_ids_default_to_24_characters():
    assert re.fullmatch("[0-9a-f]{24}", IdFactory(9).hex())


def test_reseed_restarts_the_sequence():
    factory = IdFactory(11)
    first = _sequence(factory)
    assert _sequence(factory) != first
    factory.reseed(11)
    assert _sequence(factory) == first


def test_reseed_with_another_seed_follows_that_seed():
    factory = IdFactory(11)
    factory.uuid()
    factory.reseed(12)
    assert factory.seed == 12
    assert _sequence(factory) == _sequence(IdFactory(12))
