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
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import SourceError
from . import sniff_delimiter
from ._numbered import numbered

_CHUNK = 1 << 20
# The longest line (or field) read: the same limit for DuckDB's reader and Python's.
MAX_LINE_BYTES = 10_000_000


@dataclass(frozen=True)
class CsvLayout:
    path: Path  # a UTF-8 file (the original, or a transcoded copy)
    delimiter: str
    header: list[str]
    display: str
    # Only the header was decoded: DuckDB's reader checks the rest (see read_csv_rows), and
    # a file that turns out not to be UTF-8 is read again as Windows-1252.
    utf8_unchecked: bool = False


# Excel's "Unicode text" (and some other exports) is UTF-16 with a byte order mark.
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


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


def _transcoded(path: Path, encoding: str, display: str) -> Path:
    """A temporary UTF-8 copy of a file in `encoding` (the caller deletes it)."""
    handle = tempfile.NamedTemporaryFile(prefix="lien-", suffix=".csv", delete=False)
    tmp = Path(handle.name)
    try:
        with path.open("rb") as src, handle:
            decoder = codecs.getincrementaldecoder(encoding)()
            while chunk := src.read(_CHUNK):
                handle.write(decoder.decode(chunk).encode("utf-8"))
            handle.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as e:
        tmp.unlink(missing_ok=True)
        raise SourceError(
            f"{display}: starts as UTF-16 text (byte order mark) but is not valid UTF-16 "
            f"({e.reason}); the file may be truncated or damaged: save it again from your "
            "spreadsheet, preferably as 'CSV UTF-8'"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _ascii_first_line(path: Path) -> bool:
    with path.open("rb") as f:
        line = f.readline(MAX_LINE_BYTES)
    return line.removeprefix(codecs.BOM_UTF8).isascii()


def _cp1252_copy(path: Path, display: str) -> Path:
    """A temporary UTF-8 copy of a file that is not UTF-8, read as Windows-1252 (Excel on
    French Windows); an error when it is not that either."""
    if not _decodes(path, "cp1252"):
        raise SourceError(
            f"{display}: the file is neither UTF-8 nor Windows-1252 text; "
            "save it again as 'CSV UTF-8' from your spreadsheet"
        )
    return _transcoded(path, "cp1252", display)


def _read_bytes_not_utf8(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """Whether the file DuckDB's reader just read holds bytes that are not UTF-8. The reader
    reports them on every line it parses, but a malformed line is reported as malformed only
    (with such bytes shown as `?`): when there is one, Python decodes the file."""
    row = con.execute(
        """
        SELECT count(*) FILTER (WHERE error_type = 'INVALID ENCODING'), count(*)
        FROM _lien_csv_errors
        """
    ).fetchone()
    invalid, errors = row if row else (0, 0)
    return bool(invalid) or (bool(errors) and not _decodes(path, "utf-8"))


def _mixed_line_ends(path: Path) -> bool:
    """True when a file ends its lines in more than one way (LF, CRLF, CR): DuckDB's strict
    CSV reader gives up on such files ("state machine reached an invalid state"), e.g. a
    Windows export with a line appended by an editor that writes LF."""
    cr = lf = crlf = 0
    last = b""
    with path.open("rb") as f:
        # Most files have no CR at all, and a search is much quicker than counting.
        if not any(b"\r" in chunk for chunk in iter(lambda: f.read(_CHUNK), b"")):
            return False
        f.seek(0)
        while chunk := f.read(_CHUNK):
            cr += chunk.count(b"\r")
            lf += chunk.count(b"\n")
            crlf += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
            last = chunk[-1:]
    return cr > 0 and lf > 0 and not cr == lf == crlf


def _one_line_end(path: Path, display: str) -> Path:
    """A temporary copy of a UTF-8 CSV with every line ended by CRLF, rewritten by Python's csv
    module (which reads LF, CRLF and CR alike, and keeps line breaks inside quoted values).
    CRLF because the writer quotes a value holding a line-end character only when its own
    line end has that character: with LF, a value ending in CR went out bare, and DuckDB's
    strict reader gave up on the file."""
    with path.open("r", encoding="utf-8-sig", newline="") as f:
        delimiter = sniff_delimiter(f.readline().rstrip("\r\n"))
    with tempfile.NamedTemporaryFile(prefix="lien-", suffix=".csv", delete=False) as handle:
        tmp = Path(handle.name)
    limit = csv.field_size_limit()
    csv.field_size_limit(MAX_LINE_BYTES)
    try:
        with (
            path.open("r", encoding="utf-8-sig", newline="") as src,
            tmp.open("w", encoding="utf-8", newline="") as out,
        ):
            writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
            for row in csv.reader(src, delimiter=delimiter):
                writer.writerow(row)
    except csv.Error as e:
        tmp.unlink(missing_ok=True)
        raise SourceError(
            f"{display}: malformed CSV with mixed line endings ({e}); save it again as "
            "'CSV UTF-8' from your spreadsheet"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        csv.field_size_limit(limit)
    return tmp


@contextmanager
def utf8_layout(path: Path, display: str) -> Iterator[CsvLayout]:
    """Detect encoding (UTF-16 with a BOM, UTF-8 with or without BOM, else Windows-1252),
    delimiter and header; transcode to a temporary UTF-8 copy when needed (DuckDB reads
    UTF-8)."""
    with path.open("rb") as f:
        start = f.read(2)
    tmp: Path | None = None
    unchecked = False
    if start in UTF16_BOMS:
        # The "utf-16" codec reads the BOM, takes the byte order from it, and drops it.
        tmp = readable = _transcoded(path, "utf-16", display)
        mixed = _mixed_line_ends(readable)
    else:
        # Windows-1252 writes CR and LF as UTF-8 does: a copy keeps the original's line ends.
        mixed = _mixed_line_ends(path)
        if not mixed and _ascii_first_line(path):
            # An ASCII header reads the same in UTF-8 and Windows-1252, so the encoding can be
            # settled after DuckDB's read, which checks every line it parses: decoding a large
            # file in Python first took 6 % of its import. (Mixed line ends are rewritten by
            # Python, which needs the encoding first.)
            readable, unchecked = path, True
        elif _decodes(path, "utf-8"):
            readable = path
        else:
            tmp = readable = _cp1252_copy(path, display)
    if mixed:
        try:
            uniform = _one_line_end(readable, display)
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        tmp = readable = uniform
    try:
        # The header decodes (it is ASCII, or the whole file was decoded); what the reader
        # buffers after it may not, in a file still to be checked.
        with readable.open("r", encoding="utf-8-sig", newline="", errors="replace") as f:
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
            raise SourceError(f"{display}: the header repeats column(s) {shown_names(dupes)}")
        yield CsvLayout(readable, delimiter, header, display, unchecked)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def shown_names(names: Sequence[str], limit: int = 300) -> str:
    """Column names from an untrusted header, for a one-line message: control characters
    (line breaks included) become `?`, the list is cut to `limit` characters."""
    text = ", ".join("".join(c if c.isprintable() else "?" for c in n) for n in names)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line_sql(expr: str) -> str:
    """SQL of a text on one line: control characters (line breaks included) as `?`."""
    return f"regexp_replace({expr}, '[[:cntrl:]]', '?', 'g')"


def shown_value_sql(expr: str, limit: int = 60) -> str:
    """SQL of a value quoted in a reject reason: cut to `limit` characters, control characters
    (line breaks of a quoted cell included) as `?`, so that the reason stays one line."""
    return f"'''' || {one_line_sql(f'left({expr}, {limit})')} || ''''"


def column_names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


@contextmanager
def read_csv_rows(
    con: duckdb.DuckDBPyConnection, layout: CsvLayout
) -> Iterator[tuple[str, list[object]]]:
    """SQL (and parameters) of a relation: _row, c0..cN (VARCHAR), _raw (the row as JSON with
    the original header names as keys), valid while the context lasts. Malformed lines go to
    _lien_csv_errors."""
    cols = column_names(len(layout.header))
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in cols) + "}"
    read = f"""
        SELECT {", ".join(cols)}
        FROM read_csv(?, header = false, skip = 1, columns = {columns}, auto_detect = false,
                      delim = ?, quote = '"', escape = '"', strict_mode = true,
                      store_rejects = true, rejects_table = '_lien_csv_errors',
                      rejects_scan = '_lien_csv_scans', max_line_size = {MAX_LINE_BYTES})
    """
    pairs = ", ".join(f"?, {c}" for c in cols)
    with ExitStack() as stack:
        rows = stack.enter_context(
            numbered(con, read, [str(layout.path), layout.delimiter], "_row")
        )
        if layout.utf8_unchecked and _read_bytes_not_utf8(con, layout.path):
            stack.close()
            _drop_csv_errors(con)
            copy = _cp1252_copy(layout.path, layout.display)
            stack.callback(copy.unlink, missing_ok=True)
            rows = stack.enter_context(numbered(con, read, [str(copy), layout.delimiter], "_row"))
        yield (
            f"SELECT _row, {', '.join(cols)}, json_object({pairs}) AS _raw FROM ({rows}) n",
            list(layout.header),
        )


def json_pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def raw_rows_sql(raw_query: str, header: Sequence[str]) -> tuple[str, list[object]]:
    """The same relation as read_csv_rows, rebuilt from stored raw records."""
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
    _drop_csv_errors(con)
    return [(int(line), str(reason), str(text)) for line, reason, text in rows]


def _drop_csv_errors(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE IF EXISTS _lien_csv_errors")
    con.execute("DROP TABLE IF EXISTS _lien_csv_scans")


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


def trim_sql(expr: str) -> str:
    """trim(expr), through the workspace's lien_trim macro (see schema.MACROS). The macro
    names its argument several times: give it a column or a cheap expression."""
    return f"lien_trim({expr})"


def blank_sql(expr: str) -> str:
    """The value trimmed, NULL when nothing is left: what the parsers below take. Sources trim
    each value once and hand the result to both the parser and the reject reason's check."""
    return f"nullif({trim_sql(expr)}, '')"


def parse_time_sql(trimmed: str) -> str:
    """A UTC TIMESTAMP from an ISO 8601 string (trimmed, see blank_sql); naive strings are in
    the session time zone. The instant's microseconds since the epoch make the UTC timestamp
    without `AT TIME ZONE 'UTC'`, which goes through a calendar for every value (a third of
    the parse); 'infinity' has no such count and is no time: NULL, so the record is rejected."""
    return f"make_timestamp(epoch_us(TRY_CAST({trimmed} AS TIMESTAMPTZ)))"


# The words a true/false column accepts, in any case (what spreadsheets and people write).
TRUE_WORDS = ("true", "1", "yes", "oui", "vrai", "t", "y", "x")
FALSE_WORDS = ("false", "0", "no", "non", "faux", "f", "n")


def _one_of(value: str, words: Sequence[str]) -> str:
    # list_contains rather than IN: DuckDB plans an IN list this long as a join per column.
    quoted = ", ".join("'" + w.replace("'", "''") + "'" for w in words)
    return f"list_contains([{quoted}], {value})"


def parse_bool_sql(trimmed: str) -> str:
    return (
        f"(CASE WHEN {_one_of(f'lower({trimmed})', TRUE_WORDS)} THEN true "
        f"WHEN {_one_of(f'lower({trimmed})', FALSE_WORDS)} THEN false END)"
    )


def bool_ok_sql(trimmed: str) -> str:
    """Whether a value (trimmed, see blank_sql) is empty or reads as true or false."""
    return f"({trimmed} IS NULL OR {_one_of(f'lower({trimmed})', (*TRUE_WORDS, *FALSE_WORDS))})"


def parse_int_sql(trimmed: str) -> str:
    """A BIGINT from a whole number written as text (trimmed, see blank_sql); NULL for anything
    else. Spreadsheets sometimes write whole numbers as 12.0, which is accepted; DuckDB's own
    cast would also round 2.5 to 3 and read 1_000, 0x1F or 1e3, which are not counts anyone
    wrote."""
    return (
        f"(CASE WHEN regexp_full_match({trimmed}, '[+-]?[0-9]{{1,19}}(\\.0*)?') "
        f"THEN TRY_CAST({trimmed} AS BIGINT) END)"
    )
