"""Retention by cohort and the languages of member messages (lien.metrics.community).

A hand-built community with its figures worked out by hand, and random communities checked
against a plain-Python reading of the definitions (and against compute's new_members).
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from lien.metrics import compute, timebase
from lien.metrics.community import language_shares, retention_by_cohort, window_views
from lien.metrics.compute import annotations_table
from lien.workspace import Workspace

from ..csv_community import load, msg
from .random_communities import Community, build_workspace, communities, windows
from .test_invariants import PROFILE

# Months of activity per member (2021); the account posts each month and members comment.
ACTIVE = {"m1": (1, 2, 4), "m2": (1, 3), "m3": (2, 3), "m4": (2,), "m5": (4,)}


def _community(ws: Workspace, tmp_path: Path) -> None:
    rows = []
    for month in (1, 2, 3, 4):
        rows.append(msg(f"p{month}", None, "acc", f"2021-{month:02d}-01T09:00:00Z", "Le lac"))
    for member, months in ACTIVE.items():
        for month in months:
            at = f"2021-{month:02d}-10T10:00:00Z"
            rows.append(msg(f"{member}-{month}", f"p{month}", member, at, "Très beau"))
    load(ws, tmp_path, rows, [("mastodon", "acc")])


def _cohorts(ws: Workspace, since: str, until: str) -> dict[str, tuple[int, tuple[Any, ...]]]:
    views, window = window_views(ws, "month", since, until)
    try:
        found = retention_by_cohort(views, window, "month", horizon=4)
    finally:
        views.release()
    return {c.period: (c.members, c.returning) for c in found}


def test_cohorts_by_hand(ws: Workspace, tmp_path: Path) -> None:
    _community(ws, tmp_path)
    # January: m1, m2. February: m1 back (1/2); March: m2 (1/2); April: m1 (1/2).
    # February: m3, m4. March: m3 (1/2); April: nobody. April: m5, nothing after.
    assert _cohorts(ws, "2021-01-01", "2021-05-01") == {
        "2021-01": (2, (0.5, 0.5, 0.5, None)),
        "2021-02": (2, (0.5, 0.0, None, None)),
        "2021-04": (1, (None, None, None, None)),
    }
    # From February, m1 and m2 are no newcomers: their cohort (January) is outside the window.
    assert _cohorts(ws, "2021-02-01", "2021-05-01") == {
        "2021-02": (2, (0.5, 0.0, None, None)),
        "2021-04": (1, (None, None, None, None)),
    }
    document = compute(ws)
    new = {p["period"]: p["new_members"] for p in document["periods"]}
    assert new == {"2021-01": 2, "2021-02": 2, "2021-03": 0, "2021-04": 1}


def test_language_shares(ws: Workspace, tmp_path: Path) -> None:
    _community(ws, tmp_path)
    compute(ws)  # brings the annotations up to date where that is deferred
    views, window = window_views(ws, "month", "2021-01-01", "2021-05-01")
    try:
        shares = language_shares(views, window, annotations_table(ws))
    finally:
        views.release()
    expected = dict(
        ws.con.execute(
            """SELECT a.lang, count(*) FROM annotations a JOIN messages m USING (platform, id)
               WHERE m.author_id <> 'acc' GROUP BY 1"""
        ).fetchall()
    )
    assert sum(expected.values()) == 9  # the members' nine messages, all with text
    assert {s["lang"]: s["messages"] for s in shares} == expected
    assert {s["lang"]: s["share"] for s in shares} == {k: v / 9 for k, v in expected.items()}


def _oracle(
    community: Community, kind: str, since: date, until: date, horizon: int
) -> dict[str, tuple[int, tuple[Any, ...]]]:
    """The definition read plainly: cohort = period of a member's first message anywhere,
    counted when that period holds one of their messages inside the window."""
    zone = ZoneInfo(community.timezone)
    owned = set(community.accounts)
    bots = {h.lower() for h in community.bot_handles}
    lo, hi = timebase.to_utc(since, community.timezone), timebase.to_utc(until, community.timezone)

    def start(at: datetime) -> date:
        return timebase.first_day(at.replace(tzinfo=UTC).astimezone(zone).date(), kind)  # type: ignore[arg-type]

    first: dict[tuple[str, str], date] = {}
    active: dict[tuple[str, str], set[date]] = {}
    for m in community.messages:
        author = m["author_id"]
        if author is None or (m["platform"], author) in owned or m["author_is_bot"]:
            continue
        if author.lower() in bots or (m["author_handle"] or "").lower() in bots:
            continue
        key = (m["platform"], author)
        period = start(m["created_at"])
        first[key] = min(first.get(key, period), period)
        if lo <= m["created_at"] < hi:
            active.setdefault(key, set()).add(period)
    starts = timebase.periods(since, until, kind)  # type: ignore[arg-type]
    out = {}
    for c, s in enumerate(starts):
        cohort = [k for k, f in first.items() if f == s and s in active.get(k, set())]
        if cohort:
            out[timebase.label(s, kind)] = (  # type: ignore[arg-type]
                len(cohort),
                tuple(
                    sum(starts[c + j] in active[k] for k in cohort) / len(cohort)
                    if c + j < len(starts)
                    else None
                    for j in range(1, horizon + 1)
                ),
            )
    return out


@PROFILE
@given(data=st.data(), kind=st.sampled_from(["month", "week"]))
def test_cohorts_match_the_definition(data: st.DataObject, kind: str) -> None:
    community = data.draw(communities(max_messages=30))
    since, until = data.draw(windows(community, kind))
    with tempfile.TemporaryDirectory() as tmp:
        ws = build_workspace(Path(tmp), community)
        try:
            document = compute(ws, period=kind, since=since, until=until)  # type: ignore[arg-type]
            first, end = document["window"]["since"], document["window"]["until"]
            if first is None or end is None or first >= end:
                return
            views, window = window_views(ws, kind, first, end)  # type: ignore[arg-type]
            try:
                found = retention_by_cohort(views, window, kind, horizon=5)  # type: ignore[arg-type]
            finally:
                views.release()
        finally:
            ws.close()
    got = {c.period: (c.members, c.returning) for c in found}
    expected = _oracle(
        community, kind, date.fromisoformat(first), date.fromisoformat(end), horizon=5
    )
    assert got == expected, community.as_code()
    new = {p["period"]: p["new_members"] for p in document["periods"] if p["new_members"]}
    assert {period: size for period, (size, _) in got.items()} == new


def test_window_views_cover_history_before_the_window(ws: Workspace, tmp_path: Path) -> None:
    """The views' local-time table spans the data, not only the window (first messages of
    members may be years before it)."""
    _community(ws, tmp_path)
    views, window = window_views(ws, "month", "2021-04-01", "2021-05-01")
    try:
        assert views.years[0] <= 2020 and views.years[1] >= 2022
        assert window.since_utc == datetime(2021, 3, 31, 22, 0)
        assert window.until_utc - window.since_utc == timedelta(days=30)
    finally:
        views.release()
