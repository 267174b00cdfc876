"""Names of exported files and folders, and where each destination puts them.

Audience files follow ``filenameTemplate`` (reference §6.4), dataset exports the
``<folder>/<datasetId>/exportTime=YYYYMMDDHHMM/part-...`` layout (§6.5), and
:func:`destination_root` turns a connection spec and its target params (§5.4)
into a storage container and key prefix. Choices the sources leave open are
listed in docs/fidelity.md ("Export file names").
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from ..domain.catalog import FILE_LAYOUT_KEY
from ..domain.selectors import (
    DATETIME_MACRO,
    DEFAULT_FILENAME,
    FILENAME_LIMIT,
    LEGACY_DEFAULT_FILENAME,
)

#: Macros of audience file names: legacy cards (CA) and new cards (DY ``BatchSegmentSelector_V2``).
#: Both spellings of the destination are rendered for both kinds: DY's own new-card example
#: still writes ``%DESTINATION_NAME%``.
AUDIENCE_MACROS = (
    "DESTINATION_NAME", "DESTINATION", "SEGMENT_ID", "SEGMENT_NAME", "DESTINATION_INSTANCE_ID",
    "DESTINATION_INSTANCE_NAME", "ORGANIZATION_NAME", "SANDBOX_NAME", "TIMESTAMP",
)
#: Macros of dataset folder names (ED and DY together; ``%DESTINATION_NAME%`` from DY's example).
FOLDER_MACROS = (
    "DESTINATION", "DESTINATION_NAME", "DATASET_ID", "DATASET_NAME", "DESTINATION_INSTANCE_ID",
    "DESTINATION_INSTANCE_NAME", "SANDBOX_NAME", "ORGANIZATION_NAME", "EXPORT_TIME",
)
#: Macros allowed in the S3 / GCS ``path`` target param (its pattern in the connection spec).
PATH_MACROS = ("SEGMENT_NAME", "SEGMENT_ID")

#: Characters no exported name keeps: the Azure / Data Landing Zone forbidden set, which is also
#: Windows' (so a local export folder can be copied anywhere), and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_CUSTOM_TEXT = re.compile(r"%([^%]+)%")
EXPORT_TIME_FORMAT = "%Y%m%d%H%M"

# --- extensions ---------------------------------------------------------------------------

_EXTENSIONS = {"CSV": "csv", "JSON": "json", "PARQUET": "parquet"}


def extension(file_format: str, compression: str, dataset: bool) -> str:
    """File extension (no dot) for a format and compression.

    Gzip wraps CSV and JSON (``csv.gz``, ``json.gz``). Compressed Parquet of a dataset is named
    ``gz.parquet`` (ED); for audiences the sources name no such file, so it stays ``parquet``
    (the gzip codec is inside the Parquet file either way).
    """
    base = _EXTENSIONS.get(str(file_format).upper())
    if base is None:
        raise ValueError(f"unknown file format {file_format!r} (CSV, JSON or PARQUET)")
    compression = str(compression).upper()
    if compression not in ("GZIP", "NONE"):
        raise ValueError(f"unknown compression {compression!r} (NONE or GZIP)")
    if compression == "NONE":
        return base
    if base == "parquet":
        return "gz.parquet" if dataset else "parquet"
    return f"{base}.gz"


# --- Java date-time patterns ------------------------------------------------------------------

def _number(value: int, width: int) -> str:
    return str(value).zfill(width)


def _year(t: datetime, width: int) -> str:
    # "yy" is the two-digit year in Java; any other width pads the full year.
    return _number(t.year % 100, 2) if width == 2 else _number(t.year, width)


def _month(t: datetime, width: int) -> str:
    if width >= 4:
        return t.strftime("%B")
    if width == 3:
        return t.strftime("%b")
    return _number(t.month, width)


def _fraction(t: datetime, width: int) -> str:
    return f"{t.microsecond:06d}000"[:width].ljust(width, "0")


#: Java ``DateTimeFormatter`` pattern letters, one renderer per letter (count = run length).
#: ``Y`` (week-based year in Java) is rendered as the calendar year: the documented outputs of
#: ``YYYYMMdd`` are calendar dates.
JAVA_PATTERN_LETTERS: dict[str, Callable[[datetime, int], str]] = {
    "y": _year,
    "u": _year,
    "Y": _year,
    "M": _month,
    "L": _month,
    "d": lambda t, n: _number(t.day, n),
    "D": lambda t, n: _number(t.timetuple().tm_yday, n),
    "H": lambda t, n: _number(t.hour, n),
    "k": lambda t, n: _number(t.hour or 24, n),
    "K": lambda t, n: _number(t.hour % 12, n),
    "h": lambda t, n: _number(t.hour % 12 or 12, n),
    "m": lambda t, n: _number(t.minute, n),
    "s": lambda t, n: _number(t.second, n),
    "S": _fraction,
    "a": lambda t, n: "AM" if t.hour < 12 else "PM",
    "E": lambda t, n: t.strftime("%A" if n >= 4 else "%a"),
}
_PATTERN_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.DOTALL)


def format_java_datetime(pattern: str, at: float) -> str:
    """``at`` (epoch seconds, UTC) formatted with a Java date-time pattern.

    Quoted text (``'T'``, ``''`` for a quote) is literal; letters outside the table are kept as
    written (the API accepts any pattern, and a run should not fail on a name).
    """
    moment = datetime.fromtimestamp(at, timezone.utc)
    out: list[str] = []
    for match in _PATTERN_TOKEN.finditer(pattern):
        token = match.group(0)
        if token.startswith("'"):
            out.append("'" if token == "''" else token[1:-1].replace("''", "'"))
        elif match.group(1) in JAVA_PATTERN_LETTERS:
            out.append(JAVA_PATTERN_LETTERS[match.group(1)](moment, len(token)))
        else:
            out.append(token)
    return "".join(out)


# --- templates --------------------------------------------------------------------------------

def safe_name(text: str) -> str:
    """``text`` with the characters a file or folder name cannot hold replaced by ``_``."""
    return _UNSAFE.sub("_", text)


def _render(template: str, values: Mapping[str, str], at: float) -> str:
    """Macros replaced by their (made-safe) values; other ``%text%`` is custom text, kept
    without its percent signs (the UI wraps custom text in them, CA/UD/DY examples)."""
    names = "|".join(sorted((re.escape(k) for k in values), key=len, reverse=True))
    macro = re.compile(rf"%({names})%|{DATETIME_MACRO.pattern}")
    pieces: list[str] = []
    position = 0
    for match in macro.finditer(template):
        pieces.append(_CUSTOM_TEXT.sub(r"\1", template[position:match.start()]))
        if match.group(1) is not None:
            pieces.append(safe_name(values[match.group(1)]))
        else:
            pieces.append(safe_name(format_java_datetime(match.group(2), at)))
        position = match.end()
    pieces.append(_CUSTOM_TEXT.sub(r"\1", template[position:]))
    return "".join(pieces)


def _fit(stem: str, suffix: str, limit: int = FILENAME_LIMIT) -> str:
    """``stem + suffix`` cut to ``limit`` characters and UTF-8 bytes by shortening the stem
    (local file systems count bytes; the UI's limit counts characters)."""
    room = limit - len(suffix)
    stem = stem[:room]
    budget = limit - len(suffix.encode())
    while len(stem.encode()) > budget:
        stem = stem[:-1]
    return stem + suffix


def audience_file_name(
    template: str | None,
    *,
    legacy: bool,
    destination_name: str,
    segment_id: str,
    segment_name: str = "",
    flow_id: str = "",
    flow_name: str = "",
    org_name: str = "",
    sandbox_name: str = "",
    at: float,
    extension: str,
    part: int = 1,
) -> str:
    """The file name of part ``part`` of an audience export at ``at``.

    No template means the default (destination name, audience id, date-time). Part 2 onwards
    get ``_2``, ``_3``... before the extension. Names longer than 255 characters lose the end
    of their stem; the part suffix and the extension are always kept.
    """
    if part < 1:
        raise ValueError("parts are numbered from 1")
    if template is None:
        template = LEGACY_DEFAULT_FILENAME if legacy else DEFAULT_FILENAME
    values = {
        "DESTINATION_NAME": destination_name,
        "DESTINATION": destination_name,
        "SEGMENT_ID": segment_id,
        "SEGMENT_NAME": segment_name,
        "DESTINATION_INSTANCE_ID": flow_id,
        "DESTINATION_INSTANCE_NAME": flow_name,
        "ORGANIZATION_NAME": org_name,
        "SANDBOX_NAME": sandbox_name,
        "TIMESTAMP": str(int(at)),
    }
    stem = safe_name(_render(template, values, at))
    suffix = (f"_{part}" if part > 1 else "") + f".{extension}"
    return _fit(stem, suffix)


def export_time_folder(at: float) -> str:
    """``exportTime=YYYYMMDDHHMM`` (UTC) of a dataset export scheduled at ``at``."""
    return "exportTime=" + datetime.fromtimestamp(at, timezone.utc).strftime(EXPORT_TIME_FORMAT)


def _folder_segments(path: str) -> list[str]:
    # "." and ".." segments are dropped: a name template never climbs out of the export root.
    return [_fit(s, "") for s in path.split("/") if s not in ("", ".", "..")]


def dataset_folder(
    template: str | None,
    *,
    destination_name: str,
    dataset_id: str,
    dataset_name: str = "",
    flow_id: str = "",
    flow_name: str = "",
    org_name: str = "",
    sandbox_name: str = "",
    at: float,
) -> str:
    """The folder (relative to the destination root, no slashes at the ends) of a dataset export.

    Without a template: ``<datasetId>/exportTime=YYYYMMDDHHMM``. With one: the rendered template
    followed by that, except when the template holds ``%EXPORT_TIME%``: then the user has placed
    the export-time folder and the rendered template is the whole folder. ``/`` in the template
    makes sub-folders; ``/`` in a macro value does not.
    """
    standard = f"{safe_name(dataset_id)}/{export_time_folder(at)}"
    if template is None:
        return standard
    values = {
        "DESTINATION": destination_name,
        "DESTINATION_NAME": destination_name,
        "DATASET_ID": dataset_id,
        "DATASET_NAME": dataset_name,
        "DESTINATION_INSTANCE_ID": flow_id,
        "DESTINATION_INSTANCE_NAME": flow_name,
        "SANDBOX_NAME": sandbox_name,
        "ORGANIZATION_NAME": org_name,
        "EXPORT_TIME": export_time_folder(at),
    }
    segments = _folder_segments(_render(template, values, at))
    if "%EXPORT_TIME%" not in template:
        segments.append(standard)
    return "/".join(segments)


def dataset_file_name(seed: str, *, part: int = 1, extension: str) -> str:
    """A Spark-style part file name, ``part-00000-tid-<n>-<uuid>-<n>-1-c000.<ext>`` (ED's samples).

    The real names are random; these derive from ``seed`` (e.g. the run id), so a run names its
    files the same way every time while two runs never share a name. Parts of one export share
    the ``tid`` and uuid, as Spark's do, and differ in the part and task numbers.
    """
    if part < 1:
        raise ValueError("parts are numbered from 1")
    digest = hashlib.sha256(seed.encode()).digest()
    tid = int.from_bytes(digest[:8], "big") >> 1  # a positive Java long, like Spark's
    job = uuid.UUID(bytes=digest[8:24], version=4)
    task = int.from_bytes(digest[24:28], "big") % 900_000 + 100_000 + part - 1
    return f"part-{part - 1:05d}-tid-{tid}-{job}-{task}-1-c000.{extension}"


# --- where destinations put files -------------------------------------------------------------

@dataclass(frozen=True)
class Location:
    """A storage container (bucket, blob container, ADLS file system, ...) and a key prefix
    (``""`` or ``a/b``, never a slash at either end)."""

    container: str
    prefix: str = ""

    def key(self, *parts: str) -> str:
        """The key of ``parts`` (relative paths) under the prefix."""
        return "/".join(p.strip("/") for p in (self.prefix, *parts) if p.strip("/"))


#: The Data Landing Zone container of destination exports (Adobe's DLZ destination page:
#: the credentials call returns ``"containerName": "dlz-destination"``).
DLZ_CONTAINER = "dlz-destination"
#: SFTP targets name only a remote folder; the host is in the base connection, so every SFTP
#: export goes under one container of this name.
SFTP_CONTAINER = "sftp"

#: Legacy ``mode`` values of the email-marketing cards (§5.4), whose layout is their mode's.
_LAYOUT_BY_MODE = {"S3": "bucket", "AZURE_BLOB": "blob", "FTP": "sftp"}


def _param(params: Mapping[str, object], key: str, spec: str) -> str:
    value = params.get(key)
    if not isinstance(value, str) or not value.strip("/ "):
        raise ValueError(f"{spec}: target param {key!r} is required to place exported files")
    return value


def _prefix(path: object) -> str:
    return "/".join(s for s in str(path or "").split("/") if s)


def destination_root(
    connection_spec: Mapping[str, object],
    target_params: Mapping[str, object],
    *,
    segment_id: str = "",
    segment_name: str = "",
) -> Location:
    """Container and key prefix a destination writes into, by the file layout its connection spec
    names in the catalogue (``targetSpec["x-mockFileLayout"]``).

    S3 / GCS: ``bucketName`` + ``path``, whose ``%SEGMENT_ID%`` / ``%SEGMENT_NAME%`` folder macros
    take the exported audience (an empty value drops its folder, e.g. for dataset exports).
    Azure Blob: ``container`` + ``path``. ADLS Gen2: ``path``, first segment the file system.
    SFTP: ``remotePath`` under :data:`SFTP_CONTAINER`. DLZ: ``path`` under :data:`DLZ_CONTAINER`.
    Email-marketing cards: by their ``mode`` (``S3``, ``AZURE_BLOB``, ``FTP``).
    """
    target_spec = connection_spec.get("targetSpec")
    layout = target_spec.get(FILE_LAYOUT_KEY) if isinstance(target_spec, Mapping) else None
    name = str(connection_spec.get("name") or connection_spec.get("id"))
    if layout is None:
        raise ValueError(f"connection spec {name!r} is not a file-based destination")
    if layout == "mode":
        mode = target_params.get("mode")
        layout = _LAYOUT_BY_MODE.get(mode) if isinstance(mode, str) else None
        if layout is None:
            raise ValueError(f"{name}: target param 'mode' must be one of {', '.join(_LAYOUT_BY_MODE)}")
    if layout == "bucket":
        path = str(target_params.get("path") or "")
        path = _render(path, {"SEGMENT_ID": segment_id, "SEGMENT_NAME": segment_name}, 0.0)
        return Location(_param(target_params, "bucketName", name), _prefix(path))
    if layout == "blob":
        return Location(_param(target_params, "container", name), _prefix(target_params.get("path")))
    if layout == "adls":
        file_system, _, rest = _prefix(_param(target_params, "path", name)).partition("/")
        return Location(file_system, rest)
    if layout == "sftp":
        return Location(SFTP_CONTAINER, _prefix(target_params.get("remotePath")))
    if layout == "dlz":
        return Location(DLZ_CONTAINER, _prefix(target_params.get("path")))
    raise ValueError(f"connection spec {name!r} names an unknown file layout {layout!r}")
