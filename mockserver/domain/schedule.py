"""When the real service would run an export: the due instants of an audience
selector's schedule (reference §6.1) and of a dataset flow's ``scheduleParams``
(§6.2), in a window ``(after, until]`` of epoch seconds.

All schedule times are UTC, so a day is always 86,400 seconds. The instants of a
schedule lie on a grid computed arithmetically from its first instant: the cost of
a call grows with the number of instants returned (at most ``limit``), never with
the length of the window.

Rules the sources do not settle (docs/fidelity.md, "Schedules"):

* ``FIRST_FULL_THEN_INCREMENTAL`` every N hours: the grid is anchored at
  ``startTime`` on ``startDate`` and runs every N hours from there, across
  midnight (``EVERY_8_HOURS`` from 17:00 runs at 17:00, 01:00, 09:00, ...).
* ``AFTER_SEGMENT_EVAL`` (any frequency): the time of day of the simulated daily
  segment evaluation (``segment_eval_at``, default :data:`DEFAULT_SEGMENT_EVAL_AT`)
  takes the place of ``startTime``, which is ignored (DY: not applicable).
* A schedule without ``startTime`` (the validator allows it only with
  ``AFTER_SEGMENT_EVAL``) runs at the segment evaluation time as well.
* ``triggerType`` omitted behaves as ``SCHEDULED``.
* ``WEEKLY``: every 7 days from ``startDate``. ``MONTHLY``: on the day of month of
  ``startDate``, on the last day of the month in months that are shorter.
* ``ONCE``: one run at ``startDate`` + time; ``endDate`` is ignored (not applicable).
  Its schedule range (ad hoc activation) has no end.
* ``endDate``: no run at or after ``endDate`` 00:00 UTC (Jan 4-11 exports last on
  Jan 10). Dataset ``endTime``: no run at or after ``endTime``.
* A dataset ``startTime`` at the flow's creation or up to :data:`START_GRACE` seconds
  before it (a client sending "now" in whole seconds) makes a first run at the creation
  instant; the grid keeps its anchor at ``startTime``. Instants further in the past than
  that never run (the misfire rule of a Java job scheduler: late by less than its
  threshold fires at once, later than that waits for the next instant).
* Dataset ``exportMode`` omitted (ED-beta, DY's GET example) means
  ``FIRST_FULL_THEN_INCREMENTAL``; ``interval`` 0 means a single run at ``startTime``.
* Full or incremental: every ``DAILY_FULL_EXPORT`` run is full; with
  ``FIRST_FULL_THEN_INCREMENTAL`` only the first run the flow makes for the
  audience or dataset is full, whenever it happens (a flow whose first grid
  instants were never run still starts with a full export).
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

DEFAULT_SEGMENT_EVAL_AT = "02:00"
"""Time of day (UTC) of the simulated daily batch segmentation job."""

DEFAULT_LIMIT = 10_000
"""Most instants one call returns."""

DAY = 86_400
HOUR = 3_600

START_GRACE = 60
"""Seconds a dataset ``startTime`` may precede the flow's creation and still make a run at
the creation instant (docs/fidelity.md, "When runs happen")."""

_HOURLY = re.compile(r"^EVERY_(\d+)_HOURS$")
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class Due:
    """One run the schedule asks for: its instant and whether it exports a full snapshot."""

    at: float
    full: bool


@dataclass(frozen=True)
class _Grid:
    """Instants ``first + k * step`` for k = 0, 1, ... (``months``: k calendar months
    after ``first``; ``step`` None and not ``months``: ``first`` alone), all before ``end``."""

    first: int
    step: int | None = None
    months: bool = False
    end: int | None = None

    @property
    def repeats(self) -> bool:
        return self.step is not None or self.months

    def instant(self, k: int) -> int:
        if self.months:
            start = datetime.fromtimestamp(self.first, timezone.utc)
            month0 = start.month - 1 + k
            year, month = start.year + month0 // 12, month0 % 12 + 1
            day = min(start.day, calendar.monthrange(year, month)[1])
            return int(start.replace(year=year, month=month, day=day).timestamp())
        return self.first + k * (self.step or 0)

    def first_index_after(self, after: int) -> int | None:
        if self.first > after:
            return 0
        if self.months:
            moment = datetime.fromtimestamp(after, timezone.utc)
            start = datetime.fromtimestamp(self.first, timezone.utc)
            k = max(0, (moment.year - start.year) * 12 + moment.month - start.month - 1)
            while self.instant(k) <= after:
                k += 1
            return k
        if self.step is None:
            return None
        return (after - self.first) // self.step + 1

    def instants(self, after: float, until: float | None, limit: int) -> list[int]:
        """The grid's instants t with after < t <= until (no bound when None), before
        ``end``, earliest first, at most ``limit`` of them."""
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if math.isnan(after) or (until is not None and math.isnan(until)):
            raise ValueError("after and until must be numbers")
        if until is not None and until <= after:
            return []
        if math.isinf(after):
            if after > 0:
                return []
            after_i = self.first - 1
        else:
            after_i = math.floor(after)  # the grid is in whole seconds: t > after iff t > floor(after)
        stops = [self.end] if self.end is not None else []
        if until is not None and until != math.inf:
            stops.append(math.floor(until) + 1)
        stop = min(stops, default=None)
        found: list[int] = []
        try:
            k = self.first_index_after(after_i)
            while k is not None and len(found) < limit:
                at = self.instant(k)
                if stop is not None and at >= stop:
                    break
                found.append(at)
                k = k + 1 if self.repeats else None
        except (OverflowError, ValueError, OSError):
            pass  # past year 9999: the calendar has nothing more to give
        return found


# --- audiences --------------------------------------------------------------------------

def due_audience_runs(
    selector_value: Mapping[str, Any],
    *,
    after: float,
    until: float,
    segment_eval_at: str = DEFAULT_SEGMENT_EVAL_AT,
    first_run_done: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> list[Due]:
    """The runs an audience selector's schedule makes in ``(after, until]``, earliest
    first, at most ``limit`` of them (when exactly ``limit`` come back, call again with
    ``after`` = the last one's ``at`` for the rest).

    ``selector_value`` is ``segmentSelectors.selectors[].value`` as stored by
    :func:`mockserver.domain.selectors.segment_selector`. ``first_run_done`` says
    whether the flow already ran for this audience; if not, the first returned run of a
    ``FIRST_FULL_THEN_INCREMENTAL`` schedule is full, every later one incremental.
    """
    grid = _audience_grid(selector_value, segment_eval_at)
    always_full = _audience_mode(selector_value) == "DAILY_FULL_EXPORT"
    return _dues(grid.instants(after, until, limit), always_full, first_run_done)


def next_audience_run(
    selector_value: Mapping[str, Any],
    *,
    after: float,
    segment_eval_at: str = DEFAULT_SEGMENT_EVAL_AT,
) -> float | None:
    """The first instant strictly after ``after`` at which the schedule runs; None when
    it never runs again."""
    found = _audience_grid(selector_value, segment_eval_at).instants(after, None, 1)
    return float(found[0]) if found else None


def in_audience_schedule_range(selector_value: Mapping[str, Any], at: float) -> bool:
    """Whether the UTC day of ``at`` lies in the selector's schedule range:
    ``startDate`` <= day < ``endDate`` (no end without ``endDate``, nor for ``ONCE``).
    Ad hoc activation refuses audiences outside it ("out of schedule range")."""
    schedule = selector_value["schedule"]
    day = datetime.fromtimestamp(at, timezone.utc).date()
    if day < date.fromisoformat(schedule["startDate"]):
        return False
    end = schedule.get("endDate")
    if end is None or schedule.get("frequency") == "ONCE":
        return True
    return day < date.fromisoformat(end)


def parse_time_of_day(text: str) -> int:
    """Seconds after midnight of an ``HH:MM`` (24-hour) time; ValueError otherwise."""
    match = _TIME_OF_DAY.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"not a time of day as HH:MM: {text!r}")
    return int(match.group(1)) * HOUR + int(match.group(2)) * 60


def _audience_mode(value: Mapping[str, Any]) -> str:
    mode = value.get("exportMode")
    if mode not in ("DAILY_FULL_EXPORT", "FIRST_FULL_THEN_INCREMENTAL"):
        raise ValueError(f"unknown exportMode: {mode!r}")
    return mode


def _audience_grid(value: Mapping[str, Any], segment_eval_at: str) -> _Grid:
    schedule = value["schedule"]
    eval_time = parse_time_of_day(segment_eval_at)
    start_time = schedule.get("startTime")
    if schedule.get("triggerType") == "AFTER_SEGMENT_EVAL" or start_time is None:
        time_of_day = eval_time
    else:
        time_of_day = parse_time_of_day(start_time)
    first = _midnight(schedule["startDate"]) + time_of_day
    frequency = schedule.get("frequency")
    if frequency == "ONCE":
        return _Grid(first)
    end = schedule.get("endDate")
    end_at = None if end is None else _midnight(end)
    if frequency == "DAILY":
        return _Grid(first, DAY, end=end_at)
    if frequency == "WEEKLY":
        return _Grid(first, 7 * DAY, end=end_at)
    if frequency == "MONTHLY":
        return _Grid(first, months=True, end=end_at)
    hourly = _HOURLY.match(frequency) if isinstance(frequency, str) else None
    if hourly and int(hourly.group(1)) > 0:
        return _Grid(first, int(hourly.group(1)) * HOUR, end=end_at)
    raise ValueError(f"unknown schedule frequency: {frequency!r}")


def _midnight(day: str) -> int:
    return int(datetime.combine(date.fromisoformat(day), datetime.min.time(), timezone.utc).timestamp())


# --- datasets ---------------------------------------------------------------------------

def due_dataset_runs(
    schedule_params: Mapping[str, Any],
    *,
    after: float,
    until: float,
    created: float | None = None,
    first_run_done: bool = False,
    limit: int = DEFAULT_LIMIT,
) -> list[Due]:
    """The runs a dataset flow's ``scheduleParams`` (as stored by
    :func:`mockserver.domain.selectors.dataset_schedule`) make in ``(after, until]``,
    earliest first, at most ``limit``; full/incremental as :func:`due_audience_runs`.

    ``created`` is when the flow began to be looked at: a start up to :data:`START_GRACE`
    seconds before it runs at ``created`` itself, in the window that begins there
    (``after == created``) as in any window that holds it."""
    grid = _dataset_grid(schedule_params)
    always_full = schedule_params.get("exportMode") == "DAILY_FULL_EXPORT"
    instants: list[float] = []
    late = _late_start(grid, created)
    if late is not None and after <= late <= until:
        instants.append(late)
    if len(instants) < limit:
        instants.extend(grid.instants(after, until, limit - len(instants)))
    return _dues(instants, always_full, first_run_done)


def next_dataset_run(schedule_params: Mapping[str, Any], *, after: float,
                     created: float | None = None) -> float | None:
    """The first instant after ``after`` (or at it, for the run a late start makes at
    ``created``) at which the dataset flow runs; None when it never runs again."""
    grid = _dataset_grid(schedule_params)
    late = _late_start(grid, created)
    if late is not None and late >= after:
        return late
    found = grid.instants(after, None, 1)
    return float(found[0]) if found else None


def _late_start(grid: _Grid, created: float | None) -> float | None:
    """``created`` when the grid starts at most :data:`START_GRACE` seconds before it."""
    # In whole seconds, as startTime is: a client's int(time.time()) is at most 0.999 s early.
    if created is None or not 0 <= math.floor(created) - grid.first <= START_GRACE:
        return None
    if grid.end is not None and created >= grid.end:
        return None
    return float(created)


def _dataset_grid(params: Mapping[str, Any]) -> _Grid:
    first = int(params["startTime"])
    end = params.get("endTime")
    end_at = None if end is None else math.ceil(end)  # whole-second grid: t < end iff t < ceil(end)
    interval = int(params["interval"])
    unit = params.get("timeUnit")
    if unit not in ("hour", "day"):
        raise ValueError(f"unknown timeUnit: {unit!r}")
    if interval == 0:
        return _Grid(first, end=end_at)
    return _Grid(first, interval * (HOUR if unit == "hour" else DAY), end=end_at)


def _dues(instants: list[int] | list[float], always_full: bool, first_run_done: bool) -> list[Due]:
    return [
        Due(float(at), always_full or (index == 0 and not first_run_done))
        for index, at in enumerate(instants)
    ]
