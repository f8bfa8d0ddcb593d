"""`lien fetch` and `lien accounts add` over a toy fetcher and the local replay server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import lien.fetching as fetching
from lien.cli import cli
from lien.fetching import ApiFetcher, FetchOption, FetchRequest, Page
from lien.sources import RawRecord
from lien.workspace import Workspace

from ..toy import ToySource
from .server import ReplayServer, Reply

TOKEN = "tok-SEKRET-4242"


class ToyFetcher(ApiFetcher):
    """Pages of `/statuses?after=N`; the state remembers the last id seen."""

    platform = "toy"
    title = "Toy network"
    source_name = "toy"
    token_env = "LIEN_TOY_TOKEN"
    token_required = True
    access = ("A toy token from the toy settings page.",)
    access_fr = ("Un jeton de la page de réglages du jouet.",)
    options = (FetchOption("max-reads", "Stop after N requests.", type=int, required=True),)

    def account_key(self, request: FetchRequest) -> str:
        return request.target.lower()

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        assert self.base_url is not None
        http = self.client(self.base_url, headers={"Authorization": f"Bearer {self.token}"})
        after = state.get("after", 0)
        for _ in range(request.options["max_reads"]):
            body = http.get_json("/statuses", {"after": after})
            if not body:
                return
            after = max(int(item["id"]) for item in body)
            records = [RawRecord(f"id {item['id']}", item) for item in body]
            yield Page(records, f"toy {request.target} after {after}", {"after": after})

    def estimate(self, request: FetchRequest, state: dict[str, Any]) -> str | None:
        return f"at most {request.options['max_reads']} requests"

    @classmethod
    def needs_resolving(cls, account: str) -> bool:
        return account.startswith("@")

    def resolve_account(self, account: str) -> tuple[str, str | None]:
        assert self.base_url is not None
        found = self.client(self.base_url).get_json("/lookup", {"acct": account})
        return str(found["id"]), found["name"]


def _item(n: int, parent: int | None = None) -> dict[str, Any]:
    return {
        "id": n,
        "parent": parent and str(parent),
        "at": f"2021-03-0{n}T09:00:00",
        "by": f"u{n}",
        "text": "t",
    }


@pytest.fixture
def toy_fetcher(monkeypatch: pytest.MonkeyPatch, toy: ToySource) -> type[ToyFetcher]:
    monkeypatch.setattr(fetching, "_fetchers", {"toy": ToyFetcher})
    return ToyFetcher


def _lien(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, args, env=env or {})


def test_fetch_stores_pages_and_keeps_the_token_out(
    tmp_path: Path, server: ReplayServer, toy_fetcher: type[ToyFetcher]
) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db, timezone="Europe/Paris").close()
    server.add("/statuses", [_item(1), _item(2, 1)], query={"after": "0"})
    server.add("/statuses", Reply(500, {"error": "busy"}), [_item(3, 1)], query={"after": "2"})
    server.add("/statuses", [], query={"after": "3"})
    args = ["fetch", "toy", "@Office", "--max-reads", "5", "--base-url", server.base_url]
    result = _lien([*args, "--db", str(db)], {"LIEN_TOY_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "at most 5 requests" in result.output
    assert "2 pages, read 3 = stored 3 + updated 0 + duplicates 0 + rejected 0" in result.output
    assert all(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in server.requests)
    assert TOKEN not in result.output
    with Workspace.open(db) as ws:
        ids = ws.con.execute("SELECT id FROM messages ORDER BY id").fetchall()
        assert ids == [("1",), ("2",), ("3",)]
    assert TOKEN.encode() not in db.read_bytes()

    # Incremental: the second run starts after the last stored id and stores nothing twice.
    server.requests.clear()
    again = _lien([*args, "--db", str(db)], {"LIEN_TOY_TOKEN": TOKEN})
    assert again.exit_code == 0, again.output
    assert [r.query["after"] for r in server.requests] == [["3"]]
    assert "0 pages, read 0" in again.output


def test_missing_token_is_explained(tmp_path: Path, toy_fetcher: type[ToyFetcher]) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    result = _lien(["fetch", "toy", "@office", "--max-reads", "1", "--db", str(db)])
    assert result.exit_code == 1
    assert "set the environment variable LIEN_TOY_TOKEN" in str(result.exception)


def test_fetch_help_comes_from_the_fetcher_metadata(toy_fetcher: type[ToyFetcher]) -> None:
    listing = _lien(["fetch", "--help"])
    assert "toy" in listing.output and "Toy network" in listing.output
    detail = _lien(["fetch", "toy", "--help"])
    assert "A toy token from the toy settings page." in detail.output
    assert "LIEN_TOY_TOKEN (required)" in detail.output
    assert "--max-reads" in detail.output


def test_fetch_page_of_the_docs_lists_every_fetcher(toy_fetcher: type[ToyFetcher]) -> None:
    from lien.docs import fetch_page

    page = fetch_page()
    assert "`lien fetch toy ACCOUNT`" in page
    assert "Un jeton de la page de réglages du jouet." in page


def test_accounts_add_resolves_a_handle(
    tmp_path: Path, server: ReplayServer, toy_fetcher: type[ToyFetcher]
) -> None:
    db = tmp_path / "ws.duckdb"
    Workspace.create(db).close()
    server.add("/lookup", {"id": 777, "name": "Office"}, query={"acct": "@office@example.org"})
    args = ["accounts", "add", "toy", "@office@example.org", "--base-url", server.base_url]
    result = _lien([*args, "--db", str(db)], {"LIEN_TOY_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    plain = _lien(["accounts", "add", "toy", "12", "--db", str(db)])
    assert plain.exit_code == 0, plain.output
    with Workspace.open(db) as ws:
        got = sorted((a["author_id"], a["name"]) for a in ws.accounts())
    assert got == [("12", None), ("777", "Office")]
