"""`lien fetch x` against the replay server: a small invented account served in the API v2
shapes (user lookup, user posts, recent search by conversation_id, error bodies)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.errors import LienError
from lien.fetching import FetchRequest, load_state, run_fetch
from lien.importer import reparse
from lien.sources.x.fetch import XFetcher, parse_user
from lien.workspace import Workspace

from .server import ReplayServer, Reply

TOKEN = "AAAA-x-bearer-SEKRET-9911"
NOW = datetime(2024, 5, 10, 12, 0)
DATA = Path(__file__).parent.parent / "data" / "x" / "fetch"
OFFICE = {"id": "1000000001", "username": "office_du_lac", "name": "Office du lac"}
ALICE = {"id": "2001", "username": "alice", "name": "Alice"}
BOB = {"id": "2002", "username": "bob", "name": "Bob"}
CAROL = {"id": "2003", "username": "carol", "name": "Carol"}
DAVE = {"id": "2004", "username": "dave", "name": "Dave"}
TIMELINE = f"/2/users/{OFFICE['id']}/tweets"
SEARCH = "/2/tweets/search/recent"


def error_body(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text("utf-8"))


def tid(n: int) -> str:
    return str(1788000000000000000 + n)


def tweet(
    n: int,
    who: dict[str, str],
    when: str,
    text: str,
    parent: int | None = None,
    conv: int | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": tid(n),
        "text": text,
        "author_id": who["id"],
        "conversation_id": tid(conv or n),
        "created_at": when + ".000Z",
        "edit_history_tweet_ids": [tid(n)],
        "lang": "fr",
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0},
    }
    if parent is not None:
        out["referenced_tweets"] = [{"type": "replied_to", "id": tid(parent)}]
    return out


P1 = tweet(10, OFFICE, "2024-05-08T09:00:00", "Le ponton est rouvert !")
A1 = tweet(11, ALICE, "2024-05-08T10:00:00", "@office_du_lac Enfin ! Baignade surveillée ?", 10, 10)
O1 = tweet(12, OFFICE, "2024-05-08T11:00:00", "@alice Oui, de 11 h à 19 h", 11, 10)
B1 = tweet(13, BOB, "2024-05-08T12:00:00", "@alice on y va samedi ?", 11, 10)
M1 = tweet(20, DAVE, "2024-05-09T08:00:00", "Un resto avec vue sur le lac ?")
O2 = tweet(21, OFFICE, "2024-05-09T09:00:00", "@dave La guinguette du port", 20, 20)
C1 = tweet(22, CAROL, "2024-05-09T10:00:00", "@office_du_lac ouverte le lundi ?", 21, 20)
P2 = tweet(30, OFFICE, "2024-05-09T15:00:00", "Programme du week-end")
EVERYONE = [P1, A1, O1, B1, M1, O2, C1, P2]


def page(tweets: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    """A v2 page: `data`, the authors in `includes.users`, `meta`."""
    if not tweets:
        return {"meta": {"result_count": 0}}
    people = {u["id"]: u for u in (OFFICE, ALICE, BOB, CAROL, DAVE)}
    authors = list(dict.fromkeys(t["author_id"] for t in tweets))
    meta: dict[str, Any] = {
        "result_count": len(tweets),
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
    }
    if next_token:
        meta["next_token"] = next_token
    return {"data": tweets, "includes": {"users": [people[a] for a in authors]}, "meta": meta}


Q10, Q20, Q30 = (f"conversation_id:{tid(n)}" for n in (10, 20, 30))
# (path, required query parameters) → body: the server's routes, also used to count reads.
ROUTES: list[tuple[str, dict[str, str], Any]] = [
    (f"/2/users/by/username/{OFFICE['username']}", {}, {"data": OFFICE}),
    (TIMELINE, {}, page([P2, O2], "TL2")),
    (TIMELINE, {"pagination_token": "TL2"}, page([O1, P1])),
    (SEARCH, {"query": Q30}, page([])),
    (SEARCH, {"query": Q20}, page([C1, O2, M1])),
    (SEARCH, {"query": Q10}, page([B1, O1], "S2")),
    (SEARCH, {"query": Q10, "next_token": "S2"}, page([A1])),
]


def route(path: str, **query: str) -> Any:
    return next(body for p, q, body in ROUTES if p == path and q == query)


def serve_account(server: ReplayServer) -> None:
    for path, query, body in ROUTES:
        server.add(path, body, query=query or None)


def resources(body: Any) -> int:
    """Posts and users a response returns (what the API bills)."""
    if not isinstance(body, dict):
        return 0
    data = body.get("data")
    count = len(data) if isinstance(data, list) else int(isinstance(data, dict))
    includes = body.get("includes") or {}
    return count + sum(len(includes.get(k) or []) for k in ("users", "tweets"))


def served(request: Any) -> Any:
    """The body ROUTES gives for a recorded request (the most specific route)."""
    q = {k: v[0] for k, v in request.query.items()}
    matching = [
        (len(want), body)
        for path, want, body in ROUTES
        if path == request.path and all(q.get(k) == v for k, v in want.items())
    ]
    return max(matching, key=lambda m: m[0])[1]


def fetcher(server: ReplayServer, **kwargs: Any) -> XFetcher:
    settings = {"sleep": lambda s: None, "timeout": 5.0, **kwargs.pop("http", {})}
    kwargs.setdefault("now", NOW)
    return XFetcher(base_url=server.base_url, token=TOKEN, http=settings, **kwargs)


def request(max_reads: int = 1000, **kwargs: Any) -> FetchRequest:
    return FetchRequest("@office_du_lac", max_reads=max_reads, **kwargs)


def messages(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, author_id FROM messages WHERE platform = 'x'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def expected_rows() -> dict[str, tuple[Any, ...]]:
    out = {}
    for t in EVERYONE:
        refs = t.get("referenced_tweets") or [{}]
        out[t["id"]] = (refs[0].get("id"), t["conversation_id"], t["author_id"])
    return out


def asked(server: ReplayServer) -> list[str]:
    out = []
    for r in server.requests:
        q = {k: v[0] for k, v in r.query.items()}
        extra = q.get("query") or ""
        token = q.get("pagination_token") or q.get("next_token") or ""
        out.append(" ".join(x for x in (r.path, extra, token) if x))
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
    f"/2/users/by/username/{OFFICE['username']}",
    TIMELINE,
    f"{TIMELINE} TL2",
    f"{SEARCH} conversation_id:{tid(30)}",
    f"{SEARCH} conversation_id:{tid(20)}",
    f"{SEARCH} conversation_id:{tid(10)}",
    f"{SEARCH} conversation_id:{tid(10)} S2",
]


def test_parse_user_forms() -> None:
    assert parse_user("@office_du_lac") == "office_du_lac"
    assert parse_user("office_du_lac") == "office_du_lac"
    assert parse_user("https://x.com/office_du_lac") == "office_du_lac"
    assert parse_user("https://twitter.com/office_du_lac/") == "office_du_lac"
    assert XFetcher.needs_resolving("@office_du_lac") and not XFetcher.needs_resolving("1000000001")
    with pytest.raises(LienError, match="not an X account"):
        parse_user("office du lac")


def test_first_fetch_reads_posts_and_their_conversations(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_account(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert asked(server) == FULL_RUN
    assert messages(ws) == expected_rows()
    # O1 and O2 come in the timeline and again in their conversations: duplicates.
    assert (summary.stored, summary.duplicates, summary.rejected) == (len(EVERYONE), 2, 0)
    assert summary.read == summary.stored + summary.updated + summary.duplicates + summary.rejected
    # The token travels in the header only; every search is a conversation_id: query.
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert all(TOKEN not in r.url for r in server.requests)
    first_search = server.requests[3].query
    assert first_search["start_time"] == ["2024-05-03T12:01:00Z"]  # 7 days back (recent search)
    assert server.requests[1].query["exclude"] == ["retweets"]
    state = load_state(ws, "x", "office_du_lac")
    assert state["phase"] == "done" and state["user_id"] == OFFICE["id"]
    assert state["since_id"] == P2["id"]
    assert state["conversations"][tid(10)] == {"at": B1["created_at"], "since_id": B1["id"]}
    assert state["conversations"][tid(30)] == {"at": P2["created_at"]}
    # Handles and names come from includes.users.
    handles = dict(ws.con.execute("SELECT author_id, author_handle FROM messages").fetchall())
    assert handles[CAROL["id"]] == "carol" and handles[OFFICE["id"]] == "office_du_lac"


def test_records_reparse_to_the_same_messages(ws: Workspace, server: ReplayServer) -> None:
    serve_account(server)
    run_fetch(ws, fetcher(server), request())
    before = messages(ws)
    results = reparse(ws)
    assert sum(r.read for r in results) > 0
    assert sum(r.stored + r.updated for r in results) == 0
    assert messages(ws) == before


def test_max_reads_is_required(ws: Workspace, server: ReplayServer) -> None:
    serve_account(server)
    with pytest.raises(LienError, match="--max-reads"):
        run_fetch(ws, fetcher(server), FetchRequest("@office_du_lac"))
    assert server.requests == []


def test_estimate_prices_the_reads() -> None:
    text = XFetcher(token=TOKEN).estimate(request(max_reads=201), {})
    assert text is not None
    # By hand: 1 lookup + at most half of the other 200 reads are authors (100 users),
    # 100 posts: 100 * 0.005 + 101 * 0.010 = 1.51 dollars.
    assert "at most 201 reads" in text and "$1.51" in text
    later = request(max_reads=200)
    later.options = {"price_per_read": 0.001, "price_per_user": 0.002}
    # Known user id: 100 posts * 0.001 + 100 users * 0.002 = 0.30.
    assert "$0.30" in (XFetcher(token=TOKEN).estimate(later, {"user_id": "1"}) or "")


@pytest.mark.parametrize("limit", [1, 10, 11, 12, 15, 20, 24, 30])
def test_max_reads_is_respected_then_the_next_run_resumes(
    ws: Workspace, server: ReplayServer, limit: int
) -> None:
    serve_account(server)
    first = run_fetch(ws, fetcher(server), request(max_reads=limit))
    made = len(server.requests)
    # Counted independently from what the server returned: never above the limit.
    assert sum(resources(served(r)) for r in server.requests) <= limit
    assert all(int(r.query["max_results"][0]) * 2 <= limit for r in server.requests[1:])
    if made < len(FULL_RUN):
        assert first.notes and f"--max-reads {limit}" in first.notes[0]
        assert load_state(ws, "x", "office_du_lac").get("phase") != "done"
    rounds = 0
    while load_state(ws, "x", "office_du_lac").get("phase") != "done":
        rounds += 1
        assert rounds < 20
        run_fetch(ws, fetcher(server), request(max_reads=max(limit, 20)))
    assert messages(ws) == expected_rows()
    # Together the runs asked each page once (the lookup once: its id is kept).
    assert asked(server) == FULL_RUN


@pytest.mark.parametrize("crash_after", range(1, 6))
def test_crash_between_pages_then_resume_stores_each_message_once(
    ws: Workspace, server: ReplayServer, crash_after: int
) -> None:
    serve_account(server)

    def crash(summary: Any) -> None:
        if summary.pages == crash_after:
            raise KeyboardInterrupt("interrupted between pages")

    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, fetcher(server), request(), on_page=crash)
    first = len(messages(ws))
    resumed = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    assert first + resumed.stored == len(EVERYONE)
    assert load_state(ws, "x", "office_du_lac")["phase"] == "done"


def test_rate_limits_server_errors_and_timeouts_are_retried(
    ws: Workspace, server: ReplayServer
) -> None:
    limited = Reply(429, error_body("too_many_requests"), {"x-rate-limit-reset": "6"})
    server.add(
        TIMELINE,
        limited,
        route(TIMELINE, pagination_token="TL2"),
        query={"pagination_token": "TL2"},
    )
    busy = Reply(503, {"title": "Service Unavailable"})
    q20 = f"conversation_id:{tid(20)}"
    server.add(SEARCH, busy, route(SEARCH, query=q20), query={"query": q20})
    slow = Reply(body=page([]), delay=1.0)
    q30 = f"conversation_id:{tid(30)}"
    server.add(SEARCH, slow, page([]), query={"query": q30})
    serve_account(server)
    waits: list[float] = []
    quick = fetcher(server, http={"sleep": waits.append, "timeout": 0.3, "backoff": 0.01})
    run_fetch(ws, quick, request())
    assert messages(ws) == expected_rows()
    assert waits == [6.0, 0.01, 0.01]  # the reset header, then backoff (timeout, 503)


def test_invalid_token_is_explained_without_showing_it(ws: Workspace, server: ReplayServer) -> None:
    server.add(f"/2/users/by/username/{OFFICE['username']}", Reply(401, error_body("unauthorized")))
    with pytest.raises(LienError) as raised:
        run_fetch(ws, fetcher(server), request())
    message = str(raised.value)
    assert "LIEN_X_BEARER is not a valid Bearer Token" in message and TOKEN not in message


def test_app_outside_a_project_is_explained(ws: Workspace, server: ReplayServer) -> None:
    server.add(
        f"/2/users/by/username/{OFFICE['username']}", Reply(403, error_body("client_not_enrolled"))
    )
    with pytest.raises(LienError, match="not attached to a Project"):
        run_fetch(ws, fetcher(server), request())


def test_no_credits_left_stops_cleanly_with_a_checkpoint(ws: Workspace) -> None:
    with ReplayServer() as server:
        q10 = f"conversation_id:{tid(10)}"
        server.add(SEARCH, Reply(402, error_body("credits_depleted")), query={"query": q10})
        serve_account(server)
        summary = run_fetch(ws, fetcher(server), request())
        assert summary.notes and "credits" in summary.notes[0].lower()
        assert A1["id"] not in messages(ws) and M1["id"] in messages(ws)
    with ReplayServer() as back:
        serve_account(back)
        run_fetch(ws, fetcher(back), request())
        assert asked(back) == FULL_RUN[-2:]
    assert messages(ws) == expected_rows()


def test_a_post_deleted_mid_fetch_is_kept_as_a_skipped_reject(
    ws: Workspace, server: ReplayServer
) -> None:
    q30 = f"conversation_id:{tid(30)}"
    server.add(SEARCH, error_body("deleted_in_search"), query={"query": q30})
    serve_account(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    assert summary.rejected == 1
    ((kind, reason),) = ws.con.execute("SELECT kind, reason FROM rejects").fetchall()
    assert kind == "skipped" and "Could not find tweet" in reason


def test_next_run_reads_only_newer_posts_and_replies(ws: Workspace, server: ReplayServer) -> None:
    serve_account(server)
    run_fetch(ws, fetcher(server), request())
    D2 = tweet(14, DAVE, "2024-05-11T08:00:00", "@office_du_lac et les horaires ?", 10, 10)
    P3 = tweet(40, OFFICE, "2024-05-11T09:00:00", "Marché nocturne ce soir")
    with ReplayServer() as second:
        q10 = f"conversation_id:{tid(10)}"
        second.add(SEARCH, page([D2]), query={"query": q10, "since_id": B1["id"]})
        second.add(TIMELINE, page([P3]), query={"since_id": P2["id"]})
        second.add(SEARCH, page([]), query={"query": f"conversation_id:{tid(40)}"})
        serve_account(second)
        # A day later, every conversation moved within the 14 days: each is searched again
        # from its newest reply, then the posts newer than P2.
        run_fetch(ws, fetcher(second, now=datetime(2024, 5, 11, 12)), request())
        assert asked(second) == [
            f"{SEARCH} conversation_id:{tid(10)}",
            f"{SEARCH} conversation_id:{tid(20)}",
            f"{SEARCH} conversation_id:{tid(30)}",
            TIMELINE,
            f"{SEARCH} conversation_id:{tid(40)}",
        ]
        assert second.requests[0].query["since_id"] == [B1["id"]]
        assert second.requests[3].query["since_id"] == [P2["id"]]
        assert messages(ws)[D2["id"]] == (P1["id"], P1["id"], DAVE["id"])
        assert P3["id"] in messages(ws)
        # With --refresh-days 2 the day after (from 2024-05-10 12:00), only P3's
        # conversation (05-11) and P1's (D2, 05-11) are recent; M1's and P2's are not.
        second.add(TIMELINE, page([]), query={"since_id": P3["id"]})
        second.requests.clear()
        run_fetch(ws, fetcher(second, now=datetime(2024, 5, 12, 12)), request(refresh_days=2))
        searched = {r.query["query"][0] for r in second.requests if r.path == SEARCH}
        assert searched == {Q10, f"conversation_id:{tid(40)}"}


def test_cli_fetch_then_metrics_end_to_end(
    tmp_path: Path, server: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The command reads the clock: set it to the fixtures' day (recent search reaches back
    # 7 days only, so older conversations are not searched).
    monkeypatch.setattr("lien.sources.x.fetch.utcnow", lambda: NOW)
    serve_account(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="UTC").close()
    runner = CliRunner()
    added = runner.invoke(cli, ["accounts", "add", "x", OFFICE["id"], "--db", str(db)])
    assert added.exit_code == 0, added.output
    env = {"LIEN_X_BEARER": TOKEN}
    args = ["fetch", "x", "--user", "@office_du_lac", "--base-url", server.base_url]
    refused = runner.invoke(cli, [*args, "--db", str(db)], env=env)
    assert refused.exit_code != 0 and "--max-reads" in refused.output
    assert server.requests == []
    fetched = runner.invoke(cli, [*args, "--max-reads", "100", "--db", str(db)], env=env)
    assert fetched.exit_code == 0, fetched.output
    assert "at most 100 reads" in fetched.output and "$" in fetched.output
    assert "stored 8" in fetched.output and "rejected 0" in fetched.output
    assert TOKEN not in fetched.output
    shown = runner.invoke(cli, ["metrics", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    (may,) = json.loads(shown.output)["periods"]
    # By hand: the office posted P1 and P2; dave's M1 starts a thread; members wrote A1, B1,
    # M1, C1. A1 (on P1) and C1 (on the office's O2) address the office, which answered A1
    # (O1): 1/2. Exchanges: A1→P1, C1→O2 member→account; O1→A1, O2→M1 account→member;
    # B1→A1 member→member.
    assert may["period"] == "2024-05"
    assert (may["account_posts"], may["member_posts"], may["member_messages"]) == (2, 1, 4)
    assert (may["addressed"], may["response_rate"]) == (2, 0.5)
    assert (may["member_to_member"], may["member_to_account"], may["account_to_member"]) == (
        1,
        2,
        2,
    )
    assert may["active_members"] == 4
    assert TOKEN.encode() not in db.read_bytes()
    with Workspace.open(db) as ws:
        found = secret_rows(ws, TOKEN)
    assert {"raw_items", "rejects", "imports", "fetch_state", "messages"} <= set(found)
    assert sum(found.values()) == 0


def test_fetched_sample_page_maps_like_the_imported_file(
    tmp_path: Path, server: ReplayServer, samples: Path
) -> None:
    """A recorded v2 timeline page, served as the account's posts, gives the same messages
    as importing the file (its posts are years old: no conversation is searched)."""
    from lien.importer import import_paths

    path = samples / "twitter_v2_api" / "pytwitter_timeline_timeline_mentions.json"
    body = json.loads(path.read_text("utf-8"))
    server.add(f"/2/users/by/username/{OFFICE['username']}", {"data": OFFICE})
    server.add(TIMELINE, body)
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        summary = run_fetch(fetched, fetcher(server), request())
        (result,) = import_paths(imported, [path], source="x")
        assert summary.stored == result.stored == len(body["data"])
        assert messages(fetched) == messages(imported)
        assert not any(r.path == SEARCH for r in server.requests)
    finally:
        fetched.close()
        imported.close()


def test_accounts_add_looks_a_handle_up(server: ReplayServer) -> None:
    server.add(f"/2/users/by/username/{OFFICE['username']}", {"data": OFFICE})
    assert fetcher(server).resolve_account("@office_du_lac") == (OFFICE["id"], "Office du lac")
    gone = {
        "errors": [
            {"detail": "Could not find user with username: [ghost].", "title": "Not Found Error"}
        ]
    }
    server.add("/2/users/by/username/ghost", gone)
    with pytest.raises(LienError, match="Could not find user"):
        fetcher(server).resolve_account("@ghost")
