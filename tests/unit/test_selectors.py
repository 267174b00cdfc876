"""Unit tests of mockserver.domain.selectors for audience flows: segment selectors and their
schedules, profile selectors, mandatory and deduplication fields, profile mapping, file and
folder name templates.

Contract: reference §4.4, §6.1, §6.4, §6.5, §6.7. The reference documents no error code for
these refusals (§8 q5), so the tests check "400 that names the field".
"""

from __future__ import annotations

import copy

import pytest

from mockserver.domain import selectors

from .refusals import refused

NOW = 1_700_000_123.9
STAMP = "1700000123"
WHERE = "sel"

EXPORT_MODES = ("DAILY_FULL_EXPORT", "FIRST_FULL_THEN_INCREMENTAL")
ALL_FREQUENCIES = ("ONCE", "DAILY", "WEEKLY", "MONTHLY", "EVERY_3_HOURS", "EVERY_6_HOURS",
                   "EVERY_8_HOURS", "EVERY_12_HOURS", "EVERY_HOUR", "HOURLY", "CHAINED", "daily")
#: §6.1 (CA-833, the newest source, adds WEEKLY and MONTHLY to full exports).
ALLOWED = {
    "DAILY_FULL_EXPORT": {"ONCE", "DAILY", "WEEKLY", "MONTHLY"},
    "FIRST_FULL_THEN_INCREMENTAL": {"DAILY", "EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS"},
}



def make(schedule=None, **value):
    """A valid audience selector; ``schedule`` and ``value`` override its keys, ``...`` removes one."""
    full = {"id": "seg-1", "exportMode": "DAILY_FULL_EXPORT", **value}
    full["schedule"] = {"frequency": "DAILY", "triggerType": "SCHEDULED", "startDate": "2024-01-10",
                        "startTime": "10:00", **(schedule or {})}
    full["schedule"] = {k: v for k, v in full["schedule"].items() if v is not ...}
    return {"type": "PLATFORM_SEGMENT", "value": {k: v for k, v in full.items() if v is not ...}}


def check(item, *, legacy=False, previous=None, now=NOW):
    earlier = {previous["value"]["id"]: previous} if previous else {}
    return selectors.segment_selector(item, WHERE, legacy=legacy, previous=earlier, now=now)


# --- segment selector: shape ---------------------------------------------------------------------

def test_a_valid_selector_comes_back_with_server_times_and_the_default_template():
    result = check(make(name="Gold", description=""))
    assert result == {"type": "PLATFORM_SEGMENT", "value": {
        "id": "seg-1", "name": "Gold", "description": "", "exportMode": "DAILY_FULL_EXPORT",
        "schedule": {"frequency": "DAILY", "triggerType": "SCHEDULED", "startDate": "2024-01-10",
                     "startTime": "10:00"},
        "filenameTemplate": "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
        "createTime": STAMP, "updateTime": STAMP,
    }}


def test_the_legacy_default_template_names_destination_and_segment():
    assert check(make(), legacy=True)["value"]["filenameTemplate"] == \
        "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"


def test_the_request_is_not_changed():
    item = make(fileNameTemplate="%SEGMENT_ID%")
    sent = copy.deepcopy(item)
    check(item)
    assert item == sent


@pytest.mark.parametrize("item", [
    None, "PLATFORM_SEGMENT", [],
    {"value": make()["value"]},
    {"type": "platform_segment", "value": make()["value"]},
    {"type": "JSON_PATH", "value": make()["value"]},
])
def test_type_must_be_platform_segment(item):
    with refused(WHERE):
        check(item)


@pytest.mark.parametrize("value", [None, "seg-1", []])
def test_value_must_be_an_object(value):
    with refused(f"{WHERE}.value"):
        check({"type": "PLATFORM_SEGMENT", "value": value})


@pytest.mark.parametrize("audience_id", [..., None, "", "   ", 42])
def test_the_audience_id_is_required(audience_id):
    with refused(f"{WHERE}.value.id"):
        check(make(id=audience_id))


@pytest.mark.parametrize("key", ["name", "description"])
def test_name_and_description_are_optional_strings(key):
    assert key not in check(make())["value"]
    assert key not in check(make(**{key: None}))["value"]  # null means absent
    with refused(f"{WHERE}.value.{key}"):
        check(make(**{key: 5}))


@pytest.mark.parametrize("mode", [..., None, "", "daily_full_export", "FULL", "INCREMENTAL"])
def test_export_mode_is_mandatory_and_enumerated(mode):
    with refused(f"{WHERE}.value.exportMode"):
        check(make(exportMode=mode))


# --- schedule: frequency by export mode -------------------------------------------------------------

@pytest.mark.parametrize("mode", EXPORT_MODES)
@pytest.mark.parametrize("frequency", ALL_FREQUENCIES)
def test_frequency_by_export_mode(mode, frequency):
    item = make({"frequency": frequency}, exportMode=mode)
    if frequency in ALLOWED[mode]:
        assert check(item)["value"]["schedule"]["frequency"] == frequency
    else:
        with refused(f"{WHERE}.value.schedule.frequency", mode):
            check(item)


@pytest.mark.parametrize("mode", EXPORT_MODES)
def test_frequency_is_mandatory(mode):
    with refused(f"{WHERE}.value.schedule.frequency"):
        check(make({"frequency": ...}, exportMode=mode))


@pytest.mark.parametrize("schedule", [None, "DAILY", []])
def test_schedule_must_be_an_object(schedule):
    item = make()
    item["value"]["schedule"] = schedule
    with refused(f"{WHERE}.value.schedule"):
        check(item)


# --- schedule: trigger and start time ---------------------------------------------------------------

@pytest.mark.parametrize("trigger", ["SCHEDULED", "AFTER_SEGMENT_EVAL", ...])
def test_trigger_type_values(trigger):
    assert check(make({"triggerType": trigger}))["value"]["schedule"].get("triggerType", ...) == trigger


@pytest.mark.parametrize("trigger", ["NOW", "scheduled", ""])
def test_an_unknown_trigger_type_is_refused(trigger):
    with refused(f"{WHERE}.value.schedule.triggerType"):
        check(make({"triggerType": trigger}))


def test_scheduled_triggers_on_incremental_exports_are_echoed():
    item = make({"frequency": "EVERY_3_HOURS", "triggerType": "SCHEDULED"}, exportMode="FIRST_FULL_THEN_INCREMENTAL")
    assert check(item)["value"]["schedule"]["triggerType"] == "SCHEDULED"


@pytest.mark.parametrize("start_time", ["00:00", "07:00", "12:00", "23:00"])
def test_start_time_on_the_hour_is_accepted(start_time):
    assert check(make({"startTime": start_time}))["value"]["schedule"]["startTime"] == start_time


@pytest.mark.parametrize("start_time", ["24:00", "17:30", "23:59", "7:00", "07:00:00", "0700", "", "ab:cd", 700])
def test_start_time_must_be_hh00_utc(start_time):
    with refused(f"{WHERE}.value.schedule.startTime"):
        check(make({"startTime": start_time}))


@pytest.mark.parametrize("trigger", ["SCHEDULED", ...])
def test_start_time_is_required_unless_after_segment_eval(trigger):
    with refused(f"{WHERE}.value.schedule.startTime"):
        check(make({"triggerType": trigger, "startTime": ...}))


def test_after_segment_eval_needs_no_start_time():
    result = check(make({"triggerType": "AFTER_SEGMENT_EVAL", "startTime": ..., "frequency": "ONCE"}))
    assert "startTime" not in result["value"]["schedule"]


# --- schedule: dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("start_date", ["2024-02-29", "2023-12-31", "2023-01-01"])
def test_valid_start_dates(start_date):
    assert check(make({"startDate": start_date}))["value"]["schedule"]["startDate"] == start_date


@pytest.mark.parametrize("start_date", [
    ..., None, "", "2023-02-30", "2023-02-29", "2023-13-01", "2023-04-31", "2023-00-10",
    "2023-2-01", "01/02/2023", "2023-01-01T00:00:00", 20230101,
])
def test_start_date_is_a_required_real_yyyy_mm_dd_date(start_date):
    with refused(f"{WHERE}.value.schedule.startDate"):
        check(make({"startDate": start_date}))


@pytest.mark.parametrize("end_date", [..., "2024-01-10", "2024-01-11", "2025-01-01"])
def test_end_date_is_optional_and_may_equal_the_start_date(end_date):
    result = check(make({"startDate": "2024-01-10", "endDate": end_date}))
    assert result["value"]["schedule"].get("endDate", ...) == end_date


@pytest.mark.parametrize("end_date", ["2024-01-09", "2023-12-31"])
def test_end_date_before_the_start_date_is_refused(end_date):
    with refused(f"{WHERE}.value.schedule.endDate", "before startDate"):
        check(make({"startDate": "2024-01-10", "endDate": end_date}))


@pytest.mark.parametrize("end_date", ["2024-02-30", "2024-1-20", "", 1])
def test_an_invalid_end_date_is_refused(end_date):
    with refused(f"{WHERE}.value.schedule.endDate"):
        check(make({"startDate": "2024-01-10", "endDate": end_date}))


# --- createTime / updateTime ---------------------------------------------------------------------------

def test_a_new_selector_gets_now_as_create_and_update_time_whatever_the_client_sends():
    value = check(make(createTime="1", updateTime="2"))["value"]
    assert (value["createTime"], value["updateTime"]) == (STAMP, STAMP)


def _stored():
    return check(make(), now=1_600_000_000)


def test_sending_back_an_unchanged_selector_keeps_both_times():
    previous = _stored()
    value = check(copy.deepcopy(previous), previous=previous)["value"]
    assert (value["createTime"], value["updateTime"]) == ("1600000000", "1600000000")


def test_an_unchanged_selector_without_times_or_with_other_times_keeps_both():
    previous = _stored()
    for times in ({}, {"createTime": "5", "updateTime": "6"}):
        value = check(make(**times), previous=previous)["value"]
        assert (value["createTime"], value["updateTime"]) == ("1600000000", "1600000000")


@pytest.mark.parametrize("change", [
    {"name": "renamed"},
    {"schedule": {"startTime": "11:00"}},
    {"filenameTemplate": "%SEGMENT_ID%"},
    {"exportMode": "FIRST_FULL_THEN_INCREMENTAL"},
])
def test_a_changed_selector_keeps_create_time_and_gets_a_new_update_time(change):
    previous = _stored()
    change = dict(change)
    schedule = change.pop("schedule", None)
    value = check(make(schedule, **change), previous=previous)["value"]
    assert (value["createTime"], value["updateTime"]) == ("1600000000", STAMP)


# --- file name templates (§6.4) -------------------------------------------------------------------------

LEGACY_MACROS = "%DESTINATION_NAME%_%SEGMENT_ID%"


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("length, accepted", [(254, True), (255, True), (256, False), (400, False)])
def test_file_names_are_limited_to_255_characters(legacy, length, accepted):
    template = LEGACY_MACROS + "x" * (length - len(LEGACY_MACROS))
    assert len(template) == length
    if accepted:
        assert selectors.filename_template(template, "t", legacy=legacy) == template
    else:
        with refused("'t'", "255"):
            selectors.filename_template(template, "t", legacy=legacy)


@pytest.mark.parametrize("template", [
    "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%",
    "%DESTINATION_NAME%_%SEGMENT_ID%_%TIMESTAMP%",
    "%DESTINATION_NAME%_%SEGMENT_ID%",
    "%DESTINATION_NAME%_%SEGMENT_ID%_%SEGMENT_NAME%_%DATETIME(YYYYMMdd_HHmmss)%_custom-text",
    "%SEGMENT_ID%-%DESTINATION_NAME%",
])
def test_legacy_templates_with_both_mandatory_macros(template):
    assert selectors.filename_template(template, "t", legacy=True) == template


@pytest.mark.parametrize("template, missing", [
    ("%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%", "%DESTINATION_NAME%"),
    ("%DESTINATION_NAME%_%SEGMENT_NAME%", "%SEGMENT_ID%"),
    ("%DESTINATION%_%SEGMENT_ID%", "%DESTINATION_NAME%"),
    ("static-name", "%DESTINATION_NAME% and %SEGMENT_ID%"),
])
def test_legacy_templates_must_keep_destination_name_and_segment_id(template, missing):
    with refused(missing):
        selectors.filename_template(template, "t", legacy=True)


@pytest.mark.parametrize("template", [
    "%DESTINATION%_%SEGMENT_ID%_%SEGMENT_NAME%_%DESTINATION_INSTANCE_ID%_%DESTINATION_INSTANCE_NAME%"
    "_%DATETIME(YYYYMMdd_HHmmss)%",
    "%SEGMENT_NAME%", "static", "%ORGANIZATION_NAME%_%SANDBOX_NAME%_%TIMESTAMP%", "%custom-text%",
])
def test_new_card_macros_are_all_optional(template):
    assert selectors.filename_template(template, "t", legacy=False) == template


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("template", [
    LEGACY_MACROS + "_%DATETIME(YYYYMMdd_HHmmss)%_%TIMESTAMP%",
    "%TIMESTAMP%" + LEGACY_MACROS + "%DATETIME(YYYYMMdd)%",
])
def test_datetime_and_timestamp_exclude_each_other(legacy, template):
    with refused("%TIMESTAMP%", "not both"):
        selectors.filename_template(template, "t", legacy=legacy)


@pytest.mark.parametrize("template", [
    LEGACY_MACROS + "/sub", "dir/" + LEGACY_MACROS, LEGACY_MACROS + "\\x", LEGACY_MACROS + "\nx",
])
def test_path_separators_and_control_characters_are_refused(template):
    with refused("'t'"):
        selectors.filename_template(template, "t", legacy=True)


@pytest.mark.parametrize("template", [None, "", "   ", 5, ["%SEGMENT_ID%"]])
def test_a_template_is_a_non_empty_string(template):
    with refused("'t'"):
        selectors.filename_template(template, "t", legacy=False)


def test_the_schema_spelling_file_name_template_is_accepted_and_returned_as_filename_template():
    value = check(make(fileNameTemplate="%SEGMENT_ID%_x"))["value"]
    assert value["filenameTemplate"] == "%SEGMENT_ID%_x"
    assert "fileNameTemplate" not in value


def test_both_spellings_at_once_are_refused():
    with refused("filenameTemplate", "fileNameTemplate"):
        check(make(filenameTemplate="%SEGMENT_ID%", fileNameTemplate="%SEGMENT_ID%"))


def test_the_selector_template_follows_the_legacy_rules():
    with refused(f"{WHERE}.value.filenameTemplate", "%DESTINATION_NAME%"):
        check(make(filenameTemplate="%SEGMENT_ID%"), legacy=True)
    assert check(make(filenameTemplate="%SEGMENT_ID%"), legacy=False)["value"]["filenameTemplate"] == "%SEGMENT_ID%"


# --- folder name templates (§6.5) -------------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "%DESTINATION%_%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%",                       # ED example
    "%DESTINATION_NAME%_%DATASET_ID%_%DATASET_NAME%_%DATETIME(YYYYMMdd_HHmmss)%",    # DY example
    "%DESTINATION_INSTANCE_ID%/%EXPORT_TIME%",
    "%SANDBOX_NAME%_%ORGANIZATION_NAME%_%DESTINATION_INSTANCE_NAME%",
    "plain",
])
def test_folder_templates(template):
    assert selectors.folder_template(template, "f") == template


@pytest.mark.parametrize("template", [
    "%DATASET_ID%_%DATETIME(YYYYMMdd_HHmmss)%_%EXPORT_TIME%", None, "", "  ", 3,
])
def test_refused_folder_templates(template):
    with refused("'f'"):
        selectors.folder_template(template, "f")


# --- profile selectors (§4.4) -----------------------------------------------------------------------------

def test_a_bare_profile_selector_is_expanded_as_get_shows_it():
    result = selectors.profile_selector({"type": "JSON_PATH", "value": {"path": "person.name.firstName"}}, "p")
    assert result == {"type": "JSON_PATH", "value": {
        "path": "person.name.firstName", "operator": "EXISTS",
        "mapping": {
            "sourceType": "text/x.schema-path", "source": "person.name.firstName",
            "destination": "person.name.firstName", "identity": False, "primaryIdentity": False,
            "functionVersion": 0, "copyModeMapping": False,
            "sourceAttribute": "person.name.firstName", "destinationXdmPath": "person.name.firstName",
        },
    }}


def test_an_identity_namespace_and_given_operator_and_mapping_are_kept():
    result = selectors.profile_selector({"type": "JSON_PATH", "value": {
        "path": "identityMap.Email", "operator": "EXISTS", "identity": {"namespace": "Email"},
        "mapping": {"identity": True, "destination": "email"},
    }}, "p")["value"]
    assert result["identity"] == {"namespace": "Email"}
    assert result["mapping"]["identity"] is True
    assert result["mapping"]["destination"] == "email"
    assert result["mapping"]["source"] == "identityMap.Email"


def test_expanding_twice_gives_the_same_selector():
    once = selectors.profile_selector({"type": "JSON_PATH", "value": {"path": "a.b"}}, "p")
    assert selectors.profile_selector(copy.deepcopy(once), "p") == once


@pytest.mark.parametrize("item, field", [
    ({"type": "PLATFORM_SEGMENT", "value": {"path": "a"}}, "p.type"),
    ({"value": {"path": "a"}}, "p.type"),
    ({"type": "JSON_PATH"}, "p.value"),
    ({"type": "JSON_PATH", "value": {}}, "p.value.path"),
    ({"type": "JSON_PATH", "value": {"path": " "}}, "p.value.path"),
    ({"type": "JSON_PATH", "value": {"path": 3}}, "p.value.path"),
])
def test_refused_profile_selectors(item, field):
    with refused(field):
        selectors.profile_selector(item, "p")


# --- mandatory fields, deduplication keys, profile mapping (§6.7) --------------------------------------------

@pytest.mark.parametrize("value", [[], ["ECID"], ["person.name.firstName", "person_name_lastName"]])
def test_mandatory_fields(value):
    assert selectors.mandatory_fields(value, "m") == value


@pytest.mark.parametrize("value", [None, "ECID", [""], ["a", 1], [None], {"a": 1}])
def test_refused_mandatory_fields(value):
    with refused("'m'"):
        selectors.mandatory_fields(value, "m")


IDENTITY = {"fieldType": "IDENTITY", "identityNamespace": "ECID"}
ATTRIBUTE = {"fieldType": "ATTRIBUTE", "attributePath": "personalEmail.address"}
ATTRIBUTE2 = {"fieldType": "ATTRIBUTE", "attributePath": "person.name.lastName"}


@pytest.mark.parametrize("value", [
    [], [IDENTITY], [ATTRIBUTE], [ATTRIBUTE, ATTRIBUTE2],
    [{"identityNamespace": "GAID", "fieldType": "IDENTITY"}],
], ids=["none", "one-identity", "one-attribute", "two-attributes", "documented-GAID"])
def test_accepted_deduplication_keys(value):
    assert selectors.primary_fields(value, "pf") == value


@pytest.mark.parametrize("value, fragment", [
    ([IDENTITY, dict(IDENTITY, identityNamespace="Email")], "cannot be combined"),
    ([IDENTITY, ATTRIBUTE], "cannot be combined"),
    ([ATTRIBUTE, IDENTITY], "cannot be combined"),
    ([ATTRIBUTE, ATTRIBUTE2, dict(ATTRIBUTE, attributePath="a.b")], "at most two"),
    ([{"fieldType": "SEGMENT", "attributePath": "x"}], "pf[0].fieldType"),
    ([{"attributePath": "x"}], "pf[0].fieldType"),
    ([{"fieldType": "IDENTITY"}], "pf[0].identityNamespace"),
    ([{"fieldType": "IDENTITY", "attributePath": "a"}], "pf[0].identityNamespace"),
    ([ATTRIBUTE, {"fieldType": "ATTRIBUTE", "attributePath": ""}], "pf[1].attributePath"),
    ([ATTRIBUTE, "ECID"], "pf[1]"),
    (IDENTITY, "'pf'"),
    (None, "'pf'"),
], ids=["two-identities", "identity+attribute", "attribute+identity", "three-attributes",
        "unknown-type", "no-type", "identity-without-namespace", "identity-with-path",
        "empty-path", "not-an-object", "not-a-list", "null"])
def test_refused_deduplication_keys(value, fragment):
    with refused(fragment):
        selectors.primary_fields(value, "pf")


@pytest.mark.parametrize("value", [
    {}, {"mappingId": "5d21b87871df4f5ea93b436c5e8da224", "mappingVersion": 0},
    {"mappingId": "m", "mappingVersion": 3},
])
def test_profile_mapping(value):
    assert selectors.profile_mapping(value, "pm") == value


@pytest.mark.parametrize("value, field", [
    (None, "'pm'"), ([], "'pm'"),
    ({"mappingVersion": 0}, "pm.mappingId"),
    ({"mappingId": "", "mappingVersion": 0}, "pm.mappingId"),
    ({"mappingId": 7, "mappingVersion": 0}, "pm.mappingId"),
    ({"mappingId": "m"}, "pm.mappingVersion"),
    ({"mappingId": "m", "mappingVersion": -1}, "pm.mappingVersion"),
    ({"mappingId": "m", "mappingVersion": "0"}, "pm.mappingVersion"),
    ({"mappingId": "m", "mappingVersion": False}, "pm.mappingVersion"),
    ({"mappingId": "m", "mappingVersion": 1.5}, "pm.mappingVersion"),
])
def test_refused_profile_mappings(value, field):
    with refused(field):
        selectors.profile_mapping(value, "pm")
