"""`lien report`: the offline HTML report."""

from __future__ import annotations

from pathlib import Path

import click

from ..report import build_report
from ._common import console, db_option, open_ws


@click.command()
@click.option(
    "-o",
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("report.html"),
    show_default=True,
)
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Default: the workspace's.")
@click.option("--period", type=click.Choice(["month", "week"]), default="month", show_default=True)
@click.option("--since", help="First day (YYYY-MM-DD).")
@click.option("--until", help="Day after the last (YYYY-MM-DD).")
@db_option
def report(
    out: Path, lang: str | None, period: str, since: str | None, until: str | None, db: Path | None
) -> None:
    """Write the report: one self-contained HTML file that works offline."""
    with open_ws(db, read_only=True) as ws:
        built = build_report(ws, out, lang=lang, period=period, since=since, until=until)
    console.print(f"report: [bold]{built.path}[/]")
