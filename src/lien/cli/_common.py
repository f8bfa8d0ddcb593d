"""Options and helpers shared by the commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from ..workspace import Workspace, default_path

F = TypeVar("F", bound=Callable[..., Any])

console = Console()
err_console = Console(stderr=True)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Workspace file (default: $LIEN_DB or ./lien.duckdb).",
    )(f)


def open_ws(db: Path | None, read_only: bool = False) -> Workspace:
    return Workspace.open(db or default_path(), read_only=read_only)
