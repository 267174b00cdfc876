"""Unit tests of mockserver.domain.selectors.dataset_schedule: the ``scheduleParams`` of a dataset flow.

Contract: reference §6.2 (allowed exportMode / timeUnit / interval combinations, epoch seconds,
default endTime six months after creation, folderNameTemplate / foldernameTemplate).
"""

from __future__ import annotations

import calendar
import copy

import pytest

from mockserver.domain.selectors import dataset_schedule

from .refusals import refused

START = 1_668_474_000          # 2022-11-15T01:00:00Z, DY's example
CREATED = 1_668_470_400.75     # 2022-11-15T00:00:00.75Z


def utc(*parts) -> int:
    return calendar.timegm(parts + (0,) * (6 - len(parts)))



def params(**changes):
    base = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
            "startTime": START, "endTime": START + 86_400}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def check(value, created_at=CREATED):
    return dataset_schedule(value, "scheduleParams", created_at=created_at)


# --- allowed combinations -------------------------------------------------------------------------

@pytest.mark.parametrize("mode, unit, interval", [
    ("DAILY_FULL_EXPORT", "day", 0),                  # one-time full export
    ("FIRST_FULL_THEN_INCREMENTAL", "day", 1),        # incremental daily
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 3),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 6),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 9),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 12),
    (..., "day", 1),                                  # DY's GET example has no exportMode
    (..., "hour", 3),
    (..., "hour", 12),
])
def test_allowed_combinations(mode, unit, interval):
    result = check(params(exportMode=mode, timeUnit=unit, interval=interval))
    assert (result.get("exportMode", ...), result["timeUnit"], result["interval"]) == (mode, unit, interval)


@pytest.mark.parametrize("mode, unit, interval", [
    ("DAILY_FULL_EXPORT", "day", 1),                  # daily full dataset exports are not supported
    ("DAILY_FULL_EXPORT", "hour", 3),
    ("DAILY_FULL_EXPORT", "hour", 0),
    ("FIRST_FULL_THEN_INCREMENTAL", "day", 0),        # day/0 only with DAILY_FULL_EXPORT
    (..., "day", 0),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 1),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 0),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 2),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 8),
    ("FIRST_FULL_THEN_INCREMENTAL", "hour", 24),
    ("FIRST_FULL_THEN_INCREMENTAL", "day", 3),
    ("FIRST_FULL_THEN_INCREMENTAL", "day", 7),
    (..., "hour", 1),
])
def test_refused_combinations(mode, unit, interval):
    with refused("scheduleParams"):
        check(params(exportMode=mode, timeUnit=unit, interval=interval))


@pytest.mark.parametrize("changes, field", [
    ({"exportMode": "WEEKLY"}, "scheduleParams.exportMode"),
    ({"exportMode": "daily_full_export"}, "scheduleParams.exportMode"),
    ({"timeUnit": ...}, "scheduleParams.timeUnit"),
    ({"timeUnit": "week"}, "scheduleParams.timeUnit"),
    ({"timeUnit": "HOUR"}, "scheduleParams.timeUnit"),
    ({"interval": ...}, "scheduleParams.interval"),
    ({"interval": 3.0}, "scheduleParams.interval"),
    ({"interval": "3.0"}, "scheduleParams.interval"),
    ({"interval": "-3"}, "scheduleParams.interval"),
    ({"interval": "three"}, "scheduleParams.interval"),
    ({"interval": ""}, "scheduleParams.interval"),
    ({"interval": True}, "scheduleParams.interval"),
    ({"startTime": ...}, "scheduleParams.startTime"),
    ({"startTime": -1}, "scheduleParams.startTime"),
    ({"startTime": "1.5e9"}, "scheduleParams.startTime"),
    ({"startTime": True}, "scheduleParams.startTime"),
    ({"startTime": float(START)}, "scheduleParams.startTime"),
])
def test_required_fields_and_their_types(changes, field):
    with refused(field):
        check(params(**changes))


# --- numeric strings (docs/fidelity.md: the service coerces them; aepp sends "interval": "1") -------

@pytest.mark.parametrize("changes, key, expected", [
    ({"interval": "3"}, "interval", 3),
    ({"interval": " 12 "}, "interval", 12),
    ({"timeUnit": "day", "interval": "1"}, "interval", 1),
    ({"startTime": str(START)}, "startTime", START),
    ({"endTime": str(START + 60)}, "endTime", START + 60),
])
def test_numeric_strings_are_read_as_integers(changes, key, expected):
    result = check(params(**changes))
    assert result[key] == expected and type(result[key]) is int


def test_a_numeric_string_end_time_is_still_checked_against_the_start_time():
    with refused("scheduleParams.endTime"):
        check(params(endTime=str(START)))


@pytest.mark.parametrize("changes", [{"interval": "²"}, {"startTime": "1668474000²"}, {"endTime": "³"}])
def test_a_string_of_non_decimal_digits_is_a_400_not_a_crash(changes):
    with refused("scheduleParams"):
        check(params(**changes))


def test_a_sources_style_frequency_is_kept_beside_time_unit():
    assert check(params(frequency="hour"))["frequency"] == "hour"
    with refused("scheduleParams.frequency"):
        check(params(frequency=3))


@pytest.mark.parametrize("value", [None, [], "hourly"])
def test_schedule_params_must_be_an_object(value):
    with refused("scheduleParams"):
        check(value)


# --- endTime ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("end", [START + 1, START + 3600, START + 86_400 * 365])
def test_an_end_time_after_the_start_time_is_kept(end):
    assert check(params(endTime=end))["endTime"] == end


@pytest.mark.parametrize("end", [START, START - 1, 0])
def test_an_end_time_at_or_before_the_start_time_is_refused(end):
    with refused("scheduleParams.endTime", "after startTime"):
        check(params(endTime=end))


@pytest.mark.parametrize("end", [float(START + 10), True, [START + 10], "soon", f"{START + 10}.0"])
def test_end_time_is_an_integer(end):
    with refused("scheduleParams.endTime"):
        check(params(endTime=end))


@pytest.mark.parametrize("created, expected", [
    (utc(2022, 11, 15), utc(2023, 5, 15)),
    (utc(2023, 1, 15, 10, 30, 45), utc(2023, 7, 15, 10, 30, 45)),   # time of day kept
    (utc(2023, 7, 15), utc(2024, 1, 15)),                             # into the next year
    (utc(2023, 12, 31, 23, 59, 59), utc(2024, 6, 30, 23, 59, 59)),    # Dec 31 -> Jun 30
    (utc(2023, 8, 31, 12), utc(2024, 2, 29, 12)),                     # Aug 31 -> Feb 29 (leap year)
    (utc(2024, 8, 31, 12), utc(2025, 2, 28, 12)),                     # Aug 31 -> Feb 28
    (utc(2024, 8, 30), utc(2025, 2, 28)),
    (utc(2024, 3, 31), utc(2024, 9, 30)),                             # Mar 31 -> Sep 30
    (utc(2024, 5, 31), utc(2024, 11, 30)),
    (utc(2024, 6, 30), utc(2024, 12, 30)),
])
def test_the_default_end_time_is_six_months_after_creation(created, expected):
    result = check(params(endTime=..., startTime=created - 3600), created_at=created + 0.999)
    assert result["endTime"] == expected


def test_the_default_end_time_counts_from_creation_not_from_the_start_time():
    result = check(params(endTime=..., startTime=utc(2023, 3, 1)), created_at=utc(2023, 1, 1))
    assert result["endTime"] == utc(2023, 7, 1)


# --- folder name template --------------------------------------------------------------------------

TEMPLATE = "%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%"


@pytest.mark.parametrize("key", ["foldernameTemplate", "folderNameTemplate"])
def test_both_spellings_are_accepted_and_stored_as_foldername_template(key):
    result = check(params(**{key: TEMPLATE}))
    assert result["foldernameTemplate"] == TEMPLATE
    assert "folderNameTemplate" not in result


def test_both_spellings_at_once_are_refused():
    with refused("foldernameTemplate", "folderNameTemplate"):
        check(params(foldernameTemplate=TEMPLATE, folderNameTemplate=TEMPLATE))


@pytest.mark.parametrize("template", ["", "%DATETIME(YYYYMMdd_HHmmss)%_%EXPORT_TIME%", 7])
def test_an_invalid_folder_template_is_refused(template):
    with refused("scheduleParams.foldernameTemplate"):
        check(params(folderNameTemplate=template))


def test_no_template_means_no_template_key():
    assert "foldernameTemplate" not in check(params())


# --- the request itself -------------------------------------------------------------------------------

def test_the_request_is_not_changed():
    sent = params(endTime=..., folderNameTemplate=TEMPLATE)
    kept = copy.deepcopy(sent)
    result = check(sent)
    assert sent == kept
    assert result is not sent


def test_the_whole_result_for_ed_s_example():
    body = {"exportMode": "FIRST_FULL_THEN_INCREMENTAL", "interval": 3, "timeUnit": "hour",
            "startTime": START, "endTime": START + 9_100, "foldernameTemplate": TEMPLATE}
    assert check(body) == body
