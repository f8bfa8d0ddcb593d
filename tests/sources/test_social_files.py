"""Mastodon, Bluesky and YouTube files: overlapping files merge, suggestions, HTML to text,
and fuzzing of the readers (only rejects or a one-line SourceError may come out)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lien.errors import Reject, SourceError
from lien.importer import import_file
from lien.sources import ImportContext, RawRecord, get
from lien.sources._htmltext import html_to_text
from lien.workspace import Workspace

from ..conftest import DATA

MASTODON = "mastodon/extracted/"
CONTEXT_A = (
    "rtoot_get_context_with_ancesters__00_get_api_v1_statuses_109303309876585639_context.json"
)
CONTEXT_B = (
    "rtoot_get_context_without_descendants__00_get_api_v1_statuses_109308119383536793_context.json"
)


def _ids(ws: Workspace, platform: str) -> list[str]:
    rows = ws.con.execute(
        "SELECT id FROM messages WHERE platform = ? ORDER BY id", [platform]
    ).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("order", [(CONTEXT_A, CONTEXT_B), (CONTEXT_B, CONTEXT_A)])
def test_overlapping_mastodon_contexts_store_each_status_once(
    samples: Path, ws: Workspace, order: tuple[str, str]
) -> None:
    for name in order:
        result = import_file(ws, name, samples / MASTODON / name)
        assert result.status == "imported" and result.balanced
    # A (asked 109303309876585639): 1 ancestor + 3 descendants; B (asked 109308119383536793):
    # 3 ancestors. Union by hand: 5 statuses, the asked ones included through the other file.
    assert _ids(ws, "mastodon") == [
        "109303266941599451",
        "109303309876585639",
        "109303330123967399",
        "109308115318736992",
        "109308119383536793",
    ]
    roots = ws.con.execute("SELECT DISTINCT root_id FROM messages").fetchall()
    assert roots == [("109303266941599451",)]


def test_overlapping_bluesky_threads_store_each_post_once(samples: Path, ws: Workspace) -> None:
    first = import_file(ws, "a", samples / "bluesky/atrrr_app.bsky.feed.getPostThread_72827.json")
    second = import_file(ws, "b", samples / "bluesky/atrrr_app.bsky.feed.getPostThread_aa665.json")
    assert (first.stored, second.stored, second.duplicates) == (4, 0, 4)
    assert len(_ids(ws, "bluesky")) == 4


def test_youtube_replies_from_two_endpoints_merge_and_attach_to_the_video(ws: Workspace) -> None:
    threads = import_file(ws, "t", DATA / "youtube/threads_edge.json")
    replies = import_file(ws, "r", DATA / "youtube/replies_by_parent.json")
    # R1 and R2 are in both files; R5 only in the comments.list page.
    assert (replies.read, replies.stored, replies.duplicates + replies.updated) == (3, 1, 2)
    assert threads.suggested_accounts == [("youtube", "UCvaldeluneTourisme0001", "@valdelune")]
    # Before the video arrives, the top-level comment is an orphan (its parent is missing).
    orphans = ws.con.execute(
        "SELECT count(*) FROM messages m WHERE parent_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM messages p WHERE p.platform = m.platform AND p.id = m.parent_id)"
    ).fetchone()
    assert orphans == (1,)  # UgzT1, whose parent is the video vdlLac01
    videos = import_file(ws, "v", DATA / "youtube/videos.json")
    assert videos.suggested_accounts == [
        ("youtube", "UCvaldeluneTourisme0001", "Val de Lune Tourisme")
    ]
    row = ws.con.execute(
        "SELECT p.author_id FROM messages c JOIN messages p ON p.id = c.parent_id "
        "WHERE c.id = 'UgzT1'"
    ).fetchone()
    assert row == ("UCvaldeluneTourisme0001",)
    # R5 came without videoId: its root is resolved through its parent once both are stored.
    assert ws.con.execute("SELECT root_id FROM messages WHERE id = 'UgzT1.R5'").fetchone() == (
        "vdlLac01",
    )


def test_outbox_and_api_files_share_ids(ws: Workspace) -> None:
    api = import_file(ws, "api", DATA / "mastodon/statuses_edge.json")
    outbox = import_file(ws, "outbox", DATA / "mastodon/outbox.json")
    assert api.status == outbox.status == "imported"
    # Status ...001 is in both: the outbox's URI .../statuses/111000000000000001 maps to it.
    count = ws.con.execute(
        "SELECT count(*) FROM messages WHERE id = '111000000000000001'"
    ).fetchone()
    assert count == (1,)
    assert outbox.stored == 3 and outbox.stored + outbox.updated + outbox.duplicates == 4


@pytest.mark.parametrize(
    ("rating", "owner_liked"),
    [("like", True), ("none", None), ("dislike", None), (None, None), ("LIKE", None), (1, None)],
)
def test_youtube_viewer_rating_like_is_the_owners_like(rating: object, owner_liked: object) -> None:
    # viewerRating is the rating of whoever fetched the comments: "like" only when the channel
    # fetched with its own login; with an API key it is always "none", which says nothing.
    snippet: dict[str, object] = {
        "videoId": "vdlLac01",
        "textOriginal": "Magnifique 🌙",
        "authorChannelId": {"value": "UCmember0000000000000001"},
        "publishedAt": "2024-02-01T10:00:00Z",
        "likeCount": 2,
    }
    if rating is not None:
        snippet["viewerRating"] = rating
    comment = {"kind": "youtube#comment", "id": "UgzRating1", "snippet": snippet}
    source = get("youtube")
    message = source.to_message(RawRecord("items[0]", comment), ImportContext())
    assert message.owner_liked is owner_liked
    assert source.mapper_version == 2  # reparse re-maps comments stored before this rule


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>a</p><p>b</p>", "a\n\nb"),
        ("x<br>y<br/>z", "x\ny\nz"),
        ("Tom &amp; Jerry &lt;3 &#39;ok&#39; &eacute;", "Tom & Jerry <3 'ok' é"),
        (
            '<a href="https://e.org/x"><span class="invisible">https://</span>e.org/x</a>',
            "https://e.org/x",
        ),
        ("<p>hi</p><script>document.cookie</script><style>p{}</style>", "hi"),
        ("<p>مرحبا 🌙</p>", "مرحبا 🌙"),
        ("plain, no tags", "plain, no tags"),
        ("<p>unclosed <b>tag", "unclosed tag"),
    ],
)
def test_html_to_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


# -- fuzzing ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)

SEEDS: dict[str, list[Path]] = {
    "mastodon": [DATA / "mastodon/statuses_edge.json", DATA / "mastodon/outbox.json"],
    "bluesky": [DATA / "bluesky/thread_edge.json"],
    "youtube": [DATA / "youtube/threads_edge.json", DATA / "youtube/videos.json"],
}
KEYS = [
    "id", "uri", "kind", "snippet", "account", "acct", "created_at", "in_reply_to_id", "reblog",
    "content", "record", "reply", "parent", "root", "author", "createdAt", "thread", "replies",
    "feed", "post", "items", "topLevelComment", "parentId", "videoId", "publishedAt", "type",
    "object", "orderedItems", "inReplyTo", "$type", "authorChannelId", "ancestors",
    "descendants", "error", "value", "comments", "reason",
]  # fmt: skip


def _mutate(value: Any, data: st.DataObject) -> Any:
    """Replace, drop or retype one random node of a real document."""
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
            assert r.reason and r.kind in ("invalid", "skipped")


@pytest.mark.parametrize("source_name", sorted(SEEDS))
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


@pytest.mark.parametrize("source_name", sorted(SEEDS))
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
