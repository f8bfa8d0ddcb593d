"""Commands about people's data: forget one person, apply the retention period."""

from __future__ import annotations

from pathlib import Path

import click

from ..privacy import apply_retention, erase_person
from ._common import console, db_option, open_ws


@click.command()
@click.argument("platform")
@click.argument("author")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
def forget(platform: str, author: str, yes: bool, db: Path | None) -> None:
    """Erase one person: AUTHOR is their author id or handle on PLATFORM.

    Deletes their messages and raw records, and replaces their id, handle and name by
    "[forgotten]" wherever others mention them. It cannot be undone. Files you imported are
    not touched: re-importing them would bring the person back."""
    if not yes:
        click.confirm(
            f"Erase every message of {author} on {platform} and every mention of them?",
            abort=True,
        )
    with open_ws(db) as ws:
        counts = erase_person(ws, platform, author)
    console.print(
        f"deleted {counts['messages_deleted']} messages, {counts['raw_items_deleted']} raw "
        f"records, {counts['rejects_deleted']} rejects; scrubbed mentions in "
        f"{counts['messages_scrubbed']} messages, {counts['raw_items_scrubbed']} raw records, "
        f"{counts['rejects_scrubbed']} rejects"
    )


@click.group()
def retention() -> None:
    """Keep data no longer than the `retention_months` setting."""


@retention.command("apply")
@click.option("--months", type=click.IntRange(min=1), help="Override the retention_months setting.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@db_option
def retention_apply(months: int | None, yes: bool, db: Path | None) -> None:
    """Delete messages older than the retention period, with their raw records and rejects."""
    with open_ws(db) as ws:
        if not yes:
            shown = months or ws.setting("retention_months") or "?"
            click.confirm(f"Delete everything older than {shown} months?", abort=True)
        counts = apply_retention(ws, months=months)
    console.print(
        f"before {counts['cutoff']:%Y-%m-%d %H:%M} UTC: deleted {counts['messages_deleted']} "
        f"messages, {counts['raw_items_deleted']} raw records, {counts['rejects_deleted']} rejects"
    )
