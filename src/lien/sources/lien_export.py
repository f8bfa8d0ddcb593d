"""lien's own exports (JSON Lines and Parquet): one message per line or row, fields named as in
the record, so an export re-imports to an identical workspace.

Both formats go through one SQL mapping: a Parquet row is turned into a JSON object
(`to_json`, which is also its raw record), then every record is parsed once with each field
read as text. A value of the wrong type is never cast to NULL or to some text behind the
user's back: the record becomes a reject naming the field and the value, as the generic CSV
does ("like_count 'trois' is not a whole number").
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ..errors import SourceError
from ..schema import CONTENT_FIELDS, SQL_TYPES
from . import BulkSource, ImportContext, Probe
from ._csv import (
    blank_sql,
    parse_bool_sql,
    parse_int_sql,
    parse_time_sql,
    session_timezone,
    shown_names,
    shown_value_sql,
)
from ._jsonl import bad_line_reason_sql, numbered_lines, object_sql
from ._numbered import numbered
from ._utf8 import utf8_reader_errors

# Keys that only lien's export has together; platform exports never carry root_id and
# author_handle side by side with a bare `platform` field.
SIGNATURE = {"platform", "id", "parent_id", "root_id", "author_id", "author_handle", "created_at"}
# Columns without which a Parquet file cannot be lien's export.
REQUIRED_COLUMNS = ("platform", "id", "created_at")
# Every field is parsed as text: numbers keep their decimal text, booleans become
# 'true'/'false', objects and arrays their JSON text (caught below).
_STRUCTURE = "{" + ", ".join(f'"{f}": "VARCHAR"' for f in CONTENT_FIELDS) + "}"


def _field(f: str, line: str) -> tuple[str | None, str]:
    """(parsing expression or None for text, reject CASE branch) of one field of `m` (the
    parsed record). The parsing reads the value trimmed as `t_<field>`, the branch the parsed
    value as `p_<field>`."""
    v = f"m.{f}"
    t = f"t_{f}"
    kind = SQL_TYPES[f]
    said = f"'{f} ' || {shown_value_sql(v)}"
    given = f"{t} IS NOT NULL AND p_{f} IS NULL"  # '' is missing, as in CSV
    if kind == "BIGINT":
        return parse_int_sql(t), f"WHEN {given} THEN {said} || ' is not a whole number'"
    if kind == "BOOLEAN":
        # `1`/`0` and "oui"/"non" are read too, as in the generic CSV.
        return parse_bool_sql(t), f"WHEN {given} THEN {said} || ' is not true/false'"
    if kind == "TIMESTAMP":
        return parse_time_sql(t), (
            f"WHEN {given} THEN {said} || ' is not an ISO 8601 time "
            "(e.g. 2020-03-01T14:05:00+01:00)'"
        )
    # Text: parsing as VARCHAR turns an object, a list or a boolean into its JSON text. Only
    # values that look like one are checked against the JSON itself (a rare second parse).
    looks = f"(left({v}, 1) IN ('{{', '[') OR {v} IN ('true', 'false'))"
    json_kind = f"json_type({line}, '$.{f}')"
    bad = f"{looks} AND {json_kind} IN ('OBJECT', 'ARRAY', 'BOOLEAN')"
    what = (
        f"CASE {json_kind} WHEN 'OBJECT' THEN 'a JSON object' "
        "WHEN 'ARRAY' THEN 'a JSON list' ELSE 'a boolean' END"
    )
    return None, f"WHEN {bad} THEN {said} || ' is ' || {what} || ', not text'"


def insert_records(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows_sql: str,
    params: list[object],
    location: str,
    raw_id: str,
) -> None:
    """Stage records from `rows_sql` (columns _line, line: one JSON object per row). Counts,
    booleans and times are trimmed and parsed once (`t_<field>`, `p_<field>`), for both the
    value and the check."""
    trimming, parsing, checks, values = [], [], [], []
    for f in CONTENT_FIELDS:
        parse, check = _field(f, "line")
        checks.append(check)
        if parse is None:
            values.append(f"m.{f} AS {f}")
        else:
            trimming.append(f"{blank_sql(f'm.{f}')} AS t_{f}")
            parsing.append(f"{parse} AS p_{f}")
            values.append(f"p_{f} AS {f}")
    with session_timezone(con, "UTC"):
        con.execute(
            f"""
            INSERT INTO {table}
            WITH src AS ({rows_sql}),
            lines AS (
                SELECT src.*, {object_sql()} AS _object
                FROM src WHERE regexp_matches(line, '\\S')
            ),
            parsed AS (
                SELECT lines.*, {bad_line_reason_sql()} AS _bad,
                       CASE WHEN _object THEN from_json(line, '{_STRUCTURE}') END AS m
                FROM lines
            ),
            trimmed AS (SELECT parsed.*, {", ".join(trimming)} FROM parsed),
            typed AS (SELECT trimmed.*, {", ".join(parsing)} FROM trimmed),
            checked AS (
                SELECT typed.*, coalesce(_bad, CASE {" ".join(checks)} END) AS _why FROM typed
            )
            SELECT {", ".join(values)}, _line, {location}, line, NULL, {raw_id},
                   _why, CASE WHEN _why IS NOT NULL THEN 'invalid' END
            FROM checked
            """,
            params,
        )


class LienJsonl(BulkSource):
    name = "lien-jsonl"
    title = "lien export (JSON Lines)"
    # 2: values of the wrong type are rejects naming the field, no longer NULL or JSON text.
    mapper_version = 2
    platforms = ("any",)
    reads = ("`lien export --format jsonl`: one message per line, fields as in the record",)
    quirks = (
        "import_id and raw_id of the exporting workspace are kept in the raw record only.",
        "A value of the wrong type (a count that is not a whole number, a boolean that is not "
        "true/false, a time that is not ISO 8601, an object or list where text is expected) "
        "rejects the line with the field and the value; numbers in text fields keep their "
        'decimal text, and counts or booleans written as strings ("12", "true") are read.',
    )

    def sniff(self, probe: Probe) -> bool:
        first = probe.first_json_line
        return probe.json_lines and isinstance(first, dict) and SIGNATURE <= set(first)

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        with utf8_reader_errors(ctx.display_name or path.name), numbered_lines(con, path) as lines:
            insert_records(con, table, lines, [], "'line ' || _line", "NULL")

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        rows = f"SELECT r.id AS _line, r.payload AS line, r.location AS _loc FROM ({raw_query}) r"
        insert_records(con, table, rows, [], "_loc", "_line")


class LienParquet(BulkSource):
    name = "lien-parquet"
    title = "lien export (Parquet)"
    # 2: rows are read through their JSON form, with the checks of the JSON Lines export.
    mapper_version = 2
    platforms = ("any",)
    reads = ("`lien export --format parquet`: one message per row, UTC microsecond timestamps",)
    quirks = (
        "Each row is read through its JSON form (also its raw record), with the checks of the "
        "JSON Lines export: a value of the wrong type rejects the row, naming the field.",
    )

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
        display = ctx.display_name or path.name
        columns = _parquet_columns(path, display)
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise SourceError(
                f"{display}: not a lien export: missing column(s) {', '.join(missing)} "
                f"(found: {shown_names(columns, 200)}); export it with `lien export --format "
                "parquet`, or save the table as CSV and import it with --map"
            )
        rows = "SELECT to_json(src)::VARCHAR AS line FROM read_parquet(?) src"
        try:
            with numbered(con, rows, [str(path)], "_line") as lines:
                insert_records(con, table, lines, [], "'row ' || _line", "NULL")
        except duckdb.Error as e:
            raise SourceError(f"{display}: {_parquet_problem(e, path)}") from None

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        # A Parquet row is stored as JSON, so it re-reads like a JSON line.
        LienJsonl().restage(con, raw_query, ctx, table)


def _parquet_problem(e: duckdb.Error, path: Path) -> str:
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    # DuckDB names the file by its full (maybe temporary) path; the display name says it.
    first = re.sub(r"\s*'?" + re.escape(str(path)) + "'?", "", first)[:200]
    return (
        f"not a readable Parquet file ({first}); the file may be truncated or damaged: "
        "export it again with `lien export --format parquet`"
    )


def _parquet_columns(path: Path, display: str) -> list[str]:
    """The top-level column names of a Parquet file; a one-line SourceError when it has none
    (not Parquet, truncated, damaged)."""
    con = duckdb.connect()
    try:
        rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    except duckdb.Error as e:
        raise SourceError(f"{display}: {_parquet_problem(e, path)}") from None
    finally:
        con.close()
    return [str(r[0]) for r in rows]


SOURCES = (LienJsonl(), LienParquet())
