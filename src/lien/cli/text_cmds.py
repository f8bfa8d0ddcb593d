"""`lien annotate`: language, tone and gratitude of the messages (docs/tone.md)."""

from __future__ import annotations

from pathlib import Path

import click

from ..text.annotate import annotate_with_progress
from ._common import console, db_option, open_ws


@click.command()
@click.option(
    "--force", is_flag=True, help="Annotate every message again, not only new or changed ones."
)
@db_option
def annotate(force: bool, db: Path | None) -> None:
    """Detect the language and score the tone of new and changed messages.

    Imports leave it for later: `lien metrics` and `lien report` run it first when they can
    write to the workspace. Run it by hand to do it ahead, or with --force after changing the
    word lists.
    """
    with open_ws(db) as ws:
        result = annotate_with_progress(ws, force=force, progress=console.is_terminal)
    console.print(result.summary())
