"""Reddit: saved API responses (`/comments/<id>` listings, `/api/info`, user listings,
`/api/morechildren`) and Pushshift-style NDJSON dumps of submissions and comments.

Every comment names its parent (`parent_id`, a fullname `t1_…` or `t3_…`) and its submission
(`link_id`), so each thing maps on its own; one SQL mapping serves both formats. A JSON
response is small: Python walks its tree (`replies` listings) into things and hands them to
that SQL; an NDJSON dump is read line by line inside DuckDB.

Identity rules:

- Message ids are fullnames (`t3_2gmzqe` for a submission, `t1_cklfmye` for a comment):
  submission and comment ids are separate base36 sequences and may collide, and the parent
  pointers are fullnames already. Pushshift ids come without prefix and get one by kind.
- The author is the username (Reddit names never change and are unique regardless of case):
  author_id is it lowercased, the handle as written. `[deleted]` means no known author.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ...errors import SourceError
from .. import BulkSource, ImportContext, Probe
from .._csv import session_timezone
from .._jsonl import numbered_lines
from .._utf8 import not_utf8_error, utf8_reader_errors
from ._sql import insert_mapped

PLATFORM = "reddit"
THING_KINDS = ("t1", "t3", "more")
COMMENT_KEYS = {"body", "link_id", "parent_id"}
SUBMISSION_KEYS = {"title", "subreddit", "created_utc"}
_ITEMS = pa.schema(
    [
        ("_row", pa.int64()),
        ("_location", pa.string()),
        ("_raw", pa.string()),
        ("_hints", pa.string()),
    ]
)


def is_thing(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("kind") in THING_KINDS
        and isinstance(value.get("data"), dict)
    )


def is_listing(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.get("kind") == "Listing"
        and isinstance(value.get("data"), dict)
        and isinstance(value["data"].get("children"), list)
    )


def is_morechildren(value: Any) -> bool:
    inner = value.get("json") if isinstance(value, dict) else None
    return (
        isinstance(inner, dict)
        and isinstance(inner.get("data"), dict)
        and isinstance(inner["data"].get("things"), list)
    )


def is_dump_object(value: Any) -> bool:
    """A Pushshift / Arctic Shift comment or submission (no `kind` wrapper)."""
    if not isinstance(value, dict) or "id" not in value or "subreddit" not in value:
        return False
    keys = set(value)
    return COMMENT_KEYS <= keys or (
        SUBMISSION_KEYS <= keys and ("selftext" in keys or "is_self" in keys)
    )


def _recognised(value: Any) -> bool:
    if isinstance(value, list):
        return bool(value) and all(is_listing(v) for v in value)
    return is_listing(value) or is_morechildren(value) or is_thing(value)


class RedditFiles(BulkSource):
    name = "reddit"
    title = "Reddit API responses and Pushshift dumps"
    platforms = (PLATFORM,)
    reads = (
        "`GET /comments/<id>` responses: the submission listing and its nested comment tree",
        "Listings: `/api/info`, `/user/<name>/comments`, subreddit listings",
        "`/api/morechildren` responses (`json.data.things`)",
        "Pushshift / Arctic Shift NDJSON of comments and submissions (one object per line, "
        "`t1_`/`t3_` fullnames in `parent_id`/`link_id`), and JSON Lines of `{kind, data}` "
        "things",
    )
    quirks = (
        "Ids are fullnames (`t3_…` submissions, `t1_…` comments): the two id sequences may "
        "collide, and parents are fullnames already.",
        "A submission is the root of its thread; its text is the title, then the self text.",
        '`more` stubs ("load more comments", "continue this thread") become skipped rejects '
        "with the number of comments they stand for: those comments are not in the file and "
        "are not invented.",
        "`[deleted]` authors have no author; `[deleted]`/`[removed]` bodies have no text. The "
        "message is kept, so that replies to it keep their place in the thread.",
        "`created_utc` may be a float, an integer or a string (old dumps); `edited` is false "
        "or the edit time.",
        "`score` is kept as the like count when it is not negative; a submission's "
        "`num_comments` as its reply count. `&amp; &lt; &gt;` are unescaped (responses saved "
        "without `raw_json=1`, and Pushshift bodies).",
        "Reddit has no bot flag: only AutoModerator is marked as a bot. `likes` is the "
        "token's own vote: owner_liked stays empty.",
        "Nested `replies` are removed from a comment's raw record: each reply has its own.",
    )

    def sniff(self, probe: Probe) -> bool:
        whole = probe.json
        if whole is not None:
            return _recognised(whole) or (
                isinstance(whole, dict) and (is_dump_object(whole) or is_thing(whole))
            )
        if probe.json_lines:
            first = probe.first_json_line
            return is_dump_object(first) or is_thing(first)
        return False

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        display = ctx.display_name or path.name
        document = _document(path, display)
        if document is None:
            with utf8_reader_errors(display), numbered_lines(con, path) as lines:
                items = f"""
                    SELECT _line AS _row, 'line ' || _line AS _location, line AS _raw,
                           NULL::VARCHAR AS _hints
                    FROM ({lines}) WHERE regexp_matches(line, '\\S')
                """
                with session_timezone(con, "UTC"):
                    insert_mapped(con, table, items, [], named=True)
            return
        rows = list(_walk(document))
        table_rows = {
            "_row": list(range(1, len(rows) + 1)),
            "_location": [r[0] for r in rows],
            "_raw": [r[1] for r in rows],
            "_hints": [r[2] for r in rows],
        }
        con.register("_reddit_walk", pa.table(table_rows, schema=_ITEMS))
        try:
            with session_timezone(con, "UTC"), utf8_reader_errors(display):
                insert_mapped(con, table, "SELECT * FROM _reddit_walk", [], named=True)
        finally:
            con.unregister("_reddit_walk")

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        items = f"""
            SELECT r.id AS _row, r.location AS _location, r.payload AS _raw, r.hints AS _hints,
                   r.id AS _raw_id
            FROM ({raw_query}) r
        """
        with session_timezone(con, "UTC"):
            insert_mapped(con, table, items, [], named=False)


def _document(path: Path, display: str) -> Any:
    """The file as one JSON document, or None when it is JSON Lines (a dump)."""
    with path.open("rb") as f:
        first = b""
        for raw in f:
            if raw.strip():
                first = raw.strip().removeprefix(b"\xef\xbb\xbf")
                break
    try:
        json.loads(first)
        single_line = True
    except (ValueError, RecursionError):
        single_line = False
    if single_line and path.stat().st_size > len(first) + 2:
        return None  # several lines, the first complete: JSON Lines
    if single_line and not first.startswith((b"[", b'{"kind"', b'{"json"')):
        return None
    try:
        return json.loads(path.read_bytes().removeprefix(b"\xef\xbb\xbf"))
    except UnicodeDecodeError:
        raise not_utf8_error(display) from None
    except ValueError:
        raise SourceError(
            f"{display}: not valid JSON; the file may be truncated or damaged"
        ) from None
    except RecursionError:
        raise SourceError(f"{display}: JSON nested too deeply to read") from None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _walk(document: Any) -> Iterator[tuple[str, str, str | None]]:
    """(location, raw data JSON, hints JSON) of every thing in a response, depth first, in
    file order. Nested `replies` are cut from their parent's raw record."""
    counter = 0

    def visit(value: Any) -> Iterator[tuple[str, str, str | None]]:
        nonlocal counter
        if isinstance(value, list):
            for item in value:
                yield from visit(item)
            return
        if is_listing(value):
            yield from visit(value["data"]["children"])
            return
        if is_morechildren(value):
            yield from visit(value["json"]["data"]["things"])
            return
        counter += 1
        if is_thing(value):
            data = dict(value["data"])
            replies = data.pop("replies", None)
            yield f"thing {counter}", _dumps(data), _dumps({"kind": value["kind"]})
            if replies:
                yield from visit(replies)
            return
        yield f"thing {counter}", _dumps(value), None

    yield from visit(document)


SOURCES = (RedditFiles(),)
