"""Commands about the workspace itself: init, settings, accounts, info, sql."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .. import settings as settings_mod
from ..errors import LienError
from ..workspace import Workspace, default_path
from ._common import console, db_option, escape, open_ws, plain


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--timezone", default="Europe/Paris", show_default=True, help="IANA time zone.")
@click.option("--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
def init(path: Path | None, timezone: str, lang: str) -> None:
    """Create a workspace at PATH (default: $LIEN_DB or ./lien.duckdb)."""
    path = path or default_path()
    with Workspace.create(path, timezone=timezone, lang=lang):
        pass
    console.print(
        f"created [bold]{escape(path)}[/] (time zone {escape(timezone)}, language {lang})"
    )
    console.print(
        f"next: lien accounts add PLATFORM AUTHOR_ID --db {escape(path)}; lien import FILES"
    )


@click.command()
@click.argument("key", required=False)
@click.argument("value", required=False)
@click.option("--unset", is_flag=True, help="Remove the setting.")
@db_option
def settings(key: str | None, value: str | None, unset: bool, db: Path | None) -> None:
    """Show settings, or set KEY to VALUE (e.g. `lien settings timezone America/Montreal`)."""
    with open_ws(db) as ws:
        if key and (value is not None or unset):
            ws.set_setting(key, None if unset else value)
        current = ws.settings()
        table = Table("setting", "value", "meaning")
        for s in settings_mod.SETTINGS:
            if key and s.key != key:
                continue
            shown = "(set)" if s.secret and s.key in current else current.get(s.key, "")
            table.add_row(s.key, shown, s.description)
        console.print(table)


@click.group()
def accounts() -> None:
    """Declare the accounts the destination operates (their messages are 'the account')."""


@accounts.command("add")
@click.argument("platform")
@click.argument("account")
@click.option("--name", help="A readable name for the account.")
@click.option(
    "--base-url", help="API address used to look up a handle (default: the platform's own)."
)
@db_option
def accounts_add(
    platform: str, account: str, name: str | None, base_url: str | None, db: Path | None
) -> None:
    """Declare PLATFORM ACCOUNT as an owned account (history is re-labelled at once).

    ACCOUNT is the platform's author id, or, where lien can fetch from the platform, a handle
    or profile URL (e.g. @office@mastodon.social) that is looked up through its API.
    """
    from ..fetching import resolve_account

    author_id, found_name = resolve_account(platform, account, base_url)
    with open_ws(db) as ws:
        ws.add_account(platform, author_id, name or found_name)
    shown = author_id if author_id == account else f"{author_id} ({account})"
    console.print(f"owned account added: {escape(platform)} {escape(shown)}")


@accounts.command("remove")
@click.argument("platform")
@click.argument("author_id")
@db_option
def accounts_remove(platform: str, author_id: str, db: Path | None) -> None:
    """Stop treating PLATFORM AUTHOR_ID as an owned account."""
    with open_ws(db) as ws:
        removed = ws.remove_account(platform, author_id)
    console.print(
        "removed" if removed else f"{escape(platform)} {escape(author_id)} was not an owned account"
    )


@accounts.command("list")
@db_option
def accounts_list(db: Path | None) -> None:
    """List the owned accounts and how many messages each wrote."""
    with open_ws(db, read_only=True) as ws:
        rows = ws.accounts()
    table = Table("platform", "author id", "name", "messages")
    for r in rows:
        table.add_row(*_cells(r["platform"], r["author_id"], r["name"] or "", r["messages"]))
    console.print(table if rows else "no owned account yet: lien accounts add PLATFORM AUTHOR_ID")


def _cells(*values: object) -> list[Text]:
    """Table cells shown literally: paths, names, reasons and query results are untrusted."""
    return [plain("" if v is None else v) for v in values]


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@db_option
def info(as_json: bool, db: Path | None) -> None:
    """What the workspace holds: platforms, dates, accounts, imports, rejects."""
    with open_ws(db, read_only=True) as ws:
        data = ws.info()
    if as_json:
        click.echo(json.dumps(data, default=str, indent=2, ensure_ascii=False))
        return
    console.print(
        f"[bold]{escape(data['path'])}[/]  "
        + "  ".join(f"{escape(k)}={escape(v)}" for k, v in data["settings"].items())
    )
    t = Table("platform", "messages", "authors", "top-level", "first", "last", title="Messages")
    for p in data["platforms"]:
        t.add_row(
            *_cells(
                p["platform"], p["messages"], p["authors"], p["top_level"], p["first"], p["last"]
            )
        )
    console.print(t)
    a = Table("platform", "author id", "name", "messages", title="Owned accounts")
    for r in data["accounts"]:
        a.add_row(*_cells(r["platform"], r["author_id"], r["name"] or "", r["messages"]))
    console.print(a)
    i = Table(
        "#",
        "file",
        "source",
        "status",
        "read",
        "stored",
        "updated",
        "dupl.",
        "rejected",
        title="Imports",
    )
    for r in data["imports"]:
        i.add_row(
            *_cells(
                *(
                    r[k]
                    for k in (
                        "id",
                        "path",
                        "source",
                        "status",
                        "read",
                        "stored",
                        "updated",
                        "duplicates",
                        "rejected",
                    )
                )
            )
        )
    console.print(i)
    if data["rejects"]:
        r_ = Table("file", "kind", "reason", "records", "e.g.", title="Rejects")
        for r in data["rejects"]:
            r_.add_row(*_cells(r["path"], r["kind"], r["reason"], r["records"], r["example"]))
        console.print(r_)


@click.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@db_option
def sql(query: str, fmt: str, db: Path | None) -> None:
    """Run a read-only SQL QUERY (tables: messages, accounts, imports, rejects, raw_items, and
    the metric views)."""
    import duckdb

    with open_ws(db, read_only=True) as ws:
        try:
            result = ws.sql(query)
        except duckdb.Error as e:
            first = str(e).strip().splitlines()[0]
            raise LienError(f"the query failed: {first}") from None
    if fmt == "json":
        click.echo(json.dumps(result.to_pylist(), default=str, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv
        import sys

        w = csv.writer(sys.stdout)
        w.writerow(result.column_names)
        for row in result.to_pylist():
            w.writerow(row.values())
    else:
        t = Table(*result.column_names)
        for row in result.to_pylist()[:1000]:
            t.add_row(*_cells(*row.values()))
        console.print(t)
