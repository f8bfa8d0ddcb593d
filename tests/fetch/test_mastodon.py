"""`lien fetch mastodon` against the replay server: a small invented community served in the
API's shapes (Status entities, `Link` paging, contexts), then the real recorded pages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.fetching import FetchRequest, load_state, run_fetch
from lien.importer import import_paths, reparse
from lien.sources.mastodon.fetch import MastodonFetcher, parse_account, snowflake_floor
from lien.workspace import Workspace

from .server import ReplayServer, Reply

INSTANCE = "tourisme.example"
OFFICE_ID = "1000"
TOKEN = "masto-SEKRET-7788"


def sid(when: str, n: int = 0) -> str:
    """A Mastodon-style id for a creation time (ms << 16, plus a sequence)."""
    return str(int(snowflake_floor(datetime.fromisoformat(when))) + n)


def account(name: str, remote: str | None = None) -> dict[str, Any]:
    host = remote or INSTANCE
    return {
        "id": OFFICE_ID if name == "Office" else str(2000 + sum(map(ord, name))),
        "username": name,
        "acct": f"{name}@{remote}" if remote else name,
        "display_name": name.title(),
        "bot": False,
        "url": f"https://{host}/@{name}",
    }


def status(
    when: str, who: dict[str, Any], text: str, parent: str | None = None, replies: int = 0
) -> dict[str, Any]:
    ident = sid(when)
    return {
        "id": ident,
        "created_at": when + ".000Z",
        "in_reply_to_id": parent,
        "in_reply_to_account_id": None,
        "sensitive": False,
        "spoiler_text": "",
        "visibility": "public",
        "language": "fr",
        "uri": f"https://{INSTANCE}/users/{who['username']}/statuses/{ident}",
        "url": f"https://{INSTANCE}/@{who['username']}/{ident}",
        "replies_count": replies,
        "reblogs_count": 0,
        "favourites_count": 1,
        "edited_at": None,
        "content": f"<p>{text}</p>",
        "reblog": None,
        "account": who,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
    }


OFFICE = account("Office")
ALICE, BOB = account("alice"), account("bob", "voyage.example")
CAROL, DAVE, ERIN = account("carol"), account("dave", "rando.example"), account("erin")

P1 = status("2024-05-01T10:00:00", OFFICE, "Le marché de printemps ouvre samedi !", replies=2)
A1 = status("2024-05-01T10:30:00", ALICE, "Super, on viendra", P1["id"], replies=1)
O1 = status("2024-05-01T11:00:00", OFFICE, "Avec plaisir @alice", A1["id"])
B1 = status("2024-05-01T12:00:00", BOB, "Il y aura des producteurs bio ?", P1["id"])
A2 = status("2024-05-01T13:00:00", ALICE, "Oui, l'an dernier il y en avait", B1["id"])
M1 = status("2024-05-02T09:00:00", DAVE, "Des idées de balade au bord du lac ?", replies=1)
O2 = status("2024-05-02T15:00:00", OFFICE, "Le sentier des pêcheurs, 5 km", M1["id"])
E1 = status("2024-05-02T16:00:00", ERIN, "Je confirme, très beau", O2["id"])
P2 = status("2024-05-03T09:00:00", OFFICE, "Nouveaux horaires du musée")
C1 = status("2024-05-03T09:30:00", CAROL, "Quand ouvre le musée le dimanche", P2["id"])
P3 = status("2024-05-04T08:00:00", OFFICE, "Publication bientôt supprimée")
EVERYONE = [P1, A1, O1, B1, A2, M1, O2, E1, P2, C1, P3]
STORED = EVERYONE  # P3's context is gone (404), P3 itself is in the statuses page
STATUSES_PATH = f"/api/v1/accounts/{OFFICE_ID}/statuses"


def newest_first(*items: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda s: int(s["id"]), reverse=True)


def page(server: ReplayServer, *items: dict[str, Any], after: str) -> Reply:
    """One statuses page the way Mastodon serves `min_id` paging: newest first, `Link`."""
    body = newest_first(*items)
    links = []
    if body:
        base = f"https://{INSTANCE}{STATUSES_PATH}?limit=40"
        links = [
            f'<{base}&max_id={body[-1]["id"]}>; rel="next"',
            f'<{base}&min_id={body[0]["id"]}>; rel="prev"',
        ]
    return Reply(body=body, headers={"Link": ", ".join(links)} if links else {})


def context(ancestors: list[dict[str, Any]], descendants: list[dict[str, Any]]) -> dict[str, Any]:
    return {"ancestors": ancestors, "descendants": descendants}


def serve_community(server: ReplayServer) -> None:
    lookup = {**OFFICE, "acct": "Office"}
    server.add("/api/v1/accounts/lookup", lookup, query={"acct": "office"})
    server.add(STATUSES_PATH, page(server, P1, O1, after="0"), query={"min_id": "0"})
    server.add(STATUSES_PATH, page(server, O2, P2, after=O1["id"]), query={"min_id": O1["id"]})
    server.add(STATUSES_PATH, page(server, P3, after=P2["id"]), query={"min_id": P2["id"]})
    server.add(STATUSES_PATH, page(server, after=P3["id"]), query={"min_id": P3["id"]})
    server.add(f"/api/v1/statuses/{P1['id']}/context", context([], [A1, O1, B1, A2]))
    server.add(f"/api/v1/statuses/{O2['id']}/context", context([M1], [E1]))
    server.add(f"/api/v1/statuses/{M1['id']}/context", context([], [O2, E1]))
    server.add(f"/api/v1/statuses/{P2['id']}/context", context([], [C1]))
    server.add(f"/api/v1/statuses/{P3['id']}/context", Reply(404, {"error": "Record not found"}))


def fetcher(server: ReplayServer, **kwargs: Any) -> MastodonFetcher:
    settings = {"sleep": lambda s: None, "timeout": 5.0, **kwargs.pop("http", {})}
    return MastodonFetcher(base_url=server.base_url, http=settings, **kwargs)


def request() -> FetchRequest:
    return FetchRequest(f"@office@{INSTANCE}")


def messages(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, author_id, text FROM messages WHERE platform = 'mastodon'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def asked(server: ReplayServer) -> list[str]:
    return [r.url for r in server.requests]


def expected_rows() -> dict[str, tuple[Any, ...]]:
    """Each status's parent, root, author and text, derived from the fixtures by hand rules."""
    by_id = {s["id"]: s for s in EVERYONE}

    def root(s: dict[str, Any]) -> str:
        while s["in_reply_to_id"]:
            s = by_id[s["in_reply_to_id"]]
        return str(s["id"])

    def author(s: dict[str, Any]) -> str:
        acct = s["account"]["acct"]
        return (acct if "@" in acct else f"{acct}@{INSTANCE}").lower()

    return {s["id"]: (s["in_reply_to_id"], root(s), author(s), s["content"][3:-4]) for s in STORED}


def test_parse_account_forms() -> None:
    assert parse_account("@Office@Tourisme.example") == ("office", "tourisme.example")
    assert parse_account("office@tourisme.example") == ("office", "tourisme.example")
    assert parse_account("https://tourisme.example/@office") == ("office", "tourisme.example")
    # `lien accounts add` looks up anything but the stored form itself.
    assert not MastodonFetcher.needs_resolving("office@tourisme.example")
    assert MastodonFetcher.needs_resolving("@office@tourisme.example")
    assert MastodonFetcher.needs_resolving("Office@tourisme.example")
    with pytest.raises(Exception, match="not an account address"):
        parse_account("office")


def test_first_fetch_stores_every_thread_and_records_the_deleted_post(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_community(server)
    summary = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    # Paging follows the Link header's prev address, oldest first; the reply O1 is read in
    # P1's context and needs no request of its own; O2 (a reply in dave's thread) brings the
    # context of the thread's top, M1.
    assert asked(server) == [
        "/api/v1/accounts/lookup?acct=office",
        f"{STATUSES_PATH}?min_id=0&limit=40&exclude_reblogs=true",
        f"/api/v1/statuses/{P1['id']}/context",
        f"{STATUSES_PATH}?min_id={O1['id']}&limit=40&exclude_reblogs=true",
        f"/api/v1/statuses/{O2['id']}/context",
        f"/api/v1/statuses/{M1['id']}/context",
        f"/api/v1/statuses/{P2['id']}/context",
        f"{STATUSES_PATH}?min_id={P2['id']}&limit=40&exclude_reblogs=true",
        f"/api/v1/statuses/{P3['id']}/context",
        f"{STATUSES_PATH}?min_id={P3['id']}&limit=40&exclude_reblogs=true",
    ]
    assert summary.read == summary.stored + summary.updated + summary.duplicates + summary.rejected
    assert (summary.stored, summary.rejected) == (len(STORED), 1)
    rejects = ws.con.execute("SELECT location, kind, reason FROM rejects").fetchall()
    assert len(rejects) == 1
    location, kind, reason = rejects[0]
    assert P3["id"] in location and "404" in location and kind == "skipped"
    assert "Record not found" in reason
    state = load_state(ws, "mastodon", f"office@{INSTANCE}")
    assert state["phase"] == "done" and state["todo"] == []
    assert state["min_id"] == P3["id"]
    # Threads to refresh: P1 and P2 by their last activity of the office, dave's thread
    # (M1) by the office's reply; the deleted P3 is forgotten.
    assert set(state["threads"]) == {P1["id"], M1["id"], P2["id"]}
    assert state["threads"][P1["id"]].startswith("2024-05-01T11:00")


def test_records_reparse_to_the_same_messages(ws: Workspace, server: ReplayServer) -> None:
    serve_community(server)
    run_fetch(ws, fetcher(server), request())
    before = messages(ws)
    results = reparse(ws)
    assert sum(r.read for r in results) > 0
    assert sum(r.stored + r.updated for r in results) == 0
    assert messages(ws) == before


def test_incremental_run_asks_only_new_statuses_and_the_refresh_window(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_community(server)
    run_fetch(ws, fetcher(server), request())
    # Since then: a new reply in P1's thread, a new post P4 with one reply.
    F1 = status("2024-05-06T08:00:00", ERIN, "Et le dimanche ?", P1["id"])
    P4 = status("2024-05-07T10:00:00", OFFICE, "Fête du lac")
    G1 = status("2024-05-07T11:00:00", BOB, "On y sera", P4["id"])
    later_server = ReplayServer()
    with later_server as second:
        second.add(f"/api/v1/statuses/{P1['id']}/context", context([], [A1, O1, B1, A2, F1]))
        second.add(STATUSES_PATH, page(second, P4, after=P3["id"]), query={"min_id": P3["id"]})
        second.add(STATUSES_PATH, page(second, after=P4["id"]), query={"min_id": P4["id"]})
        second.add(f"/api/v1/statuses/{P4['id']}/context", context([], [G1]))
        serve_community(second)
        # Ten days after P1's last activity: with the default 14 days every thread is re-read.
        now = datetime(2024, 5, 11, 12, 0)
        summary = run_fetch(ws, fetcher(second, now=now), request())
        threads = sorted([P1["id"], M1["id"], P2["id"]])
        assert asked(second) == [
            "/api/v1/accounts/lookup?acct=office",
            *[f"/api/v1/statuses/{t}/context" for t in threads],
            f"{STATUSES_PATH}?min_id={P3['id']}&limit=40&exclude_reblogs=true",
            f"/api/v1/statuses/{P4['id']}/context",
            f"{STATUSES_PATH}?min_id={P4['id']}&limit=40&exclude_reblogs=true",
        ]
        assert summary.stored == 3  # F1, P4, G1
        assert {F1["id"], P4["id"], G1["id"]} <= set(messages(ws))
        assert messages(ws)[F1["id"]][:2] == (P1["id"], P1["id"])

        # A day later with --refresh-days 6 (from 2024-05-06 12:00): of the office's
        # threads only P4's (2024-05-07) is recent; erin's reply to P1 does not count.
        second.requests.clear()
        later = FetchRequest(f"@office@{INSTANCE}", refresh_days=6)
        run_fetch(ws, fetcher(second, now=now + timedelta(days=1)), later)
        assert asked(second) == [
            "/api/v1/accounts/lookup?acct=office",
            f"/api/v1/statuses/{P4['id']}/context",
            f"{STATUSES_PATH}?min_id={P4['id']}&limit=40&exclude_reblogs=true",
        ]


def test_since_starts_at_the_first_id_of_that_day(ws: Workspace, server: ReplayServer) -> None:
    serve_community(server)
    floor = sid("2024-05-02T00:00:00")
    server.add(STATUSES_PATH, page(server, O2, P2, after=floor), query={"min_id": floor})
    since = FetchRequest(f"@office@{INSTANCE}", since=datetime(2024, 5, 2))
    run_fetch(ws, fetcher(server), since)
    assert f"{STATUSES_PATH}?min_id={floor}&limit=40&exclude_reblogs=true" in asked(server)
    assert P1["id"] not in messages(ws)
    assert {O2["id"], M1["id"], E1["id"], P2["id"], C1["id"], P3["id"]} == set(messages(ws))


@pytest.mark.parametrize("crash_after", range(1, 8))
def test_crash_between_pages_then_resume_stores_each_message_once(
    ws: Workspace, server: ReplayServer, crash_after: int
) -> None:
    serve_community(server)

    def crash(summary: Any) -> None:
        if summary.pages == crash_after:
            raise KeyboardInterrupt("interrupted between pages")

    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, fetcher(server), request(), on_page=crash)
    first = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    saved = load_state(ws, "mastodon", f"office@{INSTANCE}")
    before = len(server.requests)
    resumed = run_fetch(ws, fetcher(server), request())
    assert messages(ws) == expected_rows()
    total = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    assert first is not None and total is not None
    assert first[0] + resumed.stored == total[0] == len(STORED)
    # The resume starts from the checkpoint: no statuses page before it is read again, and
    # no context that was stored (and not due again) is read twice.
    again = [r for r in server.requests[before:] if r.path == STATUSES_PATH]
    floor = int(saved.get("min_id", "0"))
    assert again and all(int(r.query["min_id"][0]) >= floor for r in again)
    if "min_id" in saved:
        assert int(again[0].query["min_id"][0]) == floor
    assert load_state(ws, "mastodon", f"office@{INSTANCE}")["phase"] == "done"


def test_rate_limits_server_errors_and_timeouts_are_retried(
    ws: Workspace, server: ReplayServer
) -> None:
    # Added first, these replies win over the community's for the same addresses.
    limited = Reply(429, {"error": "Too many requests"}, {"Retry-After": "7"})
    server.add(STATUSES_PATH, limited, page(server, P1, O1, after="0"), query={"min_id": "0"})
    busy = Reply(500, {"error": "busy"})
    server.add(f"/api/v1/statuses/{P2['id']}/context", busy, context([], [C1]))
    slow = Reply(body=context([M1], [E1]), delay=1.0)
    server.add(f"/api/v1/statuses/{O2['id']}/context", slow, context([M1], [E1]))
    serve_community(server)
    waits: list[float] = []
    quick = fetcher(server, http={"sleep": waits.append, "timeout": 0.3, "backoff": 0.01})
    run_fetch(ws, quick, request())
    assert messages(ws) == expected_rows()
    # The server's Retry-After for the 429, then the backoff for the timeout and the 500.
    assert waits == [7.0, 0.01, 0.01]
    assert len([u for u in asked(server) if u.endswith(f"{O2['id']}/context")]) == 2


def test_a_lasting_failure_stops_with_the_address_and_resumes_later(ws: Workspace) -> None:
    with ReplayServer() as down:
        down.add(f"/api/v1/statuses/{P2['id']}/context", Reply(503, "down"))
        serve_community(down)
        broken = fetcher(down, http={"max_retries": 1, "backoff": 0.0})
        with pytest.raises(Exception, match=rf"statuses/{P2['id']}/context: HTTP 503"):
            run_fetch(ws, broken, request())
    assert P2["id"] in messages(ws) and C1["id"] not in messages(ws)
    with ReplayServer() as back:
        serve_community(back)
        run_fetch(ws, fetcher(back), request())
        # The resume starts from the last checkpoint: O2's context was stored, M1's was read
        # but held back (it could have been the run's last page), P2's failed.
        assert asked(back)[1:3] == [f"/api/v1/statuses/{i}/context" for i in (M1["id"], P2["id"])]
    assert messages(ws) == expected_rows()


def test_mentions_with_the_accounts_own_token(tmp_path: Path, server: ReplayServer) -> None:
    serve_community(server)
    server.add("/api/v1/accounts/verify_credentials", {**OFFICE, "acct": "Office"})
    N1 = status("2024-05-05T10:00:00", DAVE, "Merci @Office pour le plan des pistes !")
    N2 = status("2024-05-05T11:00:00", CAROL, "Bravo @Office", P2["id"])  # inside a thread
    DM = {**status("2024-05-05T13:00:00", BOB, "@Office mon numéro : 06…"), "visibility": "direct"}
    HIDDEN = {**status("2024-05-05T12:30:00", BOB, "Entre nous", N1["id"]), "visibility": "private"}
    R1 = status("2024-05-05T12:00:00", ALICE, "Moi aussi", N1["id"])
    notes = [
        {"id": "31", "type": "mention", "created_at": "x", "account": DAVE, "status": N1},
        {"id": "32", "type": "mention", "created_at": "x", "account": CAROL, "status": N2},
        {"id": "33", "type": "favourite", "created_at": "x", "account": BOB, "status": P1},
        {"id": "34", "type": "mention", "created_at": "x", "account": BOB, "status": DM},
    ]
    server.add("/api/v1/notifications", notes[::-1], query={"min_id": "0"})
    server.add("/api/v1/notifications", [], query={"min_id": "34"})
    server.add(f"/api/v1/statuses/{N1['id']}/context", context([], [R1, HIDDEN]))
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    with Workspace.open(db) as ws:
        run_fetch(ws, fetcher(server, token=TOKEN), request())
        got = messages(ws)
    assert got[N1["id"]][2] == "dave@rando.example"
    assert got[R1["id"]][:2] == (N1["id"], N1["id"])
    assert N2["id"] not in got  # a mention inside another thread does not start one
    # Direct messages and followers-only replies, visible to the token, are not kept.
    assert DM["id"] not in got and HIDDEN["id"] not in got
    assert not any(DM["id"] in r.path for r in server.requests)
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert all(TOKEN not in r.url for r in server.requests)
    assert TOKEN.encode() not in db.read_bytes()


def test_without_a_token_mentions_are_not_asked_for(ws: Workspace, server: ReplayServer) -> None:
    serve_community(server)
    run_fetch(ws, fetcher(server), request())
    assert not any("notifications" in u or "verify" in u for u in asked(server))
    assert all("Authorization" not in r.headers for r in server.requests)


def test_unknown_account_is_explained(ws: Workspace, server: ReplayServer) -> None:
    server.add("/api/v1/accounts/lookup", Reply(404, {"error": "Record not found"}))
    with pytest.raises(Exception, match=f"no account @ghost on {INSTANCE}"):
        run_fetch(ws, fetcher(server), FetchRequest(f"@ghost@{INSTANCE}"))


def test_cli_fetch_then_metrics_end_to_end(tmp_path: Path, server: ReplayServer) -> None:
    serve_community(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="UTC").close()
    runner = CliRunner()
    base = ["--base-url", server.base_url, "--db", str(db)]
    added = runner.invoke(cli, ["accounts", "add", "mastodon", f"@Office@{INSTANCE}", *base])
    assert added.exit_code == 0, added.output
    with Workspace.open(db) as ws:
        assert [a["author_id"] for a in ws.accounts()] == [f"office@{INSTANCE}"]
    fetched = runner.invoke(cli, ["fetch", "mastodon", f"@office@{INSTANCE}", *base], env={})
    assert fetched.exit_code == 0, fetched.output
    assert "stored 11" in fetched.output and "rejected 1" in fetched.output
    shown = runner.invoke(cli, ["metrics", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.output)
    (may,) = doc["periods"]
    # By hand: office posts P1, P2, P3; dave's M1 starts a thread; members wrote A1, B1, A2,
    # M1, E1, C1; A1, B1 (on P1), C1 (on P2) and E1 (on O2) address the office, which
    # answered A1 only (O1).
    assert may["period"] == "2024-05"
    assert (may["account_posts"], may["member_posts"], may["member_messages"]) == (3, 1, 6)
    assert (may["addressed"], may["response_rate"]) == (4, 0.25)
    assert (may["member_to_member"], may["member_to_account"], may["account_to_member"]) == (
        1,
        4,
        2,
    )
    assert may["active_members"] == 5


def test_fetched_sample_pages_map_like_the_imported_files(
    tmp_path: Path, server: ReplayServer, samples: Path
) -> None:
    """The recorded account pages of a real instance, replayed oldest first, give the same
    messages as importing the same files."""
    folder = samples / "mastodon" / "extracted"
    names = [
        f"rtoot_get_account_statuses_limit__0{n}_get_api_v1_accounts_109281650341067731_statuses.json"
        for n in (2, 1, 0)
    ]
    bodies = [json.loads((folder / n).read_text("utf-8")) for n in names]
    acct_id = "109281650341067731"
    first = bodies[0][0]["account"]
    server.add("/api/v1/accounts/lookup", first, query={"acct": first["username"]})
    path = f"/api/v1/accounts/{acct_id}/statuses"
    cursor = "0"
    for body in [*bodies, []]:
        server.add(path, body, query={"min_id": cursor})
        if body:
            cursor = max((s["id"] for s in body), key=int)
        for s in body:
            server.add(f"/api/v1/statuses/{s['id']}/context", context([], []))
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        target = f"@{first['username']}@social.tchncs.de"
        summary = run_fetch(fetched, fetcher(server), FetchRequest(target))
        results = import_paths(imported, [folder / n for n in names], source="mastodon")
        assert summary.stored == sum(r.stored for r in results) > 20
        assert messages(fetched) == messages(imported)
    finally:
        fetched.close()
        imported.close()


def test_an_instance_ignoring_min_id_does_not_page_forever(
    ws: Workspace, server: ReplayServer
) -> None:
    server.add("/api/v1/accounts/lookup", OFFICE, query={"acct": "office"})
    server.add(STATUSES_PATH, page(server, P2, after="0"))  # whatever min_id asks
    server.add(f"/api/v1/statuses/{P2['id']}/context", context([], [C1]))
    run_fetch(ws, fetcher(server), request())
    assert [r.path for r in server.requests].count(STATUSES_PATH) == 2
    assert set(messages(ws)) == {P2["id"], C1["id"]}
