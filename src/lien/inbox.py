"""The inbox: member questions and messages addressed to the account, oldest first.

It reads the same `responses` view as the metrics, so "answered" means exactly what the
response rate counts: an owned account wrote in the message's responder pool afterwards.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis
import pyarrow as pa

from .metrics import timebase
from .metrics.compute import workspace_tables
from .metrics.views import Settings, Views, hours_between
from .privacy import pseudonymizer

if TYPE_CHECKING:
    from .workspace import Workspace

SNIPPET = 80


@dataclass(frozen=True)
class Column:
    key: str
    title_en: str
    title_fr: str

    def title(self, lang: str) -> str:
        return self.title_fr if lang == "fr" else self.title_en


COLUMNS = (
    Column("waiting", "Waiting", "En attente"),
    Column("age", "Age", "Âge"),
    Column("platform", "Platform", "Plateforme"),
    Column("kind", "Why", "Pourquoi"),
    Column("author", "Author", "Auteur"),
    Column("text", "Message", "Message"),
    Column("thread", "Thread", "Fil"),
    Column("answered_after_h", "Answered after (h)", "Réponse après (h)"),
    Column("url", "Link", "Lien"),
    Column("created_at", "Written (local time)", "Écrit (heure locale)"),
    Column("id", "Id", "Id"),
)


# Why a message is in the inbox, in English and French.
KINDS = {"question": ("question", "question"), "addressed": ("addressed", "adressé au compte")}
YES_NO = {"fr": ("non", "oui"), "en": ("no", "yes")}
# Shorter parts of a handle or id could match unrelated parts of a link.
MIN_IDENTIFYING = 3


def shareable_url(row: dict[str, Any]) -> str | None:
    """The message's link, unless it names its author: a pseudonymized output must not give
    the handle or id back through the link."""
    url = row.get("url")
    if not url:
        return None
    lowered = str(url).lower()
    handle = str(row.get("author_handle") or "").lower().lstrip("@")
    parts = {handle, handle.split("@")[0], str(row.get("author_id") or "").lower()}
    if any(len(p) >= MIN_IDENTIFYING and p in lowered for p in parts):
        return None
    return str(url)


def _snippet(text: Any) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def age_text(hours: float, lang: str) -> str:
    """'3 j 4 h' / '3 d 4 h': what a person reads at a glance."""
    days, rest = divmod(int(hours), 24)
    day = "j" if lang == "fr" else "d"
    if days:
        return f"{days} {day} {rest} h"
    minutes = int(round((hours - int(hours)) * 60))
    return f"{int(hours)} h {minutes:02d}" if hours >= 1 else f"{minutes} min"


def _day_utc(day: date | str, settings: Settings) -> datetime:
    return timebase.to_utc(
        day if isinstance(day, date) else date.fromisoformat(day), settings.timezone
    )


def _listed(
    ws: Workspace,
    settings: Settings,
    unanswered: bool,
    since: date | str | None,
    platforms: list[str] | None,
    until: date | str | None = None,
) -> ibis.Table:
    messages, accounts = workspace_tables(ws)
    if platforms:
        messages = messages.filter(messages.platform.isin(platforms))
    views = Views(messages, accounts, settings)
    r = views.responses
    r = r.filter(r.is_question | r.addressed)
    if unanswered:
        r = r.filter(~r.answered)
    if since is not None:
        r = r.filter(r.created_at >= ibis.literal(_day_utc(since, settings)))
    if until is not None:
        r = r.filter(r.created_at < ibis.literal(_day_utc(until, settings)))
    return r


def waiting_by_age(
    ws: Workspace,
    bounds_h: Sequence[float],
    since: date | str | None = None,
    now: datetime | None = None,
    until: date | str | None = None,
) -> list[int]:
    """How many messages of the inbox wait, by age: one count per age bucket [0, b1), [b1, b2)
    ... [b_last, ∞) in hours, counted in the engine (a big community has millions)."""
    r = _listed(ws, Settings.of(ws), True, since, None, until)
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    age = hours_between(ibis.literal(moment), r.created_at)
    bucket = ibis.literal(0)
    for bound in bounds_h:
        bucket = bucket + ibis.ifelse(age >= bound, 1, 0)
    counted = r.group_by(bucket=bucket).aggregate(n=r.count()).to_pyarrow().to_pylist()
    out = [0] * (len(bounds_h) + 1)
    for row in counted:
        out[int(row["bucket"])] = int(row["n"])
    return out


def inbox(
    ws: Workspace,
    unanswered: bool = True,
    since: date | str | None = None,
    platforms: list[str] | None = None,
    names: bool = False,
    now: datetime | None = None,
    lang: str | None = None,
    limit: int | None = None,
    until: date | str | None = None,
) -> pa.Table:
    """Questions and addressed messages (waiting ones only unless `unanswered` is False),
    written in [since, until), oldest first; the `limit` oldest only when given.

    Without `names`, authors are pseudonyms and a link that would name its author (Mastodon
    links hold the handle, Bluesky links the account's DID) is left out."""
    settings = Settings.of(ws)
    r = _listed(ws, settings, unanswered, since, platforms, until)
    full = ibis.duckdb.from_connection(ws.con).table("messages")
    roots = full.select(platform=full.platform, root_key=full.id, root_text=full.text)
    extra = full.select("platform", "id", "root_id", "url", "text", "author_handle")
    r = r.select(
        "platform",
        "id",
        "author_id",
        "created_at",
        "is_question",
        "addressed",
        "answered",
        "ttfr_h",
    )
    r = r.left_join(extra, ["platform", "id"]).drop("platform_right", "id_right")
    r = r.left_join(roots, [r.platform == roots.platform, r.root_id == roots.root_key]).drop(
        "platform_right", "root_key"
    )
    r = r.order_by([r.created_at, r.platform, r.id])
    if limit is not None:
        r = r.limit(limit)
    rows = r.to_pyarrow().to_pylist()
    moment = (now or datetime.now(UTC)).replace(tzinfo=None)
    lang = lang or ws.lang
    alias = None if names else pseudonymizer(ws)
    zone = ZoneInfo(settings.timezone)
    out = []
    for row in rows:
        waited = (moment - row["created_at"]).total_seconds() / 3600
        kinds = [
            KINDS[k][lang == "fr"]
            for k, flag in (("question", row["is_question"]), ("addressed", row["addressed"]))
            if flag
        ]
        if names:
            author = row["author_handle"] or row["author_id"]
        else:
            assert alias is not None
            author = alias(row["platform"], row["author_id"])
        local = row["created_at"].replace(tzinfo=UTC).astimezone(zone)
        out.append(
            {
                "waiting": not row["answered"],
                "age": age_text(waited, lang),
                "platform": row["platform"],
                "kind": " + ".join(kinds),
                "author": author,
                "text": _snippet(row["text"]),
                "thread": _snippet(row.get("root_text")) if row.get("root_id") != row["id"] else "",
                "answered_after_h": None if row["ttfr_h"] is None else round(row["ttfr_h"], 2),
                "url": row.get("url") if names else shareable_url(row),
                "created_at": local.strftime("%Y-%m-%d %H:%M"),
                "id": row["id"],
            }
        )
    types = {"answered_after_h": pa.float64(), "waiting": pa.bool_()}
    schema = pa.schema([(c.key, types.get(c.key, pa.string())) for c in COLUMNS])
    return pa.Table.from_pylist(out, schema=schema)


def to_csv(table: pa.Table, lang: str) -> bytes:
    """CSV that Excel opens directly: UTF-8 with a BOM; `;` in French (comma is the decimal
    separator there), `,` in English."""
    sep = ";" if lang == "fr" else ","
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep)
    writer.writerow([c.title(lang) for c in COLUMNS])
    for row in table.to_pylist():
        values = []
        for c in COLUMNS:
            v = row[c.key]
            if isinstance(v, bool):
                v = YES_NO.get(lang, YES_NO["en"])[v]
            elif isinstance(v, float) and lang == "fr":
                v = f"{v}".replace(".", ",")
            values.append("" if v is None else v)
        writer.writerow(values)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
