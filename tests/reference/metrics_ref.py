"""A second implementation of METRICS.md (specification v1), in plain Python, for testing only.

It is written from the text of METRICS.md alone, as directly as possible, without looking at
`lien.metrics`: the differential tests compare the two. It takes message dicts with the record
fields of `lien.schema` (platform, id, parent_id, author_id, author_handle, author_is_bot,
created_at as a naive UTC datetime, text, owner_liked) and returns a `lien.metrics/1` document
holding the per-period keys of Responding, Conversing and Belonging, `regular_members` and the
network keys people, ties, reciprocity, account_tie_share, member_component_share.

Where the text leaves room, this is how it is read (each point is a choice, made once):

1. People are `(platform, author_id)`: the same id on two platforms is two people. A parent is
   looked up on the message's own platform.
2. Owned wins over bot: a declared account is an owned account even if flagged as a bot. A bot is
   an author with `author_is_bot` true on any of their messages, or whose author id or handle is
   one of the `bot_handles` (exact match).
3. Kinds: a top-level message has no parent; an orphan has a parent that is not in the
   (platform-filtered) workspace; a comment's parent is a top-level message; a reply's parent is
   a comment or a reply, i.e. any message that has a parent itself: an orphan is one of the two
   (only top-level messages have no parent), so the children of an orphan are replies and get the
   flat-platform sibling pool. They are in no comment thread (first written the other way, "below
   an orphan is in no thread"; the differential test disagreed and this argument settles it).
4. Orphans are left out of every Responding key, `questions` included ("no ... response
   metric"); they count in member_messages, the conversation_rate numerator and activity.
5. Responses may come from anywhere in the workspace, also after the window: the window and
   period filter the member message being answered, never its answer. "Within 24 h" is
   `delay <= 24 h`. Quantiles use linear interpolation at position p * (n - 1) (numpy's default).
6. acknowledged_rate is `null` for a period when none of its addressed messages carries an
   owner-like signal (`owner_liked` is null on all of them); otherwise a null `owner_liked` counts
   as not liked.
7. Exchange classes only count members and owned accounts; exchanges touching a bot, and
   account-to-account exchanges (two owned accounts), are in no class but are still graph edges.
   Exchanges need the parent in the workspace; the time order of the two messages is irrelevant.
8. comment_threads counts comments of any author (unknown and bots included). A back-and-forth
   is three messages of known authors at strictly increasing times X < Y < X', X = X' != Y,
   not necessarily consecutive; equal times never make a back-and-forth. Descendants
   (replies_per_comment, dialogue) are counted wherever they fall in time.
9. The window is `[since, until)` between local midnights of the workspace time zone. By default
   it runs from the local day of the first message to the day after the last one (of the
   selected platforms). `periods` runs from the period holding `since` to the one holding the
   window's last day. A period only counts the messages of the window; history keys (new,
   returning, retention) look at all messages of the selected platforms, whatever the window.
   `returning` = active and with a member message before the period's start. Retention's
   "previous period" is the calendar period before, over the whole workspace.
10. regular_members counts calendar months of the workspace time zone, also for weekly periods.
11. Network: edges come from exchanges whose replying message is in the window; ties count every
    unordered pair of known authors (bots and owned accounts included). `people` = members with a
    message in the window. member_component_share: the graph of member-to-member ties (owned
    accounts and bots removed); numerator = size of its largest connected component, where a
    member alone is a component of size 1; denominator = members with any tie at all (to anyone);
    `null` when that is 0.
12. Questions: text containing `?`, or whose first word is in the list. Words are whitespace
    separated tokens; leading tokens that are mentions (`@...`) or hold no letter or digit
    (punctuation, emoji: not words) are skipped; the first remaining token is stripped of its
    non-alphanumeric characters at both ends, cut at its first apostrophe (' or ’: "what's" is
    "what" + "'s") and lower-cased; an inner `-` stays ("est-ce", "peut-on"). So "qu'est-ce" is
    "qu", not a question word. Words come from src/lien/data/question_words.json, plus the extra
    words of the workspace setting. (First written with "an emoji is a word" and "what's is one
    word"; the differential test disagreed on both, and neither reading is what the text says:
    an emoji is not a word, and "what's" starts with the word "what".)
13. A window with no day (no message selected, or since >= until) has no periods, and its
    network keys and regular_members are `null` (nothing to measure), while a window of real
    days without messages counts 0.
14. Rates are `null` when their denominator is 0; conversation_rate and replies_per_comment are
    ratios that may exceed 1.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

FLAT_PLATFORMS = {"facebook", "instagram", "youtube", "tiktok"}
WORDS_FILE = Path(__file__).resolve().parents[2] / "src" / "lien" / "data" / "question_words.json"
# METRICS.md, Text: used only when the data file is absent.
SPEC_WORDS = (
    "comment où quand pourquoi quel quelle quels quelles combien qui est-ce peut-on pouvez-vous "
    "how where when why what which who can could is are do does"
).split()

PERIOD_KEYS = (
    "addressed",
    "response_rate",
    "response_within_24h_rate",
    "ttfr_median_h",
    "ttfr_p90_h",
    "questions",
    "question_response_rate",
    "acknowledged_rate",
    "account_posts",
    "member_posts",
    "community_started_share",
    "member_messages",
    "conversation_rate",
    "member_to_member",
    "member_to_account",
    "account_to_member",
    "horizontality",
    "comment_threads",
    "dialogue_rate",
    "replies_per_comment",
    "active_members",
    "new_members",
    "returning_members",
    "retention",
)
NETWORK_KEYS = ("people", "ties", "reciprocity", "account_tie_share", "member_component_share")
# Keys that are fractions in [0, 1] (conversation_rate and replies_per_comment are not).
RATE_KEYS = (
    "response_rate",
    "response_within_24h_rate",
    "question_response_rate",
    "acknowledged_rate",
    "community_started_share",
    "horizontality",
    "dialogue_rate",
    "retention",
)
NETWORK_RATE_KEYS = ("reciprocity", "account_tie_share", "member_component_share")

ACCOUNT, MEMBER, BOT, UNKNOWN = "account", "member", "bot", "unknown"
Key = tuple[str, str]


def question_words(extra: Iterable[str] = ()) -> set[str]:
    if WORDS_FILE.exists():
        data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
        words = [w for lang in ("fr", "en") for w in data[lang]]
    else:
        words = SPEC_WORDS
    return {w.lower() for w in [*words, *extra]}


def _strip_ends(token: str, keep: str = "") -> str:
    """The token without the characters that are not letters or digits at either end."""
    start, end = 0, len(token)
    while start < end and not token[start].isalnum() and token[start] not in keep:
        start += 1
    while end > start and not token[end - 1].isalnum():
        end -= 1
    return token[start:end]


def is_question(text: str | None, words: set[str]) -> bool:
    if not text:
        return False
    if "?" in text:
        return True
    for token in text.split():
        if _strip_ends(token, keep="@").startswith("@"):
            continue  # a mention
        word = _strip_ends(token).replace("’", "'").split("'")[0]
        if word:
            return word.lower() in words
    return False


def quantile(values: Sequence[float], p: float) -> float:
    xs = sorted(values)
    pos = p * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _ratio(num: int | float, den: int | float) -> float | None:
    return None if den == 0 else num / den


def _utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def period_start(day: date, kind: str) -> date:
    if kind == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def next_start(start: date, kind: str) -> date:
    if kind == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7)


def previous_start(start: date, kind: str) -> date:
    return period_start(start - timedelta(days=1), kind)


def label(start: date, kind: str) -> str:
    if kind == "month":
        return f"{start.year:04d}-{start.month:02d}"
    iso = start.isocalendar()
    return f"{iso.year:04d}-W{iso.week:02d}"


def reference_metrics(
    messages: Iterable[Mapping[str, Any]],
    accounts: Iterable[tuple[str, str]],
    *,
    timezone: str = "Europe/Paris",
    period: str = "month",
    since: date | str | None = None,
    until: date | str | None = None,
    platforms: Sequence[str] | None = None,
    bot_handles: Iterable[str] = (),
    extra_question_words: Iterable[str] = (),
) -> dict[str, Any]:
    if period not in ("month", "week"):
        raise ValueError(f"period must be month or week, not {period!r}")
    tz = ZoneInfo(timezone)
    owned = {(p, a) for p, a in accounts}
    handles = set(bot_handles)
    words = question_words(extra_question_words)

    msgs = [dict(m) for m in messages if platforms is None or m["platform"] in platforms]
    for m in msgs:
        m["created_at"] = _utc(m["created_at"])
        m["day"] = m["created_at"].replace(tzinfo=UTC).astimezone(tz).date()
    by_key: dict[Key, dict[str, Any]] = {(m["platform"], m["id"]): m for m in msgs}
    msgs = list(by_key.values())

    def parent(m: Mapping[str, Any]) -> dict[str, Any] | None:
        if m["parent_id"] is None:
            return None
        return by_key.get((m["platform"], m["parent_id"]))

    children: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for m in msgs:
        if parent(m) is not None:
            children[(m["platform"], m["parent_id"])].append(m)

    # -- roles ---------------------------------------------------------------------------
    bots = set()
    for m in msgs:
        a = m["author_id"]
        if a is not None and (
            m.get("author_is_bot") is True or a in handles or m.get("author_handle") in handles
        ):
            bots.add((m["platform"], a))

    def role(m: Mapping[str, Any]) -> str:
        who = (m["platform"], m["author_id"])
        if m["author_id"] is None:
            return UNKNOWN
        if who in owned:
            return ACCOUNT
        if who in bots:
            return BOT
        return MEMBER

    # -- kinds ---------------------------------------------------------------------------
    def kind(m: Mapping[str, Any]) -> str:
        if m["parent_id"] is None:
            return "post"
        p = parent(m)
        if p is None:
            return "orphan"
        return "comment" if p["parent_id"] is None else "reply"

    kinds = {(m["platform"], m["id"]): kind(m) for m in msgs}

    def k_of(m: Mapping[str, Any]) -> str:
        return kinds[(m["platform"], m["id"])]

    def descendants(m: Mapping[str, Any]) -> list[dict[str, Any]]:
        out, todo, seen = [], [(m["platform"], m["id"])], {(m["platform"], m["id"])}
        while todo:
            for c in children.get(todo.pop(), []):
                ck = (c["platform"], c["id"])
                if ck not in seen:
                    seen.add(ck)
                    out.append(c)
                    todo.append(ck)
        return out

    # -- responses -----------------------------------------------------------------------
    def first_response(m: Mapping[str, Any]) -> timedelta | None:
        pool = list(children.get((m["platform"], m["id"]), []))
        if m["platform"] in FLAT_PLATFORMS and k_of(m) == "reply":
            pool += children.get((m["platform"], m["parent_id"]), [])
        times = [
            r["created_at"]
            for r in pool
            if r["created_at"] > m["created_at"] and role(r) == ACCOUNT
        ]
        return min(times) - m["created_at"] if times else None

    # -- window and periods ----------------------------------------------------------------
    since_d, until_d = _as_date(since), _as_date(until)
    days = sorted(m["day"] for m in msgs)
    if since_d is None:
        since_d = days[0] if days else None
    if until_d is None:
        until_d = days[-1] + timedelta(days=1) if days else None
    starts: list[date] = []
    if since_d is not None and until_d is not None:
        s = period_start(since_d, period)
        while s < until_d:
            starts.append(s)
            s = next_start(s, period)

    def in_window(m: Mapping[str, Any]) -> bool:
        assert since_d is not None and until_d is not None
        return since_d <= m["day"] < until_d

    window = [m for m in msgs if since_d is not None and in_window(m)]

    def member_key(m: Mapping[str, Any]) -> Key:
        return (m["platform"], m["author_id"])

    member_days: dict[Key, list[date]] = defaultdict(list)
    for m in msgs:
        if role(m) == MEMBER:
            member_days[member_key(m)].append(m["day"])

    def active_between(lo: date, hi: date) -> set[Key]:
        return {who for who, ds in member_days.items() if any(lo <= d < hi for d in ds)}

    periods = []
    for start in starts:
        end = next_start(start, period)
        here = [m for m in window if start <= m["day"] < end]
        row: dict[str, Any] = {"period": label(start, period)}

        # Responding
        member_here = [m for m in here if role(m) == MEMBER and k_of(m) != "orphan"]
        addressed = [m for m in member_here if (p := parent(m)) is not None and role(p) == ACCOUNT]
        delays = {id(m): first_response(m) for m in member_here}
        answered = [delays[id(m)] for m in addressed if delays[id(m)] is not None]
        hours = [d.total_seconds() / 3600 for d in answered if d is not None]
        row["addressed"] = len(addressed)
        row["response_rate"] = _ratio(len(answered), len(addressed))
        within = [d for d in answered if d is not None and d <= timedelta(hours=24)]
        row["response_within_24h_rate"] = _ratio(len(within), len(addressed))
        row["ttfr_median_h"] = quantile(hours, 0.5) if hours else None
        row["ttfr_p90_h"] = quantile(hours, 0.9) if hours else None
        questions = [m for m in member_here if is_question(m.get("text"), words)]
        row["questions"] = len(questions)
        q_answered = [m for m in questions if delays[id(m)] is not None]
        row["question_response_rate"] = _ratio(len(q_answered), len(questions))
        if any(m.get("owner_liked") is not None for m in addressed):
            ack = [m for m in addressed if delays[id(m)] is not None or m.get("owner_liked")]
            row["acknowledged_rate"] = _ratio(len(ack), len(addressed))
        else:
            row["acknowledged_rate"] = None

        # Conversing
        account_posts = sum(1 for m in here if k_of(m) == "post" and role(m) == ACCOUNT)
        member_posts = sum(1 for m in here if k_of(m) == "post" and role(m) == MEMBER)
        row["account_posts"] = account_posts
        row["member_posts"] = member_posts
        row["community_started_share"] = _ratio(member_posts, member_posts + account_posts)
        row["member_messages"] = sum(1 for m in here if role(m) == MEMBER)
        with_parent = sum(1 for m in here if role(m) == MEMBER and m["parent_id"] is not None)
        row["conversation_rate"] = _ratio(with_parent, account_posts)
        classes = {"member_to_member": 0, "member_to_account": 0, "account_to_member": 0}
        for c in here:
            p = parent(c)
            if p is None or c["author_id"] is None or p["author_id"] is None:
                continue
            if c["author_id"] == p["author_id"]:
                continue
            name = f"{role(c)}_to_{role(p)}"
            if name in classes:
                classes[name] += 1
        row.update(classes)
        row["horizontality"] = _ratio(classes["member_to_member"], sum(classes.values()))
        comments = [m for m in here if k_of(m) == "comment"]
        row["comment_threads"] = len(comments)
        dialogues = 0
        sizes = []
        for c in comments:
            thread = [c, *descendants(c)]
            sizes.append(len(thread) - 1)
            dialogues += _has_back_and_forth(thread)
        row["dialogue_rate"] = _ratio(dialogues, len(comments))
        row["replies_per_comment"] = _ratio(sum(sizes), len(sizes))

        # Belonging
        active = {member_key(m) for m in here if role(m) == MEMBER}
        row["active_members"] = len(active)
        row["new_members"] = sum(1 for who in active if start <= min(member_days[who]) < end)
        row["returning_members"] = sum(1 for who in active if min(member_days[who]) < start)
        before = active_between(previous_start(start, period), start)
        row["retention"] = _ratio(len(before & active), len(before))
        periods.append(row)

    # -- regular members -------------------------------------------------------------------
    months: dict[Key, set[tuple[int, int]]] = defaultdict(set)
    for m in window:
        if role(m) == MEMBER:
            months[member_key(m)].add((m["day"].year, m["day"].month))
    regular = sum(1 for ms in months.values() if len(ms) >= 3)

    # -- network ---------------------------------------------------------------------------
    edges: set[tuple[Key, Key]] = set()
    for c in window:
        p = parent(c)
        if p is None or c["author_id"] is None or p["author_id"] is None:
            continue
        if c["author_id"] != p["author_id"]:
            edges.add((member_key(c), member_key(p)))
    ties = {frozenset(e) for e in edges}
    both = {t for t in ties if all((a, b) in edges for a in t for b in t if a != b)}
    with_account = {t for t in ties if any(who in owned for who in t)}
    people = {member_key(m) for m in window if role(m) == MEMBER}

    def is_member(who: Key) -> bool:
        return who[1] is not None and who not in owned and who not in bots

    tied_members = {who for t in ties for who in t if is_member(who)}
    member_ties = [tuple(t) for t in ties if all(is_member(w) for w in t)]
    if not starts:  # no window at all (no message, or since >= until): nothing to count
        network = dict.fromkeys(NETWORK_KEYS)
        regular_or_none: int | None = None
    else:
        regular_or_none = regular
        network = {
            "people": len(people),
            "ties": len(ties),
            "reciprocity": _ratio(len(both), len(ties)),
            "account_tie_share": _ratio(len(with_account), len(ties)),
            "member_component_share": _ratio(_largest_component(member_ties), len(tied_members))
            if tied_members
            else None,
        }

    return {
        "schema": "lien.metrics/1",
        "timezone": timezone,
        "period": period,
        "window": {
            "since": since_d.isoformat() if since_d else None,
            "until": until_d.isoformat() if until_d else None,
        },
        "periods": periods,
        "network": network,
        "regular_members": regular_or_none,
    }


def _has_back_and_forth(thread: Sequence[Mapping[str, Any]]) -> bool:
    known = [(m["created_at"], m["author_id"]) for m in thread if m["author_id"] is not None]
    for ty, y in known:
        for tx1, x1 in known:
            if x1 == y or tx1 >= ty:
                continue
            if any(x2 == x1 and tx2 > ty for tx2, x2 in known):
                return True
    return False


def _largest_component(edges: Sequence[tuple[Key, ...]]) -> int:
    """Size of the largest connected component; a lone member (no member tie) counts 1."""
    root: dict[Key, Key] = {}

    def find(x: Key) -> Key:
        root.setdefault(x, x)
        while root[x] != x:
            root[x] = root[root[x]]
            x = root[x]
        return x

    for a, b in edges:
        root[find(a)] = find(b)
    sizes: dict[Key, int] = defaultdict(int)
    for x in list(root):
        sizes[find(x)] += 1
    return max(sizes.values(), default=1)
