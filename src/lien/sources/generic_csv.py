"""The generic CSV: one message per row, for data prepared by hand or by another tool.

Also reads lien's own CSV export (its header is a superset of the required columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from ..errors import SourceError
from ..schema import CONTENT_FIELDS
from . import BulkSource, ImportContext, Probe
from ._csv import (
    FALSE_WORDS,
    TRUE_WORDS,
    blank_sql,
    bool_ok_sql,
    column_names,
    csv_errors,
    parse_bool_sql,
    parse_int_sql,
    parse_time_sql,
    raw_rows_sql,
    read_csv_rows,
    session_timezone,
    shown_names,
    shown_value_sql,
    utf8_layout,
)

REQUIRED = ("platform", "id", "parent_id", "author_id", "author_name", "created_at", "text")
OPTIONAL = (
    "root_id",
    "author_handle",
    "author_is_bot",
    "edited_at",
    "lang",
    "url",
    "like_count",
    "reply_count",
    "share_count",
    "owner_liked",
)
TIMES = ("created_at", "edited_at")
COUNTS = ("like_count", "reply_count", "share_count")
BOOLS = ("author_is_bot", "owner_liked")
TRIMMED = ("platform", "id", "parent_id", "root_id", "author_id", "author_handle", "lang", "url")


def resolve_columns(header: list[str], mapping: dict[str, str], display: str) -> dict[str, int]:
    """target field → column index, by name (case-insensitive) or by --map target=column."""
    lowered = {h.lower(): i for i, h in enumerate(header)}
    unknown_targets = sorted(set(mapping) - set(REQUIRED) - set(OPTIONAL))
    if unknown_targets:
        raise SourceError(
            f"--map names unknown field(s) {', '.join(unknown_targets)}; "
            f"fields are: {', '.join(REQUIRED + OPTIONAL)}"
        )
    found: dict[str, int] = {}
    for target in REQUIRED + OPTIONAL:
        column = mapping.get(target, target)
        if column.lower() in lowered:
            found[target] = lowered[column.lower()]
        elif target in mapping:
            raise SourceError(
                f"{display}: --map {target}={column}: no column {column!r} in the header"
            )
    missing = [t for t in REQUIRED if t not in found]
    if missing:
        raise SourceError(
            f"{display}: missing column(s) {', '.join(missing)} (found: {shown_names(header)}). "
            f"Rename them, or map them with --map {missing[0]}=YOUR_COLUMN"
        )
    return found


class GenericCsv(BulkSource):
    name = "csv"
    title = "Generic CSV"
    # 2: counts must be whole numbers (DuckDB's cast rounded 2.5 to 3); UTF-16 files.
    mapper_version = 2
    platforms = ("any",)
    reads = (
        "CSV with columns platform,id,parent_id,author_id,author_name,created_at,text "
        "(optional: root_id, author_handle, author_is_bot, edited_at, lang, url, like_count, "
        "reply_count, share_count, owner_liked); `,` `;` or tab; UTF-8 (with or without BOM), "
        'Windows-1252, or UTF-16 with its BOM (Excel\'s "Unicode text")',
        "lien's own CSV export",
    )
    quirks = (
        "Times are ISO 8601; times without an offset are read in the workspace time zone.",
        "Other headers can be mapped with --map target=column; unknown columns are kept in the "
        "raw record.",
        "Counts are whole numbers (`12`, or `12.0` as spreadsheets write them): `2.5`, `1e3` "
        "or `1 000` reject the row, naming the column and the value.",
        f"True/false columns read {', '.join(TRUE_WORDS)} as true and "
        f"{', '.join(FALSE_WORDS)} as false, in any case; an empty cell is unknown; anything "
        "else rejects the row.",
        "Rejects name the data row (counted after the header, malformed lines left out) or, "
        "for a malformed line, its line in the file.",
    )

    def sniff(self, probe: Probe) -> bool:
        header = probe.csv_header
        if not header:
            return False
        names = {h.lower() for h in header}
        return set(REQUIRED) <= names

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        with utf8_layout(path, ctx.display_name) as layout:
            fields = resolve_columns(layout.header, ctx.options.get("map", {}), ctx.display_name)
            location = "'row ' || src._row"
            with read_csv_rows(con, layout) as (rows_sql, params):
                self._insert(con, table, rows_sql, params, fields, ctx, location, raw_id="NULL")
            for line, reason, text in csv_errors(con):
                con.execute(
                    f"""INSERT INTO {table} (_row, _location, _raw, _reject, _reject_kind)
                        VALUES (?, ?, ?, ?, 'invalid')""",
                    [-line, f"line {line}", text, f"malformed CSV line: {reason}"],
                )

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        # Rows of files with different headers may share an import group: one pass per header.
        headers = con.execute(
            f"SELECT DISTINCT json_keys(payload) FROM ({raw_query}) r WHERE json_valid(payload)"
        ).fetchall()
        for (keys,) in headers:
            header = list(keys)
            fields = resolve_columns(header, ctx.options.get("map", {}), ctx.display_name)
            rows_sql, params = raw_rows_sql(
                f"SELECT * FROM ({raw_query}) q WHERE json_keys(q.payload) = ?", header
            )
            params.append(header)
            self._insert(
                con, table, rows_sql, params, fields, ctx, "src._location", raw_id="src._raw_id"
            )

    def _insert(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        rows_sql: str,
        params: list[Any],
        fields: dict[str, int],
        ctx: ImportContext,
        location: str,
        raw_id: str,
    ) -> None:
        cols = column_names(max(fields.values()) + 1)

        def col(target: str) -> str:
            return f"src.{cols[fields[target]]}" if target in fields else "NULL"

        # Each value is trimmed once, in the innermost projection (t_<field>), and times,
        # counts and booleans parsed once in the next (p_<field>), which both the value and
        # the reject reason read.
        parsers = {**dict.fromkeys(TIMES, parse_time_sql), **dict.fromkeys(COUNTS, parse_int_sql)}
        parsers.update(dict.fromkeys(BOOLS, parse_bool_sql))
        trimmed = [t for t in (*TRIMMED, *parsers) if t in fields]
        blanks = [f"{blank_sql(col(t))} AS t_{t}" for t in trimmed]
        parsed = [f"{parsers[t](f'src.t_{t}')} AS p_{t}" for t in parsers if t in fields]

        def value(target: str) -> str:
            if target not in fields:
                return "NULL"
            if target in parsers:
                return f"src.p_{target}"
            if target == "platform":
                return f"lower(src.t_{target})"
            if target in TRIMMED:
                return f"src.t_{target}"
            return f"nullif({col(target)}, '')"

        checks = []
        for target in TIMES:
            if target in fields:
                checks.append(
                    f"WHEN src.t_{target} IS NOT NULL AND src.p_{target} IS NULL "
                    f"THEN '{target} ' || {shown_value_sql(col(target))} || ' is not an ISO "
                    f"8601 time (e.g. 2020-03-01T14:05:00+01:00)'"
                )
        for target in COUNTS:
            if target in fields:
                checks.append(
                    f"WHEN src.t_{target} IS NOT NULL AND src.p_{target} IS NULL "
                    f"THEN '{target} ' || {shown_value_sql(col(target))} || ' is not a whole "
                    f"number'"
                )
        for target in BOOLS:
            if target in fields:
                checks.append(
                    f"WHEN NOT {bool_ok_sql(f'src.t_{target}')} "
                    f"THEN '{target} ' || {shown_value_sql(col(target))} || ' is not true/false'"
                )
        reject = f"CASE {' '.join(checks)} END" if checks else "NULL::VARCHAR"

        select = ", ".join(f"{value(f)} AS {f}" for f in CONTENT_FIELDS)
        inner = ", ".join(["src.*", *parsed])
        innermost = ", ".join(["src.*", *blanks])
        with session_timezone(con, ctx.timezone):
            con.execute(
                f"""
                INSERT INTO {table}
                SELECT {select}, src._row, {location}, src._raw, NULL, {raw_id},
                       src._rej, CASE WHEN src._rej IS NOT NULL THEN 'invalid' END
                FROM (
                    SELECT src.*, {reject} AS _rej
                    FROM (SELECT {inner} FROM (SELECT {innermost} FROM ({rows_sql}) src) src) src
                ) src
                """,
                params,
            )


SOURCES = (GenericCsv(),)


def options_for_map(pairs: list[str]) -> dict[str, Any]:
    """Parse --map target=column pairs."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        target, sep, column = pair.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise SourceError(f"--map {pair!r}: write it as target=column, e.g. created_at=Date")
        mapping[target.strip()] = column.strip()
    return {"map": mapping} if mapping else {}
