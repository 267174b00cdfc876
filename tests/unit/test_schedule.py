"""Unit tests of mockserver.domain.schedule: the instants at which audience selectors
(reference §6.1) and dataset ``scheduleParams`` (§6.2) run, in windows (after, until].

Schedules are built by the validators of mockserver.domain.selectors where it matters, so
the shapes the engine reads are the ones the store holds.
"""

from __future__ import annotations

import calendar
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.domain.selectors import dataset_schedule, segment_selector
from mockserver.domain.schedule import (
    DEFAULT_LIMIT,
    DEFAULT_SEGMENT_EVAL_AT,
    START_GRACE,
    Due,
    due_audience_runs,
    due_dataset_runs,
    in_audience_schedule_range,
    next_audience_run,
    next_dataset_run,
    parse_time_of_day,
)

HOUR = 3_600
DAY = 86_400
WEEK = 7 * DAY
YEAR = 365 * DAY


def utc(*parts: int) -> int:
    return calendar.timegm(tuple(parts) + (0,) * (6 - len(parts)))


def audience(mode="DAILY_FULL_EXPORT", frequency="DAILY", start="2026-01-04", end=None,
             at="17:00", trigger="SCHEDULED") -> dict:
    schedule = {"frequency": frequency, "startDate": start}
    if end is not None:
        schedule["endDate"] = end
    if at is not None:
        schedule["startTime"] = at
    if trigger is not None:
        schedule["triggerType"] = trigger
    item = {"type": "PLATFORM_SEGMENT", "value": {"id": "seg-1", "exportMode": mode, "schedule": schedule}}
    return segment_selector(item, "segmentSelectors.selectors[0]", legacy=False, previous={},
                            now=utc(2026, 1, 1))["value"]


def dataset(**changes) -> dict:
    params = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
              "startTime": utc(2026, 1, 4, 1)}
    params.update(changes)
    params = {k: v for k, v in params.items() if v is not ...}
    return dataset_schedule(params, "scheduleParams", created_at=utc(2026, 1, 1))


def instants(dues: list[Due]) -> list[float]:
    return [d.at for d in dues]


FAR = utc(2100, 1, 1)


# --- DAILY_FULL_EXPORT --------------------------------------------------------------------------

def test_once_runs_at_start_date_and_time_exactly_once_however_far_the_window():
    value = audience(frequency="ONCE")
    assert due_audience_runs(value, after=0, until=FAR) == [Due(utc(2026, 1, 4, 17), True)]
    assert due_audience_runs(value, after=utc(2026, 1, 4, 17), until=FAR) == []
    assert due_audience_runs(value, after=0, until=10**15) == [Due(utc(2026, 1, 4, 17), True)]


def test_once_window_borders_after_exclusive_until_inclusive():
    value = audience(frequency="ONCE")
    at = utc(2026, 1, 4, 17)
    assert instants(due_audience_runs(value, after=at - 1, until=at)) == [at]
    assert due_audience_runs(value, after=at - DAY, until=at - 1) == []
    assert instants(due_audience_runs(value, after=at - 0.5, until=at + 0.5)) == [at]
    assert due_audience_runs(value, after=at - 1, until=at - 0.001) == []


def test_once_ignores_end_date_and_is_full_even_after_a_run():
    value = audience(frequency="ONCE", end="2026-01-04")
    assert due_audience_runs(value, after=0, until=FAR, first_run_done=True) == [Due(utc(2026, 1, 4, 17), True)]


def test_daily_full_runs_every_day_at_start_time_from_start_date_all_full():
    value = audience(frequency="DAILY")
    dues = due_audience_runs(value, after=utc(2026, 1, 1), until=utc(2026, 1, 8))
    assert instants(dues) == [utc(2026, 1, d, 17) for d in range(4, 8)]
    assert all(d.full for d in dues)
    assert all(d.full for d in due_audience_runs(value, after=0, until=utc(2026, 2, 1), first_run_done=True))


def test_first_run_at_the_window_start_border():
    value = audience(frequency="DAILY")
    first = utc(2026, 1, 4, 17)
    assert instants(due_audience_runs(value, after=first, until=first + DAY)) == [first + DAY]
    assert instants(due_audience_runs(value, after=first - 1, until=first + DAY - 1)) == [first]


def test_missing_trigger_type_behaves_as_scheduled():
    assert (due_audience_runs(audience(trigger=None), after=0, until=utc(2026, 2, 1))
            == due_audience_runs(audience(trigger="SCHEDULED"), after=0, until=utc(2026, 2, 1)))
    assert instants(due_audience_runs(audience(trigger=None), after=0, until=utc(2026, 1, 5)))[0] == utc(2026, 1, 4, 17)


def test_weekly_runs_every_seven_days():
    dues = due_audience_runs(audience(frequency="WEEKLY", end="2026-02-01"), after=0, until=FAR)
    assert instants(dues) == [utc(2026, 1, 4, 17) + k * WEEK for k in range(4)]
    assert all(d.full for d in dues)


def test_monthly_keeps_the_day_of_month_and_uses_the_last_day_of_shorter_months():
    dues = due_audience_runs(audience(frequency="MONTHLY", start="2027-12-31", end="2028-05-01", at="06:00"),
                             after=0, until=FAR)
    assert instants(dues) == [utc(2027, 12, 31, 6), utc(2028, 1, 31, 6), utc(2028, 2, 29, 6),
                              utc(2028, 3, 31, 6), utc(2028, 4, 30, 6)]
    later = due_audience_runs(audience(frequency="MONTHLY", start="2027-12-31", at="06:00"),
                              after=utc(2029, 2, 28, 6) - 1, until=utc(2029, 3, 31, 6))
    assert instants(later) == [utc(2029, 2, 28, 6), utc(2029, 3, 31, 6)]


# --- endDate --------------------------------------------------------------------------------

def test_last_day_of_the_interval_is_not_exported():
    dues = due_audience_runs(audience(start="2026-01-04", end="2026-01-11"), after=0, until=FAR)
    assert instants(dues)[-1] == utc(2026, 1, 10, 17)
    assert len(dues) == 7


def test_nothing_at_or_after_end_date_midnight():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS", end="2026-01-06", at="00:00")
    dues = due_audience_runs(value, after=0, until=FAR)
    assert instants(dues)[0] == utc(2026, 1, 4)
    assert instants(dues)[-1] == utc(2026, 1, 5, 21)
    assert utc(2026, 1, 6) not in instants(dues)
    assert len(dues) == 16


def test_end_date_equal_to_start_date_runs_nothing():
    assert due_audience_runs(audience(end="2026-01-04"), after=0, until=FAR) == []


# --- FIRST_FULL_THEN_INCREMENTAL -------------------------------------------------------------

@pytest.mark.parametrize("frequency, hours", [
    ("DAILY", 24), ("EVERY_3_HOURS", 3), ("EVERY_6_HOURS", 6), ("EVERY_8_HOURS", 8), ("EVERY_12_HOURS", 12),
])
def test_incremental_grid_is_anchored_at_start_time_on_start_date(frequency, hours):
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency=frequency, at="17:00")
    first = utc(2026, 1, 4, 17)
    dues = due_audience_runs(value, after=0, until=first + WEEK)
    assert instants(dues) == [first + k * hours * HOUR for k in range(WEEK // (hours * HOUR) + 1)]


def test_every_8_hours_crosses_midnight_on_the_anchored_grid():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_8_HOURS", at="17:00")
    assert instants(due_audience_runs(value, after=0, until=utc(2026, 1, 5, 12))) == [
        utc(2026, 1, 4, 17), utc(2026, 1, 5, 1), utc(2026, 1, 5, 9)]


def test_only_the_first_run_of_the_flow_is_full():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS")
    dues = due_audience_runs(value, after=0, until=utc(2026, 1, 6))
    assert [d.full for d in dues] == [True] + [False] * (len(dues) - 1)
    assert not any(d.full for d in due_audience_runs(value, after=0, until=utc(2026, 1, 6), first_run_done=True))


def test_first_run_is_full_even_when_the_window_opens_after_the_schedule_started():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="DAILY")
    dues = due_audience_runs(value, after=utc(2026, 3, 1), until=utc(2026, 3, 4))
    assert [(d.at, d.full) for d in dues] == [(utc(2026, 3, 1, 17), True), (utc(2026, 3, 2, 17), False),
                                              (utc(2026, 3, 3, 17), False)]


# --- AFTER_SEGMENT_EVAL -------------------------------------------------------------------------

def test_after_segment_eval_runs_at_the_default_evaluation_time_not_start_time():
    assert DEFAULT_SEGMENT_EVAL_AT == "02:00"
    value = audience(trigger="AFTER_SEGMENT_EVAL", at="17:00")
    assert instants(due_audience_runs(value, after=0, until=utc(2026, 1, 6, 23))) == [
        utc(2026, 1, 4, 2), utc(2026, 1, 5, 2), utc(2026, 1, 6, 2)]


def test_after_segment_eval_follows_the_given_evaluation_time_and_needs_no_start_time():
    value = audience(frequency="ONCE", trigger="AFTER_SEGMENT_EVAL", at=None)
    assert due_audience_runs(value, after=0, until=FAR, segment_eval_at="05:30") == [Due(utc(2026, 1, 4, 5, 30), True)]


def test_after_segment_eval_with_an_hourly_grid_is_anchored_at_the_evaluation_time():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_12_HOURS",
                     trigger="AFTER_SEGMENT_EVAL", at=None)
    assert instants(due_audience_runs(value, after=0, until=utc(2026, 1, 5, 12), segment_eval_at="04:00")) == [
        utc(2026, 1, 4, 4), utc(2026, 1, 4, 16), utc(2026, 1, 5, 4)]


@pytest.mark.parametrize("bad", ["2:00", "24:00", "12:60", "noon", ""])
def test_a_bad_evaluation_time_is_refused(bad):
    with pytest.raises(ValueError):
        due_audience_runs(audience(), after=0, until=FAR, segment_eval_at=bad)
    with pytest.raises(ValueError):
        parse_time_of_day(bad)


# --- windows: each run exactly once -----------------------------------------------------------

def reference_runs(first: int, step: int, end: int | None, after: int, until: int) -> list[int]:
    """Every whole hour of the window, checked one by one."""
    runs = []
    t = after - after % HOUR + HOUR
    while t <= until:
        if t > after and t >= first and (t - first) % step == 0 and (end is None or t < end):
            runs.append(t)
        t += HOUR
    return runs


@pytest.mark.parametrize("frequency, hours", [
    ("DAILY", 24), ("EVERY_3_HOURS", 3), ("EVERY_6_HOURS", 6), ("EVERY_8_HOURS", 8), ("EVERY_12_HOURS", 12),
])
def test_a_week_window_matches_an_hour_by_hour_check(frequency, hours):
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency=frequency, start="2026-01-04",
                     end="2026-01-09", at="05:00")
    after, until = utc(2026, 1, 3, 10), utc(2026, 1, 10, 10)
    expected = reference_runs(utc(2026, 1, 4, 5), hours * HOUR, utc(2026, 1, 9), after, until)
    assert instants(due_audience_runs(value, after=after, until=until)) == expected


schedules = st.sampled_from([
    audience(frequency="ONCE"),
    audience(frequency="DAILY", end="2026-01-09"),
    audience(frequency="WEEKLY"),
    audience(frequency="MONTHLY", start="2025-12-31"),
    audience(trigger="AFTER_SEGMENT_EVAL", at=None),
    *(audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency=f, end=e)
      for f in ("DAILY", "EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS")
      for e in (None, "2026-01-07")),
])


@settings(max_examples=200, deadline=None)
@given(value=schedules, cuts=st.lists(st.floats(min_value=0, max_value=WEEK + 2 * DAY, allow_nan=False), max_size=60))
def test_splitting_a_week_into_small_windows_gives_the_same_runs(value, cuts):
    start, stop = utc(2026, 1, 3), utc(2026, 1, 3) + WEEK + 2 * DAY
    whole = due_audience_runs(value, after=start, until=stop)
    assert len(set(instants(whole))) == len(whole)
    bounds = [start, *sorted(start + c for c in cuts), stop]
    pieces: list[Due] = []
    for after, until in pairwise(bounds):
        pieces += due_audience_runs(value, after=after, until=until, first_run_done=bool(pieces))
    assert pieces == whole


# --- next run and schedule range -------------------------------------------------------------

def test_next_audience_run_is_strictly_after_the_given_instant():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_6_HOURS", end="2026-01-06")
    assert next_audience_run(value, after=0) == utc(2026, 1, 4, 17)
    assert next_audience_run(value, after=utc(2026, 1, 4, 17)) == utc(2026, 1, 4, 23)
    assert next_audience_run(value, after=utc(2026, 1, 5, 22, 59, 59)) == utc(2026, 1, 5, 23)
    assert next_audience_run(value, after=utc(2026, 1, 5, 23)) is None


def test_next_run_of_once_and_of_an_open_ended_schedule():
    assert next_audience_run(audience(frequency="ONCE"), after=utc(2026, 1, 4, 17)) is None
    assert next_audience_run(audience(), after=utc(2030, 6, 1, 18)) == utc(2030, 6, 2, 17)
    assert next_audience_run(audience(trigger="AFTER_SEGMENT_EVAL"), after=utc(2026, 2, 1),
                             segment_eval_at="03:00") == utc(2026, 2, 1, 3)


def test_schedule_range_is_start_date_inclusive_end_date_exclusive_by_utc_day():
    value = audience(start="2026-01-04", end="2026-01-11")
    assert not in_audience_schedule_range(value, utc(2026, 1, 4) - 1)
    assert in_audience_schedule_range(value, utc(2026, 1, 4))
    assert in_audience_schedule_range(value, utc(2026, 1, 11) - 1)
    assert not in_audience_schedule_range(value, utc(2026, 1, 11))


def test_schedule_range_without_end_and_for_once():
    assert in_audience_schedule_range(audience(), utc(2040, 1, 1))
    assert in_audience_schedule_range(audience(frequency="ONCE", end="2026-01-05"), utc(2027, 1, 1))
    assert not in_audience_schedule_range(audience(frequency="ONCE"), utc(2026, 1, 3, 23))


# --- datasets ---------------------------------------------------------------------------------

def test_dataset_one_time_full_export_runs_once_at_start_time():
    params = dataset(exportMode="DAILY_FULL_EXPORT", timeUnit="day", interval=0, startTime=1_675_901_210)
    assert due_dataset_runs(params, after=0, until=FAR) == [Due(1_675_901_210, True)]
    assert due_dataset_runs(params, after=1_675_901_210, until=FAR) == []
    assert due_dataset_runs(params, after=1_675_901_209, until=1_675_901_210) == [Due(1_675_901_210, True)]
    assert next_dataset_run(params, after=1_675_901_210) is None


def test_dataset_daily_runs_every_24_hours_from_start_time():
    start = 1_675_901_210
    params = dataset(timeUnit="day", interval=1, startTime=start)
    dues = due_dataset_runs(params, after=start - 1, until=start + 3 * DAY)
    assert dues == [Due(start, True), Due(start + DAY, False), Due(start + 2 * DAY, False),
                    Due(start + 3 * DAY, False)]


@pytest.mark.parametrize("hours", [3, 6, 9, 12])
def test_dataset_hourly_runs_every_n_hours_from_start_time(hours):
    start = utc(2026, 1, 4, 1)
    dues = due_dataset_runs(dataset(interval=hours), after=0, until=start + 2 * DAY)
    assert instants(dues) == [start + k * hours * HOUR for k in range(48 // hours + 1)]
    assert [d.full for d in dues] == [True] + [False] * (len(dues) - 1)


def test_dataset_nothing_at_or_after_end_time():
    start = utc(2026, 1, 4, 1)
    params = dataset(interval=3, startTime=start, endTime=start + 9 * HOUR)
    assert instants(due_dataset_runs(params, after=0, until=FAR)) == [start, start + 3 * HOUR, start + 6 * HOUR]
    params = dataset(interval=3, startTime=start, endTime=start + 9 * HOUR + 1)
    assert instants(due_dataset_runs(params, after=0, until=FAR))[-1] == start + 9 * HOUR
    assert next_dataset_run(params, after=start + 9 * HOUR) is None


# --- dataset start times at, just before and well before the flow's creation (docs/fidelity.md) --

def test_dataset_start_at_creation_runs_at_creation_then_keeps_its_grid():
    created = utc(2026, 1, 4, 1) + 0.4  # startTime is the same second, sent as whole seconds
    params = dataset(interval=3, startTime=int(created))
    dues = due_dataset_runs(params, after=created, until=created + 7 * HOUR, created=created)
    assert instants(dues) == [created, int(created) + 3 * HOUR, int(created) + 6 * HOUR]
    assert [d.full for d in dues] == [True, False, False]
    assert next_dataset_run(params, after=created, created=created) == created


@pytest.mark.parametrize("early", [1, 30, START_GRACE])
def test_dataset_start_just_before_creation_runs_at_creation(early):
    created = utc(2026, 1, 4, 1, 30) + 0.25
    params = dataset(interval=3, startTime=int(created) - early)
    dues = due_dataset_runs(params, after=created, until=created + 3 * HOUR, created=created)
    assert instants(dues) == [created, int(created) - early + 3 * HOUR]
    assert dues[0].full


def test_dataset_start_well_before_creation_waits_for_the_next_instant():
    created = utc(2026, 1, 4, 1, 30)
    start = int(created) - START_GRACE - 1
    params = dataset(interval=3, startTime=start)
    dues = due_dataset_runs(params, after=created, until=created + 3 * HOUR, created=created)
    assert instants(dues) == [start + 3 * HOUR]
    assert next_dataset_run(params, after=created, created=created) == start + 3 * HOUR
    one_time = dataset(exportMode="DAILY_FULL_EXPORT", timeUnit="day", interval=0, startTime=start)
    assert due_dataset_runs(one_time, after=created, until=FAR, created=created) == []
    assert next_dataset_run(one_time, after=created, created=created) is None


def test_dataset_late_start_runs_once_and_not_after_the_end():
    created = utc(2026, 1, 4, 1) + 5
    one_time = dataset(exportMode="DAILY_FULL_EXPORT", timeUnit="day", interval=0, startTime=int(created) - 5)
    assert due_dataset_runs(one_time, after=created, until=FAR, created=created) == [Due(created, True)]
    # Later windows begin after the creation instant: the late run is not made twice.
    assert due_dataset_runs(one_time, after=created + 1, until=FAR, created=created) == []
    ended = dataset(interval=3, startTime=int(created) - 5, endTime=int(created))
    assert due_dataset_runs(ended, after=created, until=FAR, created=created) == []
    # Without a creation instant (callers that ask about the grid alone) nothing changes.
    assert due_dataset_runs(one_time, after=created, until=FAR) == []


def test_dataset_late_start_counts_towards_the_limit():
    created = utc(2026, 1, 4, 1)
    params = dataset(interval=3, startTime=int(created))
    assert instants(due_dataset_runs(params, after=created, until=FAR, created=created, limit=1)) == [created]
    assert len(due_dataset_runs(params, after=created, until=FAR, created=created, limit=3)) == 3


def test_dataset_default_end_time_stops_the_schedule():
    params = dataset(interval=12)
    last = instants(due_dataset_runs(params, after=0, until=FAR))[-1]
    assert params["startTime"] <= last < params["endTime"] <= last + 12 * HOUR


def test_dataset_without_export_mode_is_first_full_then_incremental():
    params = dataset(exportMode=..., interval=6)
    dues = due_dataset_runs(params, after=0, until=params["startTime"] + DAY)
    assert [d.full for d in dues] == [True, False, False, False, False]
    assert not any(d.full for d in due_dataset_runs(params, after=0, until=FAR, first_run_done=True))


def test_next_dataset_run():
    start = utc(2026, 1, 4, 1)
    params = dataset(interval=9, startTime=start)
    assert next_dataset_run(params, after=0) == start
    assert next_dataset_run(params, after=start + 1) == start + 9 * HOUR


# --- cap and cost -------------------------------------------------------------------------------

def test_limit_returns_the_earliest_runs_and_the_rest_follows_from_the_last():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS")
    whole = due_audience_runs(value, after=0, until=utc(2026, 1, 10))
    first = due_audience_runs(value, after=0, until=utc(2026, 1, 10), limit=5)
    assert first == whole[:5]
    rest = due_audience_runs(value, after=first[-1].at, until=utc(2026, 1, 10), first_run_done=True)
    assert first + rest == whole


def test_default_limit_caps_a_huge_advance():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS")
    dues = due_audience_runs(value, after=0, until=10**12)
    assert len(dues) == DEFAULT_LIMIT
    assert dues[-1].at == utc(2026, 1, 4, 17) + (DEFAULT_LIMIT - 1) * 3 * HOUR


def test_a_year_of_three_hour_runs_comes_back_whole():
    value = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS", at="00:00")
    assert len(due_audience_runs(value, after=utc(2026, 1, 4) - 1, until=utc(2026, 1, 4) + YEAR - 1)) == 365 * 8


def test_windows_of_millennia_answer_with_what_is_due():
    # A grid walked hour by hour would not return from these windows.
    ended = audience(mode="FIRST_FULL_THEN_INCREMENTAL", frequency="EVERY_3_HOURS", end="2026-01-05")
    assert len(due_audience_runs(ended, after=0, until=10**13)) == 3
    assert due_audience_runs(ended, after=utc(2027, 1, 1), until=10**13) == []
    assert len(due_audience_runs(audience(frequency="MONTHLY"), after=utc(2026, 1, 1), until=utc(3026, 1, 1))) == DEFAULT_LIMIT
    assert due_audience_runs(audience(frequency="MONTHLY"), after=utc(9000, 1, 1), until=10**13, limit=3) != []
    assert due_dataset_runs(dataset(interval=3), after=utc(2030, 1, 1), until=10**13) == []


def test_limit_must_be_positive_and_an_empty_window_gives_nothing():
    with pytest.raises(ValueError):
        due_audience_runs(audience(), after=0, until=FAR, limit=0)
    assert due_audience_runs(audience(), after=FAR, until=0) == []
