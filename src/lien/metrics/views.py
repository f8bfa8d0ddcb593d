"""The views every metric reads: messages with roles and kinds, responses, exchanges, comment
threads and activity, as Ibis expressions over a `messages` and an `accounts` table.

They take plain Ibis tables, so the same code runs on the workspace's DuckDB file and on Spark
over lien's Parquet export. Rules that keep the engines identical: durations through
`delta(unit="microsecond")`, quantiles on numbers, window functions rather than self-joins
where both work, no UDFs, local time from `timebase` rather than the engine's zone support.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from ..schema import PLATFORMS
from . import timebase
from .timebase import PeriodKind, Window

if TYPE_CHECKING:
    from ..workspace import Workspace

HOUR_US = 3_600_000_000
FLAT_PLATFORMS = tuple(name for name, p in PLATFORMS.items() if p.flat)
# Leading mentions, spaces and punctuation, then the first word (letters and digits, with
# inner hyphens so that "est-ce" and "peut-on" stay whole).
FIRST_WORD = r"^(?:@\S+|[^\p{L}\p{N}@])*([\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*)"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# A Monday far before any data: business time is counted from there.
BUSINESS_EPOCH = "2000-01-03 00:00:00"


def builtin_question_words() -> tuple[str, ...]:
    data = json.loads(resources.files("lien.data").joinpath("question_words.json").read_text())
    return tuple(data["fr"]) + tuple(data["en"])


@dataclass(frozen=True)
class Settings:
    """The workspace settings that change the numbers."""

    timezone: str = "UTC"
    bot_handles: tuple[str, ...] = ()
    question_words: tuple[str, ...] = field(default_factory=builtin_question_words)
    business_hours: tuple[int, int] | None = None  # seconds into the day: open, close
    business_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0

    @classmethod
    def of(cls, ws: Workspace) -> Settings:
        def words(key: str) -> tuple[str, ...]:
            raw = ws.setting(key) or ""
            return tuple(w.strip().lower() for w in raw.split(",") if w.strip())

        hours = ws.setting("business_hours")
        business: tuple[int, int] | None = None
        if hours:
            start, _, end = hours.partition("-")
            business = (_seconds(start), _seconds(end))
        days = ws.setting("business_days") or "mon,tue,wed,thu,fri"
        return cls(
            timezone=ws.timezone,
            bot_handles=words("bot_handles"),
            question_words=builtin_question_words() + words("question_words"),
            business_hours=business,
            business_days=tuple(DAYS.index(d) for d in days.split(",") if d in DAYS),
        )


def _seconds(hhmm: str) -> int:
    hours, _, minutes = hhmm.strip().partition(":")
    return int(hours) * 3600 + int(minutes or 0) * 60


def hours_between(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    return later.delta(earlier, unit="microsecond").cast("float64") / HOUR_US


class Views:
    """One build of the views over `messages` and `accounts` for a period kind."""

    def __init__(
        self,
        messages: ir.Table,
        accounts: ir.Table,
        settings: Settings,
        period: PeriodKind = "month",
        years: tuple[int, int] = (1990, 2040),
        materialise: bool = True,
    ) -> None:
        self.messages = messages
        self.accounts = accounts.select("platform", "author_id").distinct()
        self.settings = settings
        self.period = period
        self.years = years
        self.materialise = materialise
        self._cached: list[ir.Table] = []

    def release(self) -> None:
        """Drop the intermediate tables the views materialised in the engine."""
        while self._cached:
            self._cached.pop().release()

    def local(self, utc: ir.TimestampValue) -> ir.TimestampValue:
        return timebase.local_time(utc, self.settings.timezone, *self.years)

    @cached_property
    def base(self) -> ir.Table:
        """Messages with role, kind, local period, question flag and their parent's facts."""
        m = self.messages
        owned = self.accounts.mutate(_owned=ibis.literal(True))
        m = m.left_join(owned, ["platform", "author_id"]).drop("platform_right", "author_id_right")
        bots = list(self.settings.bot_handles)
        is_bot = m.author_is_bot.fill_null(False)
        if bots:
            is_bot = is_bot | m.author_id.lower().isin(bots) | m.author_handle.lower().isin(bots)
        role = ibis.cases(
            (m.author_id.isnull(), "unknown"),
            (m._owned.fill_null(False), "account"),
            (is_bot, "bot"),
            else_="member",
        )
        m = m.mutate(role=role).drop("_owned")
        parents = m.select(
            platform=m.platform,
            parent_id=m.id,
            p_parent_id=m.parent_id,
            p_author_id=m.author_id,
            p_role=m.role,
            p_present=ibis.literal(True),
        )
        m = m.left_join(parents, ["platform", "parent_id"]).drop(
            "platform_right", "parent_id_right"
        )
        kind = ibis.cases(
            (m.parent_id.isnull(), "post"),
            (m.p_present.isnull(), "orphan"),
            (m.p_parent_id.isnull(), "comment"),
            else_="reply",
        )
        first_word = m.text.lower().re_extract(FIRST_WORD, 1)
        question = m.text.contains("?").fill_null(False) | first_word.isin(
            list(self.settings.question_words)
        ).fill_null(False)
        local = self.local(m.created_at)
        base = m.mutate(
            kind=kind,
            flat=m.platform.isin(list(FLAT_PLATFORMS)),
            local=local,
            period_start=timebase.period_start(local, self.period),
            month_start=timebase.period_start(local, "month"),
            is_question=(m.role == "member") & (kind != "orphan") & question,
        ).drop("p_present", "p_parent_id", "text", "author_handle", "author_is_bot")
        # Every metric reads this table several times: computing its joins once, without
        # the texts, is what keeps tens of millions of messages within a minute or two.
        if self.materialise:
            base = base.cache()
            self._cached.append(base)
        return base

    @cached_property
    def responses(self) -> ir.Table:
        """Member messages (not orphans) with their first owned-account response.

        The responder pool of m: replies to m, plus, on flat platforms when m is a reply,
        later messages with m's parent; only those written after m count.
        """
        b = self.base
        members = b.filter((b.role == "member") & (b.kind != "orphan"))
        answers = b.filter((b.role == "account") & b.parent_id.notnull()).select(
            "platform", a_parent=b.parent_id, a_at=b.created_at
        )
        keys = members.select("platform", "id", "parent_id", "created_at", "flat", "kind")
        direct = keys.join(
            answers,
            [keys.platform == answers.platform, keys.id == answers.a_parent],
        ).filter(lambda t: t.a_at > t.created_at)
        direct = direct.select(platform=direct.platform, id=direct.id, a_at=direct.a_at)
        flat_replies = keys.filter(keys.flat & (keys.kind == "reply"))
        siblings = flat_replies.join(
            answers,
            [flat_replies.platform == answers.platform, flat_replies.parent_id == answers.a_parent],
        ).filter(lambda t: t.a_at > t.created_at)
        siblings = siblings.select(platform=siblings.platform, id=siblings.id, a_at=siblings.a_at)
        first = (
            direct.union(siblings, distinct=False)
            .group_by(["platform", "id"])
            .aggregate(first_response=lambda t: t.a_at.min())
        )
        r = members.left_join(first, ["platform", "id"]).drop("platform_right", "id_right")
        answered = r.first_response.notnull()
        ttfr = ibis.ifelse(answered, hours_between(r.first_response, r.created_at), None)
        r = r.mutate(
            addressed=r.p_role == "account",
            answered=answered,
            ttfr_h=ttfr,
            within_24h=answered & (ttfr <= 24.0),
        )
        if self.settings.business_hours is not None:
            r = r.mutate(
                ttfr_business_h=ibis.ifelse(
                    answered,
                    (
                        self._business_seconds(r.first_response)
                        - self._business_seconds(r.created_at)
                    )
                    / 3600.0,
                    None,
                )
            )
        else:
            r = r.mutate(ttfr_business_h=ibis.null("float64"))
        return r

    def _business_seconds(self, utc: ir.TimestampValue) -> ir.FloatingValue:
        """Business seconds from BUSINESS_EPOCH to `utc` (a difference of two is a duration)."""
        assert self.settings.business_hours is not None
        open_s, close_s = self.settings.business_hours
        day_s = close_s - open_s
        days = self.settings.business_days
        local = self.local(utc)
        epoch = ibis.literal(BUSINESS_EPOCH).cast("timestamp")
        micro = local.delta(epoch, unit="microsecond")
        day = (micro // 86_400_000_000).cast("int64")
        into = (micro - day * 86_400_000_000).cast("float64") / 1_000_000
        weekday = day % 7
        before_in_week = ibis.cases(
            *[(weekday == d, sum(1 for x in days if x < d)) for d in range(7)], else_=0
        )
        is_business = weekday.isin(list(days))
        today = ibis.ifelse(is_business, ibis.greatest(ibis.least(into - open_s, day_s), 0.0), 0.0)
        weeks = (day // 7).cast("int64")
        return (weeks * len(days) + before_in_week).cast("float64") * day_s + today

    @cached_property
    def exchanges(self) -> ir.Table:
        """Replies whose parent is present, both authors known and different, with roles."""
        b = self.base
        e = b.filter(
            b.p_author_id.notnull()
            & b.author_id.notnull()
            & (b.author_id != b.p_author_id)
            & (b.kind != "post")
            & (b.kind != "orphan")
        )
        direction = ibis.cases(
            ((e.role == "member") & (e.p_role == "member"), "member_to_member"),
            ((e.role == "member") & (e.p_role == "account"), "member_to_account"),
            ((e.role == "account") & (e.p_role == "member"), "account_to_member"),
            else_="other",
        )
        return e.mutate(direction=direction)

    @cached_property
    def comment_of(self) -> ir.Table:
        """(platform, id, comment_id) of every comment and of every reply below a comment.

        Pointer jumping: each round replaces a pending pointer by its target's pointer, so a
        chain of depth d resolves in about log2(d) rounds. Only the pending pointers are carried
        from round to round (a reply of a comment resolves in the first): the rounds after it
        handle the few deep replies, not the whole table again.
        """
        b = self.base
        resolved = [
            b.filter(b.kind == "comment").select("platform", "id", up=b.id, done=True),
        ]
        replies = b.filter(b.kind == "reply")
        pending = replies.select("platform", "id", up=replies.parent_id, done=False)
        for _ in range(40):
            current = ibis.union(*resolved, pending, distinct=False)
            target = current.select(
                platform=current.platform, up=current.id, t_up=current.up, t_done=current.done
            )
            # A pointer that leaves the known messages (an orphan above) is dropped.
            joined = pending.join(target, ["platform", "up"])
            jumped = joined.select("platform", "id", up=joined.t_up, done=joined.t_done).cache()
            self._cached.append(jumped)
            resolved.append(jumped.filter(jumped.done))
            pending = jumped.filter(~jumped.done)
            if not pending.count().execute():
                break
        done = ibis.union(*resolved, distinct=False)
        return done.select("platform", "id", comment_id=done.up)

    @cached_property
    def comment_threads(self) -> ir.Table:
        """One row per comment: its period, descendant count and whether it holds a dialogue."""
        b = self.base
        members = b.join(self.comment_of, ["platform", "id"]).select(
            b.platform, b.author_id, b.created_at, "comment_id"
        )
        # Messages per comment thread, author (unknown included) and second: the thread sizes,
        # and the (author, second) pairs the dialogue test needs, in one pass over the join.
        grouped = members.group_by(["platform", "comment_id", "author_id", "created_at"]).aggregate(
            n=lambda t: t.count()
        )
        if self.materialise:
            grouped = grouped.cache()
            self._cached.append(grouped)
        sizes = grouped.group_by(["platform", "comment_id"]).aggregate(
            descendants=lambda t: t.n.sum() - 1
        )
        # A back-and-forth: X writes, then another author, then X again, at strictly
        # increasing times (messages of the same second are simultaneous: no order among them
        # makes or breaks a dialogue). It exists for X when some other author wrote strictly
        # between X's first and last second. Over the distinct (author, second) pairs of the
        # thread, with `before` the pairs of earlier seconds and `upto` those up to this one:
        # the others' pairs before X's last second are max(before) - (X's seconds - 1), those
        # up to X's first second min(upto) - 1; X has a dialogue when the first exceeds the second.
        pairs = grouped.filter(grouped.author_id.notnull())
        # It takes three pairs at least, and most comment threads have one or two: the
        # windows below only see the threads that could hold one.
        counts = pairs.group_by(["platform", "comment_id"]).aggregate(k=lambda t: t.count())
        pairs = pairs.semi_join(counts.filter(counts.k >= 3), ["platform", "comment_id"])
        thread = [pairs.platform, pairs.comment_id]
        before = ibis.rank().over(group_by=thread, order_by=pairs.created_at)  # 0-based
        upto = pairs.n.count().over(
            ibis.range_window(
                group_by=thread, order_by=pairs.created_at, preceding=None, following=0
            )
        )
        ranked = pairs.mutate(before=before, upto=upto)
        per_author = ranked.group_by(["platform", "comment_id", "author_id"]).aggregate(
            dialogue=lambda t: (t.before.max() - (t.count() - 1)) > (t.upto.min() - 1)
        )
        back_and_forth = per_author.group_by(["platform", "comment_id"]).aggregate(
            dialogue=lambda t: t.dialogue.cast("int8").max()
        )
        comments = b.filter(b.kind == "comment").select(
            "platform", comment_id=b.id, period_start=b.period_start, created_at=b.created_at
        )
        out = comments.left_join(sizes, ["platform", "comment_id"]).drop(
            "platform_right", "comment_id_right"
        )
        out = out.left_join(back_and_forth, ["platform", "comment_id"]).drop(
            "platform_right", "comment_id_right"
        )
        return out.mutate(
            descendants=out.descendants.fill_null(0),
            dialogue=out.dialogue.fill_null(0) == 1,
        )

    def activity(self, window: Window | None = None) -> ir.Table:
        """Member × period over the whole history given: messages, and those inside `window`."""
        b = self.base
        members = b.filter(b.role == "member")
        if window is None:
            inside: ir.BooleanValue = ibis.literal(True)
        else:
            inside = (b.created_at >= ibis.literal(window.since_utc)) & (
                b.created_at < ibis.literal(window.until_utc)
            )
        members = members.mutate(_inside=ibis.ifelse(inside, 1, 0))
        return members.group_by(["platform", "author_id", "period_start"]).aggregate(
            messages=lambda t: t.count(), in_window=lambda t: t._inside.sum()
        )
