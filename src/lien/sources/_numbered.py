"""Numbering a file's rows in the order they were read, without serializing the import.

`row_number() OVER ()` numbers rows in one query, but DuckDB then runs everything after it (the
raw JSON, parsing, checks: most of the work of staging a file) on a single thread. A table
created from the read keeps the read's order, which DuckDB documents: its `rowid` is the row's
position, and scans of the table run in parallel. On the demo's 1-million-row CSV, staging took
half the time on two cores.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import duckdb

TABLE = "_lien_numbered"


@contextmanager
def numbered(
    con: duckdb.DuckDBPyConnection,
    relation_sql: str,
    params: Sequence[object],
    number: str,
    table: str = TABLE,
) -> Iterator[str]:
    """Read `relation_sql` (a single source, no join or ORDER BY) into a temporary table; yield
    SQL of its rows with `number` (1, 2, ... in the order read) as first column."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {relation_sql}", list(params))
    try:
        yield f"SELECT rowid + 1 AS {number}, * FROM {table}"
    finally:
        # In an aborted transaction the DROP fails too; the rollback removes the table.
        with suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")
