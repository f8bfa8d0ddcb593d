"""Reading JSON Lines inside DuckDB, one row per file line, so every line keeps its number and
a damaged line becomes a reject instead of stopping the file (or vanishing, as DuckDB's own
``ignore_errors`` would do)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ._numbered import numbered

# JSON escapes control characters, so \x01 never occurs in a valid line: splitting on it
# yields whole lines. Lines of a twarc2 page hold a whole API response, hence the large limit.
# strict_mode off: DuckDB's strict parser gives up on stray carriage returns (a lone \r
# between lines) instead of yielding lines that become rejects.
MAX_LINE_BYTES = 64 * 1024 * 1024


@contextmanager
def numbered_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Iterator[str]:
    """SQL of a relation (_line BIGINT, line VARCHAR) of the file's lines, valid while the
    context lasts (the file is read on entering it)."""
    read = f"""
        SELECT line
        FROM read_csv(?, columns = {{'line': 'VARCHAR'}}, header = false, delim = '\x01',
                      quote = '', escape = '', auto_detect = false, strict_mode = false,
                      max_line_size = {MAX_LINE_BYTES}, buffer_size = {2 * MAX_LINE_BYTES})
    """
    with numbered(con, read, [str(path)], "_line") as lines:
        yield lines


def first_char_sql(text: str) -> str:
    """`left(ltrim(text), 1)`, without copying the text when it starts with `{` (almost every
    line or record): ltrim copies the whole string, a whole API page for a twarc2 line."""
    return f"(CASE WHEN ord({text}) = 123 THEN '{{' ELSE left(ltrim({text}), 1) END)"


def object_sql(line: str = "line") -> str:
    """true when the line is a JSON object, false when it is other JSON, NULL when it is not
    valid JSON: one validating parse per line. Valid JSON that starts with `{` is an object,
    so the second parse (json_type) only runs for lines that start otherwise."""
    return (
        f"CASE WHEN json_valid({line}) THEN ord({line}) = 123 OR json_type({line}) = 'OBJECT' END"
    )


def bad_line_reason_sql(is_object: str = "_object") -> str:
    """NULL when the line is a JSON object (`is_object`, from object_sql); otherwise why not."""
    return (
        f"CASE WHEN {is_object} IS NULL THEN 'not valid JSON (damaged or truncated line)' "
        f"WHEN NOT {is_object} THEN 'not a JSON object' END"
    )
