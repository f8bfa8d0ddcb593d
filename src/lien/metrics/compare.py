"""Compare two windows: every thread-based rate for A and B, B − A, and a bootstrap interval.

Threads are the unit of resampling (a conversation's messages are not independent), so each
rate is written as a sum over threads of a numerator and a denominator; a resample draws
whole threads with replacement and recomputes sum(numerators) / sum(denominators). Rates that
are not sums over threads (retention, the network keys) are reported without an interval.
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

from . import timebase
from .compute import _day, workspace_tables
from .registry import BY_KEY
from .timebase import Window
from .views import Settings, Views

if TYPE_CHECKING:
    from ..workspace import Workspace

RESAMPLES = 1000
SEED = 20200317
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
}
COUNTS = (
    "addressed",
    "questions",
    "account_posts",
    "member_posts",
    "member_messages",
    "comment_threads",
)


@dataclass(frozen=True)
class Difference:
    key: str
    a: float | None
    b: float | None
    difference: float | None
    low: float | None
    high: float | None

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


def contributions(views: Views, window: Window) -> pa.Table:
    """One row per thread with the numerators and denominators of every comparable rate."""

    def inside(t: ir.Table) -> ir.Table:
        return t.filter(
            (t.created_at >= ibis.literal(window.since_utc))
            & (t.created_at < ibis.literal(window.until_utc))
        )

    r = inside(views.responses)
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
    b = inside(views.base)
    member = b.role == "member"
    volumes = b.group_by(thread=_thread_key(b)).aggregate(
        account_posts=((b.role == "account") & (b.kind == "post")).sum(),
        member_posts=(member & (b.kind == "post")).sum(),
        member_messages=member.sum(),
        with_parent=(member & b.parent_id.notnull()).sum(),
    )
    e = inside(views.exchanges)
    exchanges = e.group_by(thread=_thread_key(e)).aggregate(
        m2m=(e.direction == "member_to_member").sum(),
        exchanges=(e.direction != "other").sum(),
    )
    c = inside(views.comment_threads)
    roots = views.base.select(platform="platform", comment_id="id", root_id="root_id")
    c = c.join(roots, ["platform", "comment_id"])
    threads = c.group_by(thread=c.platform + "\x1f" + c.root_id.fill_null(c.comment_id)).aggregate(
        comment_threads=c.count(),
        dialogues=c.dialogue.cast("int64").sum(),
        descendants=c.descendants.sum(),
    )
    parts = [p.to_pyarrow() for p in (listening, volumes, exchanges, threads)]
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
    table = pa.table(columns)
    posts = pc.add(table["member_posts"], table["account_posts"])
    return table.append_column("posts", posts)


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


def compare(
    ws: Workspace,
    a: tuple[date | str, date | str],
    b: tuple[date | str, date | str],
    platforms: list[str] | None = None,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> dict[str, Any]:
    settings = Settings.of(ws)
    messages, accounts = workspace_tables(ws)
    if platforms:
        messages = messages.filter(messages.platform.isin(platforms))
        accounts = accounts.filter(accounts.platform.isin(platforms))
    views = Views(messages, accounts, settings, "month")
    tz = settings.timezone
    windows = []
    for since, until in (a, b):
        start, end = _day(since), _day(until)
        assert start is not None and end is not None
        if start >= end:
            raise ValueError(f"{start}:{end}: the window ends before it starts")
        windows.append(Window(start, end, timebase.to_utc(start, tz), timebase.to_utc(end, tz)))
    try:
        tables = [contributions(views, w) for w in windows]
    finally:
        views.release()
    columns = [c for key in RATES for c in RATES[key]]
    arrays = [np.column_stack([t[c].to_numpy() for c in columns]) for t in tables]
    low, high = bootstrap_difference(arrays[0], arrays[1], resamples, seed)
    totals = [arr.sum(axis=0) for arr in arrays]
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
        lo = None if diff is None or np.isnan(low[i]) else float(low[i])
        hi = None if diff is None or np.isnan(high[i]) else float(high[i])
        rates.append(Difference(key, va, vb, diff, lo, hi))
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
            }
            for d in rates
        ],
        "counts": {name: {"a": v[0], "b": v[1]} for name, v in counts.items()},
    }
