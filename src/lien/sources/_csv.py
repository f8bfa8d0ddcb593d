"""Reading delimited text files inside DuckDB, safely.

Header names come from untrusted files, so they never reach SQL text: DuckDB reads the columns
under generated names (c0, c1, ...) and the original names travel as query parameters (into
the raw payload's JSON keys, or as JSON pointers when re-reading stored raw records).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import SourceError
from . import sniff_delimiter

_CHUNK = 1 << 20


@dataclass(frozen=True)
class CsvLayout:
    path: Path  # a UTF-8 file (the original, or a transcoded copy)
    encoding: str  # what the original was: utf-8 or cp1252
    delimiter: str
    header: list[str]


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as f:
        try:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


@contextmanager
def utf8_layout(path: Path, display: str) -> Iterator[CsvLayout]:
    """Detect encoding (UTF-8 with or without BOM, else Windows-1252), delimiter and header;
    transcode to a temporary UTF-8 copy when needed (DuckDB reads UTF-8)."""
    if _decodes(path, "utf-8"):
        encoding, readable, tmp = "utf-8", path, None
    elif _decodes(path, "cp1252"):
        encoding = "cp1252"
        handle = tempfile.NamedTemporaryFile(prefix="lien-", suffix=".csv", delete=False)
        tmp = Path(handle.name)
        with path.open("rb") as src, handle:
            decoder = codecs.getincrementaldecoder("cp1252")()
            while chunk := src.read(_CHUNK):
                handle.write(decoder.decode(chunk).encode("utf-8"))
        readable = tmp
    else:
        raise SourceError(
            f"{display}: the file is neither UTF-8 nor Windows-1252 text; "
            "save it again as 'CSV UTF-8' from your spreadsheet"
        )
    try:
        with readable.open("r", encoding="utf-8-sig", newline="") as f:
            first = f.readline()
        if not first.strip():
            raise SourceError(f"{display}: the first line (the header) is empty")
        delimiter = sniff_delimiter(first.rstrip("\r\n"))
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
        header = [h.strip() for h in header]
        if any(not h for h in header):
            raise SourceError(f"{display}: the header has an empty column name")
        lowered = [h.lower() for h in header]
        dupes = sorted({h for h in lowered if lowered.count(h) > 1})
        if dupes:
            raise SourceError(f"{display}: the header repeats column(s) {', '.join(dupes)}")
        yield CsvLayout(readable, encoding, delimiter, header)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def read_csv_sql(layout: CsvLayout) -> tuple[str, list[object]]:
    """SQL (and parameters) of a relation: _row, c0..cN (VARCHAR), _raw (the row as JSON with
    the original header names as keys). Malformed lines go to _lien_csv_errors."""
    cols = column_names(len(layout.header))
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
    pairs = ", ".join(f"?, {c}" for c in cols)
    sql = f"""
        SELECT row_number() OVER () AS _row, {", ".join(cols)},
               json_object({pairs}) AS _raw
        FROM read_csv(?, header = false, skip = 1, columns = {columns}, auto_detect = false,
                      delim = ?, quote = '"', escape = '"', strict_mode = true,
                      store_rejects = true, rejects_table = '_lien_csv_errors',
                      rejects_scan = '_lien_csv_scans', max_line_size = 10000000)
    """
    return sql, [*layout.header, str(layout.path), layout.delimiter]


def json_pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def raw_rows_sql(raw_query: str, header: Sequence[str]) -> tuple[str, list[object]]:
    """The same relation as read_csv_sql, rebuilt from stored raw records."""
    cols = column_names(len(header))
    extract = ", ".join(f"json_extract_string(r.payload, ?) AS {c}" for c in cols)
    sql = f"""
        SELECT row_number() OVER (ORDER BY r.id) AS _row, {extract}, r.payload AS _raw,
               r.id AS _raw_id, r.location AS _location
        FROM ({raw_query}) r
    """
    return sql, [json_pointer(h) for h in header]


def csv_errors(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """(line, reason, text) of the lines DuckDB could not read in the last scan; then clear."""
    try:
        # DuckDB may report one line several times (once per column count it tried).
        rows = con.execute(
            """
            SELECT line, min(error_message), min(csv_line) FROM _lien_csv_errors
            GROUP BY line ORDER BY line
            """
        ).fetchall()
    except duckdb.CatalogException:
        return []
    con.execute("DROP TABLE IF EXISTS _lien_csv_errors")
    con.execute("DROP TABLE IF EXISTS _lien_csv_scans")
    return [(int(line), str(reason), str(text)) for line, reason, text in rows]


_TZ = re.compile(r"^[A-Za-z0-9_+\-/]+$")


@contextmanager
def session_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> Iterator[None]:
    """Read naive times in `timezone` (DuckDB applies the session time zone to casts)."""
    if not _TZ.match(timezone):
        raise SourceError(f"invalid time zone {timezone!r}")
    row = con.execute("SELECT current_setting('TimeZone')").fetchone()
    before = row[0] if row else "UTC"
    con.execute(f"SET TimeZone = '{timezone}'")
    try:
        yield
    except BaseException:
        # In an aborted transaction DuckDB refuses the SET, which would hide the real error;
        # the workspace sets UTC back when it rolls back.
        with suppress(duckdb.Error):
            con.execute(f"SET TimeZone = '{before}'")
        raise
    con.execute(f"SET TimeZone = '{before}'")


def parse_time_sql(expr: str) -> str:
    """A UTC TIMESTAMP from an ISO 8601 string; naive strings are in the session time zone."""
    return f"(TRY_CAST(nullif(trim({expr}), '') AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"


_TRUE = ("true", "1", "yes", "oui", "vrai", "t", "y", "x")
_FALSE = ("false", "0", "no", "non", "faux", "f", "n")


def parse_bool_sql(expr: str) -> str:
    true = ", ".join(f"'{v}'" for v in _TRUE)
    false = ", ".join(f"'{v}'" for v in _FALSE)
    return (
        f"(CASE WHEN lower(trim({expr})) IN ({true}) THEN true "
        f"WHEN lower(trim({expr})) IN ({false}) THEN false END)"
    )


def bool_ok_sql(expr: str) -> str:
    values = ", ".join(f"'{v}'" for v in (*_TRUE, *_FALSE, ""))
    return f"({expr} IS NULL OR lower(trim({expr})) IN ({values}))"


def parse_int_sql(expr: str) -> str:
    # Spreadsheets sometimes write whole numbers as 12.0.
    return (
        f"coalesce(TRY_CAST(trim({expr}) AS BIGINT), "
        f"CASE WHEN TRY_CAST(trim({expr}) AS DOUBLE) = round(TRY_CAST(trim({expr}) AS DOUBLE)) "
        f"THEN TRY_CAST(TRY_CAST(trim({expr}) AS DOUBLE) AS BIGINT) END)"
    )
