"""The reference implementation on tiny communities whose numbers are worked out by hand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from .metrics_ref import (
    NETWORK_KEYS,
    PERIOD_KEYS,
    is_question,
    quantile,
    question_words,
    reference_metrics,
)

T0 = datetime(2021, 3, 10, 12, 0)  # a Wednesday; Paris is UTC+1


def M(
    id: str,
    parent: str | None,
    author: str | None,
    at: datetime | float,
    text: str | None = None,
    platform: str = "mastodon",
    **extra: Any,
) -> dict[str, Any]:
    """A message; `at` in hours after T0 or a UTC datetime."""
    when = at if isinstance(at, datetime) else T0 + timedelta(hours=at)
    base = {
        "platform": platform,
        "id": id,
        "parent_id": parent,
        "author_id": author,
        "author_handle": None,
        "author_is_bot": None,
        "created_at": when,
        "text": text,
        "owner_liked": None,
    }
    return base | extra


def only(doc: dict[str, Any], label: str | None = None) -> dict[str, Any]:
    rows = doc["periods"] if label is None else [p for p in doc["periods"] if p["period"] == label]
    assert len(rows) == 1, [p["period"] for p in doc["periods"]]
    return rows[0]


ACC = [("mastodon", "acc"), ("facebook", "acc")]


def test_every_key_is_present_and_the_shape_is_the_schema() -> None:
    doc = reference_metrics([M("p", None, "m1", 0)], ACC)
    assert doc["schema"] == "lien.metrics/1" and doc["period"] == "month"
    assert doc["window"] == {"since": "2021-03-10", "until": "2021-03-11"}
    assert set(only(doc)) == {"period", *PERIOD_KEYS}
    assert set(doc["network"]) == set(NETWORK_KEYS)


def test_quantiles_interpolate_linearly() -> None:
    assert quantile([1, 2, 3, 4], 0.5) == 2.5
    assert quantile([4, 1, 3, 2], 0.9) == pytest.approx(3.7)  # position 2.7
    assert quantile([5], 0.9) == 5


def test_listening_on_a_nested_platform() -> None:
    msgs = [
        M("p", None, "acc", 0),
        M("c1", "p", "m1", 1, "Horaires ?"),  # addressed, answered by r1 after 2 h
        M("r1", "c1", "acc", 3),
        M("c2", "p", "m2", 2),  # addressed, never answered
        M("c3", "r1", "m1", 4),  # addressed (parent r1 is the account's)
        M("c4", "c2", "m3", 5, "how far"),  # not addressed; a question, unanswered
        M("o", "gone", "m4", 6, "pourquoi ?"),  # orphan: in no response metric
    ]
    row = only(reference_metrics(msgs, ACC))
    assert row["addressed"] == 3
    assert row["response_rate"] == pytest.approx(1 / 3)
    assert row["response_within_24h_rate"] == pytest.approx(1 / 3)
    assert row["ttfr_median_h"] == 2.0 and row["ttfr_p90_h"] == 2.0
    assert row["questions"] == 2  # c1, c4
    assert row["question_response_rate"] == 0.5
    assert row["acknowledged_rate"] is None  # no owner-like signal


@pytest.mark.parametrize(("platform", "rate"), [("facebook", 1.0), ("mastodon", 0.0)])
def test_flat_platforms_answer_a_reply_through_its_comment(platform: str, rate: float) -> None:
    msgs = [
        M("p", None, "acc", 0, platform=platform),
        M("c", "p", "acc", 1, platform=platform),  # the account's comment
        M("early", "c", "acc", 1.5, platform=platform),  # before x: never x's answer
        M("x", "c", "m1", 2, platform=platform),  # a reply to the account: addressed
        M("y", "c", "acc", 5, platform=platform),  # later sibling of x
    ]
    row = only(reference_metrics(msgs, ACC))
    assert row["addressed"] == 1
    assert row["response_rate"] == rate
    assert row["ttfr_median_h"] == (3.0 if rate else None)


def test_exact_24_hours_and_answers_dated_before_the_message() -> None:
    msgs = [
        M("p", None, "acc", 0),
        M("a", "p", "m1", 1),
        M("ra", "a", "acc", 25),  # exactly 24 h: within
        M("b", "p", "m2", 1),
        M("rb", "b", "acc", 25 + 1 / 3600),  # 24 h and one second: answered, not within
        M("c", "p", "m3", 10),
        M("rc", "c", "acc", 9),  # dated before c: does not answer it
    ]
    row = only(reference_metrics(msgs, ACC))
    assert row["addressed"] == 3
    assert row["response_rate"] == pytest.approx(2 / 3)
    assert row["response_within_24h_rate"] == pytest.approx(1 / 3)
    assert row["ttfr_median_h"] == pytest.approx(24 + 1 / 7200)


def test_an_answer_after_the_window_still_answers() -> None:
    msgs = [M("p", None, "acc", 0), M("a", "p", "m1", 1), M("r", "a", "acc", 24 * 30)]
    doc = reference_metrics(msgs, ACC, since="2021-03-01", until="2021-04-01")
    assert only(doc)["response_rate"] == 1.0
    assert only(doc)["ttfr_median_h"] == 24 * 30 - 1


def test_acknowledged_counts_owner_likes_and_is_null_without_the_signal() -> None:
    fb = "facebook"
    msgs = [
        M("p", None, "acc", 0, platform=fb),
        M("a", "p", "m1", 1, platform=fb, owner_liked=True),
        M("b", "p", "m2", 1, platform=fb, owner_liked=False),
        M("c", "p", "m3", 1, platform=fb),  # no signal: counts as not liked
        M("d", "p", "m4", 1, platform=fb, owner_liked=False),
        M("rd", "d", "acc", 2, platform=fb),  # d answered
    ]
    assert only(reference_metrics(msgs, ACC))["acknowledged_rate"] == 0.5
    no_signal = [m | {"owner_liked": None} for m in msgs]
    assert only(reference_metrics(no_signal, ACC))["acknowledged_rate"] is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Où est la plage", True),
        ("@bob @alice.social Comment venir", True),
        ("...Est-ce loin", True),
        ("(@bob) how far", True),
        ("  — POURQUOI pas", True),
        ("peut-on, venir", True),
        ("Hello?", True),
        ("what's up", True),  # "what" + "'s"
        ("qu’est-ce", False),  # "qu" + "’est-ce"
        ("C'est beau", False),
        ("howdy", False),
        ("🙂 how far", True),  # an emoji is not a word
        ("🙂comment venir", True),
        ("2 ponts", False),
        ("Bonjour, comment venir", False),
        ("", False),
        (None, False),
    ],
)
def test_questions(text: str | None, expected: bool) -> None:
    assert is_question(text, question_words()) is expected


def test_extra_question_words_extend_the_lists() -> None:
    assert not is_question("Wo ist", question_words())
    assert is_question("Wo ist", question_words(["wo"]))
    msgs = [M("p", None, "m1", 0, "wo ist das")]
    doc = reference_metrics(msgs, ACC, extra_question_words=["WO"])
    assert only(doc)["questions"] == 1


def test_conversing_counts_and_exchange_classes() -> None:
    msgs = [
        M("p1", None, "acc", 0),
        M("p2", None, "acc", 0),
        M("p3", None, "m1", 0),
        M("c1", "p1", "m1", 1),  # member -> account
        M("c2", "c1", "m2", 2),  # member -> member
        M("c3", "c2", "m2", 3),  # self-reply: no exchange
        M("c4", "c1", "acc", 4),  # account -> member
        M("c5", "p1", None, 5),  # unknown: no exchange, not a member message
        M("c6", "c1", "bot1", 6, author_is_bot=True),  # bot: in no class
        M("c7", "c6", "m3", 7),  # member -> bot: in no class
        M("o1", "gone", "m4", 8),  # orphan: member message with a parent, no exchange
        M("c8", "p3", "m2", 1),  # member -> member, before... after its parent
    ]
    row = only(reference_metrics(msgs, ACC))
    assert (row["account_posts"], row["member_posts"]) == (2, 1)
    assert row["community_started_share"] == pytest.approx(1 / 3)
    assert row["member_messages"] == 7  # p3 c1 c2 c3 c7 o1 c8
    assert row["conversation_rate"] == 3.0  # 6 member messages with a parent / 2 posts
    assert (row["member_to_member"], row["member_to_account"], row["account_to_member"]) == (
        2,
        1,
        1,
    )
    assert row["horizontality"] == 0.5


def test_bot_handles_and_owned_accounts_take_precedence() -> None:
    msgs = [
        M("p", None, "acc", 0, author_is_bot=True),  # owned even though flagged
        M("c", "p", "m1", 1),
        M("d", "p", "spam", 2, author_handle="spammy"),
        M("e", "p", "m2", 3),
    ]
    row = only(reference_metrics(msgs, ACC, bot_handles=["spammy"]))
    assert row["account_posts"] == 1 and row["member_messages"] == 2
    assert row["member_to_account"] == 2 and row["active_members"] == 2
    row = only(reference_metrics(msgs, ACC, bot_handles=["m2"]))  # ids match too
    assert row["member_messages"] == 2  # m1 and spam (not a bot without its handle listed)


def test_the_same_id_on_another_platform_is_another_person() -> None:
    msgs = [
        M("p", None, "acc", 0, platform="x"),  # not owned on x
        M("q", None, "m1", 0, platform="x"),
        M("q", None, "m1", 0),
    ]
    row = only(reference_metrics(msgs, ACC))
    assert row["member_posts"] == 3 and row["active_members"] == 3


def test_comment_threads_dialogue_and_replies() -> None:
    msgs = [
        M("p", None, "acc", 0),
        # thread 1: m1, acc, m2, m1 -> m1 ... acc ... m1 is a back-and-forth (not consecutive)
        M("a", "p", "m1", 1),
        M("a1", "a", "acc", 2),
        M("a2", "a1", "m2", 3),
        M("a3", "a", "m1", 4),
        # thread 2: m1, m2, m2 -> none
        M("b", "p", "m1", 1),
        M("b1", "b", "m2", 2),
        M("b2", "b1", "m2", 3),
        # thread 3: m1, m2 and m1 at the same time -> none (strict times)
        M("c", "p", "m1", 1),
        M("c1", "c", "m2", 2),
        M("c2", "c", "m1", 2),
        # thread 4: an unknown author between m1 and m1 -> none; a reply dated first counts
        M("d", "p", "m1", 5),
        M("d1", "d", None, 6),
        M("d2", "d1", "m1", 7),
        M("d3", "d", "m3", 0.5),
        # a comment of another period: not this period's
        M("e", "p", "m1", datetime(2021, 4, 2)),
    ]
    doc = reference_metrics(msgs, ACC)
    row = only(doc, "2021-03")
    assert row["comment_threads"] == 4
    assert row["dialogue_rate"] == 0.25
    assert row["replies_per_comment"] == (3 + 2 + 2 + 3) / 4
    assert only(doc, "2021-04")["replies_per_comment"] == 0


def test_the_children_of_an_orphan_are_replies_in_no_comment_thread() -> None:
    msgs = [
        M("o", "gone", "acc", 0, platform="facebook"),  # orphan by the account
        M("x", "o", "m1", 1, platform="facebook"),  # addressed; a reply (o has a parent)
        M("y", "o", "acc", 2, platform="facebook"),  # later sibling: answers x on a flat platform
    ]
    row = only(reference_metrics(msgs, ACC))
    assert row["addressed"] == 1 and row["response_rate"] == 1.0
    assert row["comment_threads"] == 0 and row["account_to_member"] == 0
    assert row["member_to_account"] == 1
    nested = only(reference_metrics([m | {"platform": "x"} for m in msgs], [("x", "acc")]))
    assert nested["addressed"] == 1 and nested["response_rate"] == 0.0


def test_belonging_history_empty_periods_and_regulars() -> None:
    def at(month: int, day: int = 5) -> datetime:
        return datetime(2021, month, day, 12)

    msgs = [
        M("1", None, "m1", at(1)),
        M("2", None, "m2", at(1)),
        M("3", None, "m1", at(2)),
        M("4", None, "m3", at(2)),
        # March: nobody
        M("5", None, "m1", at(4)),
        M("6", None, "m2", at(4)),
        M("7", None, "m1", at(5)),
    ]
    doc = reference_metrics(msgs, ACC)
    rows = {p["period"]: p for p in doc["periods"]}
    assert list(rows) == ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05"]
    assert [rows[k]["active_members"] for k in rows] == [2, 2, 0, 2, 1]
    assert [rows[k]["new_members"] for k in rows] == [2, 1, 0, 0, 0]
    assert [rows[k]["returning_members"] for k in rows] == [0, 1, 0, 2, 1]
    assert [rows[k]["retention"] for k in rows] == [None, 0.5, 0.0, None, 0.5]
    assert rows["2021-03"]["response_rate"] is None and rows["2021-03"]["member_messages"] == 0
    assert doc["regular_members"] == 1  # m1: Jan, Feb, Apr, May
    # History keys look before the window; regulars only count months of the window.
    doc = reference_metrics(msgs, ACC, since="2021-02-01", until="2021-05-01")
    rows = {p["period"]: p for p in doc["periods"]}
    assert list(rows) == ["2021-02", "2021-03", "2021-04"]
    assert rows["2021-02"]["retention"] == 0.5 and rows["2021-02"]["new_members"] == 1
    assert doc["regular_members"] == 0  # m1: Feb, Apr only


def test_periods_follow_the_time_zone_dst_and_iso_weeks() -> None:
    msgs = [
        M("a", None, "m1", datetime(2021, 3, 31, 22, 30)),  # 00:30 on 1 April in Paris (UTC+2)
        M("b", None, "m2", datetime(2020, 12, 31, 23, 30)),  # 1 Jan 2021, ISO week 2020-W53
        M("c", None, "m3", datetime(2021, 1, 3, 23, 30)),  # Monday 4 Jan: 2021-W01
    ]
    months = [p["period"] for p in reference_metrics(msgs, ACC)["periods"]]
    assert months == ["2021-01", "2021-02", "2021-03", "2021-04"]
    april = only(reference_metrics(msgs, ACC), "2021-04")
    assert april["member_posts"] == 1
    in_utc = reference_metrics(msgs, ACC, timezone="UTC")
    assert only(in_utc, "2021-03")["member_posts"] == 1
    assert only(in_utc, "2020-12")["member_posts"] == 1
    weeks = reference_metrics(msgs[1:], ACC, period="week")
    assert [p["period"] for p in weeks["periods"]] == ["2020-W53", "2021-W01"]
    assert weeks["window"] == {"since": "2021-01-01", "until": "2021-01-05"}


def test_response_hours_are_calendar_hours_across_dst() -> None:
    msgs = [
        M("p", None, "acc", datetime(2021, 3, 27, 12)),
        M("a", "p", "m1", datetime(2021, 3, 27, 23)),  # 00:00 local on the 28th
        M("r", "a", "acc", datetime(2021, 3, 28, 11)),  # 13:00 local: 12 h, not 13
    ]
    assert only(reference_metrics(msgs, ACC))["ttfr_median_h"] == 12.0


def test_platform_filter_keeps_only_those_platforms() -> None:
    msgs = [
        M("p", None, "acc", 0),
        M("c", "p", "m1", 1),
        M("p", None, "m1", datetime(2021, 6, 1), platform="x"),
    ]
    doc = reference_metrics(msgs, ACC, platforms=["mastodon"])
    assert [p["period"] for p in doc["periods"]] == ["2021-03"]
    assert only(doc)["member_messages"] == 1


def test_network_star_and_member_components() -> None:
    msgs = [
        M("p", None, "acc", 0),
        M("a", "p", "m1", 1),
        M("b", "p", "m2", 1),
        M("c", "p", "m3", 1),
        M("ra", "a", "acc", 2),  # acc <-> m1 reciprocated
        M("d", "b", "m4", 3),  # m4 -> m2: a member tie
        M("e", "d", "m2", 4),  # m2 -> m4: reciprocated
        M("f", "c", "bot", 5, author_is_bot=True),  # bot -> m3: a tie with a bot
        M("g", "p", None, 6),  # unknown: no node
    ]
    net = reference_metrics(msgs, ACC)["network"]
    assert net["people"] == 4
    # ties: acc-m1, acc-m2, acc-m3, m2-m4, bot-m3
    assert net["ties"] == 5
    assert net["reciprocity"] == 0.4
    assert net["account_tie_share"] == 0.6
    assert net["member_component_share"] == 0.5  # {m2, m4} of m1..m4
    star = reference_metrics(msgs[:4], ACC)["network"]
    assert star["account_tie_share"] == 1.0 and star["member_component_share"] == pytest.approx(
        1 / 3
    )
    alone = reference_metrics(msgs[:1], ACC)["network"]
    assert alone == {
        "people": 0,
        "ties": 0,
        "reciprocity": None,
        "account_tie_share": None,
        "member_component_share": None,
    }


def test_network_only_counts_exchanges_replying_in_the_window() -> None:
    msgs = [
        M("p", None, "m1", datetime(2021, 1, 5)),
        M("c", "p", "m2", datetime(2021, 2, 5)),  # m2 -> m1, in February
    ]
    feb = reference_metrics(msgs, ACC, since="2021-02-01", until="2021-03-01")["network"]
    assert (feb["people"], feb["ties"], feb["member_component_share"]) == (1, 1, 1.0)
    jan = reference_metrics(msgs, ACC, since="2021-01-01", until="2021-02-01")["network"]
    assert (jan["people"], jan["ties"]) == (1, 0)
