"""`lien fetch facebook --page` against the replay server: a small invented Page served in the
Graph API's shapes (tests/data/facebook/fetch/: feed pages, `filter=stream` comment pages with
`parent{id}`, Graph error bodies), then the real recorded feed pages of the shared samples."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lien.cli import cli
from lien.fetching import FetchRequest, load_state, run_fetch
from lien.importer import import_paths, reparse
from lien.sources._graphapi import explainer, graph_error
from lien.sources.facebook.fetch import FacebookFetcher
from lien.workspace import Workspace

from .server import ReplayServer, Reply

DATA = Path(__file__).resolve().parents[1] / "data" / "facebook" / "fetch"
TOKEN = "EAAG-SEKRET-FB-TOKEN"  # also inside the fixtures' paging links, as in real answers
PAGE = "111111111111111"
P1, P2, P3 = (f"{PAGE}_22222222222200{n}" for n in (1, 2, 3))
C = {n: f"22222222222200{1 if n <= 5 else 2}_30000000000000{n}" for n in range(1, 7)}
INES, MALO, ZOE = "900000000000011", "900000000000012", "900000000000013"
FEED = f"/{PAGE}/feed"

# id → (parent, root, author, owner_liked), read off the fixture files by the flat rule:
# C5 answers the reply C4, so it is attached to C4's comment C1.
EXPECTED: dict[str, tuple[Any, ...]] = {
    P1: (None, P1, PAGE, False),
    P2: (None, P2, INES, True),
    P3: (None, P3, PAGE, False),
    C[1]: (P1, P1, INES, False),
    C[2]: (C[1], P1, PAGE, False),
    C[3]: (P1, P1, MALO, True),
    C[4]: (C[1], P1, ZOE, False),
    C[5]: (C[1], P1, MALO, False),
    C[6]: (P2, P2, PAGE, False),
}


def body(name: str) -> Any:
    return json.loads((DATA / name).read_text("utf-8"))


def serve_page(server: ReplayServer) -> None:
    server.add(FEED, body("feed_p2.json"), query={"after": "feed-c1"})
    server.add(FEED, body("feed_p1.json"))
    server.add(f"/{P1}/comments", body("comments_p1_b.json"), query={"after": "cm-c1"})
    server.add(f"/{P1}/comments", body("comments_p1_a.json"))
    server.add(f"/{P2}/comments", body("comments_p2.json"))
    server.add(f"/{P3}/comments", Reply(400, body("error_deleted.json")))


def epoch(naive_utc: datetime) -> int:
    return int((naive_utc - datetime(1970, 1, 1)).total_seconds())


def fetcher(server: ReplayServer, **kwargs: Any) -> FacebookFetcher:
    settings = {"sleep": lambda s: None, "timeout": 5.0, **kwargs.pop("http", {})}
    return FacebookFetcher(base_url=server.base_url, token=TOKEN, http=settings, **kwargs)


def request(**kwargs: Any) -> FetchRequest:
    return FetchRequest(PAGE, **kwargs)


def messages(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, author_id, owner_liked FROM messages "
        "WHERE platform = 'facebook'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def asked(server: ReplayServer) -> list[tuple[str, str | None]]:
    return [(r.path, (r.query.get("after") or [None])[0]) for r in server.requests]


def test_first_fetch_stores_posts_comments_and_replies(ws: Workspace, server: ReplayServer) -> None:
    serve_page(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == EXPECTED
    # Newest posts first; the comments of each post of a feed page before the next page.
    assert asked(server) == [
        (FEED, None),
        (f"/{P3}/comments", None),
        (f"/{P2}/comments", None),
        (FEED, "feed-c1"),
        (f"/{P1}/comments", None),
        (f"/{P1}/comments", "cm-c1"),
    ]
    comments = [r for r in server.requests if r.path.endswith("/comments")]
    assert all(
        r.query["filter"] == ["stream"] and r.query["order"] == ["chronological"] for r in comments
    )
    assert all("parent{id}" in r.query["fields"][0] for r in comments)
    assert all("user_likes" in r.query["fields"][0] for r in comments)
    assert summary.read == summary.stored + summary.updated + summary.duplicates + summary.rejected
    assert (summary.pages, summary.stored, summary.rejected) == (6, 9, 1)
    # The post deleted between the feed and its comments: one reject naming it and the API's
    # reason; the fetch went on.
    ((location, reason),) = ws.con.execute("SELECT location, reason FROM rejects").fetchall()
    assert P3 in location and "HTTP 400" in location
    assert "GraphMethodException 100" in reason and "does not exist" in reason
    state = load_state(ws, "facebook", PAGE)
    assert state["phase"] == "done" and state["todo"] == []
    assert state["since"].startswith("2024-06-12T08:00")
    # Threads to refresh next time, by their last activity; the deleted P3 is forgotten.
    assert set(state["threads"]) == {P1, P2}
    assert state["threads"][P1].startswith("2024-06-01T14:00")
    texts = dict(ws.con.execute("SELECT id, text FROM messages").fetchall())
    assert texts[C[2]] == "Oui, de 8 h à 13 h !"


def test_the_token_travels_in_a_header_and_is_stored_nowhere(
    tmp_path: Path, server: ReplayServer
) -> None:
    serve_page(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    with Workspace.open(db) as ws:
        run_fetch(ws, fetcher(server), request())
        # Every row of every table (the file's bytes alone prove little: DuckDB compresses).
        tables = ws.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        assert {"raw_items", "rejects", "imports", "fetch_state"} <= {t for (t,) in tables}
        for (table,) in tables:
            dump = ws.con.execute(f'SELECT * FROM "{table}"').fetchall()
            assert TOKEN not in repr(dump) and "SEKRET" not in repr(dump), table
        links = ws.con.execute(
            "SELECT payload FROM raw_items WHERE payload LIKE '%access_token%'"
        ).fetchall()
        assert links == []  # paging links of stored payloads are not kept
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert all(TOKEN not in r.url and "access_token" not in r.query for r in server.requests)
    assert TOKEN.encode() not in db.read_bytes()
    assert b"SEKRET" not in db.read_bytes()


def test_records_reparse_to_the_same_messages(ws: Workspace, server: ReplayServer) -> None:
    serve_page(server)
    run_fetch(ws, fetcher(server), request())
    before = messages(ws)
    results = reparse(ws)
    assert sum(r.read for r in results) == 10
    assert sum(r.stored + r.updated for r in results) == 0
    assert messages(ws) == before


def test_fetched_pages_map_like_the_same_files_imported(
    tmp_path: Path, server: ReplayServer
) -> None:
    """The comments of one post as two files: the same messages as the fetch (the second
    page names no edge, so it is imported with the first, as one JSON Lines file)."""
    serve_page(server)
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        run_fetch(fetched, fetcher(server), request())
        lines = tmp_path / "p1_comments.jsonl"
        docs = [body(n) for n in ("comments_p1_a.json", "comments_p1_b.json")]
        lines.write_text("\n".join(json.dumps(d) for d in docs), "utf-8")
        import_paths(imported, [DATA / "feed_p1.json", DATA / "feed_p2.json", lines])
        got = messages(imported)
        want = {k: v for k, v in messages(fetched).items() if k in got}
        assert set(want) == {P1, P2, P3, *(C[n] for n in range(1, 6))}
        assert got == want
    finally:
        fetched.close()
        imported.close()


def test_incremental_run_reads_new_posts_and_refreshes_recent_threads(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_page(server)
    run_fetch(ws, fetcher(server), request())
    new_comment = {
        "id": "222222222222002_300000000000007",
        "created_time": "2024-06-13T09:00:00+0000",
        "message": "Merci, et le soir c'est payant ?",
        "from": {"id": INES, "name": "Inès Duval"},
        "user_likes": False,
    }
    P4 = f"{PAGE}_222222222222004"
    new_post = {
        "id": P4,
        "created_time": "2024-06-14T08:00:00+0000",
        "message": "Balade contée ce soir",
        "from": {"id": PAGE, "name": "Val de Lune Tourisme"},
    }
    with ReplayServer() as later:
        later.add(f"/{P2}/comments", {"data": [*body("comments_p2.json")["data"], new_comment]})
        later.add(FEED, {"data": [new_post, body("feed_p1.json")["data"][0]]})
        later.add(f"/{P4}/comments", {"data": []})
        serve_page(later)
        # Four days after P2's last comment: with --refresh-days 10, P2's thread is re-read
        # and P1's (last activity 2024-06-01) is not.
        now = datetime(2024, 6, 14, 12, 0)
        summary = run_fetch(ws, fetcher(later, now=now), request(refresh_days=10))
        assert asked(later) == [
            (f"/{P2}/comments", None),
            (FEED, None),
            (f"/{P4}/comments", None),
        ]
        feed = later.requests[1]
        assert feed.query["since"] == [str(epoch(datetime(2024, 6, 12, 8)))]
        # The feed answers P3 again (Graph's `since` second is inclusive): already stored, it
        # is dropped and its comments are not asked for; C6, read again in P2's refresh, is
        # the one duplicate.
        assert (summary.stored, summary.duplicates) == (2, 1)
        got = messages(ws)
        assert got["222222222222002_300000000000007"][:3] == (P2, P2, INES)
        assert got[P4][:3] == (None, P4, PAGE)
        state = load_state(ws, "facebook", PAGE)
        assert set(state["threads"]) == {P2, P4}
        assert state["since"].startswith("2024-06-14T08:00")


def test_since_limits_the_first_fetch(ws: Workspace, server: ReplayServer) -> None:
    serve_page(server)
    run_fetch(ws, fetcher(server), request(since=datetime(2024, 6, 5)))
    feed = server.requests[0]
    assert feed.query["since"] == [str(epoch(datetime(2024, 6, 5)))]
    # The replay server answers the whole feed: the posts before --since are dropped
    # client-side, and the listing stops at the first of them.
    assert set(messages(ws)) == {P2, P3, C[6]}
    assert (FEED, "feed-c1") in asked(server)
    assert not any(r.path == f"/{P1}/comments" for r in server.requests)


@pytest.mark.parametrize("crash_after", range(1, 6))
def test_crash_between_pages_then_resume_stores_each_message_once(
    ws: Workspace, server: ReplayServer, crash_after: int
) -> None:
    serve_page(server)

    def crash(summary: Any) -> None:
        if summary.pages == crash_after:
            raise KeyboardInterrupt("interrupted between pages")

    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, fetcher(server), request(), on_page=crash)
    first = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    saved = load_state(ws, "facebook", PAGE)
    before = len(server.requests)
    resumed = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == EXPECTED
    total = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    assert first is not None and total is not None
    assert first[0] + resumed.stored == total[0] == len(EXPECTED)
    assert resumed.duplicates <= 3  # at most the one page held back when the run stopped
    again = asked(server)[before:]
    if saved.get("listing", {}).get("after") == "feed-c1":
        assert (FEED, None) not in again  # the resume goes on from the saved cursor
    assert load_state(ws, "facebook", PAGE)["phase"] == "done"
    rejects = ws.con.execute("SELECT count(*) FROM rejects").fetchone()
    assert rejects == (1,)


def test_rate_limits_server_errors_and_timeouts_are_retried(
    ws: Workspace, server: ReplayServer
) -> None:
    limited = Reply(429, {"error": {"message": "slow down"}}, {"Retry-After": "7"})
    server.add(FEED, limited, body("feed_p1.json"), query={"limit": "100", "after": None})
    server.add(f"/{P2}/comments", Reply(500, "oops"), body("comments_p2.json"))
    slow = Reply(body=body("comments_p1_b.json"), delay=1.0)
    server.add(f"/{P1}/comments", slow, body("comments_p1_b.json"), query={"after": "cm-c1"})
    # Graph's own rate limit comes as HTTP 403 with code 32: waited out like a 429.
    page_limit = Reply(403, body("error_rate_limit.json"))
    server.add(
        f"/{P1}/comments", page_limit, body("comments_p1_a.json"), query={"filter": "stream"}
    )
    serve_page(server)
    waits: list[float] = []
    quick = fetcher(server, http={"sleep": waits.append, "timeout": 0.3, "backoff": 0.01})
    run_fetch(ws, quick, request())
    assert messages(ws) == EXPECTED
    # Retry-After for the 429, then backoff for the 500, Graph's code 32 and the timeout.
    assert waits == [7.0, 0.01, 0.01, 0.01]


def test_expired_token_is_explained_without_showing_it(ws: Workspace, server: ReplayServer) -> None:
    server.add(FEED, Reply(400, body("error_expired.json")))
    with pytest.raises(Exception) as caught:
        run_fetch(ws, fetcher(server), request())
    message = str(caught.value)
    assert "expired or is invalid" in message and "LIEN_META_TOKEN" in message
    assert "Session has expired" in message
    assert TOKEN not in message and "SEKRET" not in message
    assert len(server.requests) == 1  # not retried


def test_missing_permission_is_named(ws: Workspace, server: ReplayServer) -> None:
    server.add(FEED, Reply(403, body("error_permission.json")))
    with pytest.raises(Exception) as caught:
        run_fetch(ws, fetcher(server), request())
    message = str(caught.value)
    assert "access refused (HTTP 403)" in message
    assert "lacks a permission: pages_read_engagement (to read the Page's posts" in message
    assert "Page access token" in message and TOKEN not in message


def test_a_lasting_failure_stops_and_the_next_run_resumes(ws: Workspace) -> None:
    with ReplayServer() as down:
        down.add(f"/{P1}/comments", Reply(503, "down"), query={"after": "cm-c1"})
        serve_page(down)
        broken = fetcher(down, http={"max_retries": 1, "backoff": 0.0})
        with pytest.raises(Exception, match=rf"{P1}/comments.*HTTP 503"):
            run_fetch(ws, broken, request())
    # P1's first comments page was held back (it could have been the run's last) when its
    # second failed: it is not stored, the checkpoint before it is.
    assert C[6] in messages(ws) and C[1] not in messages(ws)
    with ReplayServer() as back:
        serve_page(back)
        run_fetch(ws, fetcher(back), request())
        # From the checkpoint: P1's first comments page (held back as a possible last page)
        # is read again, then its second; the feed is not.
        assert asked(back) == [(f"/{P1}/comments", None), (f"/{P1}/comments", "cm-c1")]
    assert messages(ws) == EXPECTED


def test_graph_error_codes_become_advice() -> None:
    explain = explainer(("pages_read_engagement", "pages_read_user_content"))
    expired = explain(400, body("error_expired.json"))
    assert expired is not None and expired.startswith("The access token in LIEN_META_TOKEN")
    denied = {"error": {"code": 200, "message": "(#200) needs pages_read_user_content"}}
    said = explain(403, denied)
    assert said is not None and "pages_read_user_content (to read what visitors write" in said
    assert "pages_read_engagement (" not in said
    unknown = explain(400, {"error": {"code": 100, "error_subcode": 33, "message": "gone"}})
    assert unknown is not None and unknown.startswith("No such object")
    assert explain(400, {"error": {"code": 1, "message": "unknown"}}) is None
    assert graph_error({"error": {"code": True}}) == (None, None, "")


def test_a_page_id_is_required(ws: Workspace, server: ReplayServer) -> None:
    with pytest.raises(Exception, match="not a Page id"):
        run_fetch(ws, fetcher(server), FetchRequest("valdelune"))
    assert server.requests == []


def test_accounts_add_resolves_a_page_username(tmp_path: Path, server: ReplayServer) -> None:
    server.add("/valdelune", {"id": PAGE, "name": "Val de Lune Tourisme"})
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    args = ["accounts", "add", "facebook", "valdelune", "--base-url", server.base_url]
    result = CliRunner().invoke(cli, [*args, "--db", str(db)], env={"LIEN_META_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    with Workspace.open(db) as ws:
        assert [(a["author_id"], a["name"]) for a in ws.accounts()] == [
            (PAGE, "Val de Lune Tourisme")
        ]


def test_cli_fetch_then_metrics_end_to_end(tmp_path: Path, server: ReplayServer) -> None:
    serve_page(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="UTC").close()
    runner = CliRunner()
    env = {"LIEN_META_TOKEN": TOKEN}
    added = runner.invoke(cli, ["accounts", "add", "facebook", PAGE, "--db", str(db)], env=env)
    assert added.exit_code == 0, added.output
    args = ["fetch", "facebook", "--page", PAGE, "--base-url", server.base_url, "--db", str(db)]
    fetched = runner.invoke(cli, args, env=env)
    assert fetched.exit_code == 0, fetched.output
    said = " ".join(fetched.output.split())
    assert "6 pages, read 10 = stored 9 + updated 0 + duplicates 0 + rejected 1" in said
    assert TOKEN not in fetched.output
    shown = runner.invoke(cli, ["metrics", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    (june,) = json.loads(shown.output)["periods"]
    # By hand, from the fixture files: the Page posted P1 and P3, Inès posted P2 on its wall.
    # Members wrote P2, C1, C3, C4, C5 (Inès, Malo, Zoé). C1 and C3 comment the Page's post
    # (addressed); the Page answered C1 (C2) and liked C3 (user_likes). Exchanges: C1 and C3
    # to the Page, C2 and C6 from it, C4 (Zoé → Inès) and C5 (Malo → Inès: C5 answers the
    # reply C4, attached to its comment C1). Questions: C1, C4, P2; C1 (by C2) and P2 (by C6)
    # are answered, C4 only by Malo.
    assert june["period"] == "2024-06"
    assert (june["account_posts"], june["member_posts"], june["member_messages"]) == (2, 1, 5)
    assert (june["addressed"], june["response_rate"], june["acknowledged_rate"]) == (2, 0.5, 1.0)
    assert (
        june["member_to_member"],
        june["member_to_account"],
        june["account_to_member"],
    ) == (2, 2, 2)
    assert june["conversation_rate"] == 2.0  # four member messages with a parent / two posts
    assert june["active_members"] == 3
    assert june["questions"] == 3
    assert june["question_response_rate"] == pytest.approx(2 / 3)
    assert june["response_within_24h_rate"] == 0.5
    assert june["ttfr_median_h"] == 1.0  # C1 at 10:00, C2 at 11:00


def test_fetched_sample_feed_maps_like_the_imported_files(
    tmp_path: Path, server: ReplayServer, samples: Path
) -> None:
    """The real recorded feed pages of the shared samples, served by cursor: the same posts
    as importing the two files."""
    folder = samples / "facebook_graph"
    names = [f"pyfacebook_apidata_posts_feeds_default_fields_p{n}.json" for n in (1, 2)]
    first, second = (json.loads((folder / n).read_text("utf-8")) for n in names)
    page = str(first["data"][0]["id"]).split("_")[0]
    cursor = first["paging"]["cursors"]["after"]
    server.add(f"/{page}/feed", {**second, "paging": {}}, query={"after": cursor})
    server.add(f"/{page}/feed", first)
    for post in [*first["data"], *second["data"]]:
        server.add(f"/{post['id']}/comments", {"data": []})
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        summary = run_fetch(fetched, fetcher(server), FetchRequest(page))
        results = import_paths(imported, [folder / n for n in names], source="facebook")
        assert summary.stored == sum(r.stored for r in results) >= 10
        assert messages(fetched) == messages(imported)
    finally:
        fetched.close()
        imported.close()


def test_timestamps_are_read_as_utc(ws: Workspace, server: ReplayServer) -> None:
    serve_page(server)
    run_fetch(ws, fetcher(server), request())
    row = ws.con.execute("SELECT created_at FROM messages WHERE id = ?", [C[1]]).fetchone()
    assert row == (datetime(2024, 6, 1, 10, 0),)


def test_a_lasting_graph_rate_limit_stops_with_advice(ws: Workspace, server: ReplayServer) -> None:
    server.add(FEED, Reply(400, body("error_rate_limit.json")))
    waits: list[float] = []
    with pytest.raises(Exception) as caught:
        run_fetch(ws, fetcher(server, http={"sleep": waits.append, "max_retries": 2}), request())
    assert "rate limit is reached" in str(caught.value) and "resumes" in str(caught.value)
    assert waits == [1.0, 2.0] and len(server.requests) == 3


def _community(draw: Any) -> tuple[list[list[dict[str, Any]]], dict[str, list[list[Any]]]]:
    """Feed pages of invented posts and, per post, its comment pages (oldest first); a
    comment may answer an earlier one of its post."""
    posts: list[dict[str, Any]] = []
    comments: dict[str, list[list[Any]]] = {}
    for p in range(draw(st.integers(1, 4))):
        ident = f"{PAGE}_5{p:014d}"
        posts.append(
            {
                "id": ident,
                "created_time": f"2024-07-{20 - p:02d}T08:00:00+0000",
                "from": {"id": PAGE},
            }
        )
        made: list[dict[str, Any]] = []
        for c in range(draw(st.integers(0, 5))):
            comment: dict[str, Any] = {
                "id": f"5{p:014d}_6{c:014d}",
                "created_time": f"2024-07-{20 - p:02d}T{9 + c:02d}:00:00+0000",
                "from": {"id": f"90000000000{c % 3}"},
                "message": "?",
            }
            if made and draw(st.booleans()):
                comment["parent"] = {"id": draw(st.sampled_from(made))["id"]}
            made.append(comment)
        size = draw(st.integers(1, 3))
        comments[ident] = [made[i : i + size] for i in range(0, len(made), size)] or [[]]
    size = draw(st.integers(1, 2))
    feed = [posts[i : i + size] for i in range(0, len(posts), size)]
    return feed, comments


def _serve_pages(server: ReplayServer, path: str, pages: list[list[Any]], prefix: str) -> None:
    for i, data in enumerate(pages):
        doc: dict[str, Any] = {"data": data}
        if i + 1 < len(pages):
            after = f"{prefix}{i + 1}"
            doc["paging"] = {"cursors": {"after": after}, "next": f"https://x/{path}?after={after}"}
        server.add(path, doc, **({"query": {"after": f"{prefix}{i}"}} if i else {}))


@given(data=st.data())
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_crash_then_resume_stores_every_message_exactly_once(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    feed, comments = _community(data.draw)
    wanted = {p["id"] for page in feed for p in page} | {
        c["id"] for pages in comments.values() for page in pages for c in page
    }
    pages = len(feed) + sum(len(p) for p in comments.values())
    crash_after = data.draw(st.integers(1, pages))
    db = tmp_path_factory.mktemp("prop") / "ws.duckdb"
    with ReplayServer() as server, Workspace.create(db) as ws:
        _serve_pages(server, FEED, feed, "f")
        for post, post_pages in comments.items():
            _serve_pages(server, f"/{post}/comments", post_pages, "c")

        def crash(summary: Any) -> None:
            if summary.pages == crash_after:
                raise KeyboardInterrupt

        stored = 0
        try:
            stored += run_fetch(ws, fetcher(server), request(), on_page=crash).stored
        except KeyboardInterrupt:
            stored += ws.con.execute("SELECT count(*) FROM messages").fetchone()[0]  # type: ignore[index]
        stored += run_fetch(ws, fetcher(server), request()).stored
        got = messages(ws)
        assert set(got) == wanted and stored == len(wanted)
        post_ids = {p["id"] for page in feed for p in page}
        assert all(root in post_ids for _, root, _, _ in got.values())
        assert load_state(ws, "facebook", PAGE)["phase"] == "done"
