"""X, Reddit and 4CAT files: overlapping files merge once, reparse reproduces the import, and
fuzzing of the bulk readers (only rejects or a one-line SourceError may come out)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lien.importer import import_file, reparse
from lien.workspace import Workspace

from ..conftest import DATA

TWARC = "twitter_v2_twarc2/"
REDDIT = "reddit/extracted/"
FOREST = "praw_TestCommentForest.test_replace__on_direct_comment__0"
FOREST_INFO = FOREST + "1_GET_api_info_.json"
FOREST_THREAD = FOREST + "2_GET_comments_57dw9a___d8r4im1.json"
FOREST_CONTINUED = FOREST + "3_GET_comments_57dw9a___d8rzxi2.json"


def _count(ws: Workspace, platform: str) -> int:
    row = ws.con.execute("SELECT count(*) FROM messages WHERE platform = ?", [platform]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_noflat_and_flat_twarc2_files_store_each_tweet_once(
    samples: Path, ws: Workspace, order: tuple[int, int]
) -> None:
    # flat.jsonl is `twarc2 flatten` of the same 100 tweets as noflat.jsonl (one page).
    files = [samples / TWARC / "twarccsv_noflat.jsonl", samples / TWARC / "twarccsv_flat.jsonl"]
    results = [import_file(ws, files[i].name, files[i]) for i in order]
    assert all(r.status == "imported" and r.balanced for r in results)
    pages = json.loads(files[0].read_text(encoding="utf-8"))
    data_ids = {t["id"] for t in pages["data"]}
    retweets = {
        t["id"]
        for t in pages["data"]
        if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))
    }
    replied = {
        r["id"]
        for t in pages["data"]
        for r in t.get("referenced_tweets", [])
        if r["type"] == "replied_to"
    }
    included = {t["id"] for t in pages["includes"]["tweets"]} & replied - data_ids
    assert _count(ws, "x") == len(data_ids - retweets) + len(included)
    # Both formats map the 53 kept tweets identically (duplicates, never updates); only the
    # page format carries the replied-to parents of `includes.tweets`.
    second = results[1]
    assert second.updated == 0
    assert second.stored == (len(included) if order == (1, 0) else 0)
    # X numbers the tweets of a file's lines with a wide shift; raw ids stay 1, 2, 3...
    ids = [i for (i,) in ws.con.execute("SELECT id FROM raw_items ORDER BY id").fetchall()]
    assert ids == list(range(1, len(ids) + 1))


@pytest.mark.parametrize("reverse", [False, True])
def test_reddit_comments_fetched_alone_and_in_threads_are_stored_once(
    samples: Path, ws: Workspace, reverse: bool
) -> None:
    # By hand: the info file holds t1_d8r4im1, which the thread file holds too; the
    # "continue this thread" page repeats the submission and t1_d8rzxi2 from the thread and
    # adds one reply. Union: 146 things of the thread + 1.
    names = [FOREST_INFO, FOREST_THREAD, FOREST_CONTINUED]
    for name in reversed(names) if reverse else names:
        result = import_file(ws, name, samples / REDDIT / name)
        assert result.status == "imported" and result.balanced
    assert _count(ws, "reddit") == 147
    roots = ws.con.execute("SELECT DISTINCT root_id FROM messages").fetchall()
    assert roots == [("t3_57dw9a",)]


def test_repeated_4cat_export_is_already_imported_and_a_later_one_merges(
    ws: Workspace, tmp_path: Path
) -> None:
    source = DATA / "4cat/tiktok-comments-valdelune.csv"
    first = import_file(ws, "a", source)
    again = import_file(ws, "a", source)
    assert again.status == "already imported"
    later = tmp_path / "tiktok-comments-later.csv"
    text = source.read_text(encoding="utf-8").replace(",12,2,", ",15,2,")
    later.write_text(text, encoding="utf-8")
    merged = import_file(ws, "b", later)
    assert (first.stored, merged.stored, merged.updated) == (4, 0, 1)
    row = ws.con.execute(
        "SELECT like_count FROM messages WHERE id = '7300000000000000001'"
    ).fetchone()
    assert row == (15,)


def test_reparse_reproduces_every_message_and_reject(samples: Path, ws: Workspace) -> None:
    files = [
        samples / TWARC / "twarccsv_withheld.jsonl",
        samples / "twitter_v2_api/pytwitter_searches_search_tweets_query.json",
        samples / REDDIT / FOREST_THREAD,
        DATA / "reddit/pushshift_edge.ndjson",
        DATA / "4cat/tiktok-comments-valdelune.csv",
        DATA / "4cat/reddit-valdelune.ndjson",
    ]
    for path in files:
        assert import_file(ws, path.name, path).status == "imported"

    def snapshot() -> tuple[list[Any], list[Any]]:
        messages = ws.con.execute(
            "SELECT * EXCLUDE (import_id, raw_id) FROM messages ORDER BY ALL"
        ).fetchall()
        rejects = ws.con.execute(
            "SELECT location, kind, reason FROM rejects ORDER BY ALL"
        ).fetchall()
        return messages, rejects

    before = snapshot()
    results = reparse(ws)
    assert {r.source for r in results} == {"x", "reddit", "4cat"}
    assert all(r.stored == 0 and r.updated == 0 for r in results)
    assert snapshot() == before


LATIN1_LINES = {
    "x": b'{"id": "20", "text": "a", "author_id": "1", "conversation_id": "20"}',
    "reddit": b'{"id": "c2", "body": "a", "link_id": "t3_p", "parent_id": "t3_p", '
    b'"subreddit": "s", "created_utc": 1700000000}',
    "4cat": b'{"id": "7", "thread_id": "7", "body": "a", "author": "u", '
    b'"timestamp": "2024-01-10 09:00:00"}',
}


@pytest.mark.parametrize("source", sorted(LATIN1_LINES))
def test_bulk_line_that_is_not_utf8_fails_the_file_naming_the_line(
    ws: Workspace, tmp_path: Path, source: str
) -> None:
    good = LATIN1_LINES[source]
    path = tmp_path / "dump.jsonl"
    # Line 3 holds "é" in Latin-1 (one byte 0xE9), not in UTF-8.
    path.write_bytes(good + b"\n" + good + b"\n" + good.replace(b'"a"', b'"caf\xe9"') + b"\n")
    result = import_file(ws, path.name, path, source_name=source)
    assert result.status == "failed"
    assert result.error is not None
    assert "dump.jsonl: not UTF-8 text (line 3)" in result.error
    assert "\n" not in result.error
    assert ws.con.execute("SELECT count(*) FROM messages").fetchone() == (0,)


def test_a_reject_reason_stays_on_one_line_whatever_value_it_quotes(
    ws: Workspace, tmp_path: Path
) -> None:
    # Found by the fuzzer: a 4CAT timestamp that is a quoted line break.
    path = tmp_path / "tiktok-comments.csv"
    path.write_text(
        "id,thread_id,author,body,timestamp\n"
        '1,1,u,"a","2024-01-10 09:00:00"\n'
        '2,1,u,"b","\r\n"\n'
        '3,1,u,"c","le\tdix"\n',
        encoding="utf-8",
    )
    result = import_file(ws, path.name, path, source_name="4cat")
    assert (result.stored, result.rejected) == (1, 2), result.summary()
    reasons = [
        r for (r,) in ws.con.execute("SELECT reason FROM rejects ORDER BY raw_id").fetchall()
    ]
    assert reasons == [
        'item 2: timestamp "??" is not a time',
        'item 3: timestamp "le?dix" is not a time',
    ]


# -- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
KEYS = [
    "id", "id_str", "text", "full_text", "data", "includes", "users", "tweets", "author_id",
    "created_at", "referenced_tweets", "conversation_id", "user", "retweeted_status",
    "edit_history_tweet_ids", "kind", "name", "body", "title", "author", "created_utc",
    "parent_id", "link_id", "replies", "children", "count", "thread_id", "timestamp",
    "unix_timestamp", "source_platform", "subreddit", "edited", "public_metrics", "type",
]  # fmt: skip
SEEDS = {
    "reddit": [DATA / "reddit/thread_edge.json", DATA / "reddit/pushshift_edge.ndjson"],
    "4cat": [DATA / "4cat/reddit-valdelune.ndjson"],
}
X_SEED_LINES = [
    {
        "data": [
            {
                "id": "1700000000000000001",
                "text": "Le lac &amp; la neige",
                "author_id": "42",
                "created_at": "2024-03-01T10:00:00.000Z",
                "conversation_id": "1700000000000000000",
                "referenced_tweets": [{"type": "replied_to", "id": "1700000000000000000"}],
                "edit_history_tweet_ids": ["1700000000000000001"],
            }
        ],
        "includes": {
            "users": [{"id": "42", "username": "lune", "name": "Lune"}],
            "tweets": [{"id": "1700000000000000000", "text": "racine", "author_id": "42"}],
        },
    },
    {
        "id_str": "1700000000000000002",
        "full_text": "v1.1",
        "created_at": "Fri Jul 12 23:40:37 +0000 2019",
        "user": {"id_str": "7", "screen_name": "v1"},
        "in_reply_to_status_id_str": "1700000000000000001",
    },
    {"id": "1170025343920402432", "action": "delete", "reason": "protected"},
]


def _mutate(value: Any, data: st.DataObject) -> Any:
    """Replace, drop or retype one random node of a real record."""
    if isinstance(value, dict) and value and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(value)))
        action = data.draw(st.sampled_from(["drop", "replace", "recurse"]))
        out = dict(value)
        if action == "drop":
            del out[key]
        elif action == "replace":
            out[key] = data.draw(json_values)
        else:
            out[key] = _mutate(value[key], data)
        return out
    if isinstance(value, list) and value and data.draw(st.booleans()):
        i = data.draw(st.integers(0, len(value) - 1))
        out_list = list(value)
        out_list[i] = _mutate(value[i], data)
        return out_list
    if data.draw(st.booleans()):
        return data.draw(json_values | st.dictionaries(st.sampled_from(KEYS), json_values))
    return value


FUZZED = ("x", "reddit", "4cat")


@pytest.fixture(scope="module")
def fuzz_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace for all examples: each import balances on its own."""
    workspace = Workspace.create(tmp_path_factory.mktemp("fuzz") / "fuzz.duckdb")
    yield workspace
    workspace.close()


def _import_cleanly(ws: Workspace, source: str, path: Path) -> None:
    result = import_file(ws, path.name, path, source_name=source)
    if result.status == "failed":
        assert result.error and "\n" not in result.error
        assert "could not be read" not in result.error, result.error
        return
    assert result.status in ("imported", "already imported") and result.balanced
    rejects = ws.con.execute("SELECT kind, reason FROM rejects").fetchall()
    for kind, reason in rejects:
        assert kind in ("invalid", "skipped") and reason and "\n" not in reason, reason


def _seed_lines(source: str) -> list[Any]:
    if source == "x":
        return list(X_SEED_LINES)
    lines: list[Any] = []
    for seed in SEEDS[source]:
        text = seed.read_text(encoding="utf-8")
        if seed.suffix == ".json":
            lines.append(json.loads(text))
            continue
        for line in text.splitlines():
            try:
                lines.append(json.loads(line))
            except ValueError:
                lines.append(line)
    return lines


@pytest.mark.parametrize("source", FUZZED)
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_bulk_readers_only_reject_or_fail_cleanly_on_mutated_lines(
    source: str, data: st.DataObject, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    lines = [_mutate(line, data) for line in _seed_lines(source)]
    path = tmp_path / "fuzz.jsonl"
    as_document = data.draw(st.booleans())
    if as_document:
        path.write_text(json.dumps(lines, indent=1), encoding="utf-8")
    else:
        path.write_text(
            "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines),
            encoding="utf-8",
        )
    _import_cleanly(fuzz_ws, source, path)


@pytest.mark.parametrize("source", FUZZED)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(min_size=1, max_size=300) | st.text(min_size=1, max_size=300).map(str.encode))
@example(raw=b"\n\r")  # stray carriage returns once made DuckDB's line reader give up
def test_bulk_readers_only_reject_or_fail_cleanly_on_random_bytes(
    source: str, raw: bytes, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    _import_cleanly(fuzz_ws, source, path)
