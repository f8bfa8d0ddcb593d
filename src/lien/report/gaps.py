"""The known gaps of a workspace's data, for the Method section.

Computed from the workspace with SQL (the templates only lay the sentences out): platforms
and periods without messages inside the window, orphans (parent not in the workspace),
messages whose author is unknown, platforms that give no owner-like signal (so the
acknowledged rate cannot count likes there), messages not annotated yet, and platforms with
data but no owned account declared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..metrics.registry import BY_KEY
from .i18n import Locale

if TYPE_CHECKING:
    from ..workspace import Workspace

RANGES = 6  # ranges of empty periods listed per platform, the others counted


@dataclass
class Gaps:
    periods: list[str]  # every period of the window, in order
    empty: dict[str, list[str]]  # platform → periods of the window without its messages
    silent: list[str]  # periods of the window without any message
    orphans: dict[str, int]  # platform → messages whose parent is not in the workspace
    unknown: dict[str, int]  # platform → messages whose author is unknown
    no_like_signal: list[str]  # platforms with data that never say whether the account liked
    not_annotated: int
    no_account: list[str]  # platforms with data in the window but no owned account
    platforms: list[str] = field(default_factory=list)  # platforms with data in the window
    known: list[str] = field(default_factory=list)  # platforms with data in the workspace


def known_gaps(
    ws: Workspace,
    periods: list[str],
    coverage: list[dict[str, Any]],
    bounds: list[Any],
) -> Gaps:
    """`coverage` holds the messages per (platform, period) of the window; `bounds` its
    [since, until) in UTC."""
    from ..text.annotate import not_annotated

    everywhere = [
        r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM messages ORDER BY 1").fetchall()
    ]
    seen: dict[str, set[str]] = {}
    for c in coverage:
        if c["messages"]:
            seen.setdefault(c["platform"], set()).add(c["period"])
    empty = {p: [q for q in periods if q not in seen.get(p, set())] for p in everywhere}
    empty = {p: qs for p, qs in empty.items() if qs}
    anything = set().union(*seen.values()) if seen else set()
    rows = ws.con.execute(
        """
        SELECT m.platform,
               count(*) FILTER (WHERE m.parent_id IS NOT NULL AND p.id IS NULL),
               count(*) FILTER (WHERE m.author_id IS NULL),
               count(m.owner_liked)
        FROM messages m
        LEFT JOIN (SELECT DISTINCT platform, id FROM messages) p
          ON p.platform = m.platform AND p.id = m.parent_id
        WHERE m.created_at >= ? AND m.created_at < ?
        GROUP BY ALL ORDER BY 1
        """,
        bounds,
    ).fetchall()
    owned = {r[0] for r in ws.con.execute("SELECT DISTINCT platform FROM accounts").fetchall()}
    present = [r[0] for r in rows]
    return Gaps(
        periods=periods,
        empty=empty,
        silent=[q for q in periods if q not in anything],
        orphans={r[0]: int(r[1]) for r in rows if r[1]},
        unknown={r[0]: int(r[2]) for r in rows if r[2]},
        no_like_signal=[r[0] for r in rows if not r[3]],
        not_annotated=not_annotated(ws),
        no_account=[p for p in present if p not in owned],
        platforms=present,
        known=everywhere,
    )


def _runs(periods: list[str], missing: list[str]) -> list[tuple[str, str]]:
    """Consecutive periods of `missing` (in the order of `periods`) as (first, last)."""
    gone = set(missing)
    runs: list[tuple[str, str]] = []
    start = None
    for i, q in enumerate(periods):
        if q in gone and start is None:
            start = q
        if start is not None and (q not in gone or i == len(periods) - 1):
            runs.append((start, q if q in gone else periods[i - 1]))
            start = None
    return runs


def _list_periods(loc: Locale, periods: list[str], missing: list[str]) -> str:
    runs = _runs(periods, missing)
    said = [
        a if a == b else loc.gettext("{first} to {last}").format(first=a, last=b)
        for a, b in runs[:RANGES]
    ]
    if len(runs) > RANGES:
        rest = sum(periods.index(b) - periods.index(a) + 1 for a, b in runs[RANGES:])
        said.append(
            loc.ngettext("{count} more period", "{count} more periods", rest).format(
                count=loc.number(rest)
            )
        )
    return ", ".join(said)


def _by_platform(loc: Locale, counts: dict[str, int]) -> str:
    return ", ".join(f"{p} {loc.number(n)}" for p, n in counts.items())


def describe(gaps: Gaps, loc: Locale) -> list[str]:
    """The gaps as sentences in the report's language (none: the data has no known gap)."""
    g = loc.gettext
    out = []
    for platform, missing in gaps.empty.items():
        if len(missing) == len(gaps.periods):
            out.append(g("{platform}: no message in the window.").format(platform=platform))
        else:
            out.append(
                g("{platform}: no message in {periods}.").format(
                    platform=platform, periods=_list_periods(loc, gaps.periods, missing)
                )
            )
    if gaps.silent and len(gaps.known) > 1:
        out.append(
            g("No message on any platform in {periods}.").format(
                periods=_list_periods(loc, gaps.periods, gaps.silent)
            )
        )
    if gaps.orphans:
        total = sum(gaps.orphans.values())
        out.append(
            loc.ngettext(
                "{count} orphan message ({platforms}): its parent is not in the workspace, so "
                "it counts in volumes but in no exchange, thread or response time.",
                "{count} orphan messages ({platforms}): their parent is not in the workspace, "
                "so they count in volumes but in no exchange, thread or response time.",
                total,
            ).format(count=loc.number(total), platforms=_by_platform(loc, gaps.orphans))
        )
    if gaps.unknown:
        total = sum(gaps.unknown.values())
        out.append(
            loc.ngettext(
                "{count} message by an unknown author ({platforms}: deleted or hidden): it "
                "counts in volumes, never in people figures.",
                "{count} messages by an unknown author ({platforms}: deleted or hidden): they "
                "count in volumes, never in people figures.",
                total,
            ).format(count=loc.number(total), platforms=_by_platform(loc, gaps.unknown))
        )
    if gaps.no_like_signal:
        metric = BY_KEY["acknowledged_rate"].title(loc.lang)
        text = (
            g("No platform says whether the account liked a message: “{metric}” is empty (—).")
            if len(gaps.no_like_signal) == len(gaps.platforms)
            else g(
                "No sign of the account's likes on {platforms}: there, “{metric}” counts answers only."
            )
        )
        out.append(text.format(platforms=", ".join(gaps.no_like_signal), metric=metric))
    if gaps.not_annotated:
        out.append(
            g(
                "{count} messages with text are not annotated yet (language and tone): "
                "`lien annotate` brings the workspace up to date."
            ).format(count=loc.number(gaps.not_annotated))
        )
    if gaps.no_account:
        out.append(
            g(
                "No owned account is declared on {platforms}: answers, exchanges with the "
                "account and its place in the network cannot be seen there "
                "(`lien accounts add`)."
            ).format(platforms=", ".join(gaps.no_account))
        )
    return out
