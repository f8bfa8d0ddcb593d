"""The people digest on the hand-built community of the metric tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from lien.people import default_period, people_digest
from lien.privacy import pseudonymizer
from lien.workspace import Workspace

from .csv_community import load
from .metrics.test_definitions import NESTED


@pytest.fixture
def nested(ws: Workspace, tmp_path: Path) -> Workspace:
    load(ws, tmp_path, NESTED, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    return ws


def test_march(nested: Workspace) -> None:
    label, table = people_digest(nested, "month", "2021-03-15", names=True)
    assert label == "2021-03"
    # m2 and m3 talked (c3, c4); m2 answered m3's question c3 ("où est-ce"); m1 only talked
    # with the account and replied to their own question; p2 (m3) drew only the account.
    assert table.to_pylist() == [
        {
            "member": "m2",
            "platform": "mastodon",
            "partners": 1,
            "answers": 1,
            "threads": 0,
            "messages": 2,
        },
        {
            "member": "m3",
            "platform": "mastodon",
            "partners": 1,
            "answers": 0,
            "threads": 0,
            "messages": 2,
        },
    ]


def test_pseudonyms_by_default_and_threads(nested: Workspace, tmp_path: Path) -> None:
    load(
        nested,
        tmp_path,
        [("mastodon", "x1", "p2", "m1", None, None, "2021-03-20T10:00:00Z", "moi !", None)],
        name="more.csv",
    )
    _, table = people_digest(nested, "month", "2021-03-01")
    alias = pseudonymizer(nested)
    rows = {r["member"]: r for r in table.to_pylist()}
    assert set(rows) == {alias("mastodon", m) for m in ("m1", "m2", "m3")}
    assert rows[alias("mastodon", "m3")]["threads"] == 1  # p2 now drew m1's reply
    assert rows[alias("mastodon", "m1")]["partners"] == 1


def test_default_period_is_the_last_complete_one() -> None:
    from datetime import date

    assert default_period(date(2021, 3, 10), "month") == date(2021, 2, 1)
    assert default_period(date(2021, 1, 6), "week") == date(2020, 12, 28)


def test_answers_follow_the_responder_pool_on_flat_platforms(ws: Workspace, tmp_path: Path) -> None:
    def fb(id: str, parent: str | None, author: str, at: str, text: str) -> tuple:
        return ("facebook", id, parent, author, None, None, at, text, None)

    load(
        ws,
        tmp_path,
        [
            fb("p", None, "page", "2021-03-01T08:00:00Z", "Le lac ce matin"),
            fb("c1", "p", "m1", "2021-03-01T09:00:00Z", "Superbe"),
            fb("r0", "c1", "m4", "2021-03-01T09:30:00Z", "Oui !"),  # before the question
            fb("q", "c1", "m2", "2021-03-01T10:00:00Z", "Il y a un parking ?"),
            # Facebook attaches every reply to the comment: m3 answers q as a sibling.
            fb("r1", "c1", "m3", "2021-03-01T11:00:00Z", "Oui, derrière l'église"),
            fb("r2", "c1", "m2", "2021-03-01T12:00:00Z", "Merci"),  # the asker themself
        ],
        [("facebook", "page")],
    )
    _, table = people_digest(ws, "month", "2021-03-01", names=True)
    answers = {r["member"]: r["answers"] for r in table.to_pylist()}
    assert answers.get("m3") == 1
    assert answers.get("m4", 0) == 0 and answers.get("m2", 0) == 0
