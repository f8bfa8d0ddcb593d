"""The `lien` command line: thin commands over the library, imported only when used."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Any

import click

from ..errors import LienError

# name → (module under lien.cli, function, one-line help). The help is repeated here so that
# `lien --help` does not import every command module.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("workspace_cmds", "init", "Create a workspace."),
    "settings": ("workspace_cmds", "settings", "Show or change workspace settings."),
    "accounts": ("workspace_cmds", "accounts", "Declare the accounts the destination operates."),
    "info": ("workspace_cmds", "info", "What the workspace holds."),
    "sql": ("workspace_cmds", "sql", "Run a read-only SQL query on the workspace."),
    "import": ("import_cmds", "import_", "Import files, folders and .zip archives."),
    "reparse": ("import_cmds", "reparse", "Re-run the mappers over the stored raw records."),
    "annotate": ("text_cmds", "annotate", "Detect language and score tone of new messages."),
    "fetch": ("fetch_cmds", "fetch_group", "Fetch conversations from the platforms' APIs."),
    "export": (
        "import_cmds",
        "export",
        "Export messages as JSON Lines, Parquet or CSV, or a folder for Spark.",
    ),
    "metrics": ("metrics_cmds", "metrics", "Listening, conversing and belonging figures."),
    "network": ("network_cmds", "network", "Write the interaction graph (GEXF, GraphML, JSON)."),
    "people": ("people_cmds", "people", "The members who made the community in a period."),
    "questions": ("inbox_cmds", "questions", "The inbox: questions still waiting for an answer."),
    "report": ("report_cmds", "report", "Write the offline HTML report."),
    "serve": ("web_cmds", "serve", "Open the workspace in a web page on this computer."),
    "sources": ("import_cmds", "sources", "List the formats lien reads."),
    "compare": ("compare_cmds", "compare", "Compare two windows, with bootstrap intervals."),
    "demo": ("demo_cmds", "demo", "Build the demo destination's workspace."),
    "forget": ("privacy_cmds", "forget", "Erase one person from the workspace."),
    "retention": ("privacy_cmds", "retention", "Delete data older than the retention period."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = import_module(f"{__name__}.{entry[0]}")
        command = getattr(module, entry[1])
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="lien")
def cli() -> None:
    """lien: the human side of a destination's social media.

    Import conversations, then measure listening, conversing, belonging and tone.
    """


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="lien", standalone_mode=False)
    except LienError as e:
        from ._common import one_line

        # One line, as the error's text may hold a user's file name.
        click.secho(f"error: {one_line(e)}", fg="red", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
