"""positive_share, negative_share and gratitude_share per period, counted by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from lien.metrics import compute
from lien.metrics.registry import BY_KEY, keys
from lien.workspace import Workspace

from ..csv_community import load, msg

ROWS = [
    msg("P", None, "office", "2021-03-01T09:00:00Z", "Bienvenue au marché de Noël !"),
    msg("1", "P", "ann", "2021-03-02T10:00:00Z", "Magnifique !"),  # positive
    msg("2", "P", "bob", "2021-03-02T11:00:00Z", "Nul, très déçu"),  # negative
    msg("3", "P", "cat", "2021-03-02T12:00:00Z", "Merci !"),  # positive, thanks
    msg("4", "P", "dan", "2021-03-02T13:00:00Z", "Le parking est-il payant ?"),  # neutral
    msg("5", "P", "eve", "2021-03-02T14:00:00Z", ""),  # no text: not counted
    msg("6", None, "fay", "2021-05-02T14:00:00Z", "Thank you so much 🙏"),  # May: thanks
]


def test_tone_shares_per_period(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, ROWS, [("mastodon", "office")])
    periods = {p["period"]: p for p in compute(ws)["periods"]}
    march, april, may = periods["2021-03"], periods["2021-04"], periods["2021-05"]
    # Four member messages with text in March; the account's post is not a member's.
    assert march["positive_share"] == pytest.approx(2 / 4)
    assert march["negative_share"] == pytest.approx(1 / 4)
    assert march["gratitude_share"] == pytest.approx(1 / 4)
    assert april["positive_share"] is None and april["gratitude_share"] is None
    assert (may["positive_share"], may["negative_share"], may["gratitude_share"]) == (1, 0, 1)
    # Roles are read at query time: declaring ann an account takes her message out.
    ws.add_account("mastodon", "ann")
    march = compute(ws)["periods"][0]
    assert march["positive_share"] == pytest.approx(1 / 3)


def test_tone_keys_are_declared() -> None:
    assert [k for k in keys("period") if BY_KEY[k].area == "tone"] == [
        "positive_share",
        "negative_share",
        "gratitude_share",
    ]
