"""Text from platforms and users reaches the terminal literally: rich must not read it as markup."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.cli._common import console
from lien.workspace import Workspace

from .csv_community import load, msg

HOSTILE = "[bold red]ALERTE[/] [link=https://evil.example]clic[/link]"


@pytest.fixture
def wide() -> Iterator[None]:
    """A console wide enough that table cells are not wrapped across lines."""
    before = console.width
    console.width = 400
    yield
    console.width = before


def test_tables_show_platform_text_as_it_is(ws: Workspace, tmp_path: Path, wide: None) -> None:
    load(
        ws,
        tmp_path,
        [
            msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac"),
            msg("c", "p", "m1", "2021-03-01T10:00:00Z", HOSTILE + " ?", handle="[i]m1[/i]"),
            msg("r", "c", "m2", "2021-03-01T11:00:00Z", "Oui [b]vraiment[/b]", handle="m2"),
        ],
        [("mastodon", "acc")],
    )
    db = str(ws.path)
    ws.close()
    runner = CliRunner()
    inbox = runner.invoke(cli, ["questions", "--db", db, "--names"])
    assert inbox.exit_code == 0, inbox.output
    assert "[bold red]ALERTE[/]" in inbox.output and "[i]m1[/i]" in inbox.output
    sql = runner.invoke(cli, ["sql", "--db", db, "SELECT text FROM messages WHERE id = 'r'"])
    assert "Oui [b]vraiment[/b]" in sql.output
    people = runner.invoke(cli, ["people", "--db", db, "--at", "2021-03-01", "--names"])
    assert "[i]m1[/i]" in people.output
