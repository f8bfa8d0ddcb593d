"""Build small communities through the real import pipeline: rows → generic CSV → workspace."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from lien.workspace import Workspace

COLUMNS = (
    "platform",
    "id",
    "parent_id",
    "author_id",
    "author_handle",
    "author_name",
    "created_at",
    "text",
    "url",
)


def write_csv(path: Path, rows: Iterable[Sequence[str | None]]) -> Path:
    """Rows are tuples in COLUMNS order; None becomes an empty cell."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for row in rows:
            assert len(row) == len(COLUMNS), row
            w.writerow(["" if v is None else v for v in row])
    return path


def load(
    ws: Workspace,
    folder: Path,
    rows: Iterable[Sequence[str | None]],
    accounts: Iterable[tuple[str, str]] = (),
    name: str = "community.csv",
) -> None:
    results = ws.import_paths([write_csv(folder / name, rows)])
    assert all(r.status != "failed" for r in results), [r.error for r in results]
    for platform, author_id in accounts:
        ws.add_account(platform, author_id)


def msg(
    id: str,
    parent: str | None,
    author: str | None,
    at: str,
    text: str = "",
    platform: str = "mastodon",
    handle: str | None = None,
    name: str | None = None,
    url: str | None = None,
) -> tuple[str | None, ...]:
    """One row; `at` is an ISO time with its offset (e.g. 2021-03-01T10:00:00Z)."""
    return (platform, id, parent, author, handle, name, at, text, url)
