"""Everything the report shows, gathered from the library (the templates only lay it out)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, cast

from ..inbox import inbox, waiting_by_age
from ..metrics import compute
from ..metrics.community import Cohort, language_shares, retention_by_cohort, window_views
from ..metrics.compute import annotations_table
from ..metrics.registry import METRICS, Metric
from ..metrics.timebase import PeriodKind
from ..people import people_digest
from ..text.terms import top_terms
from . import layout
from .gaps import Gaps, known_gaps

if TYPE_CHECKING:
    from ..workspace import Workspace

INBOX_ROWS = 15
PEOPLE_ROWS = 10
COHORTS = 12  # the latest cohorts shown, each followed for as many periods
TERM_PERIODS = 3  # the latest periods whose words and hashtags are shown
TERMS = 10
# Age buckets of waiting messages, in hours (upper bounds); labels are translated.
AGE_BUCKETS = (
    (24, "under a day"),
    (24 * 7, "1 to 7 days"),
    (24 * 30, "7 to 30 days"),
    (24 * 365, "1 to 12 months"),
    (None, "over a year"),
)


@dataclass
class ReportData:
    lang: str
    title: str
    document: dict[str, Any]
    latest: dict[str, Any] | None  # the last period with activity
    previous: dict[str, Any] | None
    inbox_rows: list[dict[str, Any]]
    waiting_by_age: list[tuple[str, int]]
    waiting_total: int
    people_period: str | None
    people: list[dict[str, Any]]
    network: layout.Picture | None
    coverage: list[dict[str, Any]]  # platform, period, messages
    context: list[dict[str, Any]]  # platform counts (likes, shares): context, not measure
    languages: list[dict[str, Any]]  # lang, messages, share (member messages with text)
    cohorts: list[Cohort]
    terms: list[dict[str, Any]]  # per period: words and hashtags most used by members
    gaps: Gaps | None = None
    metrics: tuple[Metric, ...] = METRICS
    generated: str = field(default_factory=lambda: datetime.now(UTC).date().isoformat())
    names: bool = False
    compare: dict[str, Any] | None = None

    def coverage_grid(self) -> tuple[list[str], list[tuple[str, list[int]]]]:
        """The coverage as a grid: platforms across, periods down (0 where none)."""
        platforms = sorted({c["platform"] for c in self.coverage})
        counts = {(c["period"], c["platform"]): c["messages"] for c in self.coverage}
        periods = sorted({c["period"] for c in self.coverage})
        return platforms, [(q, [counts.get((q, p), 0) for p in platforms]) for q in periods]


def _active(period: dict[str, Any]) -> bool:
    return bool(period["member_messages"] or period["account_posts"])


def gather(
    ws: Workspace,
    lang: str,
    period: str = "month",
    since: str | None = None,
    until: str | None = None,
    names: bool = False,
    compare_windows: tuple[tuple[str, str], tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> ReportData:
    kind = cast(PeriodKind, period)
    document = compute(ws, period=kind, since=since, until=until)
    active = [p for p in document["periods"] if _active(p)]
    latest = active[-1] if active else None
    previous = active[-2] if len(active) > 1 else None

    waiting = inbox(ws, True, since, names=names, now=now, lang=lang, limit=INBOX_ROWS, until=until)
    bounds = [h for h, _ in AGE_BUCKETS if h is not None]
    counts = waiting_by_age(ws, bounds, since, now, until=until)
    buckets = [(label, n) for (_, label), n in zip(AGE_BUCKETS, counts, strict=True)]
    people_period = None
    people_rows: list[dict[str, Any]] = []
    if latest is not None:
        start = _period_start(latest["period"])
        people_period, table = people_digest(ws, kind, start, names=names, limit=PEOPLE_ROWS)
        people_rows = table.to_pylist()

    since_day = document["window"]["since"]
    until_day = document["window"]["until"]
    picture = None
    cohorts: list[Cohort] = []
    languages: list[dict[str, Any]] = []
    if since_day and until_day:
        # One build of the views serves the picture, the cohorts and the languages.
        views, window = window_views(ws, kind, since_day, until_day)
        try:
            picture = layout.network_picture(ws, views, window, names=names)
            followed = [
                c
                for c in retention_by_cohort(views, window, kind, horizon=COHORTS)
                if c.returning[0] is not None  # a cohort of the last period has no "later"
            ]
            cohorts = followed[-COHORTS:]
            languages = language_shares(views, window, annotations_table(ws))
        finally:
            views.release()
    terms: list[dict[str, Any]] = []
    if active:
        recent = active[-TERM_PERIODS:]
        first = max(_period_start(recent[0]["period"]), date.fromisoformat(since_day))
        terms = top_terms(ws, kind, first, until_day, n=TERMS)
        shown = {p["period"] for p in recent}
        terms = [t for t in terms if t["period"] in shown]
    title = _title(ws, lang)
    coverage = _coverage(ws, period, since_day, until_day)
    labels = [p["period"] for p in document["periods"]]
    gaps = known_gaps(ws, labels, coverage, _bounds(ws, since_day, until_day))
    return ReportData(
        lang=lang,
        title=title,
        document=document,
        latest=latest,
        previous=previous,
        inbox_rows=waiting.to_pylist(),
        waiting_by_age=buckets,
        waiting_total=sum(counts),
        people_period=people_period,
        people=people_rows,
        network=picture,
        coverage=coverage,
        context=_context(ws, since_day, until_day),
        languages=languages,
        cohorts=cohorts,
        terms=terms,
        gaps=gaps,
        names=names,
        compare=_compare(ws, compare_windows),
    )


def _period_start(label: str) -> date:
    if "-W" in label:
        year, week = label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    return date.fromisoformat(label + "-01")


def _title(ws: Workspace, lang: str) -> str:
    names = [a["name"] for a in ws.accounts() if a.get("name")]
    return names[0] if names else ws.path.stem


def _window_sql(column: str = "created_at") -> str:
    return f"{column} >= ? AND {column} < ?"


def _bounds(ws: Workspace, since: str | None, until: str | None) -> list[Any]:
    from ..metrics import timebase

    if not since or not until:
        return [datetime(1900, 1, 1), datetime(2200, 1, 1)]
    return [
        timebase.to_utc(date.fromisoformat(since), ws.timezone),
        timebase.to_utc(date.fromisoformat(until), ws.timezone),
    ]


def _coverage(
    ws: Workspace, period: str, since: str | None, until: str | None
) -> list[dict[str, Any]]:
    unit = "month" if period == "month" else "week"
    rows = ws.con.execute(
        f"""
        SELECT platform,
               strftime(date_trunc('{unit}', timezone(?, created_at::TIMESTAMPTZ)),
                        '{"%Y-%m" if unit == "month" else "%G-W%V"}') AS period,
               count(*) AS messages
        FROM messages WHERE {_window_sql()}
        GROUP BY ALL ORDER BY 1, 2
        """,
        [ws.timezone, *_bounds(ws, since, until)],
    ).fetchall()
    return [{"platform": p, "period": q, "messages": int(n)} for p, q, n in rows]


def _context(ws: Workspace, since: str | None, until: str | None) -> list[dict[str, Any]]:
    rows = ws.con.execute(
        f"""
        SELECT platform, count(*) FILTER (WHERE parent_id IS NULL), sum(like_count),
               sum(share_count)
        FROM messages WHERE {_window_sql()} GROUP BY ALL ORDER BY 1
        """,
        _bounds(ws, since, until),
    ).fetchall()
    return [
        {"platform": p, "posts": int(n or 0), "likes": likes, "shares": shares}
        for p, n, likes, shares in rows
    ]


def _compare(
    ws: Workspace, windows: tuple[tuple[str, str], tuple[str, str]] | None
) -> dict[str, Any] | None:
    if windows is None:
        return None
    from ..metrics.compare import compare

    return compare(ws, windows[0], windows[1])
