"""The inbox lists exactly what the response metrics count as waiting, oldest first."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from lien.cli import cli
from lien.inbox import age_text, inbox, shareable_url, to_csv, waiting_by_age
from lien.privacy import pseudonymizer
from lien.workspace import Workspace

from .csv_community import load, msg
from .metrics.test_definitions import NESTED

NOW = datetime(2021, 4, 6, 10, 0)


@pytest.fixture
def nested(ws: Workspace, tmp_path: Path) -> Workspace:
    rows = [(*r[:8], f"https://example.org/{r[1]}") for r in NESTED]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    return ws


def test_waiting_messages_oldest_first(nested: Workspace) -> None:
    table = inbox(nested, now=NOW)
    # Waiting: c2 (addressed), c3 (question), c5 (addressed), a1 (addressed, April);
    # c1 and p2 were answered, o1 is an orphan, s1 answers the member's own comment.
    assert table.column("id").to_pylist() == ["c2", "c3", "c5", "a1"]
    adressed = "adressé au compte"  # the workspace speaks French
    assert table.column("kind").to_pylist() == [adressed, "question", adressed, adressed]
    assert table.column("thread").to_pylist()[0] == "Le lac ce matin"
    assert table.column("url").to_pylist()[0] == "https://example.org/c2"
    assert table.column("created_at").to_pylist()[0] == "2021-03-01 12:00"  # Paris time
    assert table.column("age").to_pylist()[-1] == "1 j 0 h"
    alias = pseudonymizer(nested)
    assert table.column("author").to_pylist()[0] == alias("mastodon", "m2")


def test_every_question_and_addressed_message_with_its_status(nested: Workspace) -> None:
    table = inbox(nested, unanswered=False, names=True, now=NOW)
    rows = {r["id"]: r for r in table.to_pylist()}
    assert set(rows) == {"c1", "c2", "c3", "c5", "p2", "a1"}
    assert rows["c1"]["waiting"] is False and rows["c1"]["answered_after_h"] == 2.0
    assert rows["p2"]["answered_after_h"] == 24.0 and rows["p2"]["kind"] == "question"
    english = inbox(nested, unanswered=False, names=True, now=NOW, lang="en").to_pylist()
    assert {r["id"]: r["kind"] for r in english}["c2"] == "addressed"
    assert rows["c2"]["author"] == "m2"  # no handle in this file: the id


def test_csv_for_french_excel_has_no_handles(nested: Workspace, tmp_path: Path) -> None:
    data = to_csv(inbox(nested, now=NOW), "fr")
    assert data.startswith("\ufeff".encode())
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("En attente;Âge;Plateforme")
    assert b";m2;" not in data and b";m3;" not in data


def test_questions_command_writes_csv(nested: Workspace, tmp_path: Path) -> None:
    path = str(nested.path)
    nested.close()
    out = tmp_path / "inbox.csv"
    result = CliRunner().invoke(cli, ["questions", "--db", path, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(out.read_bytes().decode("utf-8-sig").splitlines()) == 5


def test_age_reads_at_a_glance() -> None:
    assert age_text(0.5, "fr") == "30 min"
    assert age_text(3.25, "en") == "3 h 15"
    assert age_text(76, "fr") == "3 j 4 h" and age_text(76, "en") == "3 d 4 h"


def test_until_bounds_the_inbox_and_its_ages(nested: Workspace) -> None:
    # a1 is the only waiting message written in April (Paris time).
    assert inbox(nested, until="2021-04-01", now=NOW).column("id").to_pylist() == [
        "c2",
        "c3",
        "c5",
    ]
    assert inbox(nested, since="2021-04-01", now=NOW).column("id").to_pylist() == ["a1"]
    everything = waiting_by_age(nested, [48.0], now=NOW)
    before_april = waiting_by_age(nested, [48.0], until="2021-04-01", now=NOW)
    # a1 waits 24 h at NOW, the March ones more than 48 h.
    assert everything == [1, 3] and before_april == [0, 3]


def test_links_that_name_their_author_are_left_out_of_pseudonymized_rows(
    ws: Workspace, tmp_path: Path
) -> None:
    rows = [
        msg("p", None, "acc", "2021-03-01T09:00:00Z", "Le lac", url="https://ex.social/@otdl/p"),
        msg(
            "c1",
            "p",
            "109876",
            "2021-03-01T10:00:00Z",
            "Horaires ?",
            handle="alice@ex.social",
            url="https://ex.social/@Alice/c1",
        ),
        msg(
            "c2",
            "p",
            "did:plc:bob42",
            "2021-03-01T11:00:00Z",
            "Parking ?",
            handle="bob.bsky.social",
            url="https://bsky.app/profile/did:plc:bob42/post/c2",
        ),
        msg(
            "c3",
            "p",
            "109877",
            "2021-03-01T12:00:00Z",
            "Ouvert le dimanche ?",
            handle="carol@ex.social",
            url="https://ex.social/statuses/c3",
        ),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    shown = {r["id"]: r["url"] for r in inbox(ws, now=NOW).to_pylist()}
    # The handle's local part (case aside) and the DID name their author; c3's link does not.
    assert shown == {"c1": None, "c2": None, "c3": "https://ex.social/statuses/c3"}
    named = {r["id"]: r["url"] for r in inbox(ws, names=True, now=NOW).to_pylist()}
    assert named["c1"] == "https://ex.social/@Alice/c1"
    assert shareable_url({"url": "https://x.example/al/1", "author_handle": "al"}) == (
        "https://x.example/al/1"
    )  # too short to be told from other words of a link


def test_french_csv_says_oui_and_non(nested: Workspace) -> None:
    every = inbox(nested, unanswered=False, now=NOW)
    lines = to_csv(every, "fr").decode("utf-8-sig").splitlines()[1:]
    assert {line.split(";")[0] for line in lines} == {"oui", "non"}
    english = to_csv(every, "en").decode("utf-8-sig").splitlines()[1:]
    assert {line.split(",")[0] for line in english} == {"yes", "no"}
