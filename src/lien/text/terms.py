"""The words and hashtags members used most, per period, for the report.

Words are folded like the tone word lists (lower case, no accents) so "Marché" and "marche"
count together; words under three letters, numbers and French and English stop words
(lien/data/stopwords_*.txt) are left out, as are links and mentions. Hashtags are counted
apart, as written (lower case). Only members' messages count: owned accounts and bots are
left out, as in the metrics.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..metrics import timebase
from ..metrics.timebase import PeriodKind
from .tone import fold

if TYPE_CHECKING:
    from ..workspace import Workspace


@cache
def stop_words() -> frozenset[str]:
    words: set[str] = set()
    for lang in ("fr", "en"):
        text = resources.files("lien.data").joinpath(f"stopwords_{lang}.txt").read_text("utf-8")
        for line in text.splitlines():
            if not line.startswith("#"):
                words.update(fold(w) for w in line.split())
    return frozenset(words)


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def top_terms(
    ws: Workspace,
    period: PeriodKind = "month",
    since: date | str | None = None,
    until: date | str | None = None,
    n: int = 20,
) -> list[dict[str, Any]]:
    """Per period (workspace time zone): {"period", "messages", "words", "hashtags"}, each
    list holding up to `n` {"term", "count"} pairs, most used first (ties alphabetical).
    `count` is the number of member messages that use the term."""
    con = ws.con
    tz = ws.timezone
    bounds = con.execute(
        "SELECT min(created_at), max(created_at) FROM messages WHERE text IS NOT NULL"
    ).fetchone()
    if not bounds or bounds[0] is None:
        return []
    start = _day(since) or timebase.to_local_date(bounds[0], tz)
    end = _day(until) or timebase.to_local_date(bounds[1], tz) + timedelta(days=1)
    starts = timebase.periods(start, end, period)
    if not starts:
        return []
    edges = [*starts, min(timebase.next_start(starts[-1], period), end)]
    windows = pa.table(
        {
            "label": [timebase.label(s, period) for s in starts],
            "lo": [timebase.to_utc(max(s, start), tz) for s in starts],
            "hi": [timebase.to_utc(e, tz) for e in edges[1:]],
        }
    )
    bots = [w.strip().lower() for w in (ws.setting("bot_handles") or "").split(",") if w.strip()]
    con.register("_lien_term_windows", windows)
    con.register("_lien_stop_words", pa.table({"w": sorted(stop_words())}))
    try:
        con.execute(
            r"""
            CREATE OR REPLACE TEMP TABLE _lien_term_member AS
            SELECT w.label, m.platform, m.id,
                   regexp_replace(m.text, '(https?://|www\.)\S+|(^|[^\w])@[\w.]+', ' ', 'g')
                       AS body
            FROM messages m
            JOIN _lien_term_windows w ON m.created_at >= w.lo AND m.created_at < w.hi
            WHERE m.text IS NOT NULL AND m.author_id IS NOT NULL
              AND NOT coalesce(m.author_is_bot, false)
              AND NOT list_contains(?, lower(m.author_id))
              AND NOT list_contains(?, lower(coalesce(m.author_handle, '')))
              AND NOT EXISTS (SELECT 1 FROM accounts a
                              WHERE a.platform = m.platform AND a.author_id = m.author_id)
            """,
            [bots, bots],
        )
        rows = con.execute(
            r"""
            WITH tags AS (
                SELECT DISTINCT label, platform, id, 'hashtag' AS kind,
                       lower(unnest(regexp_extract_all(body, '#[\p{L}\p{N}_]+'))) AS term
                FROM _lien_term_member
            ),
            words AS (
                SELECT DISTINCT label, platform, id, 'word' AS kind,
                       unnest(regexp_extract_all(
                           strip_accents(lower(regexp_replace(body, '#[\p{L}\p{N}_]+|[''’]',
                                                              ' ', 'g'))),
                           '\p{L}[\p{L}-]*\p{L}')) AS term
                FROM _lien_term_member
            ),
            counted AS (
                SELECT label, kind, term, count(*) AS uses FROM (
                    SELECT * FROM tags UNION ALL
                    SELECT * FROM words
                    WHERE length(term) >= 3 AND term NOT IN (SELECT w FROM _lien_stop_words)
                ) GROUP BY ALL
            )
            SELECT label, kind, term, uses FROM counted
            QUALIFY row_number() OVER (PARTITION BY label, kind ORDER BY uses DESC, term) <= ?
            ORDER BY label, kind, uses DESC, term
            """,
            [n],
        ).fetchall()
        totals = dict(
            con.execute("SELECT label, count(*) FROM _lien_term_member GROUP BY 1").fetchall()
        )
    finally:
        con.unregister("_lien_term_windows")
        con.unregister("_lien_stop_words")
        con.execute("DROP TABLE IF EXISTS _lien_term_member")
    out = {
        label: {"period": label, "messages": int(totals.get(label, 0)), "words": [], "hashtags": []}
        for label in windows.column("label").to_pylist()
    }
    for label, kind, term, uses in rows:
        key = "words" if kind == "word" else "hashtags"
        out[label][key].append({"term": term, "count": int(uses)})
    return list(out.values())
