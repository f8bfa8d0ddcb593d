"""`lien people`: who made the community in a period."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.table import Table

from ..people import COLUMNS, people_digest
from ._common import console, db_option, open_ws, plain


@click.command()
@click.option("--period", type=click.Choice(["month", "week"]), default="month", show_default=True)
@click.option("--at", help="A day in the period (default: the last complete period).")
@click.option("--names", is_flag=True, help="Show handles instead of pseudonyms.")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@db_option
def people(
    period: str, at: str | None, names: bool, limit: int, as_json: bool, db: Path | None
) -> None:
    """The members who made the community: partners, answers to others, threads started."""
    with open_ws(db) as ws:  # writable: the pseudonym key is created on first use
        lang = ws.lang
        label, table = people_digest(ws, period, at, names, limit)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps({"period": label, "people": table.to_pylist()}, ensure_ascii=False))
        return
    view = Table(*(c.title(lang) for c in COLUMNS), title=label)
    for row in table.to_pylist():
        view.add_row(*(plain(row[c.key]) for c in COLUMNS))
    console.print(view)
