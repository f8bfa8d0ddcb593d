"""Small interaction graphs as real DuckDB tables (in memory) for the network tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import pyarrow as pa

from lien.metrics import timebase
from lien.metrics.compute import compute_tables
from lien.metrics.network import network_block
from lien.metrics.timebase import Window
from lien.metrics.views import Settings, Views

T0 = datetime(2021, 3, 1, 12)
SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("id", pa.string()),
        ("parent_id", pa.string()),
        ("root_id", pa.string()),
        ("author_id", pa.string()),
        ("author_handle", pa.string()),
        ("author_is_bot", pa.bool_()),
        ("created_at", pa.timestamp("us")),
        ("text", pa.string()),
        ("owner_liked", pa.bool_()),
    ]
)


def m(
    id: str,
    parent: str | None,
    author: str | None,
    minutes: int | datetime = 0,
    platform: str = "mastodon",
    bot: bool | None = None,
    handle: str | None = None,
) -> dict[str, Any]:
    """One message; `minutes` after T0 (UTC) unless a datetime is given."""
    at = minutes if isinstance(minutes, datetime) else T0 + timedelta(minutes=minutes)
    return {
        "platform": platform,
        "id": id,
        "parent_id": parent,
        "root_id": None,
        "author_id": author,
        "author_handle": handle,
        "author_is_bot": bot,
        "created_at": at,
        "text": "",
        "owner_liked": None,
    }


def tables(
    messages: Sequence[dict[str, Any]], accounts: Sequence[tuple[str, str]] = ()
) -> tuple[Any, Any]:
    con = ibis.duckdb.connect()
    msgs = con.create_table("messages", pa.Table.from_pylist(list(messages), schema=SCHEMA))
    acc = con.create_table(
        "accounts",
        pa.table(
            {"platform": [p for p, _ in accounts], "author_id": [a for _, a in accounts]},
            schema=pa.schema([("platform", pa.string()), ("author_id", pa.string())]),
        ),
    )
    return msgs, acc


def window(since: date, until: date, tz: str = "UTC") -> Window:
    return Window(since, until, timebase.to_utc(since, tz), timebase.to_utc(until, tz))


WHOLE = window(date(2000, 1, 1), date(2040, 1, 1))


def views_of(
    messages: Sequence[dict[str, Any]],
    accounts: Sequence[tuple[str, str]] = (),
    settings: Settings | None = None,
) -> Views:
    msgs, acc = tables(messages, accounts)
    return Views(msgs, acc, settings or Settings(), "month", (1999, 2041))


def network(
    messages: Sequence[dict[str, Any]],
    accounts: Sequence[tuple[str, str]] = (("mastodon", "acc"),),
    since: str | None = None,
    until: str | None = None,
) -> dict[str, Any]:
    """The network block of the `lien.metrics/1` document (the whole compute path)."""
    msgs, acc = tables(messages, accounts)
    return compute_tables(msgs, acc, Settings(), since=since, until=until)["network"]


def block(
    messages: Sequence[dict[str, Any]],
    accounts: Sequence[tuple[str, str]] = (("mastodon", "acc"),),
    win: Window = WHOLE,
) -> dict[str, Any]:
    views = views_of(messages, accounts)
    try:
        return network_block(views, win)
    finally:
        views.release()
