"""Every definition of METRICS.md on small communities computed by hand (values in comments)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lien.metrics import compute
from lien.workspace import Workspace

from ..csv_community import load, msg

D = "2021-03-0"

# One Mastodon (nested) community, March and April 2021 (Paris is UTC+1 in March).
NESTED = [
    msg("p1", None, "acc", f"{D}1T09:00:00Z", "Le lac ce matin"),
    msg("c1", "p1", "m1", f"{D}1T10:00:00Z", "Quels sont les horaires ?"),
    msg("s1", "c1", "m1", f"{D}1T10:30:00Z", "et le dimanche aussi"),  # self-reply
    msg("c2", "p1", "m2", f"{D}1T11:00:00Z", "Super photo"),
    msg("c3", "c2", "m3", f"{D}1T11:30:00Z", "où est-ce"),  # question by its first word
    msg("r1", "c1", "acc", f"{D}1T12:00:00Z", "De 10 h à 18 h"),
    msg("c4", "c3", "m2", f"{D}1T12:30:00Z", "Au belvédère"),
    msg("c5", "r1", "m1", f"{D}1T13:00:00Z", "merci"),
    msg("o1", "gone", "m4", f"{D}1T14:00:00Z", "Pourquoi ?"),  # orphan
    msg("u1", "p1", None, f"{D}1T15:00:00Z", "anonyme"),  # unknown author
    msg("b1", "p1", "bot", f"{D}1T16:00:00Z", "promo", handle="spam_bot"),
    msg("p2", None, "m3", f"{D}2T08:00:00Z", "Qui vient samedi"),
    msg("r2", "p2", "acc", f"{D}3T08:00:00Z", "Nous !"),
    msg("a1", "p1", "m1", "2021-04-05T10:00:00Z", "encore"),
]


@pytest.fixture
def nested(ws: Workspace, tmp_path: Path) -> Workspace:
    load(ws, tmp_path, NESTED, accounts=[("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    return ws


def _period(document: dict[str, Any], label: str) -> dict[str, Any]:
    return next(p for p in document["periods"] if p["period"] == label)


def test_listening_on_a_nested_platform(nested: Workspace) -> None:
    march = _period(compute(nested), "2021-03")
    # Addressed: c1, c2 (parent p1) and c5 (parent r1); only c1 is answered, by r1 after 2 h.
    assert march["addressed"] == 3
    assert march["response_rate"] == pytest.approx(1 / 3)
    assert march["response_within_24h_rate"] == pytest.approx(1 / 3)
    assert march["ttfr_median_h"] == pytest.approx(2.0)
    assert march["ttfr_p90_h"] == pytest.approx(2.0)
    # Questions: c1 ("?"), c3 (first word "où"), p2 (first word "qui"); not o1, an orphan.
    # Answered: c1 (r1) and p2 (r2, exactly 24 h later).
    assert march["questions"] == 3
    assert march["question_response_rate"] == pytest.approx(2 / 3)
    assert march["acknowledged_rate"] is None  # Mastodon gives no owner-like signal
    assert march["ttfr_business_median_h"] is None  # no business hours set


def test_conversing_on_a_nested_platform(nested: Workspace) -> None:
    march = _period(compute(nested), "2021-03")
    assert (march["account_posts"], march["member_posts"]) == (1, 1)
    assert march["community_started_share"] == pytest.approx(0.5)
    # Member messages: c1 s1 c2 c3 c4 c5 o1 p2; all but p2 have a parent (o1 included).
    assert march["member_messages"] == 8
    assert march["conversation_rate"] == pytest.approx(7.0)
    # Exchanges: m2m c3 c4; m2a c1 c2 c5; a2m r1 r2 (s1 self, o1 orphan, u1 unknown, b1 bot).
    assert (march["member_to_member"], march["member_to_account"], march["account_to_member"]) == (
        2,
        3,
        2,
    )
    assert march["horizontality"] == pytest.approx(2 / 7)
    # Comment threads: c1 (s1 r1 c5), c2 (c3 c4), u1, b1, r2 → 5 threads, 5 descendants.
    assert march["comment_threads"] == 5
    assert march["replies_per_comment"] == pytest.approx(1.0)
    # Dialogues: c1 (m1, m1, acc, m1) and c2 (m2, m3, m2).
    assert march["dialogue_rate"] == pytest.approx(2 / 5)


def test_belonging_and_regulars(nested: Workspace) -> None:
    document = compute(nested)
    march, april = _period(document, "2021-03"), _period(document, "2021-04")
    assert (march["active_members"], march["new_members"], march["returning_members"]) == (4, 4, 0)
    assert march["retention"] is None  # nobody was active in February
    assert (april["active_members"], april["new_members"], april["returning_members"]) == (1, 0, 1)
    assert april["retention"] == pytest.approx(1 / 4)
    assert april["addressed"] == 1 and april["response_rate"] == 0.0
    assert document["regular_members"] == 0


def test_network_keys(nested: Workspace) -> None:
    network = compute(nested)["network"]
    # Ties: m1-acc (both ways), m2-acc, m2-m3 (both ways), m3-acc, bot-acc.
    assert network["people"] == 4
    assert network["ties"] == 5
    assert network["reciprocity"] == pytest.approx(2 / 5)
    assert network["account_tie_share"] == pytest.approx(4 / 5)
    # Members with a tie: m1, m2, m3; without the account, m2-m3 is the largest group.
    assert network["member_component_share"] == pytest.approx(2 / 3)


def test_window_and_empty_periods(nested: Workspace) -> None:
    document = compute(nested, since="2021-01-01", until="2021-05-01")
    assert [p["period"] for p in document["periods"]] == [
        "2021-01",
        "2021-02",
        "2021-03",
        "2021-04",
    ]
    january = document["periods"][0]
    assert january["addressed"] == 0 and january["response_rate"] is None
    assert january["active_members"] == 0 and january["horizontality"] is None
    assert document["window"] == {"since": "2021-01-01", "until": "2021-05-01"}
    every_key = set(document["periods"][2])
    assert all(set(p) == every_key for p in document["periods"])


def _flat_or_nested(platform: str) -> list[tuple[str | None, ...]]:
    return [
        msg("P", None, "acc", "2021-06-01T08:00:00Z", "Le marché", platform=platform),
        msg("C", "P", "m1", "2021-06-01T10:00:00Z", "Comment venir", platform=platform),
        msg("R", "C", "m2", "2021-06-01T10:30:00Z", "Quand ouvre le musée", platform=platform),
        msg("A", "C", "acc", "2021-06-01T11:00:00Z", "En bus, dès 9 h", platform=platform),
    ]


@pytest.mark.parametrize(("platform", "answered"), [("facebook", 2), ("mastodon", 1)])
def test_flat_platforms_answer_replies_through_the_comment(
    ws: Workspace, tmp_path: Path, platform: str, answered: int
) -> None:
    load(ws, tmp_path, _flat_or_nested(platform), accounts=[(platform, "acc")])
    june = _period(compute(ws), "2021-06")
    # C is addressed and answered by A after 1 h. R (a reply) is answered by A only on a flat
    # platform, where A, attached to C after R, is in R's responder pool.
    assert (june["addressed"], june["response_rate"], june["ttfr_median_h"]) == (1, 1.0, 1.0)
    assert june["questions"] == 2
    assert june["question_response_rate"] == pytest.approx(answered / 2)


def test_exact_24_hours_and_answers_dated_before_the_question(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [
        msg("p", None, "acc", "2021-05-03T08:00:00Z"),
        msg("c1", "p", "m1", "2021-05-03T10:00:00Z"),
        msg("r1", "c1", "acc", "2021-05-04T10:00:00Z"),  # exactly 24 h
        msg("c2", "p", "m2", "2021-05-03T10:00:00Z"),
        msg("r2", "c2", "acc", "2021-05-04T10:00:01Z"),  # 24 h and one second
        msg("c3", "p", "m3", "2021-05-03T12:00:00Z"),
        msg("r3", "c3", "acc", "2021-05-03T11:00:00Z"),  # dated before its parent: no answer
    ]
    load(ws, tmp_path, rows, accounts=[("mastodon", "acc")])
    may = _period(compute(ws), "2021-05")
    assert may["addressed"] == 3
    assert may["response_rate"] == pytest.approx(2 / 3)
    assert may["response_within_24h_rate"] == pytest.approx(1 / 3)
    # Two answered: 24 h and 24 h + 1 s; median halfway, p90 by linear interpolation.
    assert may["ttfr_median_h"] == pytest.approx(24 + 0.5 / 3600)
    assert may["ttfr_p90_h"] == pytest.approx(24 + 0.9 / 3600)
    # r3 still is an exchange (account to member) even though its time is odd.
    assert may["account_to_member"] == 3


def test_periods_follow_the_workspace_time_zone(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        # 22:30 UTC on 31 March is 00:30 on 1 April in Paris (summer time since 28 March).
        msg("a", None, "m1", "2021-03-31T22:30:00Z"),
        # 23:30 UTC on 31 December 2020 is 1 January 2021 in Paris: ISO week 2020-W53.
        msg("b", None, "m2", "2020-12-31T23:30:00Z"),
        msg("c", None, "m3", "2021-01-03T22:59:00Z"),  # Sunday 23:59 in Paris: still W53
        msg("d", None, "m4", "2021-01-03T23:00:00Z"),  # Monday 00:00: 2021-W01
    ]
    load(ws, tmp_path, rows)
    months = {p["period"]: p["member_posts"] for p in compute(ws)["periods"]}
    assert months["2021-03"] == 0 and months["2021-04"] == 1 and months["2021-01"] == 3
    weeks = {p["period"]: p["member_posts"] for p in compute(ws, period="week")["periods"]}
    assert weeks["2020-W53"] == 2 and weeks["2021-W01"] == 1
    assert list(weeks)[0] == "2020-W53"


def test_business_hours(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p", None, "acc", "2021-06-04T07:00:00Z"),
        # Friday 17:00 Paris, answered Monday 10:00 Paris: 65 h of calendar time, but only
        # 1 h (Friday 17-18) + 1 h (Monday 9-10) of business time.
        msg("c", "p", "m1", "2021-06-04T15:00:00Z"),
        msg("r", "c", "acc", "2021-06-07T08:00:00Z"),
    ]
    load(ws, tmp_path, rows, accounts=[("mastodon", "acc")])
    ws.set_setting("business_hours", "09:00-18:00")
    ws.set_setting("business_days", "mon-fri")
    june = _period(compute(ws), "2021-06")
    assert june["ttfr_median_h"] == pytest.approx(65.0)
    assert june["ttfr_business_median_h"] == pytest.approx(2.0)


def test_several_accounts_on_several_platforms(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("1", None, "page", "2021-02-01T09:00:00Z", platform="facebook"),
        msg("2", "1", "m1", "2021-02-01T10:00:00Z", "Où ?", platform="facebook"),
        msg("3", "2", "page", "2021-02-01T11:00:00Z", platform="facebook"),
        msg("1", None, "office", "2021-02-01T09:00:00Z", platform="mastodon"),
        msg("2", "1", "page", "2021-02-01T10:00:00Z", "Où ?", platform="mastodon"),
        msg("3", "1", "office2", "2021-02-01T12:00:00Z", platform="mastodon"),
    ]
    load(
        ws, tmp_path, rows, [("facebook", "page"), ("mastodon", "office"), ("mastodon", "office2")]
    )
    both = _period(compute(ws), "2021-02")
    # On Mastodon "page" is a member (the id "page" is owned only on Facebook).
    assert both["account_posts"] == 2
    assert both["addressed"] == 2 and both["response_rate"] == pytest.approx(1 / 2)
    facebook = _period(compute(ws, platforms=["facebook"]), "2021-02")
    assert (facebook["addressed"], facebook["response_rate"]) == (1, 1.0)
    mastodon = _period(compute(ws, platforms=["mastodon"]), "2021-02")
    assert (mastodon["addressed"], mastodon["response_rate"], mastodon["member_to_account"]) == (
        1,
        0.0,
        1,
    )


def test_declaring_an_account_relabels_history(nested: Workspace) -> None:
    before = _period(compute(nested), "2021-03")
    nested.add_account("mastodon", "m2")
    after = _period(compute(nested), "2021-03")
    assert before["account_posts"] == 1 and after["account_posts"] == 1
    # m2 is now the account: c3 (m3 → m2) becomes member-to-account, c4 account-to-member.
    assert (after["member_to_member"], after["member_to_account"], after["account_to_member"]) == (
        0,
        3,  # c1, c5 (m1 → acc) and c3 (m3 → m2); c2 is now account to account
        3,  # r1, r2 and c4
    )
    nested.remove_account("mastodon", "m2")
    assert _period(compute(nested), "2021-03") == before
