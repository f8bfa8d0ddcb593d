"""`lien compare`: two windows side by side, with honest uncertainty."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..errors import LienError
from ..metrics.compare import NOT_THREAD_SUM, TOO_FEW_THREADS, parse_window
from ..metrics.compare import compare as run_compare
from ..report.i18n import Locale
from ..text.annotate import bring_up_to_date_at, not_annotated_note
from ..workspace import default_path
from ._common import console, db_option, open_ws

# What the interval column says when there is no interval (an undefined rate: a dash).
SHORT_REASONS = {TOO_FEW_THREADS: "too few threads", NOT_THREAD_SUM: "not a sum over threads"}


def _pct(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


def _interval(rate: dict[str, Any], loc: Locale) -> str:
    if rate["ci95"] is not None:
        return f"[{rate['ci95'][0]:+.3f}, {rate['ci95'][1]:+.3f}]"
    reason = SHORT_REASONS.get(rate["reason"])
    return "—" if reason is None else f"— {loc.gettext(reason)}"


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
    bring_up_to_date_at(db or default_path(), progress=console.is_terminal and not as_json)
    with open_ws(db, read_only=True) as ws:
        lang = ws.lang
        document = run_compare(ws, a, b, list(platforms) or None)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    loc = Locale(lang)
    table = Table("", "A", "B", "B − A", "95 %", "", title=f"A {window_a} · B {window_b}")
    for r in document["rates"]:
        diff = "—" if r["difference"] is None else f"{r['difference']:+.3f}"
        mark = "✱" if r["flagged"] else ""
        title = r["title_fr"] if lang == "fr" else r["title_en"]
        table.add_row(title, _pct(r["a"]), _pct(r["b"]), diff, _interval(r, loc), mark)
    console.print(table)
    counts = Table("", "A", "B")
    for name, v in document["counts"].items():
        counts.add_row(name, str(v["a"]), str(v["b"]))
    console.print(counts)
    console.print(loc.gettext("✱ the interval excludes 0 (resampling whole threads)"))
    reasons = {r["reason"] for r in document["rates"]}
    if TOO_FEW_THREADS in reasons:
        console.print(
            loc.gettext(
                "too few threads: fewer than {count} threads contribute to the rate in A or B, "
                "and a bootstrap over so few threads says nothing."
            ).format(count=document["min_threads"])
        )
    if NOT_THREAD_SUM in reasons:
        console.print(
            loc.gettext(
                "not a sum over threads: retention and the network ratios are shown without "
                "an interval, as resampling threads says nothing about them."
            )
        )
    if document.get("not_annotated"):
        console.print(not_annotated_note(document["not_annotated"], lang))
