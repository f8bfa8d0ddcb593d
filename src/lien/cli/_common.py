"""Options and helpers shared by the commands.

Text that comes from users and platforms (file names, messages, handles, reasons) must reach
the terminal as it is: rich reads ``[...]`` as markup, so such text goes through `escape` when
it is part of a marked-up string, or is printed with `echo_line` (no markup at all).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.text import Text

from ..workspace import Workspace, default_path

F = TypeVar("F", bound=Callable[..., Any])


class _Console(Console):
    """A console that never wraps lines when its output is not a terminal (a pipe, a file, a
    log), so that one message stays one line for grep and scripts, and that never turns
    `:name:` codes of file names or messages into emoji."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("emoji", False)
        super().__init__(**kwargs)

    @property
    def soft_wrap(self) -> bool:
        return self._soft_wrap or not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._soft_wrap = value


console: Console = _Console()
err_console: Console = _Console(stderr=True)


def one_line(text: object) -> str:
    """The text on one line: line breaks (a file name may hold one) are shown as \\n."""
    return str(text).replace("\r", "\\r").replace("\n", "\\n")


def escape(text: object) -> str:
    """Untrusted text made safe to embed in a rich marked-up string, on one line."""
    return _escape_markup(one_line(text))


def plain(text: object) -> Text:
    """Untrusted text as a rich renderable (e.g. a table cell): shown literally, never markup."""
    return Text(str(text))


def echo_line(text: object, err: bool = False, prefix: str = "", color: str | None = None) -> None:
    """Print untrusted text as exactly one line, without markup or wrapping. `prefix` (e.g.
    "error:") is coloured with `color` when the output is a terminal."""
    head = click.style(prefix, fg=color) + " " if prefix else ""
    click.echo(head + one_line(text), err=err)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Workspace file (default: $LIEN_DB or ./lien.duckdb).",
    )(f)


def open_ws(db: Path | None, read_only: bool = False) -> Workspace:
    return Workspace.open(db or default_path(), read_only=read_only)
