"""Tables that describe the community beyond the per-period keys, for the report.

- **Retention by cohort**: members grouped by the period of their first message in the
  workspace (their cohort, as `new_members` counts them); for each later period of the window,
  the share of the cohort active again. A cohort's size is its period's `new_members`.
- **Languages**: the share of member messages with text written in each language (the
  language of `annotations`, as the tone keys read it).

Both read the metric views (`Views.base`), so roles, bots and periods are the metrics' own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from . import timebase
from .timebase import PeriodKind, Window
from .views import Settings, Views

if TYPE_CHECKING:
    from ..workspace import Workspace

MEMBER = ["platform", "author_id"]


@dataclass(frozen=True)
class Cohort:
    period: str  # label of the cohort's period (first message)
    members: int  # members whose first message falls in it (its new_members)
    # returning[k - 1]: share of the cohort active k periods later; None past the window's end
    returning: tuple[float | None, ...]


def _inside(t: ir.Table, window: Window) -> ir.BooleanValue:
    return (t.created_at >= ibis.literal(window.since_utc)) & (
        t.created_at < ibis.literal(window.until_utc)
    )


def retention_by_cohort(
    views: Views, window: Window, period: PeriodKind, horizon: int = 12
) -> list[Cohort]:
    """One cohort per period of the window with at least one new member, oldest first.

    A member belongs to the cohort of the period of their first message in the whole
    workspace, and counts in it when that message is inside the window (as `new_members`);
    they count as returning k periods later when they wrote inside the window in that period.
    """
    starts = timebase.periods(window.since, window.until, period)
    b = views.base
    members = b.filter(b.role == "member")
    activity = members.group_by([*MEMBER, "period_start"]).aggregate(
        inside=lambda t: ibis.ifelse(_inside(t, window), 1, 0).sum()
    )
    first = activity.group_by(MEMBER).aggregate(cohort=lambda t: t.period_start.min())
    active = activity.filter(activity.inside > 0).join(first, MEMBER)
    counts = (
        active.group_by(["cohort", "period_start"])
        .aggregate(members=lambda t: t.count())
        .to_pyarrow()
        .to_pylist()
    )
    index = {s: i for i, s in enumerate(starts)}
    grid: dict[int, dict[int, int]] = {}
    for row in counts:
        c = index.get(row["cohort"].date())
        p = index.get(row["period_start"].date())
        if c is not None and p is not None:
            grid.setdefault(c, {})[p] = int(row["members"])
    out = []
    for c in sorted(grid):
        size = grid[c].get(c, 0)
        if not size:
            continue
        returning = tuple(
            grid[c].get(c + k, 0) / size if c + k < len(starts) else None
            for k in range(1, horizon + 1)
        )
        out.append(Cohort(timebase.label(starts[c], period), size, returning))
    return out


def language_shares(views: Views, window: Window, annotations: ir.Table) -> list[dict[str, Any]]:
    """[{"lang", "messages", "share"}] over member messages with text in the window, most
    used first; messages whose language is unknown count under lang None."""
    b = views.base
    members = b.filter((b.role == "member") & _inside(b, window)).select("platform", "id")
    a = annotations.select("platform", "id", "lang")
    rows = (
        members.join(a, ["platform", "id"])
        .group_by("lang")
        .aggregate(messages=lambda t: t.count())
        .to_pyarrow()
        .to_pylist()
    )
    total = sum(int(r["messages"]) for r in rows)
    out = [
        {"lang": r["lang"], "messages": int(r["messages"]), "share": int(r["messages"]) / total}
        for r in rows
    ]
    out.sort(key=lambda r: (-r["messages"], r["lang"] or "~"))
    return out


def window_views(
    ws: Workspace, period: PeriodKind, since: date | str, until: date | str
) -> tuple[Views, Window]:
    """The metric views of the workspace and the window [since, until) (local days), as
    `compute` builds them. Call `views.release()` when done."""
    from .compute import workspace_tables

    settings = Settings.of(ws)
    start = since if isinstance(since, date) else date.fromisoformat(since)
    end = until if isinstance(until, date) else date.fromisoformat(until)
    window = Window(
        start,
        end,
        timebase.to_utc(start, settings.timezone),
        timebase.to_utc(end, settings.timezone),
    )
    messages, accounts = workspace_tables(ws)
    first, last = ws.con.execute(
        "SELECT min(created_at), max(created_at) FROM messages"
    ).fetchone() or (None, None)
    years = (
        min(start.year, first.year if first else start.year) - 1,
        max(end.year, last.year if last else end.year) + 1,
    )
    return Views(messages, accounts, settings, period, years), window
