"""`lien fetch youtube` against the replay server: a small invented channel served in the Data
API's shapes (channels, playlistItems, videos, commentThreads, comments, error bodies)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from lien.cli import cli
from lien.fetching import FetchRequest, load_state, run_fetch
from lien.importer import reparse
from lien.sources.youtube.fetch import YoutubeFetcher, parse_channel
from lien.workspace import Workspace

from .server import ReplayServer, Reply

KEY = "AIza-yt-SEKRET-5150"
CHANNEL = "UCLacDuBourgTourisme0001"
UPLOADS = "UU" + CHANNEL[2:]
DATA = Path(__file__).parent.parent / "data" / "youtube" / "fetch"


def error_body(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text("utf-8"))


def person(name: str) -> dict[str, Any]:
    ident = CHANNEL if name == "office" else ("UC" + name.ljust(22, "x"))[:24]
    return {
        "authorDisplayName": "Office du lac" if name == "office" else name.title(),
        "authorChannelUrl": f"http://www.youtube.com/@{name}",
        "authorChannelId": {"value": ident},
    }


def comment(ident: str, who: str, when: str, text: str, video: str, parent: str | None = None):
    snippet: dict[str, Any] = {
        **person(who),
        "videoId": video,
        "textDisplay": text,
        "textOriginal": text,
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 1,
        "publishedAt": when + "Z",
        "updatedAt": when + "Z",
    }
    if parent:
        snippet["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e", "id": ident, "snippet": snippet}


def thread(top: dict[str, Any], total: int, included: list[dict[str, Any]]) -> dict[str, Any]:
    video = top["snippet"]["videoId"]
    out: dict[str, Any] = {
        "kind": "youtube#commentThread",
        "etag": "e",
        "id": top["id"],
        "snippet": {
            "channelId": CHANNEL,
            "videoId": video,
            "topLevelComment": top,
            "canReply": True,
            "totalReplyCount": total,
            "isPublic": True,
        },
    }
    if included:
        out["replies"] = {"comments": included}
    return out


def video(ident: str, when: str, title: str) -> dict[str, Any]:
    return {
        "kind": "youtube#video",
        "etag": "e",
        "id": ident,
        "snippet": {
            "publishedAt": when + "Z",
            "channelId": CHANNEL,
            "title": title,
            "description": "",
            "channelTitle": "Office du lac",
        },
        "statistics": {"viewCount": "100", "likeCount": "5", "commentCount": "3"},
    }


def playlist_item(v: dict[str, Any] | None, n: int) -> dict[str, Any]:
    details = {"videoId": v["id"], "videoPublishedAt": v["snippet"]["publishedAt"]} if v else {}
    if v is None:  # a private video: listed without its publication time
        details = {"videoId": f"private{n}"}
    return {"kind": "youtube#playlistItem", "id": f"pl{n}", "contentDetails": details}


def listing(kind: str, items: list[Any], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": f"youtube#{kind}ListResponse", "items": items}
    body["pageInfo"] = {"totalResults": len(items), "resultsPerPage": len(items)}
    if next_token:
        body["nextPageToken"] = next_token
    return body


V1 = video("vidLac0001", "2024-05-01T09:00:00", "Le tour du lac à vélo")
V2 = video("vidLac0002", "2024-05-03T09:00:00", "Marché de printemps")
V3 = video("vidLac0003", "2024-05-05T09:00:00", "Feu d'artifice")
T1 = comment("Tc1", "alice", "2024-05-01T10:00:00", "Quel parcours ! Il fait combien ?", V1["id"])
R1 = comment("Tc1.r1", "office", "2024-05-01T11:00:00", "25 km, tout plat", V1["id"], "Tc1")
R2 = comment("Tc1.r2", "bob", "2024-05-01T12:00:00", "Je l'ai fait hier", V1["id"], "Tc1")
R3 = comment("Tc1.r3", "erin", "2024-05-02T08:00:00", "Location de vélos ?", V1["id"], "Tc1")
T2 = comment("Tc2", "bob", "2024-05-01T13:00:00", "Superbe vidéo", V1["id"])
T3 = comment("Tc3", "carol", "2024-05-02T09:00:00", "Accessible en poussette ?", V1["id"])
R4 = comment("Tc3.r1", "office", "2024-05-02T10:00:00", "Oui, sauf la côte nord", V1["id"], "Tc3")
T4 = comment("Tc4", "dave", "2024-05-03T10:00:00", "Jusqu'à quelle heure ?", V2["id"])
COMMENTS = [T1, R1, R2, R3, T2, T3, R4, T4]
EVERYONE = [V1, V2, V3, *COMMENTS]


def channel_resource(videos: int = 3) -> dict[str, Any]:
    return {
        "kind": "youtube#channel",
        "id": CHANNEL,
        "snippet": {"title": "Office du lac"},
        "contentDetails": {"relatedPlaylists": {"likes": "", "uploads": UPLOADS}},
        "statistics": {"videoCount": str(videos), "subscriberCount": "120"},
    }


def serve_channel(server: ReplayServer) -> None:
    server.add("/channels", listing("channel", [channel_resource()]), query={"id": CHANNEL})
    server.add(
        "/playlistItems",
        listing("playlistItem", [playlist_item(V3, 3), playlist_item(V2, 2)], "PL2"),
        query={"playlistId": UPLOADS},
    )
    server.add(
        "/playlistItems",
        listing("playlistItem", [playlist_item(None, 9), playlist_item(V1, 1)]),
        query={"playlistId": UPLOADS, "pageToken": "PL2"},
    )
    server.add("/videos", listing("video", [V3, V2]), query={"id": f"{V3['id']},{V2['id']}"})
    server.add("/videos", listing("video", [V1]), query={"id": V1["id"]})
    server.add(
        "/commentThreads",
        Reply(403, error_body("comments_disabled")),
        query={"videoId": V3["id"]},
    )
    server.add(
        "/commentThreads",
        listing("commentThread", [thread(T4, 0, [])]),
        query={"videoId": V2["id"]},
    )
    # V1: two pages of threads; T1 has three replies of which two are included.
    server.add(
        "/commentThreads",
        listing("commentThread", [thread(T1, 3, [R1, R2]), thread(T2, 0, [])], "CT2"),
        query={"videoId": V1["id"]},
    )
    server.add(
        "/commentThreads",
        listing("commentThread", [thread(T3, 1, [R4])]),
        query={"videoId": V1["id"], "pageToken": "CT2"},
    )
    server.add("/comments", listing("comment", [R1, R2], "CR2"), query={"parentId": "Tc1"})
    server.add("/comments", listing("comment", [R3]), query={"parentId": "Tc1", "pageToken": "CR2"})


def fetcher(server: ReplayServer, **kwargs: Any) -> YoutubeFetcher:
    settings = {"sleep": lambda s: None, "timeout": 5.0, **kwargs.pop("http", {})}
    return YoutubeFetcher(base_url=server.base_url, token=KEY, http=settings, **kwargs)


def request(budget: int | None = None, **kwargs: Any) -> FetchRequest:
    options = {"budget": budget} if budget is not None else {}
    return FetchRequest(CHANNEL, options=options, **kwargs)


def messages(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, author_id FROM messages WHERE platform = 'youtube'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def expected_rows() -> dict[str, tuple[Any, ...]]:
    """Flat threads by hand: a video is a root by its channel, a top-level comment's parent
    is its video, a reply's parent is its top-level comment."""
    out: dict[str, tuple[Any, ...]] = {v["id"]: (None, v["id"], CHANNEL) for v in (V1, V2, V3)}
    for c in COMMENTS:
        s = c["snippet"]
        out[c["id"]] = (
            s.get("parentId") or s["videoId"],
            s["videoId"],
            s["authorChannelId"]["value"],
        )
    return out


def asked(server: ReplayServer) -> list[str]:
    """Each request's path and its distinguishing parameter (the key checked elsewhere)."""
    out = []
    for r in server.requests:
        q = {k: v[0] for k, v in r.query.items()}
        what = q.get("videoId") or q.get("parentId") or q.get("playlistId") or q.get("id") or ""
        out.append(f"{r.path} {what} {q.get('pageToken', '')}".strip())
    return out


def secret_rows(ws: Workspace, secret: str) -> dict[str, int]:
    """Rows of every table holding `secret` anywhere (DuckDB compresses strings in the
    file, so its bytes alone could miss it)."""
    tables = [r[0] for r in ws.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    found = {}
    for table in tables:
        row = ws.con.execute(
            f'SELECT count(*) FROM "{table}" t WHERE CAST(t AS VARCHAR) LIKE ?', [f"%{secret}%"]
        ).fetchone()
        found[table] = row[0] if row else 0
    return found


FULL_RUN = [
    f"/channels {CHANNEL}",
    f"/playlistItems {UPLOADS}",
    f"/videos {V3['id']},{V2['id']}",
    f"/playlistItems {UPLOADS} PL2",
    f"/videos {V1['id']}",
    f"/commentThreads {V3['id']}",
    f"/commentThreads {V2['id']}",
    f"/commentThreads {V1['id']}",
    "/comments Tc1",
    "/comments Tc1 CR2",
    f"/commentThreads {V1['id']} CT2",
]


def test_parse_channel_forms() -> None:
    assert parse_channel(CHANNEL) == ("id", CHANNEL)
    assert parse_channel(f"https://www.youtube.com/channel/{CHANNEL}") == ("id", CHANNEL)
    assert parse_channel("@OfficeDuLac") == ("handle", "@OfficeDuLac")
    assert parse_channel("https://youtube.com/@OfficeDuLac") == ("handle", "@OfficeDuLac")
    assert not YoutubeFetcher.needs_resolving(CHANNEL)
    assert YoutubeFetcher.needs_resolving("@OfficeDuLac")
    with pytest.raises(Exception, match="not a channel"):
        parse_channel("office du lac")


def test_first_fetch_reads_videos_threads_and_long_replies(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_channel(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert asked(server) == FULL_RUN
    assert messages(ws) == expected_rows()
    # R1 and R2 came twice (in the thread and in comments.list): duplicates, not new rows.
    assert (summary.stored, summary.duplicates, summary.rejected) == (len(EVERYONE), 2, 1)
    assert summary.read == summary.stored + summary.updated + summary.duplicates + summary.rejected
    (reject,) = ws.con.execute("SELECT location, kind, reason FROM rejects").fetchall()
    assert V3["id"] in reject[0] and "HTTP 403" in reject[0] and reject[1] == "skipped"
    assert "commentsDisabled" in reject[2]
    # The key travels as the `key` parameter (the API wants it there) and nowhere else.
    assert all(r.query.get("key") == [KEY] for r in server.requests)
    state = load_state(ws, "youtube", CHANNEL)
    assert state["phase"] == "done" and state["newest"] == V3["snippet"]["publishedAt"]
    # Last activity per video, for the refresh window: V1's newest comment is R4.
    assert state["videos"][V1["id"]] == R4["snippet"]["publishedAt"]
    assert state["videos"][V2["id"]] == T4["snippet"]["publishedAt"]


def test_records_reparse_to_the_same_messages(ws: Workspace, server: ReplayServer) -> None:
    serve_channel(server)
    run_fetch(ws, fetcher(server), request())
    before = messages(ws)
    results = reparse(ws)
    assert sum(r.read for r in results) > 0
    assert sum(r.stored + r.updated for r in results) == 0
    assert messages(ws) == before


def test_estimate_is_printed_from_the_channel(ws: Workspace, server: ReplayServer) -> None:
    serve_channel(server)
    yt = fetcher(server)
    text = yt.estimate(request(budget=50), {})
    assert text is not None
    # By hand: the channel call (1) + 2 calls per 50 new videos (2) + one comment page for
    # each of the 3 videos (3) = 6 at least; the full run above takes 11.
    assert "3 videos" in text and "at least 6 quota units" in text and "Budget: 50" in text
    run_fetch(ws, yt, request(budget=50))
    # The estimate's channel call is not asked again by the run.
    assert asked(server) == FULL_RUN


@pytest.mark.parametrize("budget", [1, 2, 3, 5, 8, 9, 10])
def test_budget_stops_cleanly_and_the_next_run_resumes(
    ws: Workspace, server: ReplayServer, budget: int
) -> None:
    serve_channel(server)
    first = run_fetch(ws, fetcher(server), request(budget=budget))
    # Exactly `budget` calls were made, then a clean stop with a note and a checkpoint.
    assert len(server.requests) == budget
    assert first.notes and "run the same command again" in first.notes[0]
    assert load_state(ws, "youtube", CHANNEL)["phase"] != "done"
    stored_first = len(messages(ws))
    second = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    assert stored_first + second.stored == len(EVERYONE)
    assert not second.notes and load_state(ws, "youtube", CHANNEL)["phase"] == "done"
    # Nothing is asked twice except the channel (once per run) and the call that did not
    # fit in the budget; the two runs together ask exactly the full run's calls.
    calls = asked(server)
    assert calls[budget] == FULL_RUN[0]
    assert calls[:budget] + calls[budget + 1 :] == FULL_RUN


def test_quota_exceeded_answer_stops_like_the_budget(ws: Workspace) -> None:
    with ReplayServer() as server:
        server.add(
            "/commentThreads", Reply(403, error_body("quota_exceeded")), query={"videoId": V2["id"]}
        )
        serve_channel(server)
        summary = run_fetch(ws, fetcher(server), request())
        assert summary.notes and "midnight Pacific time" in summary.notes[0]
        assert V2["id"] in messages(ws) and T4["id"] not in messages(ws)
    with ReplayServer() as back:
        serve_channel(back)
        run_fetch(ws, fetcher(back), request())
        # The resume goes on with V2's comments: no playlist page is read again.
        assert asked(back)[:2] == [f"/channels {CHANNEL}", f"/commentThreads {V2['id']}"]
    assert messages(ws) == expected_rows()


@pytest.mark.parametrize("crash_after", range(1, 9))
def test_crash_between_pages_then_resume_stores_each_message_once(
    ws: Workspace, server: ReplayServer, crash_after: int
) -> None:
    serve_channel(server)

    def crash(summary: Any) -> None:
        if summary.pages == crash_after:
            raise KeyboardInterrupt("interrupted between pages")

    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, fetcher(server), request(), on_page=crash)
    first = len(messages(ws))
    resumed = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    assert first + resumed.stored == len(EVERYONE)
    assert load_state(ws, "youtube", CHANNEL)["phase"] == "done"


def test_rate_limits_server_errors_and_timeouts_are_retried(
    ws: Workspace, server: ReplayServer
) -> None:
    limited = Reply(429, {"error": {"code": 429, "message": "slow down"}}, {"Retry-After": "4"})
    server.add("/videos", limited, listing("video", [V1]), query={"id": V1["id"]})
    busy = Reply(500, {"error": {"code": 500, "message": "backend error"}})
    server.add("/comments", busy, listing("comment", [R1, R2], "CR2"), query={"parentId": "Tc1"})
    slow = Reply(body=listing("commentThread", [thread(T4, 0, [])]), delay=1.0)
    server.add(
        "/commentThreads",
        slow,
        listing("commentThread", [thread(T4, 0, [])]),
        query={"videoId": V2["id"]},
    )
    serve_channel(server)
    waits: list[float] = []
    quick = fetcher(server, http={"sleep": waits.append, "timeout": 0.3, "backoff": 0.01})
    run_fetch(ws, quick, request())
    assert messages(ws) == expected_rows()
    assert waits == [4.0, 0.01, 0.01]  # Retry-After, then backoff for the timeout and the 500


def test_invalid_key_is_explained_without_showing_it(ws: Workspace, server: ReplayServer) -> None:
    server.add("/channels", Reply(400, error_body("key_invalid")))
    with pytest.raises(Exception) as raised:
        run_fetch(ws, fetcher(server), request())
    message = str(raised.value)
    assert "LIEN_YOUTUBE_KEY is not a valid API key" in message and "Credentials" in message
    assert KEY not in message and "key=***" in message


def test_api_not_enabled_is_explained(ws: Workspace, server: ReplayServer) -> None:
    server.add("/channels", Reply(403, error_body("access_not_configured")))
    with pytest.raises(Exception, match="not enabled for the key's project") as raised:
        run_fetch(ws, fetcher(server), request())
    assert KEY not in str(raised.value)


def test_a_video_deleted_mid_fetch_is_kept_as_a_skipped_reject(
    ws: Workspace, server: ReplayServer
) -> None:
    server.add(
        "/commentThreads", Reply(404, error_body("video_not_found")), query={"videoId": V2["id"]}
    )
    serve_channel(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert T4["id"] not in messages(ws) and T1["id"] in messages(ws)
    assert summary.rejected == 2
    kinds = ws.con.execute("SELECT kind, reason FROM rejects ORDER BY location").fetchall()
    assert {k for k, _ in kinds} == {"skipped"}
    assert any("videoNotFound" in reason for _, reason in kinds)
    # A deleted video is no longer refreshed.
    assert V2["id"] not in load_state(ws, "youtube", CHANNEL)["videos"]


def test_next_run_reads_new_videos_and_refreshes_recent_ones(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_channel(server)
    run_fetch(ws, fetcher(server), request())
    V4 = video("vidLac0004", "2024-05-10T09:00:00", "Nouveau ponton")
    T5 = comment("Tc5", "bob", "2024-05-10T10:00:00", "Enfin !", V4["id"])
    T6 = comment("Tc6", "carol", "2024-05-10T11:00:00", "Et le parking ?", V2["id"])
    with ReplayServer() as second:
        second.add(
            "/playlistItems",
            listing("playlistItem", [playlist_item(V4, 4), playlist_item(V3, 3)], "PL2"),
            query={"playlistId": UPLOADS},
        )
        second.add("/videos", listing("video", [V4]), query={"id": V4["id"]})
        second.add(
            "/commentThreads",
            listing("commentThread", [thread(T5, 0, [])]),
            query={"videoId": V4["id"]},
        )
        second.add(
            "/commentThreads",
            listing("commentThread", [thread(T6, 0, []), thread(T4, 0, [])]),
            query={"videoId": V2["id"]},
        )
        serve_channel(second)
        # On 2024-05-12 with --refresh-days 7 (from 2024-05-05 00:00): V3 (published 05-05)
        # is recent, V2 (last comment 05-03) and V1 (last comment 05-02) are not.
        now = datetime(2024, 5, 12)
        run_fetch(ws, fetcher(second, now=now), request(refresh_days=7))
        assert asked(second) == [
            f"/channels {CHANNEL}",
            f"/commentThreads {V3['id']}",
            f"/playlistItems {UPLOADS}",
            f"/videos {V4['id']}",
            f"/commentThreads {V4['id']}",
        ]
        assert T5["id"] in messages(ws) and T6["id"] not in messages(ws)
        # With the default 14 days every video is refreshed, and T6 arrives.
        second.requests.clear()
        run_fetch(ws, fetcher(second, now=now), request())
        refreshed = [a for a in asked(second) if a.startswith("/commentThreads")]
        assert refreshed == [
            f"/commentThreads {V1['id']}",
            f"/commentThreads {V1['id']} CT2",
            *[f"/commentThreads {v['id']}" for v in (V2, V3, V4)],
        ]
        assert messages(ws)[T6["id"]] == (V2["id"], V2["id"], "UCcarolxxxxxxxxxxxxxxxxx")


def test_since_skips_older_videos(ws: Workspace, server: ReplayServer) -> None:
    serve_channel(server)
    run_fetch(ws, fetcher(server), request(since=datetime(2024, 5, 2)))
    assert set(messages(ws)) == {V2["id"], V3["id"], T4["id"]}
    assert not any(V1["id"] in a for a in asked(server))


def test_cli_fetch_then_metrics_end_to_end(tmp_path: Path, server: ReplayServer) -> None:
    serve_channel(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="UTC").close()
    runner = CliRunner()
    added = runner.invoke(cli, ["accounts", "add", "youtube", CHANNEL, "--db", str(db)])
    assert added.exit_code == 0, added.output
    env = {"LIEN_YOUTUBE_KEY": KEY}
    args = ["fetch", "youtube", "--channel", CHANNEL, "--base-url", server.base_url]
    fetched = runner.invoke(cli, [*args, "--budget", "100", "--db", str(db)], env=env)
    assert fetched.exit_code == 0, fetched.output
    assert "at least 6 quota units" in fetched.output
    assert "stored 11" in fetched.output and "rejected 1" in fetched.output
    assert KEY not in fetched.output
    shown = runner.invoke(cli, ["metrics", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    (may,) = json.loads(shown.output)["periods"]
    # By hand: the office posted 3 videos; members wrote T1-T4 (on the videos: addressed,
    # member→account), R2 and R3 (replies under alice's T1: member→member); the office
    # answered T1 (R1) and T3 (R4): account→member 2, response rate 2/4.
    assert may["period"] == "2024-05"
    assert (may["account_posts"], may["member_posts"], may["member_messages"]) == (3, 0, 6)
    assert (may["addressed"], may["response_rate"]) == (4, 0.5)
    assert (may["member_to_member"], may["member_to_account"], may["account_to_member"]) == (
        2,
        4,
        2,
    )
    assert may["active_members"] == 5
    # The key is in no byte of the workspace.
    assert KEY.encode() not in db.read_bytes()
    with Workspace.open(db) as ws:
        found = secret_rows(ws, KEY)
    assert {"raw_items", "rejects", "imports", "fetch_state", "messages"} <= set(found)
    assert sum(found.values()) == 0


def test_key_is_required_by_the_cli(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    result = CliRunner().invoke(
        cli,
        ["fetch", "youtube", "--channel", CHANNEL, "--db", str(db)],
        env={"LIEN_YOUTUBE_KEY": ""},
    )
    assert result.exit_code != 0 and "LIEN_YOUTUBE_KEY" in str(result.exception)


def test_sample_comment_pages_map_like_the_imported_files(
    tmp_path: Path, server: ReplayServer, samples: Path
) -> None:
    """The recorded two-page commentThreads answer of a real video, fetched, gives the same
    comments as importing the same files."""
    from lien.importer import import_paths

    folder = samples / "youtube"
    pages = [
        folder / f"pyyoutube_apidata_comment_threads_comment_threads_by_video_paged_{n}.json"
        for n in (1, 2)
    ]
    first, second = (json.loads(p.read_text("utf-8")) for p in pages)
    vid = first["items"][0]["snippet"]["videoId"]
    server.add("/channels", listing("channel", [channel_resource(1)]))
    published = "2019-11-01T00:00:00Z"
    server.add(
        "/playlistItems",
        listing(
            "playlistItem", [{"contentDetails": {"videoId": vid, "videoPublishedAt": published}}]
        ),
    )
    server.add("/videos", listing("video", [{**V1, "id": vid}]))
    server.add("/comments", listing("comment", []))  # replies beyond those included: none here
    second = {k: v for k, v in second.items() if k != "nextPageToken"}
    server.add("/commentThreads", first, query={"videoId": vid})
    server.add(
        "/commentThreads", second, query={"videoId": vid, "pageToken": first["nextPageToken"]}
    )
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        summary = run_fetch(fetched, fetcher(server), request())
        results = import_paths(imported, pages, source="youtube")
        # The fetch also stores the video (the threads' root) the files lack.
        assert summary.stored - 1 == sum(r.stored for r in results) >= 5
        comments = messages(fetched)
        assert comments.pop(vid) == (None, vid, CHANNEL)
        assert comments == messages(imported)
    finally:
        fetched.close()
        imported.close()


def test_accounts_add_looks_a_handle_up(ws: Workspace, server: ReplayServer) -> None:
    server.add("/channels", listing("channel", [channel_resource()]), query={"forHandle": "@lac"})
    assert fetcher(server).resolve_account("@lac") == (CHANNEL, "Office du lac")
    server.add("/channels", listing("channel", []), query={"forHandle": "@ghost"})
    with pytest.raises(Exception, match="no channel @ghost"):
        fetcher(server).resolve_account("@ghost")


@settings(max_examples=8, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=6))
def test_any_sequence_of_budgets_ends_with_each_message_once(budgets: list[int]) -> None:
    """Runs with these budgets, then unlimited ones: the channel ends complete, and apart
    from the channel (read once per run) and the call refused each time, no call is made
    twice."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder, ReplayServer() as server:
        serve_channel(server)
        ws = Workspace.create(Path(folder) / "ws.duckdb")
        try:
            runs = 0
            for budget in [*budgets, *[100] * 3]:
                if runs and load_state(ws, "youtube", CHANNEL).get("phase") == "done":
                    break
                run_fetch(ws, fetcher(server), request(budget=budget))
                runs += 1
            assert messages(ws) == expected_rows()
            calls = [c for c in asked(server) if c != f"/channels {CHANNEL}"]
            assert calls == FULL_RUN[1:]
            assert asked(server).count(f"/channels {CHANNEL}") == runs
        finally:
            ws.close()
