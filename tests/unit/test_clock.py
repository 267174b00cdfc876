"""Unit tests of mockserver.clock: freeze / set / advance / unfreeze / reset.

The real time the clock reads is replaced by a fake one the test moves by hand.
"""

from __future__ import annotations

import time

import pytest

from mockserver import clock as clock_module
from mockserver.clock import Clock

T0 = 1_700_000_000.0


class FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def real(monkeypatch) -> FakeTime:
    fake = FakeTime(T0)
    monkeypatch.setattr(clock_module, "time", fake)
    return fake


def test_by_default_the_clock_shows_real_time():
    clock = Clock()
    before = time.time()
    shown = clock.now()
    assert before <= shown <= time.time()
    assert clock.frozen is False


def test_by_default_the_clock_follows_real_time(real):
    clock = Clock()
    assert clock.now() == T0
    real.now += 5
    assert clock.now() == T0 + 5


def test_freeze_at_an_instant_stops_the_clock_there(real):
    clock = Clock()
    clock.freeze(1234.5)
    real.now += 100
    assert clock.now() == 1234.5
    assert clock.frozen is True


def test_freeze_without_an_instant_stops_the_clock_at_now(real):
    clock = Clock()
    clock.freeze()
    real.now += 100
    assert clock.now() == T0


def test_set_while_frozen_stays_frozen_at_the_new_instant(real):
    clock = Clock()
    clock.freeze(10)
    clock.set(20)
    real.now += 3
    assert (clock.now(), clock.frozen) == (20, True)


def test_set_while_running_jumps_and_keeps_running(real):
    clock = Clock()
    clock.set(500)
    assert clock.now() == 500
    real.now += 3
    assert (clock.now(), clock.frozen) == (503, False)


@pytest.mark.parametrize("frozen", [True, False])
def test_advance_moves_the_clock_forward(real, frozen):
    clock = Clock()
    if frozen:
        clock.freeze(T0)
    clock.advance(60)
    clock.advance(0.5)
    assert clock.now() == T0 + 60.5
    assert clock.frozen is frozen


def test_advance_accepts_a_negative_step(real):
    clock = Clock()
    clock.freeze(100)
    clock.advance(-40)
    assert clock.now() == 60


def test_unfreeze_lets_time_run_again_from_the_frozen_instant(real):
    clock = Clock()
    clock.freeze(100)
    real.now += 1000          # real time moved while frozen; the clock does not jump
    clock.unfreeze()
    assert (clock.now(), clock.frozen) == (100, False)
    real.now += 7
    assert clock.now() == 107


def test_unfreeze_of_a_running_clock_changes_nothing(real):
    clock = Clock()
    clock.set(300)
    clock.unfreeze()
    assert clock.now() == 300


@pytest.mark.parametrize("setup", [
    lambda c: c.freeze(5),
    lambda c: c.set(5),
    lambda c: (c.freeze(5), c.unfreeze(), c.advance(100)),
])
def test_reset_returns_to_real_time(real, setup):
    clock = Clock()
    setup(clock)
    clock.reset()
    assert (clock.now(), clock.frozen) == (T0, False)
    real.now += 2
    assert clock.now() == T0 + 2


@pytest.mark.parametrize("at, ms", [(1.2345, 1234), (T0, int(T0) * 1000), (0, 0), (1.9999, 1999)])
def test_now_ms_is_whole_milliseconds(at, ms):
    clock = Clock()
    clock.freeze(at)
    assert clock.now_ms() == ms
    assert isinstance(clock.now_ms(), int)


def test_clocks_are_independent(real):
    a, b = Clock(), Clock()
    a.freeze(1)
    assert b.now() == T0 and not b.frozen
