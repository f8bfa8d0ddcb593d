"""`lien fetch PLATFORM ...`: one sub-command per fetcher, built from the fetchers' metadata."""

from __future__ import annotations

import sys
import textwrap
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..fetching import ApiFetcher, FetchRequest, FetchSummary, fetch, fetcher_classes
from ._common import console, db_option, echo_line, escape, open_ws


def _help(cls: type[ApiFetcher]) -> str:
    lines = [f"Fetch {cls.title}: posts, comments and replies of one account."]
    if cls.access:
        # Wrapped here, behind "\b", so that click keeps one list item per line.
        lines += ["", "Access needed:", "", "\b"] + [
            textwrap.fill(f"- {line}", width=76, subsequent_indent="  ") for line in cls.access
        ]
    if cls.token_env:
        needed = "required" if cls.token_required else "optional"
        lines += ["", f"Token: environment variable {cls.token_env} ({needed})."]
    return "\n".join(lines)


def _command(platform: str, cls: type[ApiFetcher]) -> click.Command:
    params: list[click.Parameter] = []
    if cls.target_option:
        params.append(
            click.Option(
                [f"--{cls.target_option}", "target"],
                required=True,
                metavar=cls.target_metavar,
                help=cls.target_help,
            )
        )
    else:
        params.append(click.Argument(["target"], metavar=cls.target_metavar))
    params += [
        click.Option(
            ["--since"],
            type=click.DateTime(["%Y-%m-%d"]),
            help="Only messages from this day on (UTC), on the first fetch.",
        ),
        click.Option(
            ["--refresh-days"],
            type=int,
            default=14,
            show_default=True,
            help="Re-read threads of the last N days, which may have grown since.",
        ),
        click.Option(["--base-url"], help="Another API address (own instance, proxy, mirror)."),
    ]
    for option in cls.options:
        params.append(
            click.Option(
                [f"--{option.name}"],
                type=option.type,
                required=option.required,
                help=option.help,
                # An explicit default=None counts as a value for click 8.3: a required
                # option would then never be reported missing.
                **({} if option.default is None else {"default": option.default}),
            )
        )

    def run(**kwargs: Any) -> None:
        db = kwargs.pop("db")
        request = FetchRequest(
            target=kwargs.pop("target"),
            since=kwargs.pop("since"),
            refresh_days=kwargs.pop("refresh_days"),
            options={k: v for k, v in kwargs.items() if k != "base_url"},
        )
        request.max_reads = request.options.get("max_reads")
        _run(platform, request, kwargs.get("base_url"), db)

    command = click.Command(
        platform, callback=run, params=params, help=_help(cls), short_help=f"{cls.title}."
    )
    return db_option(command)


def _run(platform: str, request: FetchRequest, base_url: str | None, db: Path | None) -> None:
    with open_ws(db) as ws:
        started = datetime.now()
        if sys.stderr.isatty():
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task(f"{platform} {escape(request.target)}", total=None)

                def on_page(s: FetchSummary) -> None:
                    progress.update(
                        task,
                        description=f"{platform} {escape(request.target)}: {s.pages} pages, "
                        f"{s.read} read, {s.stored} new, {s.updated} updated",
                    )

                summary = fetch(
                    ws, platform, request, base_url, on_page=on_page, on_estimate=echo_line
                )
        else:
            summary = fetch(ws, platform, request, base_url, on_estimate=echo_line)
    echo_line(summary.summary() + f" in {(datetime.now() - started).total_seconds():.0f} s")
    for note in summary.notes:
        echo_line(note)
    if summary.rejected:
        console.print("rejected records are kept with their reason: `lien info` lists them")


class FetchGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(fetcher_classes())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cls = fetcher_classes().get(cmd_name)
        return _command(cmd_name, cls) if cls else None


@click.group(cls=FetchGroup)
def fetch_group() -> None:
    """Fetch conversations from the platforms' APIs (incremental and resumable).

    Tokens are read from environment variables and never stored.
    """
