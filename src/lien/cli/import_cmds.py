"""Commands that move data in and out: import, reparse, export, sources."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..errors import LienError
from ..exporting import FORMATS
from ..sources import all_sources
from ..sources.generic_csv import options_for_map
from ._common import console, db_option, echo_line, escape, open_ws, plain


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
    failed = [r for r in results if r.status == "failed"]
    total = {"read": 0, "stored": 0, "updated": 0, "duplicates": 0, "rejected": 0}
    for r in results:
        if r.status == "failed":
            # One line, as given: file names and messages come from users and platforms.
            echo_line(r.error, err=True, prefix="error:", color="red")
            continue
        echo_line(r.summary())
        for k in total:
            total[k] += getattr(r, k)
        for platform, author_id, name in r.suggested_accounts:
            echo_line(
                f"  this file seems to belong to {name or author_id}: "
                f"`lien accounts add {platform} {author_id}` if it is yours"
            )
    if len(results) - len(failed) > 1:
        console.print(
            f"[bold]total[/]: read {total['read']} = stored {total['stored']} + updated "
            f"{total['updated']} + duplicates {total['duplicates']} + rejected {total['rejected']}"
        )
    if total["rejected"]:
        console.print(
            'see the rejected records and their reasons: lien info, or lien sql "SELECT * FROM rejects"'
        )
    if failed:
        raise LienError(_failure_summary(len(failed), len(results)))


def _failure_summary(failed: int, files: int) -> str:
    """The closing line when files failed: it only speaks of other files when there are."""
    if files == 1:
        return "the file could not be imported: nothing was written"
    if failed == files:
        return f"none of the {files} files could be imported: nothing was written"
    imported = files - failed
    if failed == 1:
        head = f"1 of {files} files could not be imported"
    else:
        head = f"{failed} of {files} files could not be imported"
    tail = "the other one was" if imported == 1 else f"the other {imported} were"
    return f"{head}; {tail}"


@click.command()
@db_option
def reparse(db: Path | None) -> None:
    """Re-run the current mappers over the stored raw records (after a lien upgrade)."""
    with open_ws(db) as ws:
        for r in ws.reparse():
            echo_line(r.summary())


@click.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="jsonl",
    show_default=True,
    help="spark: a folder (messages, accounts, settings, annotations) for "
    "`lien metrics --engine spark --from FOLDER`.",
)
@click.option("--since", metavar="YYYY-MM-DD", help="First day (workspace time zone).")
@click.option("--until", metavar="YYYY-MM-DD", help="Day after the last one (exclusive).")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="File to write (default: standard output); with --format spark, the folder.",
)
@db_option
def export(
    fmt: str, since: str | None, until: str | None, output: Path | None, db: Path | None
) -> None:
    """Export messages, fields named as in the record (re-importable)."""
    if output is None and fmt == "parquet" and sys.stdout.isatty():
        raise LienError("Parquet is binary: write it to a file with -o FILE.parquet")
    if fmt != "spark" and output is not None and output.is_dir():
        raise LienError(f"{output} is a folder: give a file name")
    if fmt == "spark":
        if output is None:
            raise LienError("--format spark writes a folder: give it with -o FOLDER")
        from ..text.annotate import bring_up_to_date_at
        from ..workspace import default_path

        # The tone keys on Spark need the annotations: brought up to date first, as
        # `lien metrics` does.
        bring_up_to_date_at(db or default_path())
    with open_ws(db, read_only=True) as ws:
        n = ws.export(output, fmt, since=since, until=until)
    if output is not None:
        console.print(f"{n} messages written to {escape(output)}")


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
        # Literal text: third-party sources (entry points) describe themselves too.
        table.add_row(
            Text.assemble((s.name, "bold"), "\n", s.title),
            plain(", ".join(s.platforms)),
            plain("\n".join(s.reads)),
            plain("\n".join(s.quirks)),
        )
    console.print(table)
