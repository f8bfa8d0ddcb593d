"""Top words and hashtags per period, counted by hand on a small community."""

from __future__ import annotations

from pathlib import Path

from lien.text.terms import stop_words, top_terms
from lien.workspace import Workspace

from ..csv_community import load, msg

ROWS = [
    msg("P", None, "office", "2021-03-01T09:00:00Z", "Le marché de Noël revient #noel"),
    msg("1", "P", "ann", "2021-03-02T10:00:00Z", "Le marché est magnifique #Noel #Alsace"),
    msg("2", "P", "bob", "2021-03-03T10:00:00Z", "Marché, marché, MARCHÉ ! https://x.example"),
    msg("3", "P", "cat", "2021-03-31T21:59:59Z", "Vin chaud et bredele @ann #noel"),
    # Midnight, 1 April in Paris (UTC+2): April, though still March in UTC.
    msg("4", "P", "dan", "2021-03-31T22:00:00Z", "Le vin chaud était froid"),
    msg("5", "P", "bot", "2021-03-04T10:00:00Z", "marché marché promo", handle="spambot"),
]


def test_top_terms_per_period(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, ROWS, [("mastodon", "office")])
    ws.set_setting("bot_handles", "spambot")
    march, april = top_terms(ws, "month", n=3)
    # Member messages only: the account's post and the bot's message are left out.
    assert march["period"] == "2021-03" and march["messages"] == 3
    # A term counts once per message ("marché" three times in message 2 counts 1); accents
    # and case are folded; the link and the mention are not words; "est", "le" are stop words.
    assert march["words"] == [
        {"term": "marche", "count": 2},
        {"term": "bredele", "count": 1},  # ties (bredele, chaud, magnifique, vin): a-z
        {"term": "chaud", "count": 1},
    ]
    assert march["hashtags"] == [{"term": "#noel", "count": 2}, {"term": "#alsace", "count": 1}]
    assert april == {
        "period": "2021-04",
        "messages": 1,
        "words": [
            {"term": "chaud", "count": 1},
            {"term": "froid", "count": 1},  # "était" is a stop word
            {"term": "vin", "count": 1},
        ],
        "hashtags": [],
    }


def test_stop_words_are_folded() -> None:
    assert {"etait", "les", "the", "merci"} <= stop_words()


def test_no_text_no_terms(ws: Workspace) -> None:
    assert top_terms(ws) == []
