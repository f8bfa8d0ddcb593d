"""`lien metrics`: the figures of METRICS.md as a table or as `lien.metrics/1` JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..metrics import compute
from ..metrics.registry import BY_KEY
from ..text.annotate import bring_up_to_date_at, not_annotated_note
from ..workspace import default_path
from ._common import console, db_option, open_ws


def _shown(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "rate":
        return f"{100 * value:.0f} %"
    if unit in ("hours", "ratio"):
        return f"{value:.1f}"
    return f"{value:,}"


@click.command()
@click.option("--period", type=click.Choice(["month", "week"]), default="month", show_default=True)
@click.option("--since", help="First day (YYYY-MM-DD, workspace time zone).")
@click.option("--until", help="Day after the last (YYYY-MM-DD, exclusive).")
@click.option("--platform", "platforms", multiple=True, help="Only this platform (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="The lien.metrics/1 JSON document.")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="spark: run on Spark over a Parquet export (needs lien[spark]).",
)
@click.option(
    "--messages",
    type=click.Path(exists=True, path_type=Path),
    help="With --engine spark: messages exported by `lien export --format parquet`.",
)
@click.option(
    "--accounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --engine spark: a CSV of the owned accounts (columns platform,author_id).",
)
@click.option("--timezone", help="With --engine spark: the time zone of periods (default UTC).")
@db_option
def metrics(
    period: str,
    since: str | None,
    until: str | None,
    platforms: tuple[str, ...],
    as_json: bool,
    engine: str,
    messages: Path | None,
    accounts: Path | None,
    timezone: str | None,
    db: Path | None,
) -> None:
    """Listening, conversing and belonging, per month or week (definitions: docs/reference/metrics.md)."""
    options: dict[str, Any] = {
        "period": period,
        "since": since,
        "until": until,
        "platforms": list(platforms) or None,
    }
    if engine == "spark":
        from ..errors import LienError
        from ..metrics.spark import compute_spark
        from ..metrics.views import Settings

        if messages is None:
            raise LienError("--engine spark needs --messages FILE.parquet (lien export)")
        lang = "en"
        document = compute_spark(
            messages, accounts, Settings(timezone=timezone or "UTC"), **options
        )
    else:
        bring_up_to_date_at(db or default_path(), progress=console.is_terminal)
        with open_ws(db, read_only=True) as ws:
            lang = ws.lang
            document = compute(ws, **options)
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    periods = document["periods"]
    table = Table(title=f"{document['window']['since']} → {document['window']['until']}")
    table.add_column("")
    for p in periods:
        table.add_column(p["period"], justify="right")
    for key in periods[0] if periods else []:
        if key == "period":
            continue
        metric = BY_KEY[key]
        table.add_row(metric.title(lang), *(_shown(p[key], metric.unit) for p in periods))
    console.print(table)
    network = Table(title="réseau" if lang == "fr" else "network")
    network.add_column("")
    network.add_column("", justify="right")
    for key, value in document["network"].items():
        network.add_row(BY_KEY[key].title(lang), _shown(value, BY_KEY[key].unit))
    network.add_row(
        BY_KEY["regular_members"].title(lang), _shown(document["regular_members"], "people")
    )
    console.print(network)
    if document.get("not_annotated"):
        console.print(not_annotated_note(document["not_annotated"], lang))
