"""`lien report`: the offline HTML report (and its PDF and email versions)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import LienError
from ..metrics.compare import parse_window
from ..report import build_report
from ..text.annotate import bring_up_to_date
from ._common import console, db_option, escape, open_ws


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
@click.option(
    "--compare",
    nargs=2,
    metavar="A B",
    help="Add a comparison of two windows, each SINCE:UNTIL.",
)
@click.option("--names", is_flag=True, help="Show handles instead of pseudonyms.")
@click.option("--pdf", is_flag=True, help="Also print a PDF (needs Chromium).")
@click.option("--email", is_flag=True, help="Also write a light HTML body for an email.")
@db_option
def report(
    out: Path,
    lang: str | None,
    period: str,
    since: str | None,
    until: str | None,
    compare: tuple[str, str] | None,
    names: bool,
    pdf: bool,
    email: bool,
    db: Path | None,
) -> None:
    """Write the report: one self-contained HTML file that works offline."""
    windows = None
    if compare:
        try:
            a, b = (parse_window(w) for w in compare)
        except ValueError as e:
            raise LienError(str(e)) from None
        windows = ((a[0].isoformat(), a[1].isoformat()), (b[0].isoformat(), b[1].isoformat()))
    with open_ws(db) as ws:  # writable: the pseudonym key is created on first use
        bring_up_to_date(ws, progress=console.is_terminal)  # language and tone, shown
        if sys.stderr.isatty():
            console.print("building the report…")
        built = build_report(
            ws, out, lang, period, since, until, names=names, compare=windows, pdf=pdf, email=email
        )
    console.print(f"report: [bold]{escape(built.path)}[/]")
    for label, path in (("pdf", built.pdf), ("email", built.email)):
        if path:
            console.print(f"{label}: [bold]{escape(path)}[/]")
