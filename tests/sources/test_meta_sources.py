"""Facebook, Instagram and platform archives: overlapping files merge, tokens in paging URLs
never stored, and fuzzing of the readers (only rejects or a one-line SourceError may come
out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lien.errors import Reject, SourceError
from lien.importer import import_file
from lien.sources import ImportContext, Probe, RawRecord, detect, get
from lien.sources.meta_archive import repair
from lien.workspace import Workspace

from ..conftest import DATA


def _rows(ws: Workspace, platform: str) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, text FROM messages WHERE platform = ? ORDER BY id",
        [platform],
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_overlapping_facebook_pages_store_each_comment_once(ws: Workspace) -> None:
    a = import_file(ws, "a", DATA / "facebook/thread_stream_a.json")
    b = import_file(ws, "b", DATA / "facebook/thread_stream_b.json")
    assert a.balanced and b.balanced
    # A holds 001-004, B holds 003-006; 003 was edited between the two fetches, 004 is the same.
    assert (b.read, b.stored, b.updated, b.duplicates) == (4, 2, 1, 1)
    rows = _rows(ws, "facebook")
    post = "111111111111111_222222222222444"
    c = "222222222222444_50000000000000"
    assert sorted(rows) == [f"{c}{i}" for i in range(1, 7)]
    assert rows[f"{c}3"] == (f"{c}1", post, "Super, merci ! On viendra avec les enfants.")
    assert rows[f"{c}5"][:2] == (f"{c}4", post)
    assert {r[1] for r in rows.values()} == {post}


def test_overlapping_instagram_pages_store_each_comment_once(ws: Workspace) -> None:
    import_file(ws, "a", DATA / "instagram/comments_page_a.json")
    b = import_file(ws, "b", DATA / "instagram/comments_page_b.json")
    assert (b.read, b.stored, b.updated, b.duplicates) == (3, 2, 1, 0)
    rows = _rows(ws, "instagram")
    assert sorted(rows) == [f"1796000000000000{i}" for i in range(1, 6)]
    assert rows["17960000000000003"][2] == "Trop beau 😍 (modifié)"
    likes = ws.con.execute("SELECT like_count FROM messages WHERE id = '17960000000000003'")
    assert likes.fetchone() == (3,)


def test_importing_a_file_twice_changes_nothing(ws: Workspace, tmp_path: Path) -> None:
    first = import_file(ws, "feed", DATA / "facebook/feed_edge.json")
    copy = tmp_path / "copy.json"
    # Same content, other bytes: every record is read again and found identical.
    copy.write_text(json.dumps(json.loads((DATA / "facebook/feed_edge.json").read_text())))
    second = import_file(ws, "copy", copy)
    assert (second.stored, second.updated, second.duplicates) == (0, 0, first.stored)


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("facebook/feed_edge.json", "EAAB-NOT-A-REAL-TOKEN"),
        ("facebook/thread_stream_a.json", "EAAB-NOT-A-REAL-TOKEN"),
        ("facebook/replies_of_comment_unix.json", "EAAinvented"),
        ("instagram/media_edge.json", "IGQ-NOT-A-REAL-TOKEN"),
    ],
)
def test_paging_tokens_never_reach_the_workspace(ws: Workspace, path: str, token: str) -> None:
    assert token in (DATA / path).read_text(encoding="utf-8")
    import_file(ws, path, DATA / path)
    for table, column in [("raw_items", "payload"), ("raw_items", "hints"), ("rejects", "raw")]:
        found = ws.con.execute(
            f"SELECT count(*) FROM {table} WHERE {column} LIKE ?", [f"%{token}%"]
        ).fetchone()
        assert found == (0,), f"token stored in {table}.{column}"


def test_facebook_suggests_the_page_that_wrote_on_its_posts(ws: Workspace) -> None:
    result = import_file(ws, "feed", DATA / "facebook/feed_edge.json")
    assert result.suggested_accounts == [("facebook", "111111111111111", "Val de Lune Tourisme")]


def test_reparse_of_stored_records_gives_the_same_messages(ws: Workspace) -> None:
    """Records rebuilt from raw_items (payload + hints) map to the same messages."""
    for source_name, path in [
        ("facebook", "facebook/feed_edge.json"),
        ("instagram", "instagram/media_edge.json"),
    ]:
        import_file(ws, path, DATA / path)
        source = get(source_name)
        ctx = ImportContext(display_name=path)
        direct = {}
        for record in source.read(DATA / path, ctx):
            try:
                message = source.to_message(record, ctx)
            except Reject:
                continue
            direct[message.id] = message
        rows = ws.con.execute(
            "SELECT location, payload, hints FROM raw_items WHERE source = ?", [source_name]
        ).fetchall()
        again = {}
        for location, payload, hints in rows:
            record = RawRecord(location, json.loads(payload), json.loads(hints) if hints else None)
            try:
                message = source.to_message(record, ctx)
            except Reject:
                continue
            again[message.id] = message
        assert again == direct


def test_a_later_archive_adds_only_what_is_new(ws: Workspace) -> None:
    first = import_file(ws, "first", DATA / "meta_archive/facebook_comments.json")
    later = import_file(ws, "later", DATA / "meta_archive/facebook_comments_later.json")
    assert first.stored == 6
    # The later archive repeats two comments of the first and adds one.
    assert (later.read, later.stored, later.updated, later.duplicates) == (3, 1, 0, 2)
    texts = ws.con.execute("SELECT text FROM messages WHERE platform = 'facebook'").fetchall()
    assert ("Vivement l'été prochain ☀️",) in texts and len(texts) == 7


def test_archive_comments_are_orphans_never_posts(ws: Workspace) -> None:
    import_file(ws, "c", DATA / "meta_archive/instagram_comments.json")
    rows = ws.con.execute("SELECT id, parent_id, root_id FROM messages").fetchall()
    assert rows and all(parent == f"dyi-unknown-parent:{i}" for i, parent, _ in rows)
    assert all(root is None for _, _, root in rows)


@pytest.mark.parametrize("data", [True, 7, "text", {"post": "x"}, None])
def test_an_entry_whose_data_is_not_a_list_is_read_without_it(
    ws: Workspace, tmp_path: Path, data: object
) -> None:
    # Found by the mutation fuzzer: `"data": true` in the first entry stopped the reader with a
    # TypeError. Such an entry holds no post text; one with a title is still a post entry.
    entries = json.loads((DATA / "meta_archive/facebook_posts.json").read_text())
    entries[0]["data"] = data
    path = tmp_path / "facebook_posts.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    result = import_file(ws, path.name, path)
    assert result.status == "imported", result.error
    assert result.read == len(entries)
    assert result.read == result.stored + result.duplicates + result.rejected


@pytest.mark.parametrize(
    ("archived", "expected"),
    [
        ("Am\u00c3\u00a9lie", "Amélie"),
        ("\u00f0\u009f\u0098\u008d", "😍"),
        ("\u00d9\u0085\u00d8\u00b1\u00d8\u00ad\u00d8\u00a8\u00d8\u00a7", "مرحبا"),
        ("plain ascii", "plain ascii"),
        ("café", "café"),  # already right: \xe9 alone is not UTF-8, kept
        ("Prix en €", "Prix en €"),  # beyond Latin-1: cannot be mojibake, kept
        ("Ã", "Ã"),  # a lone lead byte does not decode: kept
    ],
)
def test_repair_undoes_double_encoding_only(archived: str, expected: str) -> None:
    assert repair(archived) == expected


@given(st.text())
def test_repair_inverts_the_archive_encoding(text: str) -> None:
    """Whatever the text, the archive's encoding (UTF-8 bytes read as Latin-1) is undone."""
    assert repair(text.encode("utf-8").decode("latin-1")) == text


# -- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

SEEDS: dict[str, list[Path]] = {
    "facebook": [
        DATA / "facebook/feed_edge.json",
        DATA / "facebook/thread_stream_a.json",
        DATA / "facebook/thread_stream_b.json",
    ],
    "instagram": [DATA / "instagram/media_edge.json", DATA / "instagram/comments_page_a.json"],
    "meta_archive": sorted((DATA / "meta_archive").glob("*.json")),
}
KEYS = [
    "id", "data", "paging", "next", "comments", "replies", "parent", "parent_id", "from",
    "created_time", "timestamp", "message", "text", "permalink_url", "media", "username",
    "user_likes", "like_count", "comment_count", "summary", "total_count", "reactions",
    "media_type", "error", "fbtrace_id", "comments_v2", "comment", "string_map_data",
]  # fmt: skip


def _mutate(value: Any, data: st.DataObject) -> Any:
    """Replace, drop or retype one random node of a document."""
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


def _run(source_name: str, path: Path) -> None:
    source = get(source_name)
    ctx = ImportContext(display_name=path.name)
    try:
        records = list(source.read(path, ctx))
    except SourceError as e:
        assert "\n" not in str(e) and str(e)
        return
    for record in records:
        try:
            source.to_message(record, ctx)
        except Reject as r:
            assert r.reason and "\n" not in r.reason and r.kind in ("invalid", "skipped")
    try:
        detect(Probe(path))
    except SourceError as e:
        assert "\n" not in str(e)


def _seeds() -> list[str]:
    return sorted(SEEDS)


@pytest.mark.parametrize("source_name", _seeds())
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_readers_only_reject_or_fail_cleanly_on_mutated_documents(
    source_name: str, data: st.DataObject, tmp_path: Path
) -> None:
    seed = data.draw(st.sampled_from(SEEDS[source_name]))
    document = _mutate(json.loads(seed.read_text(encoding="utf-8")), data)
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    _run(source_name, path)


@pytest.mark.parametrize("source_name", _seeds())
@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_readers_only_reject_or_fail_cleanly_on_random_bytes(
    source_name: str, raw: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "fuzz.json"
    path.write_bytes(raw)
    _run(source_name, path)


def test_replies_of_a_comment_get_their_root_when_the_thread_arrives(ws: Workspace) -> None:
    # The replies page names only its comment (001); thread_stream_a.json holds 001 under
    # post 111111111111111_222222222222444, so importing it, before or after, gives the root.
    replies = DATA / "facebook/replies_of_comment_unix.json"
    thread = DATA / "facebook/thread_stream_a.json"
    for path in (replies, thread):
        assert import_file(ws, path.name, path).status == "imported"
    rows = ws.con.execute(
        "SELECT DISTINCT parent_id, root_id FROM messages WHERE id IN (?, ?)",
        ["222222222222444_500000000000010", "222222222222444_500000000000011"],
    ).fetchall()
    assert rows == [("222222222222444_500000000000001", "111111111111111_222222222222444")]
