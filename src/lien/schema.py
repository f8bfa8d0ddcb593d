"""The message record, the platforms lien knows, and the workspace DDL with its migrations."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

SCHEMA_VERSION = 4


@dataclass(slots=True)
class Message:
    """One thing a person wrote. Times are naive datetimes in UTC.

    Roles (owned account, member, bot) are not stored here: they come from `accounts` at
    query time, so declaring an account re-labels history.
    """

    platform: str
    id: str
    created_at: datetime | None
    parent_id: str | None = None
    root_id: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_is_bot: bool | None = None
    edited_at: datetime | None = None
    text: str | None = None
    lang: str | None = None
    url: str | None = None
    like_count: int | None = None
    reply_count: int | None = None
    share_count: int | None = None
    owner_liked: bool | None = None


# Column order of the `messages` table and of every export.
RECORD_FIELDS: tuple[str, ...] = (
    "platform",
    "id",
    "parent_id",
    "root_id",
    "author_id",
    "author_handle",
    "author_name",
    "author_is_bot",
    "created_at",
    "edited_at",
    "text",
    "lang",
    "url",
    "like_count",
    "reply_count",
    "share_count",
    "owner_liked",
    "import_id",
    "raw_id",
)
# Fields a source produces; import_id and raw_id are assigned by the pipeline.
CONTENT_FIELDS: tuple[str, ...] = tuple(
    f for f in RECORD_FIELDS if f not in ("import_id", "raw_id")
)
assert set(CONTENT_FIELDS) == {f.name for f in fields(Message)}

SQL_TYPES: dict[str, str] = {
    "platform": "VARCHAR",
    "id": "VARCHAR",
    "parent_id": "VARCHAR",
    "root_id": "VARCHAR",
    "author_id": "VARCHAR",
    "author_handle": "VARCHAR",
    "author_name": "VARCHAR",
    "author_is_bot": "BOOLEAN",
    "created_at": "TIMESTAMP",
    "edited_at": "TIMESTAMP",
    "text": "VARCHAR",
    "lang": "VARCHAR",
    "url": "VARCHAR",
    "like_count": "BIGINT",
    "reply_count": "BIGINT",
    "share_count": "BIGINT",
    "owner_liked": "BOOLEAN",
    "import_id": "BIGINT",
    "raw_id": "BIGINT",
}

ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
    "BIGINT": pa.int64(),
}

# What the staging table adds to a message: where the record came from, its raw payload,
# and why it was rejected (NULL when it was not).
STAGE_EXTRA: dict[str, str] = {
    "_row": "BIGINT",
    "_location": "VARCHAR",
    "_raw": "VARCHAR",
    "_hints": "VARCHAR",
    "_raw_id": "BIGINT",
    "_reject": "VARCHAR",
    "_reject_kind": "VARCHAR",
}

PLATFORM_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True, slots=True)
class Platform:
    name: str
    title: str
    flat: bool  # every reply attached to the top-level comment (one level of nesting)


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("facebook", "Facebook", flat=True),
        Platform("instagram", "Instagram", flat=True),
        Platform("youtube", "YouTube", flat=True),
        Platform("tiktok", "TikTok", flat=True),
        Platform("mastodon", "Mastodon", flat=False),
        Platform("bluesky", "Bluesky", flat=False),
        Platform("x", "X (Twitter)", flat=False),
        Platform("reddit", "Reddit", flat=False),
    )
}


def is_flat(platform: str) -> bool:
    """Unknown platforms (from a generic CSV) keep their true parents, so they are not flat."""
    known = PLATFORMS.get(platform)
    return bool(known and known.flat)


def arrow_schema(extra: dict[str, str] | None = None) -> pa.Schema:
    cols = {f: SQL_TYPES[f] for f in CONTENT_FIELDS} | (extra or {})
    return pa.schema([(name, ARROW_TYPES[sql]) for name, sql in cols.items()])


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    message_cols = ",\n  ".join(f"{f} {SQL_TYPES[f]}" for f in RECORD_FIELDS)
    con.execute(f"CREATE TABLE messages (\n  {message_cols}\n)")
    con.execute(
        """
        CREATE TABLE raw_items (
          id BIGINT NOT NULL,
          import_id BIGINT NOT NULL,
          source VARCHAR NOT NULL,
          location VARCHAR,
          payload VARCHAR,
          hints VARCHAR
        )
        """
    )
    con.execute(
        """
        CREATE TABLE imports (
          id BIGINT NOT NULL,
          path VARCHAR,
          content_hash VARCHAR,
          size_bytes BIGINT,
          source VARCHAR,
          mapper_version INTEGER,
          options VARCHAR,
          started_at TIMESTAMP,
          finished_at TIMESTAMP,
          status VARCHAR,
          read BIGINT,
          stored BIGINT,
          updated BIGINT,
          duplicates BIGINT,
          rejected BIGINT
        )
        """
    )
    con.execute(
        """
        CREATE TABLE rejects (
          import_id BIGINT NOT NULL,
          raw_id BIGINT,
          location VARCHAR,
          kind VARCHAR,
          reason VARCHAR,
          raw VARCHAR
        )
        """
    )
    con.execute(
        """
        CREATE TABLE accounts (
          platform VARCHAR NOT NULL,
          author_id VARCHAR NOT NULL,
          name VARCHAR,
          added_at TIMESTAMP
        )
        """
    )
    con.execute("CREATE TABLE settings (key VARCHAR NOT NULL, value VARCHAR)")


def _v2(con: duckdb.DuckDBPyConnection) -> None:
    # Where each fetcher stopped, per platform and account, so a fetch resumes and stays
    # incremental. Saved in the same transaction as the page it follows.
    con.execute(
        """
        CREATE TABLE fetch_state (
          platform VARCHAR NOT NULL,
          account VARCHAR NOT NULL,
          state VARCHAR,
          updated_at TIMESTAMP
        )
        """
    )


def _v3(con: duckdb.DuckDBPyConnection) -> None:
    # What lien.text derived from each message's text (language, tone, gratitude), with the
    # text's digest and the method version, so annotating again only redoes what changed.
    con.execute(
        """
        CREATE TABLE annotations (
          platform VARCHAR NOT NULL,
          id VARCHAR NOT NULL,
          text_md5 VARCHAR NOT NULL,
          lang VARCHAR,
          lang_detected BOOLEAN,
          tone_score DOUBLE,
          tone_label VARCHAR,
          gratitude BOOLEAN,
          method VARCHAR NOT NULL,
          annotated_at TIMESTAMP
        )
        """
    )


# The DuckDB storage format lien creates workspaces in (every DuckDB lien supports reads it;
# older files keep the format they have). v1.2 is the first that can compress a column with
# zstd (the raw archive); v1.3 compresses strings as a dictionary of FSST-compressed values,
# which wrote a million rows of the demo's text columns a fifth faster than v1.2's choice
# between the two, for a file 2-7 % larger (docs/performance.md).
STORAGE_VERSION = "v1.3.0"


# SQL macros defined on every connection to a workspace (TEMP: nothing lands in the file).
# lien_trim(x) is trim(x), calling trim() only where it may have something to remove: trim()
# copies every string, and most values (ids, times, links) are plain ASCII with no space at
# either end. The other spaces trim() removes lie outside ASCII, which a byte count equal to
# the character count rules out. A macro keeps each import's SQL short: the same check
# written out for every field cost several milliseconds of planning per file.
MACROS = {
    "lien_trim": "(x) AS (CASE WHEN NOT prefix(x, ' ') AND NOT suffix(x, ' ') "
    "AND strlen(x) = length(x) THEN x ELSE trim(x) END)",
}


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    for name, body in MACROS.items():
        con.execute(f"CREATE OR REPLACE TEMP MACRO {name}{body}")


def storage_supports_zstd(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT tags['storage_version'] FROM duckdb_databases() "
        "WHERE database_name = current_database()"
    ).fetchone()
    found = re.match(r"v(\d+)\.(\d+)", str(row[0]) if row else "")
    return found is not None and (int(found[1]), int(found[2])) >= (1, 2)


def _v4(con: duckdb.DuckDBPyConnection) -> None:
    # The raw archive is written once per record and read only to re-normalize. zstd makes it
    # several times smaller than DuckDB's default string compression and quicker to write
    # (at import, writing it cost as much as writing the messages). Workspaces created before
    # in an older storage format cannot hold zstd columns and keep the default.
    if not storage_supports_zstd(con):
        return
    con.execute(
        """
        CREATE TABLE _lien_raw_items (
          id BIGINT NOT NULL,
          import_id BIGINT NOT NULL,
          source VARCHAR NOT NULL,
          location VARCHAR,
          payload VARCHAR USING COMPRESSION zstd,
          hints VARCHAR
        )
        """
    )
    con.execute("INSERT INTO _lien_raw_items SELECT * FROM raw_items ORDER BY id")
    con.execute("DROP TABLE raw_items")
    con.execute("ALTER TABLE _lien_raw_items RENAME TO raw_items")
    con.execute(
        """
        CREATE TABLE _lien_rejects (
          import_id BIGINT NOT NULL,
          raw_id BIGINT,
          location VARCHAR,
          kind VARCHAR,
          reason VARCHAR,
          raw VARCHAR USING COMPRESSION zstd
        )
        """
    )
    con.execute("INSERT INTO _lien_rejects SELECT * FROM rejects")
    con.execute("DROP TABLE rejects")
    con.execute("ALTER TABLE _lien_rejects RENAME TO rejects")


# Internal keys of the settings table: never shown or set as settings.
MESSAGES_VERSION = "messages_version"
ANNOTATIONS_STAMP = "annotations_stamp"
INTERNAL_SETTINGS = frozenset({"schema_version", MESSAGES_VERSION, ANNOTATIONS_STAMP})


def messages_changed(con: duckdb.DuckDBPyConnection) -> None:
    """Count one more change to the messages' texts or languages, inside the writer's
    transaction. Every writer of `messages` calls it (imports, reparse, erasure, retention):
    the check for messages to annotate, a scan of every text, is skipped while the count
    is the one it last saw."""
    con.execute(
        "INSERT INTO settings SELECT ?, '0' WHERE NOT EXISTS "
        "(SELECT 1 FROM settings WHERE key = ?)",
        [MESSAGES_VERSION, MESSAGES_VERSION],
    )
    con.execute(
        "UPDATE settings SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = ?",
        [MESSAGES_VERSION],
    )


# Migration N brings a workspace from version N-1 to N. Append, never edit.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {
    1: _v1,
    2: _v2,
    3: _v3,
    4: _v4,
}


def migrate(con: duckdb.DuckDBPyConnection, current: int) -> int:
    """Apply every migration above `current`, each in its own transaction; return the new version."""
    for version in sorted(v for v in MIGRATIONS if v > current):
        con.execute("BEGIN TRANSACTION")
        try:
            MIGRATIONS[version](con)
            con.execute("DELETE FROM settings WHERE key = 'schema_version'")
            con.execute("INSERT INTO settings VALUES ('schema_version', ?)", [str(version)])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        current = version
    return current


def message_row(m: Message) -> dict[str, Any]:
    return {f: getattr(m, f) for f in CONTENT_FIELDS}
