"""lien's own exports (JSON Lines and Parquet): one message per line or row, fields named as in
the record, so an export re-imports to an identical workspace."""

from __future__ import annotations

from pathlib import Path

import duckdb

from ..schema import CONTENT_FIELDS, SQL_TYPES
from . import BulkSource, ImportContext, Probe
from ._csv import parse_time_sql, session_timezone
from ._jsonl import bad_line_reason_sql, lines_params, lines_sql

# Keys that only lien's export has together; platform exports never carry root_id and
# author_handle side by side with a bare `platform` field.
SIGNATURE = {"platform", "id", "parent_id", "root_id", "author_id", "author_handle", "created_at"}


def _json_structure() -> str:
    kinds = {"VARCHAR": "VARCHAR", "BOOLEAN": "BOOLEAN", "BIGINT": "BIGINT", "TIMESTAMP": "VARCHAR"}
    return "{" + ", ".join(f'"{f}": "{kinds[SQL_TYPES[f]]}"' for f in CONTENT_FIELDS) + "}"


def _select(prefix: str) -> str:
    out = []
    for f in CONTENT_FIELDS:
        if SQL_TYPES[f] == "TIMESTAMP":
            out.append(f"{parse_time_sql(prefix + f)} AS {f}")
        else:
            out.append(f"{prefix}{f} AS {f}")
    return ", ".join(out)


class LienJsonl(BulkSource):
    name = "lien-jsonl"
    title = "lien export (JSON Lines)"
    platforms = ("any",)
    reads = ("`lien export --format jsonl`: one message per line, fields as in the record",)
    quirks = ("import_id and raw_id of the exporting workspace are kept in the raw record only.",)

    def sniff(self, probe: Probe) -> bool:
        first = probe.first_json_line
        return probe.json_lines and isinstance(first, dict) and SIGNATURE <= set(first)

    def _insert(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        rows_sql: str,
        params: list[object],
        ctx: ImportContext,
        location: str,
        raw_id: str,
    ) -> None:
        with session_timezone(con, "UTC"):
            con.execute(
                f"""
                INSERT INTO {table}
                WITH src AS ({rows_sql}),
                parsed AS (
                    SELECT src.*, {bad_line_reason_sql()} AS _bad,
                           CASE WHEN json_valid(line) AND json_type(line) = 'OBJECT'
                                THEN from_json(line, '{_json_structure()}') END AS m
                    FROM src WHERE line IS NOT NULL AND trim(line) <> ''
                )
                SELECT {_select("m.")}, _line, {location}, line, NULL, {raw_id},
                       _bad, CASE WHEN _bad IS NOT NULL THEN 'invalid' END
                FROM parsed
                """,
                params,
            )

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        self._insert(con, table, lines_sql(), lines_params(path), ctx, "'line ' || _line", "NULL")

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        rows = f"SELECT r.id AS _line, r.payload AS line, r.location AS _loc FROM ({raw_query}) r"
        self._insert(con, table, rows, [], ctx, "_loc", "_line")


class LienParquet(BulkSource):
    name = "lien-parquet"
    title = "lien export (Parquet)"
    platforms = ("any",)
    reads = ("`lien export --format parquet`: one message per row, UTC microsecond timestamps",)

    def sniff(self, probe: Probe) -> bool:
        if not probe.head.startswith(b"PAR1"):
            return False
        con = duckdb.connect()
        try:
            cols = {
                r[0]
                for r in con.execute(
                    "SELECT name FROM parquet_schema(?)", [str(probe.path)]
                ).fetchall()
            }
        finally:
            con.close()
        return SIGNATURE <= cols

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        casts = ", ".join(
            f"timezone('UTC', {f}::TIMESTAMPTZ) AS {f}"
            if SQL_TYPES[f] == "TIMESTAMP"
            else f"{f}::{SQL_TYPES[f]} AS {f}"
            for f in CONTENT_FIELDS
        )
        with session_timezone(con, "UTC"):
            con.execute(
                f"""
                INSERT INTO {table}
                WITH src AS (SELECT * FROM read_parquet(?)),
                num AS (SELECT row_number() OVER () AS _n, to_json(src) AS _j, src.* FROM src)
                SELECT {casts}, _n, 'row ' || _n, _j, NULL, NULL, NULL, NULL FROM num
                """,
                [str(path)],
            )

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        # A Parquet row is stored as JSON, so it re-reads like a JSON line.
        LienJsonl().restage(con, raw_query, ctx, table)


SOURCES = (LienJsonl(), LienParquet())
