"""`lien compare`: two windows side by side, with honest uncertainty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..errors import LienError
from ..metrics.compare import compare as run_compare
from ..metrics.compare import parse_window
from ._common import console, db_option, open_ws


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


@click.command()
@click.option("--a", "window_a", required=True, metavar="SINCE:UNTIL", help="First window.")
@click.option("--b", "window_b", required=True, metavar="SINCE:UNTIL", help="Second window.")
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="The lien.compare/1 JSON document.")
@db_option
def compare(
    window_a: str, window_b: str, platforms: tuple[str, ...], as_json: bool, db: Path | None
) -> None:
    """Every rate for windows A and B, B − A and a 95% bootstrap interval (whole threads)."""
    try:
        a, b = parse_window(window_a), parse_window(window_b)
    except ValueError as e:
        raise LienError(str(e)) from None
    with open_ws(db, read_only=True) as ws:
        lang = ws.lang
        document = run_compare(ws, a, b, list(platforms) or None)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    table = Table("", "A", "B", "B − A", "95 %", "", title=f"A {window_a} · B {window_b}")
    for r in document["rates"]:
        ci = "—" if r["ci95"] is None else f"[{r['ci95'][0]:+.3f}, {r['ci95'][1]:+.3f}]"
        diff = "—" if r["difference"] is None else f"{r['difference']:+.3f}"
        mark = "✱" if r["flagged"] else ""
        title = r["title_fr"] if lang == "fr" else r["title_en"]
        table.add_row(title, _pct(r["a"]), _pct(r["b"]), diff, ci, mark)
    console.print(table)
    counts = Table("", "A", "B")
    for name, v in document["counts"].items():
        counts.add_row(name, str(v["a"]), str(v["b"]))
    console.print(counts)
    console.print("✱ the interval excludes 0 (resampling whole threads)")
