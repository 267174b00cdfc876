"""File writers for exports: one per format, each streaming Arrow tables into a binary file object.

CSV and JSON lines are composed with ``pyarrow.compute`` string kernels, whole batches at a time, and
the bytes of the composed string array are written as they are: no per-row Python. The choice of this
composer over ``pyarrow.csv.CSVWriter``, polars and DuckDB was made by measurement (docs/benchmarks.md,
"Export writers"): end to end it is within the noise of ``CSVWriter``, and it is the only one that
honours every ``csvOptions`` key (the escape character, ``nullValue`` and ``emptyValue``).

Formats:

* CSV — header line of the column names, rows ending in ``\\n``; ``csvOptions`` as §5.4 of the
  reference (Spark CSV options): ``delimiter``; ``quote`` (``""`` = never quote); ``escape``;
  ``nullValue`` / ``emptyValue`` written literally for null / empty-string values.
  With quoting, a value is quoted when it holds the delimiter, the quote, the escape character,
  CR or LF, and inside it the quote and the escape characters are preceded by the escape character
  (RFC 4180 doubling when ``escape == quote``). Without quoting, those characters are preceded by
  the escape character instead (Python's ``csv`` reads both forms back with ``escapechar``).
* JSON — JSON lines: one object per row, keys are the column names as given (flat, not nested by
  dots: the names are the mapping's target names), null values omitted (Spark's JSON writer
  default, ``ignoreNullFields``); timestamps as ISO 8601 strings, numbers and booleans as JSON.
* PARQUET — ``pyarrow.parquet.ParquetWriter``; ``GZIP`` is Parquet's internal gzip codec (the
  ``gz.parquet`` files of §6.3), ``NONE`` is uncompressed.

``GZIP`` for CSV and JSON gzips the whole stream (python-isal's ``igzip`` when installed: several
times faster than zlib at the same ratio class; the standard ``gzip`` module otherwise).
"""

from __future__ import annotations

import json
import re
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CSV_DEFAULTS = {"delimiter": ",", "quote": '"', "escape": "\\", "nullValue": "null", "emptyValue": ""}


class Writer(Protocol):
    def write(self, table: pa.Table) -> None: ...

    def finish(self) -> None:
        """Write what the format needs at the end (gzip trailer, Parquet footer); do not close the sink."""

    def discard(self) -> None:
        """Give up (the export failed): write nothing more, now or when collected."""


def open_writer(sink: BinaryIO, schema: pa.Schema, *, file_format: str, compression: str,
                csv_options: dict | None = None) -> Writer:
    """A writer of ``file_format`` ("CSV" | "JSON" | "PARQUET") for tables of ``schema`` into ``sink``."""
    file_format, compression = file_format.upper(), compression.upper()
    if compression not in ("NONE", "GZIP"):
        raise ValueError(f"unknown compression {compression!r}")
    if file_format == "PARQUET":
        return ParquetFileWriter(sink, schema, compression)
    lines = line_format(schema, file_format, csv_options)
    stream = _gzip_stream(sink) if compression == "GZIP" else None
    return LineWriter(stream or sink, lines, gzip_stream=stream)


def line_format(schema: pa.Schema, file_format: str, csv_options: dict | None = None) -> "CsvLines | JsonLines":
    """How rows of ``schema`` become lines of ``file_format`` (CSV or JSON). Pure, so that rows can be
    formatted on the threads that select them, before the writer sees them."""
    file_format = file_format.upper()
    if file_format == "CSV":
        return CsvLines(schema, csv_options)
    if file_format == "JSON":
        return JsonLines(schema)
    raise ValueError(f"unknown file format {file_format!r}")


def _gzip_stream(sink: BinaryIO) -> BinaryIO:
    try:
        from isal import igzip
        return igzip.IGzipFile(fileobj=sink, mode="wb", compresslevel=1)
    except ImportError:  # python-isal is optional: same format, slower
        import gzip
        return gzip.GzipFile(fileobj=sink, mode="wb", compresslevel=1)


def _write_strings(out: BinaryIO, lines: pa.Array) -> None:
    """Write the bytes of a string array whose values are whole lines, without copying them to Python."""
    if len(lines) == 0:
        return
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = lines.buffers()[1]
    width = 8 if pa.types.is_large_string(lines.type) else 4
    first = int.from_bytes(offsets[(lines.offset) * width:(lines.offset + 1) * width], "little", signed=True)
    end = lines.offset + len(lines)
    last = int.from_bytes(offsets[end * width:(end + 1) * width], "little", signed=True)
    out.write(memoryview(lines.buffers()[2])[first:last])


def _contains_any(text: pa.Array, chars: bytes) -> bool:
    """Whether any value holds one of the (ASCII) ``chars``: one pass over the data buffer, ~10x faster than a
    regex per value, so that the escaping work is only done for the batches that need it."""
    if len(text) == 0 or text.null_count == len(text) or text.buffers()[2] is None:
        return False
    wide = pa.types.is_large_string(text.type)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64 if wide else np.int32,
                            count=len(text) + 1, offset=text.offset * (8 if wide else 4))
    data = memoryview(text.buffers()[2])[offsets[0]:offsets[-1]].tobytes()
    return len(data.translate(None, chars)) != len(data)


def _as_text(column: pa.Array) -> pa.Array:
    """A column as strings the way Spark writes them (timestamps ISO 8601, booleans true/false)."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column
    if pa.types.is_dictionary(kind):
        return _as_text(column.cast(kind.value_type))
    if pa.types.is_timestamp(kind):
        if kind.tz is None:
            return pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
        # Zoned timestamps are written in UTC (the cast only relabels: Arrow stores UTC instants).
        utc = column.cast(pa.timestamp(kind.unit, "UTC"))
        return pc.binary_join_element_wise(pc.strftime(utc, format="%Y-%m-%dT%H:%M:%S"), pa.scalar("Z"), "")
    if pa.types.is_null(kind):
        return pa.nulls(len(column), pa.string())
    if pa.types.is_nested(kind):
        return pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()],
                        pa.string())
    return column.cast(pa.string())


class CsvLines:
    """CSV with the ``csvOptions`` of the target connection (see the module docstring)."""

    def __init__(self, schema: pa.Schema, csv_options: dict | None) -> None:
        options = {**CSV_DEFAULTS, **{k: v for k, v in (csv_options or {}).items() if v is not None}}
        self._delimiter = "\t" if options["delimiter"] == "\\t" else options["delimiter"]
        self._quote, self._escape = options["quote"], options["escape"] or "\\"
        self._null, self._empty = options["nullValue"], options["emptyValue"]
        special = {self._delimiter, self._escape, "\r", "\n"} | ({self._quote} if self._quote else set())
        self._special = "[" + "".join(re.escape(c) for c in sorted(special)) + "]"
        self._special_bytes = "".join(special).encode()
        names = self._fields(pa.array(schema.names, pa.string()), header=True)
        self.header = (self._delimiter.join(names.to_pylist()) + "\n").encode()

    def _fields(self, text: pa.Array, header: bool = False) -> pa.Array:
        if _contains_any(text, self._special_bytes):
            escaped = text
            to_escape = [self._escape] + ([self._quote] if self._quote else [])
            if not self._quote:
                to_escape += [self._delimiter, "\r", "\n"]
            for char in dict.fromkeys(to_escape):  # the escape character first, so it is not doubled twice
                escaped = pc.replace_substring(escaped, char, self._escape + char)
            if self._quote:
                needs = pc.match_substring_regex(text, self._special)
                quoted = pc.binary_join_element_wise(pa.scalar(self._quote), escaped, pa.scalar(self._quote), "")
                text = pc.if_else(needs, quoted, text)
            else:
                text = escaped
        if header:
            return text
        if self._empty and pc.min(pc.binary_length(text)).as_py() == 0:
            text = pc.if_else(pc.equal(pc.binary_length(text), 0), pa.scalar(self._empty), text)
        return pc.fill_null(text, self._null) if text.null_count else text

    def lines(self, table: pa.Table) -> pa.Array:
        """One string per row, its line with its end."""
        fields = [self._fields(_as_text(column.combine_chunks())) for column in table.columns]
        fields[-1] = pc.binary_join_element_wise(fields[-1], pa.scalar("\n"), "")  # one column, not the row
        return pc.binary_join_element_wise(*fields, self._delimiter)


_JSON_SPECIAL = b'"\\' + bytes(range(0x20))
_JSON_CONTROL = bytes(c for c in range(0x20) if c not in b"\t\n\r")  # need \\u00XX
_JSON_ESCAPES = [("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")]


def _json_strings(text: pa.Array) -> pa.Array:
    """JSON string literals (quoted, escaped) for a string array; nulls stay null."""
    if _contains_any(text, _JSON_SPECIAL):
        if _contains_any(text, _JSON_CONTROL):
            # Rare control characters need \\u00XX: let json do those values (and only in such batches).
            return pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in text.to_pylist()],
                            pa.string())
        for raw, escaped in _JSON_ESCAPES:
            text = pc.replace_substring(text, raw, escaped)
    return pc.binary_join_element_wise(pa.scalar('"'), text, pa.scalar('"'), "")


def _json_values(column: pa.Array) -> pa.Array:
    kind = column.type
    if pa.types.is_dictionary(kind):
        return _json_values(column.cast(kind.value_type))
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_decimal(kind):
        return column.cast(pa.string())
    if pa.types.is_floating(kind):  # NaN and infinities are not JSON: written as absent, like nulls
        finite = pc.is_finite(column)
        return pc.if_else(finite, column.cast(pa.string()), pa.scalar(None, pa.string()))
    if pa.types.is_nested(kind):
        return pa.array([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                         for v in column.to_pylist()], pa.string())
    return _json_strings(_as_text(column))


class JsonLines:
    """One JSON object per line, flat keys = column names, null values omitted."""

    header = b""

    def __init__(self, schema: pa.Schema) -> None:
        self._keys = [pa.scalar("," + json.dumps(name, ensure_ascii=False) + ":") for name in schema.names]

    def lines(self, table: pa.Table) -> pa.Array:
        """One string per row, its line with its end."""
        # Each member carries its leading comma; null values make null members, written as nothing
        # (binary_join_element_wise's null_handling="skip" drops all-null rows in pyarrow 26).
        members = [pc.fill_null(pc.binary_join_element_wise(key, _json_values(column.combine_chunks()), ""), "")
                   for key, column in zip(self._keys, table.columns)]
        body = pc.utf8_ltrim(pc.binary_join_element_wise(*members, ""), characters=",")
        return pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}\n"), "")


class LineWriter:
    """CSV or JSON lines into a binary file: the format's header, then the lines of each table (or
    lines formatted already, ``write_lines``)."""

    def __init__(self, out: BinaryIO, lines: CsvLines | JsonLines, gzip_stream: BinaryIO | None = None) -> None:
        self._out, self._gzip, self.format = out, gzip_stream, lines
        if lines.header:
            out.write(lines.header)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.write_lines(self.format.lines(table))

    def write_lines(self, lines: pa.Array) -> None:
        _write_strings(self._out, lines)

    def finish(self) -> None:
        if self._gzip is not None:
            self._gzip.close()

    def discard(self) -> None:
        if self._gzip is not None:
            self._gzip.fileobj = None  # GzipFile.close() then writes no trailer


class _Unclosable:
    """The sink as Arrow wants a Python file (``closed``, ``flush``), without letting Arrow close it."""

    closed = False
    discarded = False

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink

    def write(self, data: bytes) -> int:
        return len(data) if self.discarded else self._sink.write(data)

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def arrow_output(sink: BinaryIO | _Unclosable) -> pa.NativeFile:
    """``sink`` as an Arrow output stream; closing the stream leaves the sink open (the export closes it)."""
    return pa.PythonFile(sink if isinstance(sink, _Unclosable) else _Unclosable(sink), mode="w")


class ParquetFileWriter:
    """Parquet; compression GZIP = the gzip codec inside the file (``.gz.parquet``), NONE = uncompressed."""

    def __init__(self, out: BinaryIO, schema: pa.Schema, compression: str) -> None:
        import pyarrow.parquet as pq
        self._out = _Unclosable(out)
        self._writer = pq.ParquetWriter(arrow_output(self._out), schema, compression="gzip" if compression == "GZIP" else "none",
                                        # Arrow's default gzip level is 9: level 1 is ~5x faster, same format
                                        compression_level=1 if compression == "GZIP" else None)

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table)

    def finish(self) -> None:
        self._writer.close()

    def discard(self) -> None:
        self._out.discarded = True  # else the writer's __del__ writes a footer into the aborted sink
        self._writer.close()
