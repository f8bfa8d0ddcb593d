"""X (Twitter): API v2 responses and twarc2 JSON Lines, v1.1 tweet JSON, academictwitteR files.

Everything is normalised inside DuckDB (`BulkSource`): a file is cut into units (one per line
for JSON Lines, the whole document otherwise), each unit into tweets (`data`, `statuses`, a
bare array, or the unit itself), and one SQL mapping (in `_sql.py`) turns every tweet, from any
API version, into a message. The same mapping re-reads stored raw records for `lien reparse`.

Identity rules:

- A tweet's id is its id string (`id_str` in v1.1: the numeric `id` exceeds 2^53).
- The parent is the `replied_to` reference (v2) or `in_reply_to_status_id_str` (v1.1); the
  root is `conversation_id` (v2). v1.1 has no conversation id: the root is resolved through
  the parent chain once the parents are in the workspace.
- The author is the numeric user id (stable); the handle (`username`, `screen_name`) and the
  name come from `includes.users`, the flattened `author`, or the v1.1 `user` object.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb

from ...errors import SourceError
from .. import HEAD_BYTES, BulkSource, ImportContext, Probe
from .._csv import session_timezone
from .._jsonl import numbered_lines
from .._utf8 import utf8_reader_errors
from ._sql import insert_included_parents, insert_mapped, prepare_units

PLATFORM = "x"
V2_TWEET_FIELDS = {
    "edit_history_tweet_ids",
    "author_id",
    "conversation_id",
    "referenced_tweets",
    "public_metrics",
    "in_reply_to_user_id",
    "reply_settings",
}
NOT_V2_FIELDS = {"timestamp", "created_time", "platform", "root_id"}
INCLUDE_KEYS = {"users", "tweets", "media", "places", "polls", "topics"}
COMPLIANCE_KEYS = {"id", "action", "created_at", "redacted_at", "reason"}
ACADEMIC_DATA = re.compile(r"^(.*)data_([^/]+\.json)$")


def is_v1_tweet(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("id_str"), str)
        and isinstance(value.get("user"), dict)
        and "screen_name" in value["user"]
        and ("text" in value or "full_text" in value)
    )


def is_v2_tweet(value: Any) -> bool:
    """A v2 Tweet object: `id` and `text` plus a v2-only field. Instagram comments also have
    `id` and `text` (with `timestamp`), lien's own export `author_id` (with `platform`)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("id"), str)
        and isinstance(value.get("text"), str)
        and bool(V2_TWEET_FIELDS & set(value))
        and not NOT_V2_FIELDS & set(value)
    )


def is_tweet(value: Any) -> bool:
    return is_v1_tweet(value) or is_v2_tweet(value)


def is_v2_response(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    data = value.get("data")
    if isinstance(data, list):
        return bool(data) and is_v2_tweet(data[0])
    if isinstance(data, dict):
        return is_v2_tweet(data)
    # A page without tweets, or an error response of the v2 API (problem types live under
    # api.twitter.com).
    errors = value.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        kind = str(errors[0].get("type", ""))
        return "api.twitter.com/2/problems" in kind
    meta = value.get("meta")
    return isinstance(meta, dict) and meta.get("result_count") == 0 and "__twarc" in value


def is_includes(value: Any) -> bool:
    """An `includes` block on its own (academictwitteR's users_<id>.json)."""
    if not isinstance(value, dict) or not value or not set(value) <= INCLUDE_KEYS:
        return False
    users = value.get("users")
    return (
        isinstance(users, list)
        and bool(users)
        and isinstance(users[0], dict)
        and "username" in users[0]
    )


def is_compliance(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and {"id", "action"} <= set(value)
        and set(value) <= COMPLIANCE_KEYS
        and value.get("action") in ("delete", "scrub_geo", "withheld", "deactivate")
    )


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and is_tweet(value[0])
    if not isinstance(value, dict):
        return False
    if isinstance(value.get("statuses"), list) and isinstance(value.get("search_metadata"), dict):
        return True
    return is_tweet(value) or is_v2_response(value) or is_includes(value) or is_compliance(value)


class XFiles(BulkSource):
    name = "x"
    title = "X (Twitter) API responses, twarc2 and academictwitteR files"
    platforms = (PLATFORM,)
    reads = (
        "twarc2 JSON Lines: one API v2 response per line (`data`, `includes`, `meta`, "
        "`errors`), filtered-stream lines (`data` as one tweet, `matching_rules`), and "
        "`twarc2 flatten` output (one tweet per line with its `author`)",
        "API v2 responses saved as JSON (`GET /2/tweets`, search, timelines, mentions)",
        "academictwitteR `data_<id>.json` (an array of v2 tweets); the `users_<id>.json` "
        "beside it gives the authors' handles and names",
        "API v1.1 tweets: arrays (timelines, lookup), one tweet (`statuses/show`), search "
        "responses (`statuses`), and JSON Lines of v1.1 tweets (twarc 1)",
        "Compliance-job lines (`{id, action, reason}`) are recorded as skipped",
    )
    quirks = (
        "Ids are strings: v1.1's numeric `id` exceeds 2^53 and is never used; `id_str` is.",
        "Retweets are kept as skipped rejects: a share is not something the retweeter wrote "
        "(the retweet and its original stay in the raw record).",
        "Text is the full text when the file has it: `note_tweet` (long posts), v1.1 "
        "`extended_tweet` or `full_text`; `&amp; &lt; &gt;` are unescaped. Leading @mentions "
        "of replies are kept.",
        "Tweets of `includes.tweets` are imported only when a tweet of the file replies to them "
        "(the parents of its replies); quoted and retweeted originals are not messages of "
        "the file.",
        "When `created_at` was not requested (default v2 fields) the time comes from the "
        "tweet id (a snowflake holds its creation time to the millisecond).",
        "An edited tweet (v2 `edit_history_tweet_ids`) has a new id per version: each version "
        "is its own message; the latest gets created_at of the first version and edited_at "
        "of its own.",
        "v1.1 has no conversation id: roots are resolved through parents in the workspace; "
        "replies whose parents are missing keep an empty root until the parents arrive.",
        "`favorited` and `retweeted` tell what the token's account did, not the owned "
        "account: owner_liked stays empty. The APIs have no bot flag.",
        "Page `errors` (suspended authors, deleted parents) only explain what `includes` "
        "lacks; a line or file with no tweet at all becomes one skipped reject with the "
        "first error.",
    )

    def sniff(self, probe: Probe) -> bool:
        whole = probe.json
        if whole is not None:
            return _recognised(whole)
        if probe.json_lines:
            first = probe.first_json_line
            return _recognised(first) or (isinstance(first, dict) and is_v2_response(first))
        return _long_page_head(probe)

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        display = ctx.display_name or path.name
        with utf8_reader_errors(display):
            self._stage(con, path, display, table)

    def _stage(self, con: duckdb.DuckDBPyConnection, path: Path, display: str, table: str) -> None:
        if _is_json_lines(path):
            with numbered_lines(con, path) as lines:
                units = f"""
                    SELECT _line AS _unit, 'line ' || _line AS _uloc, line AS u
                    FROM ({lines}) WHERE regexp_matches(line, '\\S')
                """
                self._stage_units(con, path, table, units, [])
        else:
            row = con.execute("SELECT json_valid(content) FROM read_text(?)", [str(path)])
            valid = row.fetchone()
            if not valid or not valid[0]:
                raise SourceError(
                    f"{display}: not valid JSON; the file may be truncated or damaged"
                )
            units = "SELECT 1 AS _unit, '' AS _uloc, content AS u FROM read_text(?)"
            self._stage_units(con, path, table, units, [str(path)])

    def _stage_units(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        table: str,
        units: str,
        params: list[object],
    ) -> None:
        extra_users = _academic_users(path)
        with session_timezone(con, "UTC"):
            prepare_units(con, units, params, extra_users)
            insert_mapped(con, table)
            insert_included_parents(con, table)
            for name in ("_x_units", "_x_users", "_x_items"):
                con.execute(f"DROP TABLE IF EXISTS {name}")

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        with session_timezone(con, "UTC"):
            insert_mapped(con, table, raw_query=raw_query)


PAGE_START = re.compile(r'^\s*\{\s*"data"\s*:\s*\[\s*\{')
V2_KEYS = re.compile(r'"(edit_history_tweet_ids|conversation_id|referenced_tweets)"\s*:')


def _long_page_head(probe: Probe) -> bool:
    """A twarc2 page line longer than the sniffed head (a page of 100 tweets and their
    includes easily exceeds it): a `data` array whose first tweet has v2-only fields."""
    if probe.is_binary or len(probe.head) < HEAD_BYTES or "\n" in probe.text[: HEAD_BYTES // 2]:
        return False
    return bool(PAGE_START.match(probe.text)) and bool(V2_KEYS.search(probe.text))


def _is_json_lines(path: Path) -> bool:
    """JSON Lines when the first non-empty line is a whole JSON value (a pretty-printed
    document starts with a lone `{` or `[`)."""
    with path.open("rb") as f:
        for raw in f:
            line = raw.strip().removeprefix(b"\xef\xbb\xbf")
            if not line:
                continue
            try:
                json.loads(line)
            except (ValueError, RecursionError):
                return line not in (b"{", b"[")
            return True
    return True


def _academic_users(path: Path) -> str | None:
    """academictwitteR writes `data_<id>.json` and `users_<id>.json` side by side; the
    second holds the `includes` (users) of the first. Its users as a JSON array, or None."""
    m = ACADEMIC_DATA.match(path.name)
    if not m:
        return None
    sibling = path.with_name(f"{m.group(1)}users_{m.group(2)}")
    if not sibling.is_file() or sibling.stat().st_size > 256 * 1024 * 1024:
        return None
    try:
        value = json.loads(sibling.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    users = value.get("users") if isinstance(value, dict) else value
    if not isinstance(users, list):
        return None
    return json.dumps([u for u in users if isinstance(u, dict)], ensure_ascii=False)


SOURCES = (XFiles(),)
