"""What a destination flow exports and when: audience selectors with their
schedules, profile selectors, mandatory and deduplication fields, dataset
``scheduleParams``, file and folder name templates.

The rules are those of the tutorials and the OpenAPI documents; where the
sources disagree the newest wins and the older form is accepted too
(docs/fidelity.md, "Schedules").
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timezone
from typing import Any

from .errors import validation_failed
from .validation import require_object

EXPORT_MODES = ("DAILY_FULL_EXPORT", "FIRST_FULL_THEN_INCREMENTAL")
TRIGGER_TYPES = ("SCHEDULED", "AFTER_SEGMENT_EVAL")
#: Frequencies each export mode allows (CA-833, the newest, adds WEEKLY and MONTHLY).
FREQUENCIES = {
    "DAILY_FULL_EXPORT": ("ONCE", "DAILY", "WEEKLY", "MONTHLY"),
    "FIRST_FULL_THEN_INCREMENTAL": (
        "DAILY", "EVERY_3_HOURS", "EVERY_6_HOURS", "EVERY_8_HOURS", "EVERY_12_HOURS",
    ),
}
DATASET_TIME_UNITS = ("hour", "day")
DATASET_HOUR_INTERVALS = (3, 6, 9, 12)
FILENAME_LIMIT = 255

LEGACY_DEFAULT_FILENAME = "%DESTINATION_NAME%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
DEFAULT_FILENAME = "%DESTINATION%_%SEGMENT_ID%_%DATETIME(YYYYMMdd_HHmmss)%"
LEGACY_MANDATORY_MACROS = ("%DESTINATION_NAME%", "%SEGMENT_ID%")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
#: ``%DATETIME(<Java date-time pattern>)%``; group 1 is the pattern (rendered by engine/naming.py).
DATETIME_MACRO = _DATETIME_MACRO = re.compile(r"%DATETIME\(([^)%]*)\)%")
_FILENAME_FORBIDDEN = re.compile(r"[/\\\x00-\x1f]")


# --- audience selectors ---------------------------------------------------------------

def segment_selector(item: Any, where: str, *, legacy: bool, previous: dict[str, dict], now: float) -> dict:
    """A validated audience selector, with the service-set ``createTime``/``updateTime``
    (kept from ``previous``, the flow's selectors by audience id, when it is not new)."""
    item = require_object(item, f"Field '{where}'")
    if item.get("type") != "PLATFORM_SEGMENT":
        raise validation_failed(f"Field '{where}.type' must be PLATFORM_SEGMENT.")
    value = dict(require_object(item.get("value"), f"Field '{where}.value'"))
    segment_id = value.get("id")
    if not isinstance(segment_id, str) or not segment_id.strip():
        raise validation_failed(f"Field '{where}.value.id' (the audience id) is required.")
    for key in ("name", "description"):
        if key in value and value[key] is None:
            del value[key]  # optional strings: null means absent
        elif key in value and not isinstance(value[key], str):
            raise validation_failed(f"Field '{where}.value.{key}' must be a string.")
    mode = value.get("exportMode")
    if mode not in EXPORT_MODES:
        raise validation_failed(f"Field '{where}.value.exportMode' must be one of {', '.join(EXPORT_MODES)}.")
    value["schedule"] = _audience_schedule(value.get("schedule"), mode, f"{where}.value.schedule")
    template = _pop_alias(value, "filenameTemplate", "fileNameTemplate", f"{where}.value")
    if template is None:
        template = LEGACY_DEFAULT_FILENAME if legacy else DEFAULT_FILENAME
    value["filenameTemplate"] = filename_template(template, f"{where}.value.filenameTemplate", legacy=legacy)
    stamp = str(int(now))
    previous = previous.get(segment_id)
    if previous is not None:
        value["createTime"] = previous["value"].get("createTime", stamp)
        unchanged = {k: v for k, v in previous["value"].items() if k != "updateTime"} == {
            k: v for k, v in value.items() if k != "updateTime"
        }
        value["updateTime"] = previous["value"].get("updateTime", stamp) if unchanged else stamp
    else:
        value["createTime"] = stamp
        value["updateTime"] = stamp
    return {"type": "PLATFORM_SEGMENT", "value": value}


def _audience_schedule(schedule: Any, mode: str, where: str) -> dict:
    schedule = dict(require_object(schedule, f"Field '{where}'"))
    frequency = schedule.get("frequency")
    allowed = FREQUENCIES[mode]
    if frequency not in allowed:
        raise validation_failed(
            f"Field '{where}.frequency' must be one of {', '.join(allowed)} for exportMode {mode}."
        )
    trigger = schedule.get("triggerType")
    if trigger is not None and trigger not in TRIGGER_TYPES:
        raise validation_failed(f"Field '{where}.triggerType' must be one of {', '.join(TRIGGER_TYPES)}.")
    start = _date(schedule, "startDate", where, required=True)
    end = _date(schedule, "endDate", where, required=False)
    if end is not None and end < start:
        raise validation_failed(f"Field '{where}.endDate' must not be before startDate.")
    start_time = schedule.get("startTime")
    if start_time is None:
        if trigger != "AFTER_SEGMENT_EVAL":
            raise validation_failed(
                f"Field '{where}.startTime' (HH:MM, UTC) is required unless triggerType is AFTER_SEGMENT_EVAL."
            )
    else:
        match = _TIME.match(start_time) if isinstance(start_time, str) else None
        if not match:
            raise validation_failed(f"Field '{where}.startTime' must be a time of day as HH:MM (UTC).")
        if match.group(2) != "00":
            raise validation_failed(f"Field '{where}.startTime' must be on the hour (minutes 00).")
    return schedule


def _date(schedule: dict, key: str, where: str, *, required: bool) -> date | None:
    text = schedule.get(key)
    if text is None and not required:
        return None
    if not isinstance(text, str) or not _DATE.match(text):
        raise validation_failed(f"Field '{where}.{key}' must be a date as YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise validation_failed(f"Field '{where}.{key}' is not a valid date: {text}.") from None


def profile_selector(item: Any, where: str) -> dict:
    """A profile attribute selector as GET shows it: the service adds operator and mapping."""
    item = require_object(item, f"Field '{where}'")
    if item.get("type") != "JSON_PATH":
        raise validation_failed(f"Field '{where}.type' must be JSON_PATH.")
    value = require_object(item.get("value"), f"Field '{where}.value'")
    path = value.get("path")
    if not isinstance(path, str) or not path.strip():
        raise validation_failed(f"Field '{where}.value.path' (an XDM attribute path) is required.")
    mapping = {
        "sourceType": "text/x.schema-path",
        "source": path,
        "destination": path,
        "identity": False,
        "primaryIdentity": False,
        "functionVersion": 0,
        "copyModeMapping": False,
        "sourceAttribute": path,
        "destinationXdmPath": path,
    }
    operator = value.get("operator", "EXISTS")
    if operator != "EXISTS":
        raise validation_failed(f"Field '{where}.value.operator' must be EXISTS.")
    expanded = {"path": path, "operator": operator}
    if "identity" in value:
        identity = require_object(value["identity"], f"Field '{where}.value.identity'")
        if not isinstance(identity.get("namespace"), str) or not identity["namespace"]:
            raise validation_failed(f"Field '{where}.value.identity.namespace' must name an identity namespace.")
        expanded["identity"] = identity
    given = value.get("mapping")
    if given is not None and not isinstance(given, dict):
        raise validation_failed(f"Field '{where}.value.mapping' must be an object.")
    expanded["mapping"] = {**mapping, **(given or {})}
    return {"type": "JSON_PATH", "value": expanded}


def mandatory_fields(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise validation_failed(f"Field '{where}' must be an array of attribute paths.")
    return value


def primary_fields(value: Any, where: str) -> list[dict]:
    """Deduplication keys: one identity namespace, or one or two attributes, never mixed."""
    if not isinstance(value, list):
        raise validation_failed(f"Field '{where}' must be an array.")
    kinds = []
    for index, item in enumerate(value):
        item = require_object(item, f"Field '{where}[{index}]'")
        kind = item.get("fieldType")
        key = {"IDENTITY": "identityNamespace", "ATTRIBUTE": "attributePath"}.get(kind) if isinstance(kind, str) else None
        if key is None:
            raise validation_failed(f"Field '{where}[{index}].fieldType' must be IDENTITY or ATTRIBUTE.")
        if not isinstance(item.get(key), str) or not item[key]:
            raise validation_failed(f"Field '{where}[{index}].{key}' is required for fieldType {kind}.")
        kinds.append(kind)
    if "IDENTITY" in kinds and (len(kinds) > 1):
        raise validation_failed(
            f"Field '{where}': a deduplication key is one identity namespace, or one or two "
            "attributes; namespaces and attributes cannot be combined."
        )
    if len(kinds) > 2:
        raise validation_failed(f"Field '{where}': a deduplication key has at most two attributes.")
    return value


def profile_mapping(value: Any, where: str) -> dict:
    value = require_object(value, f"Field '{where}'")
    if not value:  # the create skeleton of the reference carries an empty mapping
        return value
    if not isinstance(value.get("mappingId"), str) or not value["mappingId"]:
        raise validation_failed(f"Field '{where}.mappingId' is required.")
    version = value.get("mappingVersion")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise validation_failed(f"Field '{where}.mappingVersion' must be a non-negative integer.")
    return value


# --- templates --------------------------------------------------------------------------

def filename_template(template: Any, where: str, *, legacy: bool) -> str:
    if not isinstance(template, str) or not template.strip():
        raise validation_failed(f"Field '{where}' must be a non-empty string.")
    if len(template) > FILENAME_LIMIT:
        raise validation_failed(f"Field '{where}' is longer than {FILENAME_LIMIT} characters.")
    if _FILENAME_FORBIDDEN.search(template):
        raise validation_failed(f"Field '{where}' must not contain '/', '\\' or control characters.")
    has_datetime = bool(_DATETIME_MACRO.search(template))
    if has_datetime and "%TIMESTAMP%" in template:
        raise validation_failed(f"Field '{where}': use %DATETIME(...)% or %TIMESTAMP%, not both.")
    if legacy:
        missing = [m for m in LEGACY_MANDATORY_MACROS if m not in template]
        if missing:
            raise validation_failed(f"Field '{where}' must contain {' and '.join(missing)}.")
    return template


def folder_template(template: Any, where: str) -> str:
    if not isinstance(template, str) or not template.strip():
        raise validation_failed(f"Field '{where}' must be a non-empty string.")
    if _DATETIME_MACRO.search(template) and "%EXPORT_TIME%" in template:
        raise validation_failed(f"Field '{where}': use %DATETIME(...)% or %EXPORT_TIME%, not both.")
    return template


# --- dataset schedules --------------------------------------------------------------------

def dataset_schedule(params: Any, where: str, *, created_at: float) -> dict:
    """Validated ``scheduleParams`` of a dataset flow, with the default ``endTime``."""
    params = dict(require_object(params, f"Field '{where}'"))
    for key in ("startTime", "interval", "endTime"):
        # The service reads these as integers and, like any Jackson-based service,
        # takes a numeric string too (aepp sends "interval": "1").
        value = params.get(key)
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            params[key] = int(value)
    for key in ("startTime", "interval"):
        value = params.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise validation_failed(f"Field '{where}.{key}' is required and must be a non-negative integer.")
    if "frequency" in params and not isinstance(params["frequency"], str):
        raise validation_failed(f"Field '{where}.frequency' must be a string.")
    unit = params.get("timeUnit")
    if unit not in DATASET_TIME_UNITS:
        raise validation_failed(f"Field '{where}.timeUnit' must be one of {', '.join(DATASET_TIME_UNITS)}.")
    mode = params.get("exportMode")
    if mode is not None and mode not in EXPORT_MODES:
        raise validation_failed(f"Field '{where}.exportMode' must be one of {', '.join(EXPORT_MODES)}.")
    interval = params["interval"]
    if mode == "DAILY_FULL_EXPORT":
        if (unit, interval) != ("day", 0):
            raise validation_failed(
                f"Field '{where}': a one-time full export (DAILY_FULL_EXPORT) takes timeUnit day "
                "and interval 0; daily full dataset exports are not supported."
            )
    elif not (unit == "day" and interval == 1 or unit == "hour" and interval in DATASET_HOUR_INTERVALS):
        raise validation_failed(
            f"Field '{where}': incremental exports run every 1 day or every 3, 6, 9 or 12 hours "
            f"(timeUnit day with interval 1, or timeUnit hour with interval 3, 6, 9 or 12)."
        )
    end = params.get("endTime")
    if end is None:
        # Six months after creation (ED); counted from the start instead when the start is later.
        end = _six_months_after(created_at)
        params["endTime"] = end if end > params["startTime"] else _six_months_after(params["startTime"])
    elif not isinstance(end, int) or isinstance(end, bool) or end <= params["startTime"]:
        raise validation_failed(f"Field '{where}.endTime' must be an epoch time in seconds after startTime.")
    template = _pop_alias(params, "foldernameTemplate", "folderNameTemplate", where)
    if template is not None:
        params["foldernameTemplate"] = folder_template(template, f"{where}.foldernameTemplate")
    return params


def _six_months_after(epoch_seconds: float) -> int:
    moment = datetime.fromtimestamp(epoch_seconds, timezone.utc)
    month = moment.month + 6
    year = moment.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return int(calendar.timegm(moment.replace(year=year, month=month, day=day).timetuple()))


def _pop_alias(obj: dict, key: str, alias: str, where: str) -> Any:
    """Take ``key`` or its other documented spelling ``alias`` out of ``obj`` (not both)."""
    if key in obj and alias in obj:
        raise validation_failed(f"Field '{where}': give {key} or {alias}, not both.")
    return obj.pop(key, obj.pop(alias, None))

