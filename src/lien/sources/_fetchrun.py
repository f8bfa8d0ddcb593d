"""Pieces the thread-walking fetchers (Mastodon, Bluesky) share: checkpoint snapshots, the
"last page of a run" marker, the refresh window and error bodies kept as records.

A run goes through phases, each saving its progress in the checkpoint of every page it
yields: `refresh` (re-read recent threads), `posts` (the account's new posts, and the thread
of each), `mentions` (threads others started naming the account), then `done`. The state of
the run's last page is marked `done`, so that the next run knows the previous one finished
and starts a new refresh; an interrupted run resumes in the phase it was in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ..fetching import Page
from . import RawRecord
from ._http import HttpError
from ._jsondoc import utc_time

DONE = "done"
# Test-friendly HttpClient settings a fetcher accepts; production defaults stay HttpClient's.
HTTP_SETTINGS = frozenset({"timeout", "max_retries", "backoff", "max_wait", "sleep"})


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def snapshot(state: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the state as it will be stored (JSON types only)."""
    return dict(json.loads(json.dumps(state, sort_keys=True, default=str)))


def http_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(settings or {})
    unknown = set(given) - HTTP_SETTINGS
    if unknown:
        raise TypeError(f"unknown HTTP settings: {', '.join(sorted(unknown))}")
    return given


def mark_last(
    pages: Iterator[Page],
    start: Mapping[str, Any],
    finish: Callable[[dict[str, Any]], dict[str, Any]],
    label: str,
) -> Iterator[Page]:
    """The pages, one step behind, with `finish` applied to the last page's state.

    Holding one page back lets the last one carry "this run is complete". A crash while the
    next page is being read loses only the held page, which the resume reads again. A run
    that yields nothing but resumed an unfinished state saves the finished state alone."""
    held: Page | None = None
    for page in pages:
        if held is not None:
            yield held
        held = page
    if held is not None:
        held.state = finish(snapshot(held.state))
        yield held
        return
    if start.get("phase", DONE) != DONE:
        yield Page([], f"{label} (checkpoint)", finish(snapshot(start)))


def within(at: Any, days: int, now: datetime) -> bool:
    """Whether an ISO time is inside the last `days` days."""
    when = utc_time(at)
    return when is not None and days > 0 and when >= now - timedelta(days=days)


def later(a: str | None, b: str | None) -> str | None:
    """The later of two ISO times (either may be missing)."""
    ta, tb = utc_time(a), utc_time(b)
    if ta is None:
        return b if tb is not None else a
    if tb is None:
        return a
    return a if ta >= tb else b


def is_gone(error: HttpError) -> bool:
    """A post deleted (or hidden) since it was listed: skip it, do not stop the fetch."""
    if error.status in (404, 410):
        return True
    body = error.body if isinstance(error.body, dict) else {}
    return error.status == 400 and body.get("error") == "NotFound"


def error_record(
    location: str, error: HttpError, shape: Callable[[dict[str, Any], int | None], Any]
) -> RawRecord:
    """The API's error answer as a record, which the platform's source keeps as a skipped
    reject naming `location`. `shape(body, status)` gives the platform's error entity (from
    the body when it was JSON, else from the status alone: an HTML error page)."""
    body = error.body if isinstance(error.body, dict) else {}
    return RawRecord(f"{location} (HTTP {error.status})", shape(body, error.status))
