"""`lien fetch instagram --account` against the replay server: a small invented professional
account served in the Instagram Graph API's shapes (tests/data/instagram/fetch/: media pages,
comment pages with embedded `replies{...}` whose next page is read through
`/{comment-id}/replies`, Graph error bodies), then the real recorded media pages."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.fetching import FetchRequest, load_state, run_fetch
from lien.importer import import_paths, reparse
from lien.sources.instagram.fetch import InstagramFetcher
from lien.workspace import Workspace

from .server import ReplayServer, Reply

DATA = Path(__file__).resolve().parents[1] / "data" / "instagram" / "fetch"
TOKEN = "EAAG-SEKRET-IG-TOKEN"  # also inside the fixtures' paging links
ACCOUNT = "17841400000000001"
OFFICE = "valdelune.tourisme"
M10, M11, M12 = (f"179000000000000{n}" for n in (10, 11, 12))
K = {n: f"17960000000000{n}" for n in range(101, 107)}
MEDIA = f"/{ACCOUNT}/media"

# id → (parent, root, author): authors are lowercase usernames; K104 comes from the replies
# page of K101, its parent named by `parent_id`.
EXPECTED: dict[str, tuple[Any, ...]] = {
    M10: (None, M10, OFFICE),
    M11: (None, M11, OFFICE),
    M12: (None, M12, OFFICE),
    K[101]: (M11, M11, "marcheuse.lune"),
    K[102]: (K[101], M11, OFFICE),
    K[103]: (M11, M11, "jonas.brenner"),
    K[104]: (K[101], M11, "marcheuse.lune"),
    K[105]: (M11, M11, "lea.montagne"),
    K[106]: (K[105], M11, "jonas.brenner"),
}


def body(name: str) -> Any:
    return json.loads((DATA / name).read_text("utf-8"))


def serve_account(server: ReplayServer) -> None:
    server.add(MEDIA, body("media_p2.json"), query={"after": "md-c1"})
    server.add(MEDIA, body("media_p1.json"))
    server.add(f"/{M11}/comments", body("comments_m11_b.json"), query={"after": "cm-c1"})
    server.add(f"/{M11}/comments", body("comments_m11_a.json"))
    server.add(f"/{K[101]}/replies", body("replies_c101.json"), query={"after": "rp-c1"})
    server.add(f"/{M12}/comments", body("comments_empty.json"))
    server.add(f"/{M10}/comments", body("comments_empty.json"))
    server.add(f"/{ACCOUNT}", {"id": ACCOUNT, "username": "ValDeLune.Tourisme", "name": "Val"})


def fetcher(server: ReplayServer, **kwargs: Any) -> InstagramFetcher:
    settings = {"sleep": lambda s: None, "timeout": 5.0, **kwargs.pop("http", {})}
    return InstagramFetcher(base_url=server.base_url, token=TOKEN, http=settings, **kwargs)


def messages(ws: Workspace) -> dict[str, tuple[Any, ...]]:
    rows = ws.con.execute(
        "SELECT id, parent_id, root_id, author_id FROM messages WHERE platform = 'instagram'"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def asked(server: ReplayServer) -> list[tuple[str, str | None]]:
    return [(r.path, (r.query.get("after") or [None])[0]) for r in server.requests]


def test_first_fetch_stores_media_comments_and_every_reply(
    tmp_path: Path, server: ReplayServer
) -> None:
    serve_account(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    with Workspace.open(db) as ws:
        summary = run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
        assert messages(ws) == EXPECTED
        state = load_state(ws, "instagram", ACCOUNT)
        tables = ws.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
        ).fetchall()
        raw = repr([ws.con.execute(f'SELECT * FROM "{t}"').fetchall() for (t,) in tables])
        assert "17960000000000104" in raw  # the dump holds the stored payloads
    assert asked(server) == [
        (MEDIA, None),
        (f"/{M12}/comments", None),
        (f"/{M11}/comments", None),
        (f"/{M11}/comments", "cm-c1"),
        (f"/{K[101]}/replies", "rp-c1"),
        (MEDIA, "md-c1"),
        (f"/{M10}/comments", None),
    ]
    fields = {r.path: r.query["fields"][0] for r in server.requests}
    assert "replies{" in fields[f"/{M11}/comments"] and "parent_id" in fields[f"/{M11}/comments"]
    assert "replies" not in fields[f"/{K[101]}/replies"]
    assert (summary.pages, summary.stored, summary.rejected) == (7, 9, 0)
    assert state["phase"] == "done" and state["since"].startswith("2024-06-15T19:30")
    assert state["threads"][M11].startswith("2024-06-11T06:00")  # K105, the last comment
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert all(TOKEN not in r.url for r in server.requests)
    assert TOKEN not in raw and "SEKRET" not in raw
    assert b"SEKRET" not in db.read_bytes()


def test_records_reparse_to_the_same_messages(ws: Workspace, server: ReplayServer) -> None:
    serve_account(server)
    run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
    before = messages(ws)
    results = reparse(ws)
    assert sum(r.read for r in results) == 9
    assert sum(r.stored + r.updated for r in results) == 0
    assert messages(ws) == before


def test_incremental_run_reads_new_media_and_refreshes_recent_threads(
    ws: Workspace, server: ReplayServer
) -> None:
    serve_account(server)
    run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
    new_comment = {
        "id": "17960000000000107",
        "text": "On y était hier, magnifique",
        "timestamp": "2024-06-16T08:00:00+0000",
        "username": "lea.montagne",
    }
    with ReplayServer() as later:
        later.add(f"/{M12}/comments", {"data": [new_comment]})
        later.add(MEDIA, {"data": [body("media_p1.json")["data"][0]]})
        serve_account(later)
        # --refresh-days 3 on 2024-06-17: only M12's thread (2024-06-15) is re-read.
        now = datetime(2024, 6, 17, 12, 0)
        summary = run_fetch(ws, fetcher(later, now=now), FetchRequest(ACCOUNT, refresh_days=3))
    assert asked(later) == [(f"/{M12}/comments", None), (MEDIA, None)]
    assert summary.stored == 1
    assert messages(ws)["17960000000000107"] == (M12, M12, "lea.montagne")


@pytest.mark.parametrize("crash_after", [1, 3, 4, 5])
def test_crash_between_pages_then_resume_stores_each_message_once(
    ws: Workspace, server: ReplayServer, crash_after: int
) -> None:
    serve_account(server)

    def crash(summary: Any) -> None:
        if summary.pages == crash_after:
            raise KeyboardInterrupt("interrupted between pages")

    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT), on_page=crash)
    first = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    resumed = run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
    total = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    assert messages(ws) == EXPECTED
    assert first is not None and total is not None
    assert first[0] + resumed.stored == total[0] == len(EXPECTED)
    assert load_state(ws, "instagram", ACCOUNT)["phase"] == "done"


def test_deleted_media_is_kept_as_a_reject_and_the_fetch_goes_on(
    ws: Workspace, server: ReplayServer
) -> None:
    server.add(f"/{M12}/comments", Reply(400, body("error_deleted.json")))
    serve_account(server)
    summary = run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
    assert summary.rejected == 1 and messages(ws) == EXPECTED
    ((location, reason),) = ws.con.execute("SELECT location, reason FROM rejects").fetchall()
    assert f"comments of {M12}" in location and "does not exist" in reason
    assert M12 not in load_state(ws, "instagram", ACCOUNT)["threads"]


def test_missing_permission_is_explained_with_the_permissions_to_ask(
    ws: Workspace, server: ReplayServer
) -> None:
    server.add(MEDIA, Reply(403, body("error_permission.json")))
    with pytest.raises(Exception) as caught:
        run_fetch(ws, fetcher(server), FetchRequest(ACCOUNT))
    message = str(caught.value)
    assert "lacks a permission" in message
    assert "instagram_basic, instagram_manage_comments" in message
    assert TOKEN not in message and "SEKRET" not in message


def test_an_account_id_is_required(ws: Workspace, server: ReplayServer) -> None:
    with pytest.raises(Exception, match="is not an Instagram account id; give the numeric id"):
        run_fetch(ws, fetcher(server), FetchRequest("@valdelune.tourisme"))
    assert server.requests == []


def test_cli_accounts_fetch_and_metrics_end_to_end(tmp_path: Path, server: ReplayServer) -> None:
    serve_account(server)
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="UTC").close()
    runner = CliRunner()
    env = {"LIEN_META_TOKEN": TOKEN}
    base = ["--base-url", server.base_url, "--db", str(db)]
    added = runner.invoke(cli, ["accounts", "add", "instagram", ACCOUNT, *base], env=env)
    assert added.exit_code == 0, added.output
    with Workspace.open(db) as ws:
        # The source names authors by username: the account id was looked up.
        assert [a["author_id"] for a in ws.accounts()] == [OFFICE]
    fetched = runner.invoke(cli, ["fetch", "instagram", "--account", ACCOUNT, *base], env=env)
    assert fetched.exit_code == 0, fetched.output
    assert "stored 9" in fetched.output and TOKEN not in fetched.output
    shown = runner.invoke(cli, ["metrics", "--json", "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    may, june = json.loads(shown.output)["periods"]
    # By hand: May holds M10 alone. In June the account posted M11 and M12; members wrote
    # K101, K103, K105 (comments on its media: addressed), K104 and K106; the account
    # answered K101 only (K102). Exchanges: K101, K103, K105 to the account, K102 from it,
    # K106 (jonas → lea); K104 answers its own author's comment.
    assert (may["period"], may["account_posts"], may["member_messages"]) == ("2024-05", 1, 0)
    assert june["period"] == "2024-06"
    assert (june["account_posts"], june["member_posts"], june["member_messages"]) == (2, 0, 5)
    assert june["addressed"] == 3
    assert june["response_rate"] == pytest.approx(1 / 3)
    assert june["acknowledged_rate"] is None  # Instagram gives no owner-like signal
    assert (
        june["member_to_member"],
        june["member_to_account"],
        june["account_to_member"],
    ) == (1, 3, 1)
    assert june["active_members"] == 3


def test_fetched_sample_media_pages_map_like_the_imported_files(
    tmp_path: Path, server: ReplayServer, samples: Path
) -> None:
    folder = samples / "instagram_graph"
    names = [f"pyfacebook_apidata_users_medias_p{n}.json" for n in (1, 2)]
    first, second = (json.loads((folder / n).read_text("utf-8")) for n in names)
    account = "17841400000000999"
    cursor = first["paging"]["cursors"]["after"]
    server.add(f"/{account}/media", {**second, "paging": {}}, query={"after": cursor})
    server.add(f"/{account}/media", first)
    for media in [*first["data"], *second["data"]]:
        server.add(f"/{media['id']}/comments", {"data": []})
    fetched = Workspace.create(tmp_path / "fetched.duckdb")
    imported = Workspace.create(tmp_path / "imported.duckdb")
    try:
        summary = run_fetch(fetched, fetcher(server), FetchRequest(account))
        results = import_paths(imported, [folder / n for n in names], source="instagram")
        assert summary.stored == sum(r.stored for r in results) > 0
        got, want = messages(fetched), messages(imported)
        assert set(got) == set(want)
        # The files name no owner when their paging is cut; the fetch knows the account.
        assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in want.items()}
    finally:
        fetched.close()
        imported.close()
