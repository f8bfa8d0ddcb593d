"""The people who made the community in one period: whom they talked with, what they answered,
which threads they started. Not a score: three counts, sorted one after the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import ibis
import pyarrow as pa

from .metrics import timebase
from .metrics.compute import workspace_tables
from .metrics.timebase import PeriodKind
from .metrics.views import Settings, Views
from .privacy import pseudonymizer

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass(frozen=True)
class Column:
    key: str
    title_en: str
    title_fr: str

    def title(self, lang: str) -> str:
        return self.title_fr if lang == "fr" else self.title_en


COLUMNS = (
    Column("member", "Member", "Membre"),
    Column("platform", "Platform", "Plateforme"),
    Column("partners", "Conversation partners", "Interlocuteurs"),
    Column("answers", "Questions of others answered", "Questions d'autres membres répondues"),
    Column("threads", "Threads started that drew replies", "Fils lancés qui ont eu des réponses"),
    Column("messages", "Messages", "Messages"),
)


def default_period(today: date, kind: PeriodKind) -> date:
    """The last complete period before today."""
    return timebase.previous_start(timebase.first_day(today, kind), kind)


def people_digest(
    ws: Workspace,
    period: PeriodKind = "month",
    at: date | str | None = None,
    names: bool = False,
    limit: int | None = 50,
) -> tuple[str, pa.Table]:
    """(period label, one row per member who took part in a conversation in that period).

    partners: distinct members they exchanged with (either direction) in the period;
    answers: questions of other members they answered in the period (they wrote in the
    question's responder pool, as the response metrics define it);
    threads: their top-level messages of the period that drew a reply from another member.
    """
    day = (
        date.fromisoformat(at)
        if isinstance(at, str)
        else at or default_period(date.today(), period)
    )
    start = timebase.first_day(day, period)
    end = timebase.next_start(start, period)
    settings = Settings.of(ws)
    since, until = (
        timebase.to_utc(start, settings.timezone),
        timebase.to_utc(end, settings.timezone),
    )
    messages, accounts = workspace_tables(ws)
    views = Views(messages, accounts, settings, period)
    member = ["platform", "author_id"]

    e = views.exchanges
    e = e.filter(
        (e.direction == "member_to_member")
        & (e.created_at >= ibis.literal(since))
        & (e.created_at < ibis.literal(until))
    )
    pairs = e.select("platform", "author_id", partner=e.p_author_id).union(
        e.select("platform", author_id=e.p_author_id, partner=e.author_id)
    )
    partners = pairs.group_by(member).aggregate(partners=pairs.partner.nunique())

    b = views.base
    questions = b.filter(b.is_question).select(
        "platform",
        q_id=b.id,
        q_parent=b.parent_id,
        q_author=b.author_id,
        q_at=b.created_at,
        q_sibling=b.flat & (b.kind == "reply"),
    )
    replies = b.filter(
        (b.role == "member")
        & (b.created_at >= ibis.literal(since))
        & (b.created_at < ibis.literal(until))
    )
    # A member answers a question when they write in its responder pool, the rule of the
    # response metrics: a later reply to it, or on a flat platform, when the question is
    # itself a reply, a later reply to the same comment.
    answered = [
        replies.join(questions, [replies.platform == questions.platform, on])
        .filter(lambda t: (t.q_author != t.author_id) & (t.created_at > t.q_at))
        .select(*member, "q_id")
        for on in (
            replies.parent_id == questions.q_id,
            (replies.parent_id == questions.q_parent) & questions.q_sibling,
        )
    ]
    pooled = answered[0].union(answered[1])
    answers = pooled.group_by(member).aggregate(answers=pooled.q_id.nunique())

    posts = b.filter(
        (b.role == "member")
        & (b.kind == "post")
        & (b.created_at >= ibis.literal(since))
        & (b.created_at < ibis.literal(until))
    ).select("platform", "author_id", post_id=b.id)
    repliers = b.filter(b.role == "member").select(
        r_platform=b.platform, r_parent=b.parent_id, r_author=b.author_id
    )
    drew = posts.join(
        repliers,
        [posts.platform == repliers.r_platform, posts.post_id == repliers.r_parent],
    ).filter(lambda t: t.r_author != t.author_id)
    threads = drew.group_by(member).aggregate(threads=drew.post_id.nunique())

    written = replies.group_by(member).aggregate(messages=replies.count())
    table = written
    for part in (partners, answers, threads):
        table = table.left_join(part, member).drop("platform_right", "author_id_right")
    table = table.mutate(
        partners=table.partners.fill_null(0),
        answers=table.answers.fill_null(0),
        threads=table.threads.fill_null(0),
    )
    table = table.filter((table.partners > 0) | (table.answers > 0) | (table.threads > 0))
    table = table.order_by(
        [
            table.partners.desc(),
            table.answers.desc(),
            table.threads.desc(),
            table.messages.desc(),
            table.platform,
            table.author_id,
        ]
    )
    if limit:
        table = table.limit(limit)
    rows = table.to_pyarrow().to_pylist()
    handles = (
        dict(
            ((p, a), h)
            for p, a, h in ws.con.execute(
                "SELECT platform, author_id, any_value(author_handle) FROM messages "
                "WHERE author_id IS NOT NULL GROUP BY ALL"
            ).fetchall()
        )
        if names
        else {}
    )
    alias = None if names else pseudonymizer(ws)
    out = []
    for row in rows:
        key = (row["platform"], row["author_id"])
        if alias is None:
            shown = handles.get(key) or row["author_id"]
        else:
            shown = alias(*key)
        out.append(
            {
                "member": shown,
                "platform": row["platform"],
                "partners": int(row["partners"]),
                "answers": int(row["answers"]),
                "threads": int(row["threads"]),
                "messages": int(row["messages"]),
            }
        )
    types = {"member": pa.string(), "platform": pa.string()}
    schema = pa.schema([(c.key, types.get(c.key, pa.int64())) for c in COLUMNS])
    return timebase.label(start, period), pa.Table.from_pylist(out, schema=schema)
