"""Random communities for the differential and invariant tests of the metrics.

A community is a list of message dicts (record fields) plus the owned accounts and the settings
that change the numbers. It is built to hit the edges of METRICS.md: flat and nested platforms,
several owned accounts, the same ids on several platforms, unknown authors, bots (flag and
handle), orphans, self-replies, replies dated before their parent, exact 24 h answers, equal
times, questions by `?` and by first word, and times around month ends, DST changes and ISO weeks
across the new year.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from lien.workspace import Workspace

from ..reference.metrics_ref import reference_metrics

PLATFORMS = ("facebook", "youtube", "mastodon", "x")
AUTHORS = ("acc", "acc2", "m1", "m2", "m3", "m4", "m5", "bot1", "bot2", None)
BOT_HANDLE = "spam_bot"
TEXTS = (
    None,
    "Super photo",
    "Où est-ce ?",
    "comment venir au lac",
    "@bob how far is it",
    "@anne.social @paul Est-ce loin",
    "what's up",
    "🙂 how far",
    "merci 🙏",
    "WHEN does it open",
    "Peut-on venir, avec le chien",
    "Bonjour, quel horaire",
    "wo ist das",
    "…pourquoi pas",
    "is it open",
    "c'est beau",
    "https://example.org/?q=1",
)
# Instants (UTC) near the edges of periods in the zones used below.
ANCHORS = (
    datetime(2021, 3, 27, 23, 30),  # Paris DST starts on the 28th
    datetime(2021, 10, 31, 0, 30),  # Paris DST ends
    datetime(2020, 12, 31, 23, 0),  # new year; 2020 has an ISO week 53
    datetime(2021, 4, 30, 22, 30),  # month end in Paris, not yet in UTC
    datetime(2021, 3, 1, 4, 30),  # month start in UTC, still February in Montreal
    datetime(2021, 11, 7, 6, 30),  # Montreal DST ends
)
TIMEZONES = ("Europe/Paris", "America/Montreal", "UTC")
CSV_COLUMNS = (
    "platform",
    "id",
    "parent_id",
    "author_id",
    "author_handle",
    "author_name",
    "author_is_bot",
    "created_at",
    "text",
    "owner_liked",
)


@dataclass
class Community:
    messages: list[dict[str, Any]]
    accounts: list[tuple[str, str]]
    timezone: str = "Europe/Paris"
    bot_handles: list[str] = field(default_factory=list)
    question_words: list[str] = field(default_factory=list)

    def reference(self, **kwargs: Any) -> dict[str, Any]:
        return reference_metrics(
            self.messages,
            self.accounts,
            timezone=self.timezone,
            bot_handles=self.bot_handles,
            extra_question_words=self.question_words,
            **kwargs,
        )

    def as_code(self) -> str:
        """The community as Python, to paste into a minimal failing example."""
        lines = [f"timezone={self.timezone!r} accounts={self.accounts!r}"]
        lines.append(f"bot_handles={self.bot_handles!r} question_words={self.question_words!r}")
        for m in self.messages:
            lines.append(
                f"  {m['platform']}/{m['id']} parent={m['parent_id']} by={m['author_id']} "
                f"bot={m['author_is_bot']} handle={m['author_handle']} "
                f"at={m['created_at'].isoformat()} liked={m['owner_liked']} text={m['text']!r}"
            )
        return "\n".join(lines)


def _handle(author: str | None) -> str | None:
    if author is None:
        return None
    return BOT_HANDLE if author == "bot2" else f"h_{author}"


@st.composite
def communities(
    draw: st.DrawFn, max_messages: int = 30, platforms: Sequence[str] = PLATFORMS
) -> Community:
    used = draw(st.lists(st.sampled_from(platforms), min_size=1, max_size=3, unique=True))
    anchor = draw(st.sampled_from(ANCHORS))
    n = draw(st.integers(min_value=1, max_value=max_messages))
    messages: list[dict[str, Any]] = []
    next_id: dict[str, int] = {}
    for _ in range(n):
        platform = draw(st.sampled_from(used))
        earlier = [m for m in messages if m["platform"] == platform]
        shape = draw(st.sampled_from(["top", "child", "child", "child", "orphan"]))
        if shape == "child" and earlier:
            parent: dict[str, Any] | None = draw(st.sampled_from(earlier))
            assert parent is not None
            parent_id: str | None = parent["id"]
            delay = draw(
                st.one_of(
                    st.sampled_from([0, 86400, 86401, 86399, 60]),
                    st.integers(min_value=-7200, max_value=3 * 86400),
                )
            )
            created = parent["created_at"] + timedelta(seconds=delay)
        else:
            parent_id = f"gone{draw(st.integers(0, 3))}" if shape == "orphan" else None
            minutes = draw(
                st.one_of(
                    st.integers(min_value=-180, max_value=180),
                    st.integers(min_value=-100 * 1440, max_value=100 * 1440),
                )
            )
            created = anchor + timedelta(minutes=minutes)
        number = next_id.get(platform, 0)
        next_id[platform] = number + 1
        author = draw(st.sampled_from(AUTHORS))
        messages.append(
            {
                "platform": platform,
                "id": str(number),
                "parent_id": parent_id,
                "author_id": author,
                "author_handle": _handle(author),
                "author_is_bot": True if author == "bot1" else draw(st.sampled_from([None, False])),
                "created_at": created,
                "text": draw(st.sampled_from(TEXTS)),
                "owner_liked": draw(st.sampled_from([None, None, True, False])),
            }
        )
    accounts = sorted(
        {
            (p, a)
            for p in used
            for a in draw(st.lists(st.sampled_from(["acc", "acc2", "m5"]), max_size=2))
        }
    )
    extra_settings = draw(st.booleans())
    return Community(
        messages=messages,
        accounts=accounts,
        timezone=draw(st.sampled_from(TIMEZONES)),
        # Both settings or neither: fewer template workspaces to build.
        bot_handles=[BOT_HANDLE] if extra_settings else [],
        question_words=["wo"] if extra_settings else [],
    )


def write_csv(path: Path, messages: Iterable[dict[str, Any]]) -> Path:
    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return value.isoformat() + "Z"
        return str(value)

    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for m in messages:
            w.writerow([cell(m.get(c)) for c in CSV_COLUMNS])
    return path


def import_messages(ws: Workspace, folder: Path, messages: Sequence[dict[str, Any]]) -> None:
    """Through the real pipeline: a generic CSV file imported by `ws.import_paths`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = write_csv(folder / f"part{len(list(folder.iterdir()))}.csv", messages)
    (result,) = ws.import_paths([path], source="csv")
    assert result.status != "failed", result.error
    assert (result.stored, result.rejected) == (len(messages), 0), result


_TEMPLATES: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Path] = {}
_TEMPLATE_DIR = tempfile.TemporaryDirectory(prefix="lien-metrics-templates-")


def _template(community: Community) -> Path:
    """An empty workspace with the community's settings, created once per combination (creating
    one builds the metric views, which takes seconds) and copied for each example."""
    key = (community.timezone, tuple(community.bot_handles), tuple(community.question_words))
    if key not in _TEMPLATES:
        path = Path(_TEMPLATE_DIR.name) / f"template{len(_TEMPLATES)}.duckdb"
        ws = Workspace.create(path, timezone=community.timezone, lang="fr")
        if community.bot_handles:
            ws.set_setting("bot_handles", ",".join(community.bot_handles))
        if community.question_words:
            ws.set_setting("question_words", ",".join(community.question_words))
        ws.close()
        _TEMPLATES[key] = path
    return _TEMPLATES[key]


def build_workspace(
    folder: Path,
    community: Community,
    *,
    accounts_first: bool = True,
    chunks: Sequence[Sequence[dict[str, Any]]] | None = None,
) -> Workspace:
    """A workspace file in `folder` holding the community, imported as CSV (in `chunks`, one
    file each, when given), with its accounts declared before or after the import."""
    shutil.copyfile(_template(community), folder / "ws.duckdb")
    ws = Workspace.open(folder / "ws.duckdb")
    assert ws.timezone == community.timezone
    if accounts_first:
        for platform, author in community.accounts:
            ws.add_account(platform, author)
    for chunk in chunks if chunks is not None else [community.messages]:
        if chunk:
            import_messages(ws, folder / "csv", chunk)
    if not accounts_first:
        for platform, author in community.accounts:
            ws.add_account(platform, author)
    return ws


@st.composite
def windows(draw: st.DrawFn, community: Community, kind: str) -> tuple[date | None, date | None]:
    """None (the default window) or bounds on period starts around the community's times; an
    open end never makes the window end before it starts (an inverted window is its own case)."""
    if draw(st.booleans()):
        return None, None
    first = min(m["created_at"] for m in community.messages).date()
    last = max(m["created_at"] for m in community.messages).date()
    since = first + timedelta(days=draw(st.integers(-40, 60)))
    until = since + timedelta(days=draw(st.integers(1, 120)))
    if kind == "month":
        since, until = since.replace(day=1), until.replace(day=1)
    else:
        since -= timedelta(days=since.weekday())
        until -= timedelta(days=until.weekday())
    if until <= since:
        until = since + timedelta(days=35 if kind == "month" else 7)
        until = until.replace(day=1) if kind == "month" else until
    open_end = draw(st.sampled_from(["none", "since", "until"]))
    if open_end == "since" and until > first + timedelta(days=1):
        return None, until
    if open_end == "until" and since < last - timedelta(days=1):
        return since, None
    return since, until
