"""Running a platform fetcher: pages in, messages stored, a checkpoint after every page.

A fetcher (``sources/<platform>/fetch.py``) only knows its platform's API: it yields pages of
raw records together with the checkpoint that holds once the page is stored. This module
stores each page through the import pipeline in one transaction with its checkpoint, so an
interrupted fetch resumes after the last stored page and yields every message exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from .errors import LienError
from .importer import ImportResult, import_records
from .sources import RawRecord, Source

if TYPE_CHECKING:
    import duckdb

    from .workspace import Workspace


@dataclass
class Page:
    """One API response's records, and the fetch state once they are stored."""

    records: list[RawRecord]
    label: str  # for people and the imports table: "mastodon @office@mastodon.social statuses p3"
    state: dict[str, Any]


@dataclass
class FetchRequest:
    target: str  # the account as the user wrote it
    since: datetime | None = None  # naive UTC
    refresh_days: int = 14
    max_reads: int | None = None
    options: dict[str, Any] = field(default_factory=dict)


class Fetcher(Protocol):
    platform: str
    source: Source

    def account_key(self, request: FetchRequest) -> str:
        """A stable key of the fetched account (for its checkpoint)."""
        ...

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        """Pages to store, resuming from `state` (empty on the first fetch)."""
        ...


@dataclass
class FetchSummary:
    platform: str
    account: str
    pages: int = 0
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    results: list[ImportResult] = field(default_factory=list)

    def add(self, result: ImportResult) -> None:
        self.pages += 1
        for key in ("read", "stored", "updated", "duplicates", "rejected"):
            setattr(self, key, getattr(self, key) + getattr(result, key))
        self.results.append(result)

    def summary(self) -> str:
        return (
            f"{self.platform} {self.account}: {self.pages} pages, read {self.read} = stored "
            f"{self.stored} + updated {self.updated} + duplicates {self.duplicates} + rejected "
            f"{self.rejected}"
        )


def load_state(ws: Workspace, platform: str, account: str) -> dict[str, Any]:
    row = ws.con.execute(
        "SELECT state FROM fetch_state WHERE platform = ? AND account = ?", [platform, account]
    ).fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def _save_state(platform: str, account: str, state: dict[str, Any]) -> Any:
    def save(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "DELETE FROM fetch_state WHERE platform = ? AND account = ?", [platform, account]
        )
        con.execute(
            "INSERT INTO fetch_state VALUES (?, ?, ?, ?)",
            [
                platform,
                account,
                json.dumps(state, sort_keys=True, default=str),
                datetime.now(UTC).replace(tzinfo=None),
            ],
        )

    return save


def run_fetch(
    ws: Workspace,
    fetcher: Fetcher,
    request: FetchRequest,
    on_page: Any = None,
) -> FetchSummary:
    """Fetch and store every page the fetcher yields; `on_page(summary)` after each one."""
    account = fetcher.account_key(request)
    summary = FetchSummary(fetcher.platform, account)
    state = load_state(ws, fetcher.platform, account)
    for page in fetcher.pages(request, state):
        result = import_records(
            ws,
            fetcher.source,
            page.records,
            page.label,
            before_commit=_save_state(fetcher.platform, account, page.state),
        )
        if result.status == "failed":
            raise LienError(result.error or f"{page.label}: could not be stored")
        summary.add(result)
        if on_page is not None:
            on_page(summary)
    return summary
