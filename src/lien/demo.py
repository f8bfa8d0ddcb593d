"""The demo destination: a seeded, synthetic French-speaking tourism office and its community.

"Office de tourisme du Val de Lune" (invented, as is every person in it) runs a Facebook page,
an Instagram account and a Mastodon account from 2019 to 2021. The story the numbers should
tell, and that tests/test_demo.py checks:

- member activity is heavy-tailed: a core of regulars writes much of what members write;
- visitors ask practical questions (opening hours, parking, weather, lodging, accessibility);
  the account answers most of them within hours on weekdays, more slowly at weekends, and
  misses a few;
- summers bring waves of newcomers; the spring 2020 lockdown (17 March to 11 May) brings few
  newcomers, while members talk more with each other;
- some thank the account, some complain; a few bots, unknown authors and orphans are there
  because real data has them.

Generation is vectorised with numpy (no Python loop per message), written as a generic CSV
with naive local times, and imported through the normal pipeline, so the demo exercises the
real import. The same seed and size always give the same messages.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .demo_texts import (
    ANSWERS_EN,
    ANSWERS_FR,
    COMMENTS_FR,
    COMPLAINTS_FR,
    FIRST,
    LAST,
    MEMBER_ANSWERS_FR,
    MEMBER_CHAT_FR,
    PLACES,
    POSTS_FR,
    QUESTIONS_EN,
    QUESTIONS_FR,
    SPAM,
    THANKS,
    VISITOR_POSTS_FR,
)
from .workspace import Workspace

START = date(2019, 1, 1)
END = date(2022, 1, 1)  # exclusive
LOCKDOWN = (date(2020, 3, 17), date(2020, 5, 11))
SECOND_LOCKDOWN = (date(2020, 10, 30), date(2020, 12, 15))
DEFAULT_SIZE = 50_000
TIMEZONE = "Europe/Paris"
NAME = "Office de tourisme du Val de Lune"

# platform → (owned account id, handle, flat?, share of the community, account posts per day)
PLATFORMS: dict[str, tuple[str, str, bool, float, float]] = {
    "facebook": ("104729300000001", "valdelune.tourisme", True, 0.55, 1.0),
    "instagram": ("17841400000000001", "valdelune_tourisme", True, 0.30, 0.6),
    "mastodon": ("109000000000000001", "valdelune@piaille.example", False, 0.15, 0.5),
}
BOTS = ("mastodon", ("109000000000000777", "promo_bot@spam.example"))


@dataclass
class DemoResult:
    workspace: Path
    messages: int
    per_platform: dict[str, int]
    imports: list[Any] = field(default_factory=list)
    # (label, path) of what was built from the workspace (the report, when it exists).
    outputs: list[tuple[str, Path]] = field(default_factory=list)


def _texts(templates: tuple[str, ...]) -> pa.Array:
    out = []
    for t in templates:
        out += [t.format(p=p) for p in PLACES] if "{p}" in t else [t]
    return pa.array(out)


def _pick(rng: np.random.Generator, templates: tuple[str, ...], n: int) -> pa.Array:
    texts = _texts(templates)
    return pc.take(texts, pa.array(rng.integers(0, len(texts), n)))


def _pick_among(
    rng: np.random.Generator, kinds: tuple[tuple[str, ...], ...], kind: np.ndarray
) -> pa.Array:
    """One text per row from the templates of its kind (`kind[i]` indexes `kinds`).

    One take from all templates at once: building a full column per kind and choosing
    between them would hold several copies of the column at 10 million messages."""
    texts = [_texts(templates) for templates in kinds]
    sizes = np.array([len(t) for t in texts])
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    index = offsets[kind] + (rng.random(len(kind)) * sizes[kind]).astype(np.int64)
    return pc.take(pa.concat_arrays(texts), pa.array(index))


def _day_weights(days: np.ndarray) -> np.ndarray:
    """How many newcomers arrive each day: summer waves, Christmas market, lockdowns."""
    as_dates = days.astype("datetime64[D]")
    month = (as_dates.astype("datetime64[M]").astype(int) % 12) + 1
    day_of_month = (as_dates - as_dates.astype("datetime64[M]")).astype(int) + 1
    weight = np.ones(len(days))
    weight[(month == 7) | (month == 8)] = 3.0
    weight[(month == 6) & (day_of_month >= 15)] = 2.0
    weight[month == 12] = 1.6
    weight[(month == 1) | (month == 2)] = 0.7
    for start, end in (LOCKDOWN, SECOND_LOCKDOWN):
        inside = (as_dates >= np.datetime64(start)) & (as_dates < np.datetime64(end))
        weight[inside] *= 0.2 if start == LOCKDOWN[0] else 0.5
    return weight


def _in_lockdown(seconds: np.ndarray) -> np.ndarray:
    start = (np.datetime64(LOCKDOWN[0]) - np.datetime64(START)).astype("timedelta64[s]").astype(int)
    end = (np.datetime64(LOCKDOWN[1]) - np.datetime64(START)).astype("timedelta64[s]").astype(int)
    return (seconds >= start) & (seconds < end)


def _daytime(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into the day, most messages between 8 h and 23 h."""
    hours = rng.choice(24, size=n, p=_HOUR_P)
    return hours * 3600 + rng.integers(0, 3600, n)


_HOUR_WEIGHTS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 2, 4, 5, 6, 6, 7, 8, 7, 6, 6, 7, 8, 9, 10, 9, 6, 3], float
)
_HOUR_P = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()


def _weekday(seconds: np.ndarray) -> np.ndarray:
    """0 = Monday for local times given as seconds since START (a Tuesday)."""
    return ((seconds // 86400) + START.weekday()) % 7


def _answer_delay(rng: np.random.Generator, at: np.ndarray) -> np.ndarray:
    """Seconds until the account answers: hours on weekdays, about a day at weekends."""
    n = len(at)
    weekend = _weekday(at) >= 5
    hour = (at % 86400) / 3600
    delay_h = rng.lognormal(np.log(1.5), 0.9, n)
    evening = (~weekend) & ((hour >= 18) | (hour < 8))
    # Asked in the evening: answered the next morning.
    delay_h[evening] += np.where(hour[evening] >= 18, 33 - hour[evening], 9 - hour[evening])
    delay_h[weekend] = rng.lognormal(np.log(14), 0.7, int(weekend.sum()))
    return (delay_h * 3600).astype(np.int64) + 60


def generate(size: int = DEFAULT_SIZE, seed: int = 2020) -> pa.Table:
    """The demo's messages as a table in the generic CSV layout (naive local times)."""
    rng = np.random.default_rng(seed)
    total_days = (END - START).days
    horizon = total_days * 86400
    scale = max(size / DEFAULT_SIZE, 0.05)

    # Account posts: a steady editorial rhythm on every platform.
    post_platform, post_at = [], []
    for name, (_, _, _, _, per_day) in PLATFORMS.items():
        n = rng.poisson(per_day * scale * total_days)
        days = rng.integers(0, total_days, n)
        post_at.append(days * 86400 + 9 * 3600 + rng.integers(0, 10 * 3600, n))
        post_platform.append(np.full(n, name))
    account_post_at = np.concatenate(post_at)
    account_post_platform = np.concatenate(post_platform)

    # Members: arrival (newcomer waves), a heavy-tailed appetite, a time they stay around.
    posts = len(account_post_at)
    member_messages = max(int((size - posts) / 1.40), 10)
    members = max(member_messages // 5, 5)
    day_index = np.arange(total_days)
    p = _day_weights(np.datetime64(START) + day_index)
    arrival = rng.choice(total_days, size=members, p=p / p.sum()) * 86400
    appetite = rng.pareto(1.3, members) + 1
    stay = np.minimum(30 * 86400 * (1 + 6 * np.log1p(appetite) ** 1.5), horizon)
    platform_names = np.array(list(PLATFORMS))
    shares = np.array([v[3] for v in PLATFORMS.values()])
    home = rng.choice(len(PLATFORMS), size=members, p=shares)

    author = rng.choice(members, size=member_messages, p=appetite / appetite.sum())
    # Everyone writes their first message the day they arrive.
    first = rng.permutation(members)[: min(members, member_messages)]
    author[: len(first)] = first
    stay = np.minimum(stay, horizon - arrival - 86400)
    at = arrival[author] + (rng.random(member_messages) ** 1.5 * stay[author]).astype(np.int64)
    at[: len(first)] = arrival[first]
    at = (at // 86400) * 86400 + _daytime(rng, member_messages)
    keep = at < horizon
    author, at = author[keep], at[keep]
    platform = platform_names[home[author]]

    # Some members start threads of their own (visitor posts, mentions).
    starts = (rng.random(len(at)) < 0.03) & (platform != "instagram")
    m_post_at, m_post_platform, m_post_author = at[starts], platform[starts], author[starts]
    author, at, platform = author[~starts], at[~starts], platform[~starts]

    pool_at = np.concatenate([account_post_at, m_post_at])
    pool_platform = np.concatenate([account_post_platform, m_post_platform])
    pool_author = np.concatenate([np.full(posts, -1), m_post_author])
    n_pool = len(pool_at)

    # Attach every member message to a recent thread of its platform.
    thread = np.full(len(at), -1)
    for name in PLATFORMS:
        mine = np.flatnonzero(pool_platform == name)
        if len(mine) == 0:
            continue
        mine = mine[np.argsort(pool_at[mine], kind="stable")]
        rows = np.flatnonzero(platform == name)
        latest = np.searchsorted(pool_at[mine], at[rows], side="right") - 1
        latest -= rng.geometric(0.45, len(rows)) - 1
        ok = latest >= 0
        thread[rows[ok]] = mine[latest[ok]]
    attached = thread >= 0
    author, at, platform, thread = (
        author[attached],
        at[attached],
        platform[attached],
        thread[attached],
    )
    at = np.maximum(at, pool_at[thread] + 60)
    keep = at < horizon
    author, at, platform, thread = author[keep], at[keep], platform[keep], thread[keep]

    # Within a thread, members answer each other: more so in the lockdown.
    order = np.lexsort((at, thread))
    author, at, platform, thread = author[order], at[order], platform[order], thread[order]
    n = len(at)
    group_start = np.r_[0, np.flatnonzero(np.diff(thread)) + 1]
    starts_of = np.repeat(group_start, np.diff(np.r_[group_start, n]))
    rank = np.arange(n) - starts_of
    reply_p = np.where(_in_lockdown(at), 0.55, 0.22)
    is_reply = (rank > 0) & (rng.random(n) < reply_p)
    target = np.where(is_reply, starts_of + (rng.random(n) * rank).astype(np.int64), -1)
    comment_of = np.where(is_reply, target, np.arange(n))
    for _ in range(64):  # pointer jumping: the top-level comment of every reply
        nxt = comment_of[comment_of]
        if np.array_equal(nxt, comment_of):
            break
        comment_of = nxt

    flat_by_name = {name: v[2] for name, v in PLATFORMS.items()}
    flat = np.zeros(n, bool)
    for name, is_flat in flat_by_name.items():
        flat[platform == name] = is_flat

    question = rng.random(n) < np.where(is_reply, 0.06, 0.3)
    complaint = (~question) & (rng.random(n) < 0.04)

    # The account answers most questions, some complaints and a few comments.
    answer_p = np.where(question, 0.88, np.where(complaint, 0.6, 0.08))
    answered = rng.random(n) < answer_p
    ans_rows = np.flatnonzero(answered)
    ans_at = at[ans_rows] + _answer_delay(rng, at[ans_rows])
    ok = ans_at < horizon
    ans_rows, ans_at = ans_rows[ok], ans_at[ok]

    # Some askers thank the account, which makes a little dialogue.
    thank = rng.random(len(ans_rows)) < 0.35
    th_rows = ans_rows[thank]
    th_at = ans_at[thank] + rng.integers(600, 36 * 3600, len(th_rows))
    keep_th = th_at < horizon
    th_rows, th_at, th_answer = th_rows[keep_th], th_at[keep_th], np.flatnonzero(thank)[keep_th]

    # Ids: one sequence across the demo, so they are unique on every platform.
    post_ids = np.arange(n_pool) + 1_000_000
    msg_ids = np.arange(n) + 3_000_000
    ans_ids = np.arange(len(ans_rows)) + 30_000_000
    th_ids = np.arange(len(th_rows)) + 60_000_000

    def ids(values: np.ndarray, prefix: str = "") -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(values), pa.string()), "")

    parent_row = np.where(flat, comment_of, target)
    msg_parent = np.where(is_reply, parent_row, -1)
    parent_ids = pc.if_else(
        pa.array(msg_parent >= 0),
        ids(msg_ids[np.maximum(msg_parent, 0)]),
        ids(post_ids[thread]),
    )
    # A few comments answer messages deleted since (orphans).
    orphan = rng.random(n) < 0.004
    parent_ids = pc.if_else(pa.array(orphan), ids(np.arange(n) + 90_000_000), parent_ids)
    ans_parent = np.where(flat[ans_rows], comment_of[ans_rows], ans_rows)
    th_parent_flat = comment_of[th_rows]

    # Texts.
    english = rng.random(n) < 0.08
    answers_question = question[np.maximum(target, 0)] & (rng.random(n) < 0.7)
    texts = _pick_among(
        rng,
        (QUESTIONS_EN, QUESTIONS_FR, COMPLAINTS_FR, MEMBER_ANSWERS_FR, MEMBER_CHAT_FR, COMMENTS_FR),
        np.select(
            [question & english, question, complaint, is_reply & answers_question, is_reply],
            [0, 1, 2, 3, 4],
            5,
        ),
    )
    post_texts = _pick_among(rng, (VISITOR_POSTS_FR, POSTS_FR), (pool_author < 0).astype(np.int64))
    ans_texts = _pick_among(rng, (ANSWERS_EN, ANSWERS_FR), (~english[ans_rows]).astype(np.int64))

    member_ids = np.arange(members) + 500_000_000
    first_names = np.array(FIRST)[np.arange(members) % len(FIRST)]
    last_initials = np.array(list(LAST))[(np.arange(members) // len(FIRST)) % len(LAST)]
    names = pc.binary_join_element_wise(pa.array(first_names), pa.array(last_initials), " ")
    names = pc.binary_join_element_wise(names, pa.array(["."] * members), "")
    handles = pc.utf8_lower(
        pc.binary_join_element_wise(
            pa.array(first_names), pc.cast(pa.array(np.arange(members) % 97), pa.string()), "_"
        )
    )

    owned = {name: v[0] for name, v in PLATFORMS.items()}
    owned_handle = {name: v[1] for name, v in PLATFORMS.items()}

    def owned_col(plat: np.ndarray, which: dict[str, str]) -> pa.Array:
        return pc.take(pa.array([which[name] for name in PLATFORMS]), _platform_index(plat))

    pool_member = pool_author >= 0
    safe_pool_author = np.maximum(pool_author, 0)
    # Unknown authors: a few Facebook comments from profiles hidden from the page.
    unknown = (platform == "facebook") & (rng.random(n) < 0.01)

    def member_col(column: pa.Array, rows: np.ndarray, hide: np.ndarray | None = None) -> pa.Array:
        values = pc.take(column, pa.array(rows))
        if hide is not None:
            values = pc.if_else(pa.array(hide), pa.scalar(None, pa.string()), values)
        return values

    def local_time(seconds: np.ndarray) -> pa.Array:
        stamps = np.datetime64(datetime.combine(START, datetime.min.time())) + seconds.astype(
            "timedelta64[s]"
        )
        return pc.strftime(pa.array(stamps.astype("datetime64[s]")), format="%Y-%m-%dT%H:%M:%S")

    member_id_col = pc.cast(pa.array(member_ids), pa.string())
    blocks = []
    # Account posts and visitor posts.
    blocks.append(
        {
            "platform": pa.array(pool_platform),
            "id": ids(post_ids),
            "parent_id": pa.nulls(n_pool, pa.string()),
            "author_id": pc.if_else(
                pa.array(pool_member),
                member_col(member_id_col, safe_pool_author),
                owned_col(pool_platform, owned),
            ),
            "author_handle": pc.if_else(
                pa.array(pool_member),
                member_col(handles, safe_pool_author),
                owned_col(pool_platform, owned_handle),
            ),
            "author_name": pc.if_else(
                pa.array(pool_member), member_col(names, safe_pool_author), pa.scalar(NAME)
            ),
            "created_at": local_time(pool_at),
            "text": post_texts,
            "like_count": pa.array(rng.poisson(40 * (1 + 3 * rng.random(n_pool)))),
            "owner_liked": pa.nulls(n_pool, pa.bool_()),
            "author_is_bot": pa.array(np.zeros(n_pool, bool)),
        }
    )
    likes_known = platform != "mastodon"
    owner_likes = pc.if_else(
        pa.array(likes_known), pa.array(rng.random(n) < 0.35), pa.scalar(None, pa.bool_())
    )
    blocks.append(
        {
            "platform": pa.array(platform),
            "id": ids(msg_ids),
            "parent_id": parent_ids,
            "author_id": member_col(member_id_col, author, unknown),
            "author_handle": member_col(handles, author, unknown),
            "author_name": member_col(names, author, unknown),
            "created_at": local_time(at),
            "text": texts,
            "like_count": pa.array(rng.poisson(2, n)),
            "owner_liked": owner_likes,
            "author_is_bot": pa.array(np.zeros(n, bool)),
        }
    )
    ans_platform = platform[ans_rows]
    blocks.append(
        {
            "platform": pa.array(ans_platform),
            "id": ids(ans_ids),
            "parent_id": ids(msg_ids[ans_parent]),
            "author_id": owned_col(ans_platform, owned),
            "author_handle": owned_col(ans_platform, owned_handle),
            "author_name": pa.array([NAME] * len(ans_rows)),
            "created_at": local_time(ans_at),
            "text": ans_texts,
            "like_count": pa.array(rng.poisson(1, len(ans_rows))),
            "owner_liked": pa.nulls(len(ans_rows), pa.bool_()),
            "author_is_bot": pa.array(np.zeros(len(ans_rows), bool)),
        }
    )
    th_platform = platform[th_rows]
    th_parent = pc.if_else(
        pa.array(flat[th_rows]), ids(msg_ids[th_parent_flat]), ids(ans_ids[th_answer])
    )
    blocks.append(
        {
            "platform": pa.array(th_platform),
            "id": ids(th_ids),
            "parent_id": th_parent,
            "author_id": member_col(member_id_col, author[th_rows], unknown[th_rows]),
            "author_handle": member_col(handles, author[th_rows], unknown[th_rows]),
            "author_name": member_col(names, author[th_rows], unknown[th_rows]),
            "created_at": local_time(th_at),
            "text": _pick(rng, THANKS, len(th_rows)),
            "like_count": pa.array(rng.poisson(1, len(th_rows))),
            "owner_liked": pa.nulls(len(th_rows), pa.bool_()),
            "author_is_bot": pa.array(np.zeros(len(th_rows), bool)),
        }
    )
    # Bots reply to Mastodon posts with spam.
    masto_posts = np.flatnonzero(pool_platform == BOTS[0])
    n_bot = min(len(masto_posts), max(int(0.004 * size), 1)) if len(masto_posts) else 0
    if n_bot:
        bot_parent = rng.choice(masto_posts, n_bot, replace=False)
        bot_at = np.minimum(pool_at[bot_parent] + rng.integers(60, 7200, n_bot), horizon - 1)
        blocks.append(
            {
                "platform": pa.array([BOTS[0]] * n_bot),
                "id": ids(np.arange(n_bot) + 80_000_000),
                "parent_id": ids(post_ids[bot_parent]),
                "author_id": pa.array([BOTS[1][0]] * n_bot),
                "author_handle": pa.array([BOTS[1][1]] * n_bot),
                "author_name": pa.array(["Promo Bot"] * n_bot),
                "created_at": local_time(bot_at),
                "text": _pick(rng, SPAM, n_bot),
                "like_count": pa.array(np.zeros(n_bot, int)),
                "owner_liked": pa.nulls(n_bot, pa.bool_()),
                "author_is_bot": pa.array(np.ones(n_bot, bool)),
            }
        )
    tables = [pa.table(b) for b in blocks]
    tables = [t.cast(tables[0].schema) for t in tables]
    return pa.concat_tables(tables)


def write_csv(table: pa.Table, path: Path) -> None:
    """The generic CSV lien imports (naive local times, read in the workspace time zone)."""
    base_url = {
        "facebook": "https://www.facebook.com/valdelune.tourisme/posts/",
        "instagram": "https://www.instagram.com/p/",
        "mastodon": "https://piaille.example/@valdelune/",
    }
    url = pc.binary_join_element_wise(
        pc.take(pa.array(list(base_url.values())), _platform_index(table["platform"])),
        table["id"],
        "",
    )
    table = table.append_column("url", url)
    pacsv.write_csv(table, path, pacsv.WriteOptions(batch_size=200_000))


def _platform_index(column: Any) -> Any:
    return pc.index_in(
        pa.array(column) if isinstance(column, np.ndarray) else column,
        value_set=pa.array(list(PLATFORMS)),
    )


def build(
    out: Path,
    size: int = DEFAULT_SIZE,
    seed: int = 2020,
    progress: bool = False,
    keep_csv: bool = False,
    report: bool = True,
) -> DemoResult:
    """Create `out/lien-demo.duckdb` (replacing an older demo) and import the demo into it."""
    out.mkdir(parents=True, exist_ok=True)
    db = out / "lien-demo.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    table = generate(size, seed)
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        csv_path = (out if keep_csv else Path(tmp)) / "demo-messages.csv"
        write_csv(table, csv_path)
        del table
        with Workspace.create(db, timezone=TIMEZONE, lang="fr") as ws:
            for name, (account_id, handle, _, _, _) in PLATFORMS.items():
                ws.add_account(name, account_id, f"{NAME} ({handle})")
            ws.set_setting("business_hours", "09:00-18:00")
            ws.set_setting("business_days", "mon-fri")
            # The report (built from a read-only opening) shows language and tone.
            results = ws.import_paths([csv_path], progress=progress, annotate=report)
            counts = dict(
                ws.con.execute(
                    "SELECT platform, count(*) FROM messages GROUP BY 1 ORDER BY 1"
                ).fetchall()
            )
    result = DemoResult(db, sum(counts.values()), counts, results)
    if report:
        build_outputs(result, out)
    return result


def build_outputs(result: DemoResult, out: Path) -> None:
    """The files `lien demo` builds from the demo workspace, beside it (see DemoResult.outputs).

    The one place where the demo calls the other front ends (the report).
    """
    from .report import build_report

    with Workspace.open(result.workspace, read_only=True) as ws:
        report = build_report(ws, out / "report.html")
    result.outputs.append(("report", report.path))
