"""The fetch runner: a crash between pages, then a resume, stores every message exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lien.fetching import FetchRequest, Page, load_state, run_fetch
from lien.sources import RawRecord, Source
from lien.workspace import Workspace

from ..toy import ToySource


class PagedFetcher:
    """Three pages of two messages; crashes once after `crash_after` pages if asked."""

    platform = "toy"

    def __init__(self, source: Source, crash_after: int | None = None) -> None:
        self.source = source
        self.crash_after = crash_after
        self.served: list[int] = []

    def account_key(self, request: FetchRequest) -> str:
        return request.target.lower()

    def pages(self, request: FetchRequest, state: dict[str, Any]) -> Iterator[Page]:
        start = state.get("next_page", 0)
        for n in range(start, 3):
            if self.crash_after is not None and n == self.crash_after:
                raise KeyboardInterrupt("interrupted between pages")
            self.served.append(n)
            records = [
                RawRecord(
                    f"page {n} item {i}",
                    {"id": 2 * n + i, "at": f"2021-01-0{n + 1}T10:00:00", "by": "a", "text": "t"},
                )
                for i in range(2)
            ]
            yield Page(records, f"toy page {n}", {"next_page": n + 1})


def test_crash_between_pages_then_resume_yields_each_message_once(
    ws: Workspace,
    toy: ToySource,  # noqa: F811
) -> None:
    crashing = PagedFetcher(toy, crash_after=2)
    with pytest.raises(KeyboardInterrupt):
        run_fetch(ws, crashing, FetchRequest("@Office"))
    assert load_state(ws, "toy", "@office") == {"next_page": 2}
    assert ws.con.execute("SELECT count(*) FROM messages").fetchone() == (4,)
    resumed = PagedFetcher(toy)
    summary = run_fetch(ws, resumed, FetchRequest("@office"))
    assert resumed.served == [2]  # only the page that was not stored
    assert (summary.pages, summary.stored, summary.duplicates) == (1, 2, 0)
    ids = [r[0] for r in ws.con.execute("SELECT id FROM messages ORDER BY id::INT").fetchall()]
    assert ids == ["0", "1", "2", "3", "4", "5"]
