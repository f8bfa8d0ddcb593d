"""What each page of `lien serve` shows, computed by the library and formatted for display.

Every function returns plain strings and numbers ready to print: the templates only lay them
out. The figures are those of `lien metrics`, `lien questions`, `lien people` and `lien info`,
from the same library calls.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

from ..inbox import COLUMNS as INBOX_COLUMNS
from ..inbox import inbox, waiting_by_age
from ..metrics import compute
from ..metrics.registry import BY_KEY, METRICS, keys
from ..metrics.timebase import PeriodKind
from ..people import COLUMNS as PEOPLE_COLUMNS
from ..people import people_digest
from ..report.i18n import Locale

if TYPE_CHECKING:
    from ..importer import ImportResult
    from ..workspace import Workspace

# The figures of the first screen: what the team did and what the community is, never fans.
DASHBOARD_KEYS = (
    "response_rate",
    "ttfr_median_h",
    "question_response_rate",
    "horizontality",
    "active_members",
    "new_members",
    "retention",
    "positive_share",
)
# Age buckets of the waiting messages, in hours (the inbox's own ages).
WAITING_BUCKETS = (24.0, 72.0, 168.0)
SHOWN_PERIODS = 12
# The inbox page lists the oldest ones; the CSV has them all.
INBOX_ROWS = 200
INBOX_SHOWN = ("age", "platform", "kind", "author", "text", "thread", "created_at")


def generation(ws: Workspace) -> str:
    """Changes whenever what the figures depend on changes: imports, accounts, settings."""
    row = ws.con.execute(
        """
        SELECT (SELECT coalesce(max(id), 0) FROM imports),
               (SELECT count(*) FROM messages),
               (SELECT string_agg(platform || ':' || author_id, ',' ORDER BY platform, author_id)
                FROM accounts)
        """
    ).fetchone()
    settings = json.dumps(sorted(ws.settings().items()))
    return hashlib.sha256(f"{row}{settings}".encode()).hexdigest()


@dataclass
class MetricsCache:
    """The last metrics documents computed, by period kind, for one generation."""

    key: str = ""
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def document(self, ws: Workspace, period: PeriodKind) -> dict[str, Any]:
        current = generation(ws)
        if current != self.key:
            self.key, self.documents = current, {}
        if period not in self.documents:
            self.documents[period] = compute(ws, period=period)
        return self.documents[period]


def _active(period: dict[str, Any]) -> bool:
    return bool(period.get("member_messages") or period.get("account_posts"))


def _change(key: str, now: Any, before: Any, loc: Locale) -> str:
    """The difference with the previous period, in the metric's own terms."""
    if now is None or before is None:
        return ""
    unit = BY_KEY[key].unit
    diff = now - before
    if unit == "rate":
        points = round(diff * 100)
        return loc.gettext("%(sign)s%(n)s pts") % {
            "sign": "+" if points > 0 else "",
            "n": loc.number(points),
        }
    if unit == "hours":
        return ("+" if diff > 0 else "−" if diff < 0 else "") + loc.hours(abs(diff))
    return ("+" if diff > 0 else "") + loc.number(int(diff))


def dashboard(ws: Workspace, cache: MetricsCache, loc: Locale, now: datetime) -> dict[str, Any]:
    document = cache.document(ws, "month")
    active = [p for p in document["periods"] if _active(p)]
    latest = active[-1] if active else None
    previous = active[-2] if len(active) > 1 else None
    figures = []
    if latest is not None:
        for key in DASHBOARD_KEYS:
            metric = BY_KEY[key]
            value = latest.get(key)
            figures.append(
                {
                    "title": metric.title(loc.lang),
                    "value": loc.value(value, metric.unit),
                    "change": _change(key, value, previous.get(key) if previous else None, loc),
                    "definition": metric.definition_fr if loc.lang == "fr" else metric.definition,
                }
            )
    counts = waiting_by_age(ws, list(WAITING_BUCKETS), now=now)
    labels = (
        loc.gettext("less than a day"),
        loc.gettext("1 to 3 days"),
        loc.gettext("3 to 7 days"),
        loc.gettext("more than a week"),
    )
    info = ws.info()
    return {
        "period": loc.period(latest["period"]) if latest else None,
        "previous": loc.period(previous["period"]) if previous else None,
        "figures": figures,
        "waiting": [
            {"label": label, "count": loc.number(n)}
            for label, n in zip(labels, counts, strict=True)
        ],
        "waiting_total": loc.number(sum(counts)),
        "platforms": [
            {
                "platform": p["platform"],
                "messages": loc.number(int(p["messages"])),
                "first": str(p["first"])[:10],
                "last": str(p["last"])[:10],
            }
            for p in info["platforms"]
        ],
        "accounts": len(info["accounts"]),
    }


def inbox_page(
    ws: Workspace,
    loc: Locale,
    now: datetime,
    everything: bool = False,
    platform: str | None = None,
    since: str | None = None,
) -> dict[str, Any]:
    table = inbox(
        ws,
        unanswered=not everything,
        since=_day(since),
        platforms=[platform] if platform else None,
        now=now,
        lang=loc.lang,
        limit=INBOX_ROWS + 1,
    )
    more = table.num_rows > INBOX_ROWS
    table = table.slice(0, INBOX_ROWS)
    titles = {c.key: c.title(loc.lang) for c in INBOX_COLUMNS}
    rows = []
    for row in table.to_pylist():
        url = row.get("url")
        rows.append(
            {
                "cells": [("" if row[k] is None else str(row[k])) for k in INBOX_SHOWN],
                "url": url
                if isinstance(url, str) and url.startswith(("https://", "http://"))
                else None,
                "waiting": bool(row["waiting"]),
            }
        )
    platforms = [p["platform"] for p in ws.info()["platforms"]]
    return {
        "columns": [titles[k] for k in INBOX_SHOWN],
        "rows": rows,
        "count": loc.number(len(rows)),
        "more": more,
        "everything": everything,
        "platform": platform or "",
        "platforms": platforms,
        "since": since or "",
    }


def metrics_page(
    ws: Workspace, cache: MetricsCache, loc: Locale, period: PeriodKind
) -> dict[str, Any]:
    document = cache.document(ws, period)
    shown = document["periods"][-SHOWN_PERIODS:]
    areas: dict[str, list[dict[str, Any]]] = {}
    for metric in METRICS:
        if metric.scope != "period":
            continue
        areas.setdefault(metric.area, []).append(
            {
                "title": metric.title(loc.lang),
                "definition": metric.definition_fr if loc.lang == "fr" else metric.definition,
                "values": [loc.value(p.get(metric.key), metric.unit) for p in shown],
            }
        )
    network = [
        {
            "title": BY_KEY[key].title(loc.lang),
            "value": loc.value(document["network"].get(key), BY_KEY[key].unit),
        }
        for key in keys("network")
    ]
    network.append(
        {
            "title": BY_KEY["regular_members"].title(loc.lang),
            "value": loc.value(document["regular_members"], BY_KEY["regular_members"].unit),
        }
    )
    area_titles = {
        "listening": loc.gettext("Listening"),
        "conversing": loc.gettext("Conversing"),
        "belonging": loc.gettext("Belonging"),
        "tone": loc.gettext("Tone"),
    }
    return {
        "period": period,
        "periods": [loc.period(p["period"]) for p in shown],
        "areas": [(area_titles.get(area, area), rows) for area, rows in areas.items()],
        "network": network,
        "window": (
            loc.day(document["window"]["since"]),
            loc.day(document["window"]["until"], before=True),
        ),
    }


def people_page(
    ws: Workspace, loc: Locale, period: PeriodKind, at: str | None, names: bool = False
) -> dict[str, Any]:
    label, table = people_digest(ws, period, _day(at), names=names)
    return {
        "label": loc.period(label),
        "columns": [c.title(loc.lang) for c in PEOPLE_COLUMNS],
        "rows": [[str(row[c.key]) for c in PEOPLE_COLUMNS] for row in table.to_pylist()],
        "period": period,
        "at": at or "",
    }


def imports_page(ws: Workspace, loc: Locale) -> dict[str, Any]:
    info = ws.info()
    return {
        "imports": [
            {
                "path": str(i["path"]),
                "source": i["source"] or "",
                "status": i["status"],
                "counts": [loc.number(int(i[k] or 0)) for k in _COUNTS],
            }
            for i in reversed(info["imports"][-20:])
        ],
        "rejects": [
            {
                "path": str(r["path"]),
                "reason": str(r["reason"]),
                "records": loc.number(int(r["records"])),
                "example": str(r["example"] or ""),
            }
            for r in info["rejects"][:20]
        ],
    }


_COUNTS = ("read", "stored", "updated", "duplicates", "rejected")


def import_results(
    results: Sequence[ImportResult], names: dict[str, str], loc: Locale
) -> list[dict[str, Any]]:
    """One line per file imported; `names` maps the temporary paths back to the uploaded names."""
    out = []
    for r in results:
        shown = r.path
        for temporary, original in names.items():
            shown = shown.replace(temporary, original)
        out.append(
            {
                "path": shown,
                "source": r.source or "",
                "status": r.status,
                "error": (r.error or "").replace(r.path, shown) if r.error else "",
                "counts": [loc.number(int(getattr(r, k))) for k in _COUNTS],
                "balanced": r.balanced,
            }
        )
    return out


def accounts_page(ws: Workspace, loc: Locale) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "platform": a["platform"],
                "author_id": a["author_id"],
                "name": a["name"] or "",
                "messages": loc.number(int(a["messages"])),
            }
            for a in ws.accounts()
        ],
        "platforms": [p["platform"] for p in ws.info()["platforms"]],
    }


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def period_kind(text: str | None) -> PeriodKind:
    return cast(PeriodKind, "week" if text == "week" else "month")
