"""Edge cases of METRICS.md on small hand-built communities (values computed by hand in comments):
same-second messages in dialogues, DST changes, ISO weeks across the new year, a window
starting inside a period, several owned accounts on several platforms, empty periods between
active ones, and flat-platform answers written before the reply.

Each case is also checked against the plain-Python reference (tests/reference), which was
written from METRICS.md alone.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lien.metrics import compute
from lien.workspace import Workspace

from ..csv_community import load, msg
from ..reference.metrics_ref import reference_metrics
from .test_differential import differences


def _rows(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["period"]: p for p in document["periods"]}


def _reference(
    rows: list[tuple[str | None, ...]], accounts: list[tuple[str, str]], **kwargs: Any
) -> dict[str, Any]:
    """The reference's document for the same CSV rows (Europe/Paris, like the `ws` fixture)."""
    messages = [
        {
            "platform": platform,
            "id": id,
            "parent_id": parent or None,
            "author_id": author or None,
            "author_handle": handle,
            "author_is_bot": None,
            "created_at": datetime.fromisoformat(at or ""),
            "text": text or None,
            "owner_liked": None,
        }
        for platform, id, parent, author, handle, _, at, text, _ in rows
    ]
    return reference_metrics(messages, accounts, timezone="Europe/Paris", **kwargs)


def _agree(ws: Workspace, rows: list[tuple[str | None, ...]], **kwargs: Any) -> dict[str, Any]:
    """compute() on the workspace, after checking that the reference gives the same document."""
    accounts = [(a["platform"], a["author_id"]) for a in ws.accounts()]
    document = compute(ws, **kwargs)
    diff = differences(document, _reference(rows, accounts, **kwargs))
    assert not diff, "\n".join(diff)
    return document


def test_messages_of_the_same_second_never_make_a_back_and_forth(
    ws: Workspace, tmp_path: Path
) -> None:
    day = "2021-03-02T"
    rows = [
        msg("p", None, "acc", f"{day}08:00:00Z"),
        # A: m1, then m2 and m1 in the same second: no order between them, no dialogue.
        msg("a", "p", "m1", f"{day}10:00:00Z"),
        msg("a1", "a", "m2", f"{day}10:05:00Z"),
        msg("a2", "a", "m1", f"{day}10:05:00Z"),
        # B: the same with the ids the other way round (ids never order messages): none.
        msg("b", "p", "m1", f"{day}10:00:00Z"),
        msg("b2", "b", "m1", f"{day}10:05:00Z"),
        msg("b1", "b", "m2", f"{day}10:05:00Z"),
        # C: as A, then m1 again at 10:10: m1 (10:00) < m2 (10:05) < m1 (10:10): a dialogue.
        msg("c", "p", "m1", f"{day}10:00:00Z"),
        msg("c1", "c", "m2", f"{day}10:05:00Z"),
        msg("c2", "c", "m1", f"{day}10:05:00Z"),
        msg("c3", "c", "m1", f"{day}10:10:00Z"),
        # D: m2 writes in the very second of m1's first message: not strictly between: none.
        msg("d", "p", "m1", f"{day}10:00:00Z"),
        msg("d1", "d", "m2", f"{day}10:00:00Z"),
        msg("d2", "d", "m1", f"{day}10:01:00Z"),
        # E: a reply dated before its comment: time order is m2 (09:00), m1 (10:00), m2 (11:00).
        msg("e", "p", "m1", f"{day}10:00:00Z"),
        msg("e1", "e", "m2", f"{day}09:00:00Z"),
        msg("e2", "e", "m2", f"{day}11:00:00Z"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    march = _rows(_agree(ws, rows))["2021-03"]
    # Five comment threads (a..e) with 2, 2, 3, 2, 2 descendants; dialogues in C and E.
    assert march["comment_threads"] == 5
    assert march["replies_per_comment"] == pytest.approx(11 / 5)
    assert march["dialogue_rate"] == pytest.approx(2 / 5)


def test_periods_across_dst_changes(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        # Paris goes to UTC+2 on Sunday 28 March 2021: Monday 29 starts at 22:00 UTC.
        msg("w1", None, "m1", "2021-03-28T21:59:59Z"),  # Sunday 23:59:59: 2021-W12
        msg("w2", None, "m2", "2021-03-28T22:00:00Z"),  # Monday 00:00: 2021-W13
        # Back to UTC+1 on Sunday 31 October: Monday 1 November starts at 23:00 UTC.
        msg("w3", None, "m3", "2021-10-31T22:30:00Z"),  # Sunday 23:30: October, 2021-W43
        msg("w4", None, "m4", "2021-10-31T23:00:00Z"),  # Monday 00:00: November, 2021-W44
    ]
    load(ws, tmp_path, rows)
    weeks = _rows(_agree(ws, rows, period="week"))
    assert [weeks[w]["member_posts"] for w in ("2021-W12", "2021-W13")] == [1, 1]
    assert [weeks[w]["member_posts"] for w in ("2021-W43", "2021-W44")] == [1, 1]
    assert sum(p["member_posts"] for p in weeks.values()) == 4
    months = _rows(_agree(ws, rows))
    assert months["2021-03"]["member_posts"] == 2  # both still in March (local)
    assert (months["2021-10"]["member_posts"], months["2021-11"]["member_posts"]) == (1, 1)


def test_response_times_are_calendar_hours_across_dst(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p1", None, "acc", "2021-03-27T10:00:00Z"),
        # 13:00 UTC+1 on Saturday, answered 14:00 UTC+2 on Sunday: 25 h on the wall clock but
        # 24 h of calendar time: within 24 h.
        msg("c1", "p1", "m1", "2021-03-27T12:00:00Z"),
        msg("r1", "c1", "acc", "2021-03-28T12:00:00Z"),
        msg("p2", None, "acc", "2021-10-30T10:00:00Z"),
        # 14:00 UTC+2 answered 13:00 UTC+1 the next day: 23 h on the wall clock, 24 h calendar.
        msg("c2", "p2", "m2", "2021-10-30T12:00:00Z"),
        msg("r2", "c2", "acc", "2021-10-31T12:00:00Z"),
        # One second later: 24 h 1 s, not within 24 h although the wall clock says 23 h.
        msg("c3", "p2", "m3", "2021-10-30T12:00:00Z"),
        msg("r3", "c3", "acc", "2021-10-31T12:00:01Z"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    months = _rows(_agree(ws, rows))
    march, october = months["2021-03"], months["2021-10"]
    assert (march["addressed"], march["response_within_24h_rate"]) == (1, 1.0)
    assert march["ttfr_median_h"] == pytest.approx(24.0)
    assert (october["addressed"], october["response_rate"]) == (2, 1.0)
    assert october["response_within_24h_rate"] == pytest.approx(1 / 2)
    # Delays 24 h and 24 h + 1 s: median halfway, p90 at 0.9 of the way.
    assert october["ttfr_median_h"] == pytest.approx(24 + 0.5 / 3600)
    assert october["ttfr_p90_h"] == pytest.approx(24 + 0.9 / 3600)


def test_iso_weeks_across_the_new_year(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("1", None, "m1", "2020-12-31T12:00:00Z"),  # Thursday: 2020-W53
        msg("2", None, "m2", "2021-01-02T12:00:00Z"),  # Saturday 2 January: still 2020-W53
        msg("3", None, "m1", "2021-01-04T12:00:00Z"),  # Monday: 2021-W01
        msg("4", None, "m3", "2021-01-05T12:00:00Z"),  # 2021-W01
        msg("5", None, "m3", "2022-01-02T12:00:00Z"),  # Sunday 2 January 2022: 2021-W52
        msg("6", None, "m3", "2022-01-03T12:00:00Z"),  # Monday: 2022-W01
    ]
    load(ws, tmp_path, rows)
    weeks = _rows(_agree(ws, rows, period="week"))
    assert list(weeks)[:2] == ["2020-W53", "2021-W01"]
    assert list(weeks)[-2:] == ["2021-W52", "2022-W01"]
    assert len(weeks) == 53 + 1  # 2020-W53, the 52 weeks of 2021, 2022-W01
    w53, w01 = weeks["2020-W53"], weeks["2021-W01"]
    assert (w53["active_members"], w53["new_members"]) == (2, 2)  # m1, m2
    # W01: m1 (returning) and m3 (new); of W53's m1 and m2, only m1 is back: 1/2.
    assert (w01["active_members"], w01["new_members"], w01["returning_members"]) == (2, 1, 1)
    assert w01["retention"] == pytest.approx(1 / 2)
    assert weeks["2021-W02"]["retention"] == 0.0  # nobody in W02
    # m3 in 2021-W52 then 2022-W01: retention 1/1 across the new year.
    assert weeks["2022-W01"]["retention"] == 1.0
    assert weeks["2022-W01"]["returning_members"] == 1
    months = _rows(_agree(ws, rows))
    # January 2021: m2, m1, m3 active; m2 and m3 new; December's only member (m1) came back.
    january = months["2021-01"]
    assert (january["active_members"], january["new_members"], january["retention"]) == (3, 2, 1.0)


def test_a_window_starting_inside_a_period_keeps_the_history(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("1", None, "m1", "2021-02-10T12:00:00Z"),
        msg("2", None, "m1", "2021-03-15T12:00:00Z"),  # in the window
        msg("3", None, "m2", "2021-02-12T12:00:00Z"),
        msg("4", None, "m2", "2021-03-05T12:00:00Z"),  # March, before the window
        msg("5", None, "m3", "2021-03-05T12:00:00Z"),  # m3's first message, before the window
        msg("6", None, "m3", "2021-03-16T12:00:00Z"),  # in the window
        msg("7", None, "m4", "2021-03-25T12:00:00Z"),  # after the window
        msg("8", None, "m5", "2021-03-12T12:00:00Z"),  # in the window
    ]
    load(ws, tmp_path, rows)
    document = _agree(ws, rows, since="2021-03-10", until="2021-03-20")
    assert [p["period"] for p in document["periods"]] == ["2021-03"]
    march = document["periods"][0]
    # In the window: m1, m3, m5 (one message each). m3 and m5 are new (m3's first message is
    # in March, though before the window); m1 returns from February.
    assert march["member_messages"] == 3
    assert (march["active_members"], march["new_members"], march["returning_members"]) == (3, 2, 1)
    # February (whole workspace): m1 and m2; m1 is active in March's part of the window: 1/2.
    assert march["retention"] == pytest.approx(1 / 2)
    assert document["network"]["people"] == 3


def test_several_owned_accounts_on_several_platforms(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("P1", None, "page", "2021-02-01T09:00:00Z", platform="facebook"),
        msg("C1", "P1", "m1", "2021-02-01T10:00:00Z", platform="facebook"),
        msg("R1", "C1", "page", "2021-02-01T11:00:00Z", platform="facebook"),
        msg("P2", None, "office", "2021-02-01T09:00:00Z"),
        msg("C2", "P2", "m1", "2021-02-01T10:00:00Z"),  # Mastodon m1: another person
        msg("R2", "C2", "office2", "2021-02-01T10:30:00Z"),  # answered by the other account
        msg("C3", "P2", "office2", "2021-02-01T12:00:00Z"),  # account to account
    ]
    accounts = [("facebook", "page"), ("mastodon", "office"), ("mastodon", "office2")]
    load(ws, tmp_path, rows, accounts)
    document = _agree(ws, rows)
    february = document["periods"][0]
    assert (february["account_posts"], february["member_posts"]) == (2, 0)
    # Addressed: C1 (answered after 1 h) and C2 (after 0.5 h, by office2): median 0.75 h.
    assert (february["addressed"], february["response_rate"]) == (2, 1.0)
    assert february["ttfr_median_h"] == pytest.approx(0.75)
    # C1, C2 member to account; R1, R2 account to member; C3 (office2 → office) in no class.
    assert (february["member_to_account"], february["account_to_member"]) == (2, 2)
    assert (february["member_to_member"], february["horizontality"]) == (0, 0.0)
    assert february["active_members"] == 2  # m1 on Facebook and m1 on Mastodon
    network = document["network"]
    # Ties: fb m1–page (both ways), m1–office, m1–office2, office2–office.
    assert (network["people"], network["ties"]) == (2, 4)
    assert network["reciprocity"] == pytest.approx(1 / 4)
    assert network["account_tie_share"] == 1.0
    # Two members with a tie, no member-to-member tie: largest component 1 of 2.
    assert network["member_component_share"] == pytest.approx(1 / 2)


def test_empty_periods_between_active_ones(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p", None, "acc", "2021-01-10T12:00:00Z"),
        msg("c", "p", "m1", "2021-01-11T12:00:00Z"),
        msg("q", None, "m1", "2021-03-11T12:00:00Z"),  # nothing in February
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    months = _rows(_agree(ws, rows))
    assert list(months) == ["2021-01", "2021-02", "2021-03"]
    february, march = months["2021-02"], months["2021-03"]
    assert (february["member_messages"], february["active_members"]) == (0, 0)
    assert february["response_rate"] is None and february["horizontality"] is None
    assert february["retention"] == 0.0  # January's member did not come back in February
    assert march["retention"] is None  # nobody to retain from February
    assert (march["active_members"], march["returning_members"]) == (1, 1)
    assert march["conversation_rate"] is None  # no account post in March


def test_a_flat_answer_written_before_a_reply_does_not_answer_it(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [
        msg("P", None, "page", "2021-06-01T08:00:00Z", platform="facebook"),
        msg("C", "P", "m1", "2021-06-01T10:00:00Z", "Super", platform="facebook"),
        msg("A", "C", "page", "2021-06-01T10:15:00Z", "Merci", platform="facebook"),
        msg("R", "C", "m2", "2021-06-01T10:30:00Z", "Quand ouvre le musée", platform="facebook"),
    ]
    load(ws, tmp_path, rows, [("facebook", "page")])
    june = _rows(_agree(ws, rows))["2021-06"]
    # R (a question by its first word) is in C's thread, but A came before it: unanswered.
    assert (june["questions"], june["question_response_rate"]) == (1, 0.0)
    assert (june["addressed"], june["response_rate"]) == (1, 1.0)  # C, answered by A
