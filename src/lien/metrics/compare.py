"""Compare two windows: every rate for A and B, B − A and, where it means something, a
bootstrap interval.

Threads are the unit of resampling (a conversation's messages are not independent), so each
rate that is a sum over threads is written as a sum over threads of a numerator and a
denominator; a resample draws whole threads with replacement and recomputes
sum(numerators) / sum(denominators). These are the listening and conversing rates and the
tone shares (`positive_share`, `negative_share`, `gratitude_share`: member messages with text
carrying an annotation of lien.text, brought up to date first when the workspace is writable).

No interval is given, and nothing is flagged, when:

- `too_few_threads`: fewer than MIN_THREADS (20) threads contribute to the rate's denominator
  in A or in B. A bootstrap over a handful of threads says nothing: with one thread every
  resample is that thread and the interval has zero width; with 5 threads intervals that
  claim 95 % covered the true difference in 80-90 % of simulated cases, with 10 in 89-91 %,
  with 20 in 92-93 % (and little more beyond). 20 is where the interval is nearly honest.
- `not_a_sum_over_threads`: `retention` and the network ratios (`reciprocity`,
  `account_tie_share`, `member_component_share`) are not sums over threads, so resampling
  threads has nothing to say about them. They are reported for A and B with B − A only.
- `undefined`: the rate has no value in A or in B (no denominator, or no like signal for
  `acknowledged_rate`).

Window values of the keys that are not sums over threads:

- the network keys exactly as `network.network_block` computes them over the window;
- `retention` pooled over the consecutive months of the window: for every month of the window
  but the first, the members active in it (inside the window) who were also active in the
  month before, summed, over the members active in the month before, summed. Each month's
  numerator and denominator are those of `lien metrics --since --until` for that month
  (history-based, METRICS.md: a window starting mid-month still counts the whole of its first
  month's members). A window within one month has no pair of months: `null`.

Counts are shown, never tested.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import network, timebase
from .compute import _day, annotations_table, workspace_tables
from .registry import BY_KEY
from .timebase import PeriodKind, Window
from .views import Settings, Views

if TYPE_CHECKING:
    from ..workspace import Workspace

RESAMPLES = 1000
SEED = 20200317
# Fewest threads contributing to a rate's denominator, in each window, for an interval. With
# a handful of threads the resamples are a handful of distinct values (one thread: always the
# same, an interval of zero width). In simulations of the coverage test's model (and of rare
# and near-certain rates over skewed thread sizes, 1,000 seeds each), 95 % intervals covered
# the true difference in 80-90 % of cases with 5 threads per window, 89-91 % with 10, 92-93 %
# with 20 and 92-95 % with 30: from 20 on, more threads barely help, below it coverage falls.
MIN_THREADS = 20
PERIOD: PeriodKind = "month"  # retention pairs months, as `lien metrics` by default
# key → (numerator column, denominator column) of the per-thread contributions.
RATES: dict[str, tuple[str, str]] = {
    "response_rate": ("answered", "addressed"),
    "response_within_24h_rate": ("within", "addressed"),
    "question_response_rate": ("q_answered", "questions"),
    "acknowledged_rate": ("acknowledged", "addressed"),
    "community_started_share": ("member_posts", "posts"),
    "conversation_rate": ("with_parent", "account_posts"),
    "horizontality": ("m2m", "exchanges"),
    "dialogue_rate": ("dialogues", "comment_threads"),
    "replies_per_comment": ("descendants", "comment_threads"),
    "positive_share": ("positive", "texts"),
    "negative_share": ("negative", "texts"),
    "gratitude_share": ("grateful", "texts"),
}
# Keys that are not sums over threads: reported for A and B with B − A, never an interval.
WINDOW_KEYS = ("retention", "reciprocity", "account_tie_share", "member_component_share")
NETWORK_KEYS = WINDOW_KEYS[1:]
COUNTS = (
    "addressed",
    "questions",
    "account_posts",
    "member_posts",
    "member_messages",
    "comment_threads",
    "texts",
)
# Why an interval is missing (the `reason` of a rate in the JSON document).
UNDEFINED = "undefined"
TOO_FEW_THREADS = "too_few_threads"
NOT_THREAD_SUM = "not_a_sum_over_threads"


@dataclass(frozen=True)
class Difference:
    key: str
    a: float | None
    b: float | None
    difference: float | None
    low: float | None
    high: float | None
    reason: str | None = None  # why there is no interval
    threads: tuple[int, int] | None = None  # threads contributing to the denominator

    @property
    def flagged(self) -> bool:
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def parse_window(text: str) -> tuple[date, date]:
    """'2019-03-15:2019-05-15' → the two days ([since, until))."""
    since, sep, until = text.partition(":")
    if not sep:
        raise ValueError(f"{text!r}: write a window as SINCE:UNTIL, e.g. 2020-03-15:2020-05-15")
    return date.fromisoformat(since), date.fromisoformat(until)


def _thread_key(t: ir.Table) -> ir.StringValue:
    return t.platform + "\x1f" + t.root_id.fill_null(t.id)


def _inside(t: ir.Table, window: Window) -> ir.Table:
    return t.filter(
        (t.created_at >= ibis.literal(window.since_utc))
        & (t.created_at < ibis.literal(window.until_utc))
    )


def contributions(views: Views, window: Window, annotations: ir.Table | None = None) -> pa.Table:
    """One row per thread with the numerators and denominators of every comparable rate
    (without `annotations`, the tone columns are 0 and the tone shares null)."""
    r = _inside(views.responses, window)
    liked = r.owner_liked.fill_null(False)
    listening = r.group_by(thread=_thread_key(r)).aggregate(
        addressed=r.addressed.sum(),
        answered=(r.addressed & r.answered).sum(),
        within=(r.addressed & r.within_24h).sum(),
        questions=r.is_question.sum(),
        q_answered=(r.is_question & r.answered).sum(),
        acknowledged=(r.addressed & (r.answered | liked)).sum(),
        like_signal=(r.addressed & r.owner_liked.notnull()).sum(),
    )
    b = _inside(views.base, window)
    member = b.role == "member"
    volumes = b.group_by(thread=_thread_key(b)).aggregate(
        account_posts=((b.role == "account") & (b.kind == "post")).sum(),
        member_posts=(member & (b.kind == "post")).sum(),
        member_messages=member.sum(),
        with_parent=(member & b.parent_id.notnull()).sum(),
    )
    e = _inside(views.exchanges, window)
    exchanges = e.group_by(thread=_thread_key(e)).aggregate(
        m2m=(e.direction == "member_to_member").sum(),
        exchanges=(e.direction != "other").sum(),
    )
    c = _inside(views.comment_threads, window)
    roots = views.base.select(platform="platform", comment_id="id", root_id="root_id")
    c = c.join(roots, ["platform", "comment_id"])
    threads = c.group_by(thread=c.platform + "\x1f" + c.root_id.fill_null(c.comment_id)).aggregate(
        comment_threads=c.count(),
        dialogues=c.dialogue.cast("int64").sum(),
        descendants=c.descendants.sum(),
    )
    groups = [listening, volumes, exchanges, threads]
    if annotations is not None:
        # As lien.text.metrics: member messages carrying a tone annotation (those with text).
        m = b.filter(member).select("platform", "id", thread=_thread_key(b))
        a = annotations.filter(annotations.tone_label.notnull()).select(
            "platform", "id", "tone_label", "gratitude"
        )
        j = m.join(a, ["platform", "id"])
        groups.append(
            j.group_by("thread").aggregate(
                texts=j.count(),
                positive=(j.tone_label == "positive").cast("int64").sum(),
                negative=(j.tone_label == "negative").cast("int64").sum(),
                grateful=j.gratitude.fill_null(False).cast("int64").sum(),
            )
        )
    parts = [p.to_pyarrow() for p in groups]
    keys = pc.unique(pa.chunked_array([k for p in parts for k in p["thread"].chunks]))
    columns: dict[str, Any] = {"thread": keys}
    for part in parts:
        index = pc.index_in(part["thread"], value_set=keys).to_numpy(zero_copy_only=False)
        for name in part.column_names:
            if name == "thread":
                continue
            values = np.zeros(len(keys))
            values[index] = part[name].fill_null(0).to_numpy(zero_copy_only=False)
            columns[name] = values
    for name in ("texts", "positive", "negative", "grateful"):
        columns.setdefault(name, np.zeros(len(keys)))
    # Threads in key order: the engine returns groups in any order, and the same seed must
    # draw the same resamples on every run.
    table = pa.table(columns).sort_by("thread")
    posts = pc.add(table["member_posts"], table["account_posts"])
    return table.append_column("posts", posts)


def retention_parts(views: Views, window: Window) -> tuple[int, int]:
    """(members active in a month of the window and in the month before, summed; members
    active in the month before, summed) over every month of the window but the first, each
    month counted as `lien metrics` counts its retention (compute._belonging)."""
    starts = timebase.periods(window.since, window.until, PERIOD)
    if len(starts) < 2:
        return 0, 0
    a = views.activity(window)
    member = ["platform", "author_id"]
    active = a.group_by("period_start").aggregate(n=a.count())
    now = a.filter(a.in_window > 0).select("platform", "author_id", "period_start")
    shifted = a.select(
        "platform", "author_id", period_start=a.period_start + ibis.interval(months=1)
    )
    kept = now.join(shifted, [*member, "period_start"])
    stayed = kept.group_by("period_start").aggregate(n=kept.count())

    def by_month(t: ir.Table) -> dict[date, int]:
        return {row["period_start"].date(): int(row["n"]) for row in t.to_pyarrow().to_pylist()}

    active_n, stayed_n = by_month(active), by_month(stayed)
    kept_sum = sum(stayed_n.get(s, 0) for s in starts[1:])
    before_sum = sum(active_n.get(s, 0) for s in starts[:-1])
    return kept_sum, before_sum


def window_values(views: Views, window: Window) -> dict[str, float | None]:
    """The keys that are not sums over threads, for one window."""
    kept, before = retention_parts(views, window)
    block = network.network_block(views, window)
    values: dict[str, float | None] = {"retention": kept / before if before else None}
    values.update({key: block[key] for key in NETWORK_KEYS})
    return values


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def bootstrap_difference(
    a: np.ndarray,
    b: np.ndarray,
    resamples: int = RESAMPLES,
    seed: int = SEED,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile intervals of ratio(B) − ratio(A) for every rate at once.

    `a` and `b` are (threads × 2k) arrays: numerator and denominator of k rates, interleaved.
    Whole threads are resampled with replacement, in batches of multinomial counts.
    """
    rng = np.random.default_rng(seed)
    k = a.shape[1] // 2
    draws = np.empty((resamples, k))
    batch = 100
    for start in range(0, resamples, batch):
        size = min(batch, resamples - start)
        sums = []
        for sample in (a, b):
            n = sample.shape[0]
            if n == 0:
                sums.append(np.zeros((size, 2 * k)))
                continue
            counts = rng.multinomial(n, np.full(n, 1 / n), size=size).astype(float)
            sums.append(counts @ sample)
        ra = _ratio(sums[0][:, 0::2], sums[0][:, 1::2])
        rb = _ratio(sums[1][:, 0::2], sums[1][:, 1::2])
        draws[start : start + size] = rb - ra
    tail = (1 - level) / 2 * 100
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a rate undefined in every resample
        low = np.nanpercentile(draws, tail, axis=0)
        high = np.nanpercentile(draws, 100 - tail, axis=0)
    return low, high


def _windows(
    a: tuple[date | str, date | str], b: tuple[date | str, date | str], tz: str
) -> list[Window]:
    windows = []
    for since, until in (a, b):
        start, end = _day(since), _day(until)
        assert start is not None and end is not None
        if start >= end:
            raise ValueError(f"{start}:{end}: the window ends before it starts")
        windows.append(Window(start, end, timebase.to_utc(start, tz), timebase.to_utc(end, tz)))
    return windows


def _years(messages: ir.Table, windows: list[Window]) -> tuple[int, int]:
    """Years of the time-zone offsets the views need (as compute does: the data and the
    windows, one year either side); fewer offsets make every view cheaper."""
    bounds = messages.aggregate(first=messages.created_at.min(), last=messages.created_at.max())
    first, last = bounds.to_pyarrow().to_pylist()[0].values()
    low = min([w.since_utc.year for w in windows] + ([first.year] if first else []))
    high = max([w.until_utc.year for w in windows] + ([last.year] if last else []))
    return low - 1, high + 1


def thread_differences(
    tables: list[pa.Table], resamples: int, seed: int, min_threads: int = MIN_THREADS
) -> list[Difference]:
    """Every rate of RATES for A and B (the two contribution tables), with its interval when
    both windows have at least `min_threads` threads contributing to its denominator."""
    columns = [c for key in RATES for c in RATES[key]]
    arrays = [np.column_stack([t[c].to_numpy() for c in columns]) for t in tables]
    low, high = bootstrap_difference(arrays[0], arrays[1], resamples, seed)
    totals = [arr.sum(axis=0) for arr in arrays]
    contributing = [(arr[:, 1::2] > 0).sum(axis=0) for arr in arrays]
    like_signal = [float(pc.sum(t["like_signal"]).as_py() or 0) for t in tables]
    rates = []
    for i, key in enumerate(RATES):
        values = []
        for side, total in enumerate(totals):
            num, den = total[2 * i], total[2 * i + 1]
            missing = den == 0 or (key == "acknowledged_rate" and not like_signal[side])
            values.append(None if missing else float(num / den))
        va, vb = values
        diff = None if va is None or vb is None else vb - va
        threads = (int(contributing[0][i]), int(contributing[1][i]))
        lo = hi = None
        if diff is None or np.isnan(low[i]) or np.isnan(high[i]):
            reason: str | None = UNDEFINED
        elif min(threads) < min_threads:
            reason = TOO_FEW_THREADS
        else:
            reason, lo, hi = None, float(low[i]), float(high[i])
        rates.append(Difference(key, va, vb, diff, lo, hi, reason, threads))
    return rates


def compare(
    ws: Workspace,
    a: tuple[date | str, date | str],
    b: tuple[date | str, date | str],
    platforms: list[str] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    """The `lien.compare/1` document. Annotations are brought up to date first when the
    workspace is writable; on a read-only one `not_annotated` counts what the tone shares
    leave out."""
    from ..text.annotate import bring_up_to_date

    not_annotated = bring_up_to_date(ws)
    settings = Settings.of(ws)
    messages, accounts = workspace_tables(ws)
    if platforms:
        messages = messages.filter(messages.platform.isin(platforms))
        accounts = accounts.filter(accounts.platform.isin(platforms))
    tz = settings.timezone
    windows = _windows(a, b, tz)
    views = Views(messages, accounts, settings, PERIOD, _years(messages, windows))
    annotations = annotations_table(ws)
    try:
        tables = [contributions(views, w, annotations) for w in windows]
        others = [window_values(views, w) for w in windows]
    finally:
        views.release()
    rates = thread_differences(tables, resamples, seed)
    for key in WINDOW_KEYS:
        va, vb = others[0][key], others[1][key]
        diff = None if va is None or vb is None else vb - va
        rates.append(Difference(key, va, vb, diff, None, None, NOT_THREAD_SUM))
    counts = {
        name: [int(t[name].to_numpy().sum()) if name in t.column_names else 0 for t in tables]
        for name in COUNTS
    }
    return {
        "schema": "lien.compare/1",
        "timezone": tz,
        "a": {"since": windows[0].since.isoformat(), "until": windows[0].until.isoformat()},
        "b": {"since": windows[1].since.isoformat(), "until": windows[1].until.isoformat()},
        "resamples": resamples,
        "seed": seed,
        "min_threads": MIN_THREADS,
        "threads": [t.num_rows for t in tables],
        "rates": [
            {
                "key": d.key,
                "title_en": BY_KEY[d.key].title_en,
                "title_fr": BY_KEY[d.key].title_fr,
                "a": d.a,
                "b": d.b,
                "difference": d.difference,
                "ci95": None if d.low is None else [d.low, d.high],
                "flagged": d.flagged,
                "reason": d.reason,
                "threads": None if d.threads is None else dict(zip("ab", d.threads, strict=True)),
            }
            for d in rates
        ],
        "counts": {name: {"a": v[0], "b": v[1]} for name, v in counts.items()},
        "not_annotated": not_annotated,
    }
