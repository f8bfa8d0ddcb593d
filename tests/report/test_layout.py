"""The network picture: one line per tie, accounts named by their handle and drawn on top,
members coloured by their Leiden community, everything inside the picture."""

from __future__ import annotations

from pathlib import Path

from lien.metrics import compute
from lien.metrics.community import window_views
from lien.report import layout
from lien.workspace import Workspace

from ..csv_community import load, msg


def test_picture_of_a_small_community(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p1", None, "acc", "2021-03-01T09:00:00Z", "Le lac", handle="office"),
        # m1 and m2 talk under the account's post; so do m3 and m4, apart from them.
        msg("c1", "p1", "m1", "2021-03-01T10:00:00Z", "Beau"),
        msg("r1", "c1", "m2", "2021-03-01T11:00:00Z", "Oui"),
        msg("r2", "r1", "m1", "2021-03-01T12:00:00Z", "Merci"),
        msg("c2", "p1", "m3", "2021-03-02T10:00:00Z", "Où ?"),
        msg("r3", "c2", "m4", "2021-03-02T11:00:00Z", "Au nord"),
        msg("r4", "c2", "acc", "2021-03-02T12:00:00Z", "Au nord", handle="office"),
    ]
    load(ws, tmp_path, rows, [("mastodon", "acc")])
    document = compute(ws)
    views, window = window_views(ws, "month", "2021-03-01", "2021-04-01")
    try:
        picture = layout.network_picture(ws, views, window)
    finally:
        views.release()
    assert picture is not None
    # Ties: m1–acc, m2–m1 (both ways: one line), m3–acc, m4–m3, acc–m3 (the same tie).
    assert document["network"]["ties"] == 4 and len(picture.edges) == 4
    assert picture.shown == 5 and picture.total == 5
    accounts = [n for n in picture.nodes if n.role == "account"]
    assert [n.label for n in accounts] == ["mastodon · office"] and picture.nodes[
        -1
    ].role == "account"
    members = [n for n in picture.nodes if n.role == "member"]
    assert {n.label for n in members}.isdisjoint({"m1", "m2", "m3", "m4"})  # pseudonyms
    # Two communities of two members each (Leiden on the member-only graph): two colours.
    groups = sorted(n.group for n in members)
    assert groups == [0, 0, 1, 1] and document["network"]["communities"] == 2
    for n in picture.nodes:
        assert 0 <= n.x <= layout.SIZE and 0 <= n.y <= picture.height
