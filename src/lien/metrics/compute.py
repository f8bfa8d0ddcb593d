"""The `lien.metrics/1` document: per-period keys, the network block and regular members."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from . import network, timebase
from .registry import keys
from .timebase import PeriodKind, Window
from .views import Settings, Views

if TYPE_CHECKING:
    from ..workspace import Workspace

SCHEMA = "lien.metrics/1"
MESSAGE_COLUMNS = (
    "platform",
    "id",
    "parent_id",
    "root_id",
    "author_id",
    "author_handle",
    "author_is_bot",
    "created_at",
    "text",
    "owner_liked",
)


def _day(value: date | datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def workspace_tables(ws: Workspace) -> tuple[ir.Table, ir.Table]:
    backend = ibis.duckdb.from_connection(ws.con)
    return backend.table("messages").select(*MESSAGE_COLUMNS), backend.table("accounts")


def annotations_table(ws: Workspace) -> ir.Table:
    """Tone and gratitude per message (lien.text), for the tone keys."""
    return ibis.duckdb.from_connection(ws.con).table("annotations")


def compute(
    ws: Workspace,
    *,
    period: PeriodKind = "month",
    since: date | str | None = None,
    until: date | str | None = None,
    platforms: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Every metric of METRICS.md for the workspace, as the `lien.metrics/1` document.

    Annotations (language, tone) are brought up to date first when the workspace is
    writable; on a read-only one the tone keys cover the annotated messages and
    `not_annotated` says how many messages with text are not (yet) annotated."""
    from ..text.annotate import bring_up_to_date

    not_annotated = bring_up_to_date(ws)
    messages, accounts = workspace_tables(ws)
    document = compute_tables(
        messages,
        accounts,
        Settings.of(ws),
        period=period,
        since=since,
        until=until,
        platforms=platforms,
        annotations=annotations_table(ws),
    )
    document["not_annotated"] = not_annotated
    return document


def compute_tables(
    messages: ir.Table,
    accounts: ir.Table,
    settings: Settings,
    *,
    period: PeriodKind = "month",
    since: date | str | None = None,
    until: date | str | None = None,
    platforms: Sequence[str] | None = None,
    annotations: ir.Table | None = None,
) -> dict[str, Any]:
    """The same over any Ibis tables (DuckDB workspace, Spark over Parquet). Without
    `annotations` (lien.text), the tone keys are null."""
    if platforms:
        messages = messages.filter(messages.platform.isin(list(platforms)))
        accounts = accounts.filter(accounts.platform.isin(list(platforms)))
    bounds = messages.aggregate(first=messages.created_at.min(), last=messages.created_at.max())
    first, last = bounds.to_pyarrow().to_pylist()[0].values()
    tz = settings.timezone
    start = _day(since) or (timebase.to_local_date(first, tz) if first else None)
    end = _day(until) or (timebase.to_local_date(last, tz) + timedelta(days=1) if last else None)
    document: dict[str, Any] = {
        "schema": SCHEMA,
        "timezone": tz,
        "period": period,
        "window": {
            "since": start.isoformat() if start else None,
            "until": end.isoformat() if end else None,
        },
        "periods": [],
        "network": {key: None for key in keys("network")},
        "regular_members": None,
    }
    if start is None or end is None or start >= end:
        return document
    window = Window(start, end, timebase.to_utc(start, tz), timebase.to_utc(end, tz))
    years = (
        min(window.since_utc.year, first.year if first else window.since_utc.year) - 1,
        max(window.until_utc.year, last.year if last else window.until_utc.year) + 1,
    )
    views = Views(messages, accounts, settings, period, years)
    starts = timebase.periods(start, end, period)
    rows = {s: dict.fromkeys(keys("period")) for s in starts}
    try:
        _listening(views, window, rows)
        _conversing(views, window, rows)
        _belonging(views, window, starts, period, rows)
        if annotations is not None:
            from ..text.metrics import tone_keys

            tone_keys(views, window, annotations, rows)
        document["regular_members"] = _regular_members(views, window)
        document["network"] = network.network_block(views, window)
    finally:
        views.release()
    document["periods"] = [{"period": timebase.label(s, period), **rows[s]} for s in starts]
    return document


def _in_window(t: ir.Table, window: Window) -> ir.Table:
    return t.filter(
        (t.created_at >= ibis.literal(window.since_utc))
        & (t.created_at < ibis.literal(window.until_utc))
    )


def _by_period(t: ir.Table, **aggs: Any) -> dict[date, dict[str, Any]]:
    result = t.group_by("period_start").aggregate(**aggs).to_pyarrow().to_pylist()
    return {row.pop("period_start").date(): row for row in result}


def _rate(numerator: Any, denominator: Any) -> float | None:
    if not denominator:
        return None
    return float(numerator) / float(denominator)


def _hours(value: Any) -> float | None:
    return (
        None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
    )


def _listening(views: Views, window: Window, rows: dict[date, dict[str, Any]]) -> None:
    r = _in_window(views.responses, window)
    answered_addressed = r.addressed & r.answered
    liked = r.owner_liked.fill_null(False)
    got = _by_period(
        r,
        addressed=r.addressed.sum(),
        answered=answered_addressed.sum(),
        within=(r.addressed & r.within_24h).sum(),
        median=r.ttfr_h.quantile(0.5, where=answered_addressed),
        p90=r.ttfr_h.quantile(0.9, where=answered_addressed),
        b_median=r.ttfr_business_h.quantile(0.5, where=answered_addressed),
        b_p90=r.ttfr_business_h.quantile(0.9, where=answered_addressed),
        questions=r.is_question.sum(),
        q_answered=(r.is_question & r.answered).sum(),
        acknowledged=(r.addressed & (r.answered | liked)).sum(),
        like_signal=(r.addressed & r.owner_liked.notnull()).sum(),
    )
    for start, row in rows.items():
        g = got.get(start, {})
        addressed = g.get("addressed") or 0
        questions = g.get("questions") or 0
        row["addressed"] = int(addressed)
        row["response_rate"] = _rate(g.get("answered"), addressed)
        row["response_within_24h_rate"] = _rate(g.get("within"), addressed)
        row["ttfr_median_h"] = _hours(g.get("median"))
        row["ttfr_p90_h"] = _hours(g.get("p90"))
        row["ttfr_business_median_h"] = _hours(g.get("b_median"))
        row["ttfr_business_p90_h"] = _hours(g.get("b_p90"))
        row["questions"] = int(questions)
        row["question_response_rate"] = _rate(g.get("q_answered"), questions)
        row["acknowledged_rate"] = (
            _rate(g.get("acknowledged"), addressed) if g.get("like_signal") else None
        )


def _conversing(views: Views, window: Window, rows: dict[date, dict[str, Any]]) -> None:
    b = _in_window(views.base, window)
    member = b.role == "member"
    volumes = _by_period(
        b,
        account_posts=((b.role == "account") & (b.kind == "post")).sum(),
        member_posts=(member & (b.kind == "post")).sum(),
        member_messages=member.sum(),
        with_parent=(member & b.parent_id.notnull()).sum(),
    )
    e = _in_window(views.exchanges, window)
    exchanges = _by_period(
        e,
        m2m=(e.direction == "member_to_member").sum(),
        m2a=(e.direction == "member_to_account").sum(),
        a2m=(e.direction == "account_to_member").sum(),
    )
    c = _in_window(views.comment_threads, window)
    threads = _by_period(
        c,
        comment_threads=c.count(),
        dialogues=c.dialogue.sum(),
        descendants=c.descendants.mean(),
    )
    for start, row in rows.items():
        v, x, t = volumes.get(start, {}), exchanges.get(start, {}), threads.get(start, {})
        account_posts = int(v.get("account_posts") or 0)
        member_posts = int(v.get("member_posts") or 0)
        row["account_posts"] = account_posts
        row["member_posts"] = member_posts
        row["community_started_share"] = _rate(member_posts, member_posts + account_posts)
        row["member_messages"] = int(v.get("member_messages") or 0)
        row["conversation_rate"] = _rate(v.get("with_parent") or 0, account_posts)
        m2m, m2a, a2m = (int(x.get(k) or 0) for k in ("m2m", "m2a", "a2m"))
        row["member_to_member"], row["member_to_account"], row["account_to_member"] = m2m, m2a, a2m
        row["horizontality"] = _rate(m2m, m2m + m2a + a2m)
        n_threads = int(t.get("comment_threads") or 0)
        row["comment_threads"] = n_threads
        row["dialogue_rate"] = _rate(t.get("dialogues") or 0, n_threads)
        row["replies_per_comment"] = float(t["descendants"]) if n_threads else None


def _belonging(
    views: Views,
    window: Window,
    starts: list[date],
    period: PeriodKind,
    rows: dict[date, dict[str, Any]],
) -> None:
    """Active members are those with a message of the period inside the window; whether they
    are new, returning or retained looks at their whole history (METRICS.md), so a window
    starting inside a period counts only its own messages there but still knows who came before.
    """
    a = views.activity(window)
    member = ["platform", "author_id"]
    first = a.group_by(member).aggregate(first_start=a.period_start.min())
    a = a.join(first, member)
    in_window = a.in_window > 0
    active = _by_period(
        a,
        active_all=a.count(),
        active=in_window.sum(),
        new=(in_window & (a.period_start == a.first_start)).sum(),
    )
    # Retention: members active in a period (whole history) found again, in the window, in
    # the next one.
    now = a.filter(in_window).select("platform", "author_id", "period_start")
    shifted = a.select(
        "platform",
        "author_id",
        period_start=(
            a.period_start + ibis.interval(months=1)
            if period == "month"
            else a.period_start + ibis.interval(days=7)
        ),
    )
    kept = now.join(shifted, [*member, "period_start"])
    stayed = _by_period(kept, stayed=kept.count())
    previous = {s: timebase.previous_start(s, period) for s in starts}
    for start, row in rows.items():
        g = active.get(start, {})
        count = int(g.get("active") or 0)
        new = int(g.get("new") or 0)
        row["active_members"] = count
        row["new_members"] = new
        row["returning_members"] = count - new
        before = int(active.get(previous[start], {}).get("active_all") or 0)
        row["retention"] = _rate(stayed.get(start, {}).get("stayed") or 0, before)


def _regular_members(views: Views, window: Window) -> int:
    b = _in_window(views.base, window)
    b = b.filter(b.role == "member")
    months = b.group_by(["platform", "author_id"]).aggregate(months=b.month_start.nunique())
    return int(months.filter(months.months >= 3).count().to_pyarrow().as_py())
