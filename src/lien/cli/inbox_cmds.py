"""`lien questions`: the inbox a community manager opens each morning."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from ..inbox import COLUMNS, inbox, to_csv
from ._common import console, db_option, escape, open_ws, plain

SHOWN = ("age", "platform", "kind", "author", "text", "thread", "url")


@click.command()
@click.option(
    "--unanswered/--all",
    default=True,
    show_default=True,
    help="Only messages still waiting for an answer, or every one with its status.",
)
@click.option("--since", help="Only messages from this day on (YYYY-MM-DD).")
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeatable).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV for Excel instead of a table.")
@click.option("--names", is_flag=True, help="Show handles instead of pseudonyms.")
@click.option("-o", "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@db_option
def questions(
    unanswered: bool,
    since: str | None,
    platforms: tuple[str, ...],
    as_csv: bool,
    names: bool,
    out: Path | None,
    db: Path | None,
) -> None:
    """Member questions and messages addressed to the account, oldest first."""
    with open_ws(db) as ws:  # writable: the pseudonym key is created on first use
        lang = ws.lang
        table = inbox(ws, unanswered, since, list(platforms) or None, names)
    if as_csv or (out and out.suffix.lower() == ".csv"):
        data = to_csv(table, lang)
        if out:
            out.write_bytes(data)
            console.print(f"{table.num_rows} messages written to [bold]{escape(out)}[/]")
        else:
            sys.stdout.buffer.write(data)
        return
    titles = {c.key: c.title(lang) for c in COLUMNS}
    view = Table(*(titles[k] for k in SHOWN), title=f"{table.num_rows}")
    for row in table.to_pylist():
        view.add_row(*(plain("" if row[k] is None else row[k]) for k in SHOWN))
    console.print(view)
