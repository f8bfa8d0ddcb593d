"""4CAT dataset exports: the CSV a dataset downloads as, and NDJSON of mapped items.

4CAT maps every datasource's items to rows that always hold `id, thread_id, timestamp, body,
author` (then per-datasource columns: `unix_timestamp`, `subject`, `author_fullname`,
`likes`, `post_url`, ...), so the export is recognised by that header set. One SQL mapping
reads both formats inside DuckDB: the CSV through `_csv` (header names never reach SQL text),
NDJSON lines through `from_json`.

Reply structure: `parent_id` (or `reply_to`) when the datasource has it, else `thread_id`
when it differs from the item's own id (a comment's post, a reply's comment for TikTok); the
root is resolved through the parents in the workspace.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb

from .. import BulkSource, ImportContext, Probe
from .._csv import csv_errors, read_csv_rows, session_timezone, utf8_layout
from .._jsonl import numbered_lines
from .._utf8 import utf8_reader_errors
from ._sql import insert_mapped

CORE = {"id", "thread_id", "timestamp", "body", "author"}
ZEESCHUIMER = {"data", "source_platform", "timestamp_collected"}
# 4CAT datasource ids (as they begin its file names) → lien platforms.
DATASOURCES = {
    "tiktok": "tiktok",
    "instagram": "instagram",
    "twitter": "x",
    "x": "x",
    "reddit": "reddit",
    "youtube": "youtube",
    "facebook": "facebook",
    "bsky": "bluesky",
    "bluesky": "bluesky",
    "telegram": "telegram",
    "threads": "threads",
    "linkedin": "linkedin",
    "douyin": "douyin",
    "fourchan": "fourchan",
    "4chan": "fourchan",
    "ninegag": "ninegag",
    "9gag": "ninegag",
    "gab": "gab",
    "truthsocial": "truthsocial",
    "tumblr": "tumblr",
}
FALLBACK_PLATFORM = "fourcat"


def default_platform(name: str) -> str:
    """The platform a 4CAT file name announces (`tiktok-comments-abc.csv`), else fourcat."""
    first = re.split(r"[-_. ]", Path(name).name.lower(), maxsplit=1)[0]
    return DATASOURCES.get(first, FALLBACK_PLATFORM)


def is_item(value: Any) -> bool:
    return isinstance(value, dict) and CORE <= set(value)


def is_zeeschuimer(value: Any) -> bool:
    return isinstance(value, dict) and ZEESCHUIMER <= set(value)


class FourCatExports(BulkSource):
    name = "4cat"
    title = "4CAT dataset exports (CSV, NDJSON)"
    platforms = ("any",)
    reads = (
        "A 4CAT dataset downloaded as CSV: columns id, thread_id, timestamp, body, author "
        "and the datasource's own (unix_timestamp, subject, author_fullname, likes, "
        "replies, post_url, ...)",
        "NDJSON of 4CAT items with the same fields",
    )
    quirks = (
        "The platform comes from a `platform`/`source_platform` column, else the host of the "
        "item's URL (tiktok.com, instagram.com, twitter.com/x.com, reddit.com, youtube.com, "
        "facebook.com, bsky.app, t.me), else a `subreddit` column, else the file name's "
        "datasource prefix (`tiktok-…`), else `fourcat`.",
        "`timestamp` is written in the 4CAT server's local time without offset: "
        "`unix_timestamp` is used when present; otherwise `timestamp` is read in the "
        "workspace time zone.",
        "The parent is `parent_id` (or `reply_to`) when the datasource exports it, else "
        "`thread_id` when it differs from the id; roots are resolved through parents.",
        "Empty cells are 4CAT's missing values: they stay empty, never 0.",
        "Zeeschuimer NDJSON (raw platform items under `data`) is recognised but not read: "
        "each line becomes a skipped reject; export the dataset from 4CAT as CSV instead.",
    )

    def sniff(self, probe: Probe) -> bool:
        header = probe.csv_header
        if header is not None:
            return CORE <= set(header)
        if probe.json_lines:
            first = probe.first_json_line
            return is_item(first) or is_zeeschuimer(first)
        return False

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        display = ctx.display_name or path.name
        platform = str(ctx.options.get("platform") or default_platform(display))
        with session_timezone(con, ctx.timezone):
            probe = Probe(path, display)
            # A CSV whose header is damaged is still read as CSV, for the CSV reader's error
            # ("the header has an empty column name"), not as lines that are not JSON.
            if probe.csv_header is not None or not (
                probe.is_binary or probe.text.lstrip().startswith(("{", "["))
            ):
                self._stage_csv(con, path, display, table, platform)
            else:
                with utf8_reader_errors(display), numbered_lines(con, path) as lines:
                    items = f"""
                        SELECT _line AS _row, 'line ' || _line AS _location, line AS _raw,
                               NULL::BIGINT AS _raw_id
                        FROM ({lines}) WHERE regexp_matches(line, '\\S')
                    """
                    insert_mapped(con, table, items, [], platform, csv_header=None)

    def _stage_csv(
        self, con: duckdb.DuckDBPyConnection, path: Path, display: str, table: str, platform: str
    ) -> None:
        with utf8_layout(path, display) as layout, read_csv_rows(con, layout) as (rows, params):
            items = f"""
                SELECT src.*, 'row ' || src._row AS _location, NULL::BIGINT AS _raw_id
                FROM ({rows}) src
            """
            insert_mapped(con, table, items, params, platform, csv_header=layout.header)
            for line, reason, text in csv_errors(con):
                con.execute(
                    f"""INSERT INTO {table} (_row, _location, _raw, _reject, _reject_kind)
                        VALUES (?, ?, ?, ?, 'invalid')""",
                    [-line, f"line {line}", text, f"malformed CSV line: {reason}"],
                )

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        platform = str(ctx.options.get("platform") or FALLBACK_PLATFORM)
        with session_timezone(con, ctx.timezone):
            # A stored CSV row is a JSON object keyed by its header, like an NDJSON line: the
            # NDJSON path reads both. The file's platform is in each record's hints.
            items = f"""
                SELECT r.id AS _row, r.location AS _location, r.payload AS _raw,
                       r.id AS _raw_id, r.hints AS _hints
                FROM ({raw_query}) r
            """
            insert_mapped(con, table, items, [], platform, csv_header=None, restage=True)


SOURCES = (FourCatExports(),)
