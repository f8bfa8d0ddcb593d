"""`lien metrics`: the figures of METRICS.md as a table or as `lien.metrics/1` JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from ..errors import LienError
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
    help="spark: run on Spark over a `lien export --format spark` folder (needs lien[spark]).",
)
@click.option(
    "--from",
    "folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="With --engine spark: a folder written by `lien export --format spark` (messages, "
    "accounts, settings, annotations): the workspace's numbers.",
)
@click.option(
    "--messages",
    type=click.Path(exists=True, path_type=Path),
    help="With --engine spark: messages exported by `lien export --format parquet` "
    "(default: those of --from).",
)
@click.option(
    "--accounts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --engine spark: a CSV of the owned accounts (columns platform,author_id).",
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --engine spark: the settings that change the numbers, as a JSON object of "
    "`lien settings` names and values (default: those of --from, else lien's defaults).",
)
@click.option(
    "--annotations",
    type=click.Path(exists=True, path_type=Path),
    help="With --engine spark: tone annotations as Parquet (default: those of --from); "
    "without, the tone keys are null.",
)
@click.option(
    "--timezone",
    help="With --engine spark: the time zone of periods (default: the settings', else UTC).",
)
@db_option
def metrics(
    period: str,
    since: str | None,
    until: str | None,
    platforms: tuple[str, ...],
    as_json: bool,
    engine: str,
    folder: Path | None,
    messages: Path | None,
    accounts: Path | None,
    settings_file: Path | None,
    annotations: Path | None,
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
        lang, document = _on_spark(
            folder, messages, accounts, settings_file, annotations, timezone, options
        )
    else:
        spark_only = {
            "--from": folder,
            "--messages": messages,
            "--accounts": accounts,
            "--settings": settings_file,
            "--annotations": annotations,
            "--timezone": timezone,
        }
        given = [name for name, value in spark_only.items() if value is not None]
        if given:
            raise LienError(f"{', '.join(given)}: only with --engine spark")
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


def _on_spark(
    folder: Path | None,
    messages: Path | None,
    accounts: Path | None,
    settings_file: Path | None,
    annotations: Path | None,
    timezone: str | None,
    options: dict[str, Any],
) -> tuple[str, dict[str, Any]]:
    """The document computed on Spark: files given one by one win over those of --from."""
    from .. import exporting
    from .. import settings as settings_mod
    from ..metrics.spark import compute_spark

    if folder is not None:
        messages = messages or _part(folder, exporting.SPARK_MESSAGES)
        accounts = accounts or _part(folder, exporting.SPARK_ACCOUNTS)
        settings_file = settings_file or _part(folder, exporting.SPARK_SETTINGS_FILE)
        annotations = annotations or _part(folder, exporting.SPARK_ANNOTATIONS)
    if messages is None:
        raise LienError(
            "--engine spark needs --from FOLDER (lien export --format spark) "
            "or --messages FILE.parquet (lien export --format parquet)"
        )
    values = exporting.read_spark_settings(settings_file) if settings_file else {}
    if timezone:
        values["timezone"] = settings_mod.parse("timezone", timezone)
    document = compute_spark(
        messages, accounts, exporting.metric_settings(values), annotations=annotations, **options
    )
    if annotations is not None:
        document["not_annotated"] = _not_annotated(messages, annotations)
    return values.get("lang", "en"), document


def _part(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.exists():
        raise LienError(f"{folder} has no {name}: write the folder with lien export --format spark")
    return path


def _not_annotated(messages: Path, annotations: Path) -> int:
    """Messages with text that have no annotation, as `not_annotated` of the workspace counts
    them (0 when the export was annotated first, as `lien export --format spark` does)."""
    from pyspark.sql import functions as F

    from ..metrics.spark import spark_session

    spark = spark_session()
    m = spark.read.parquet(str(messages))
    a = spark.read.parquet(str(annotations)).select("platform", "id")
    with_text = m.filter(m.text.isNotNull() & (F.trim(m.text) != ""))
    return int(with_text.join(a, ["platform", "id"], "left_anti").count())
