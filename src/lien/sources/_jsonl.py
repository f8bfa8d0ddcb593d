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


def bad_line_reason_sql(line: str = "line") -> str:
    """NULL when the line is a JSON object; otherwise why it is not."""
    return (
        f"CASE WHEN NOT json_valid({line}) THEN 'not valid JSON (damaged or truncated line)' "
        f"WHEN json_type({line}) <> 'OBJECT' THEN 'not a JSON object' END"
    )
