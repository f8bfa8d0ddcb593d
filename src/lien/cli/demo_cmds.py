"""`lien demo`: build the demo destination's workspace (and its report when available)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .. import demo as demo_mod
from ._common import console, escape


@click.command()
@click.option(
    "--size",
    type=click.IntRange(min=100),
    default=demo_mod.DEFAULT_SIZE,
    show_default=True,
    help="About how many messages (up to tens of millions, for benchmarks).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo"),
    show_default=True,
    help="Folder for the demo workspace (an older demo there is replaced).",
)
@click.option("--seed", type=int, default=2020, show_default=True, help="Same seed, same demo.")
@click.option("--keep-csv", is_flag=True, help="Keep the generated CSV beside the workspace.")
@click.option(
    "--report/--no-report",
    default=True,
    show_default=True,
    help="Also build the report (--no-report: only the workspace, e.g. for benchmarks).",
)
def demo(size: int, out: Path, seed: int, keep_csv: bool, report: bool) -> None:
    """Build the demo: an invented French tourism office and its community, 2019-2021."""
    result = demo_mod.build(
        out, size, seed, progress=sys.stderr.isatty(), keep_csv=keep_csv, report=report
    )
    console.print(f"[bold]{demo_mod.NAME}[/] (invented): {result.messages:,} messages")
    for platform, count in result.per_platform.items():
        console.print(f"  {platform}: {count:,}")
    for r in result.imports:
        console.print(f"  import: {escape(r.summary())}")
    console.print(f"workspace: [bold]{escape(result.workspace)}[/]")
    for label, path in result.outputs:
        console.print(f"{label}: [bold]{escape(path)}[/]")
    console.print(f"try: lien info --db {escape(result.workspace)}")
