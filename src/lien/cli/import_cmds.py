"""Commands that move data in and out: import, reparse, export, sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from ..errors import LienError
from ..sources import all_sources
from ..sources.generic_csv import options_for_map
from ._common import console, db_option, err_console, open_ws


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source", help="Skip detection and read the files with this source.")
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="TARGET=COLUMN",
    help="Generic CSV: read field TARGET from column COLUMN (repeatable).",
)
@click.option(
    "--annotate",
    is_flag=True,
    help="Also detect language and score tone now (otherwise done when first needed).",
)
@db_option
def import_(
    paths: tuple[Path, ...],
    source: str | None,
    maps: tuple[str, ...],
    annotate: bool,
    db: Path | None,
) -> None:
    """Import files, folders and .zip archives (formats are detected; see `lien sources`).

    Messages are stored as read; language and tone are computed when a command first needs
    them (metrics, report) or by `lien annotate`, unless --annotate does it now.
    """
    options = options_for_map(list(maps))
    if options and source is None:
        source = "csv"
    with open_ws(db) as ws:
        results = ws.import_paths(
            list(paths),
            source=source,
            options=options,
            progress=sys.stderr.isatty(),
            annotate=annotate,
        )
    failed = 0
    total = {"read": 0, "stored": 0, "updated": 0, "duplicates": 0, "rejected": 0}
    for r in results:
        if r.status == "failed":
            failed += 1
            err_console.print(f"[red]error:[/] {r.error}")
            continue
        console.print(r.summary())
        for k in total:
            total[k] += getattr(r, k)
        for platform, author_id, name in r.suggested_accounts:
            console.print(
                f"  this file seems to belong to {name or author_id}: "
                f"`lien accounts add {platform} {author_id}` if it is yours"
            )
    if len(results) > 1:
        console.print(
            f"[bold]total[/]: read {total['read']} = stored {total['stored']} + updated "
            f"{total['updated']} + duplicates {total['duplicates']} + rejected {total['rejected']}"
        )
    if total["rejected"]:
        console.print(
            'see the rejected records and their reasons: lien info, or lien sql "SELECT * FROM rejects"'
        )
    if failed:
        raise LienError(f"{failed} file(s) could not be imported; the others were")


@click.command()
@db_option
def reparse(db: Path | None) -> None:
    """Re-run the current mappers over the stored raw records (after a lien upgrade)."""
    with open_ws(db) as ws:
        for r in ws.reparse():
            console.print(r.summary())


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "parquet", "csv"]),
    default="jsonl",
    show_default=True,
)
@click.option("--since", metavar="YYYY-MM-DD", help="First day (workspace time zone).")
@click.option("--until", metavar="YYYY-MM-DD", help="Day after the last one (exclusive).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: standard output).",
)
@db_option
def export(
    fmt: str, since: str | None, until: str | None, output: Path | None, db: Path | None
) -> None:
    """Export messages, fields named as in the record (re-importable)."""
    if output is None and fmt == "parquet" and sys.stdout.isatty():
        raise LienError("Parquet is binary: write it to a file with -o FILE.parquet")
    with open_ws(db, read_only=True) as ws:
        n = ws.export(output, fmt, since=since, until=until)
    if output is not None:
        console.print(f"{n} messages written to {output}")


@click.command()
@click.option("--markdown", is_flag=True, help="Print the docs page instead of a table.")
def sources(markdown: bool) -> None:
    """List the formats lien reads, with their quirks."""
    if markdown:
        from ..docs import sources_page

        click.echo(sources_page(), nl=False)
        return
    table = Table("source", "platforms", "reads", "quirks", show_lines=True)
    for s in all_sources():
        table.add_row(
            f"[bold]{s.name}[/]\n{s.title}",
            ", ".join(s.platforms),
            "\n".join(s.reads),
            "\n".join(s.quirks),
        )
    console.print(table)
