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


def test_groups_fill_the_frame() -> None:
    # A big group and two small ones: the small ones stacked beside the big one fill a
    # landscape frame better than a row of three or two rows (worked out by hand).
    corners = layout.pack([8.0, 5.3, 5.0], frame=(560.0, 440.0))
    assert corners == [(0.0, 0.0), (8.0, 0.0), (8.0, 5.3)]
    # Whatever the sizes, squares never overlap.
    sides = [3.0, 2.5, 2.5, 1.4, 1.4, 1.4, 1.0, 1.0]
    placed = layout.pack(sides)
    for i, (a, s) in enumerate(zip(placed, sides, strict=True)):
        for b, t in zip(placed[i + 1 :], sides[i + 1 :], strict=True):
            apart = a[0] + s <= b[0] + 1e-9 or b[0] + t <= a[0] + 1e-9
            assert apart or a[1] + s <= b[1] + 1e-9 or b[1] + t <= a[1] + 1e-9


def test_account_labels_stay_inside_and_apart(ws: Workspace, tmp_path: Path) -> None:
    # Three accounts with long handles on three platforms, each with a few members.
    rows, accounts = [], []
    for k, platform in enumerate(("mastodon", "bluesky", "facebook")):
        handle = f"office-de-tourisme-{platform}@very-long-instance.example"
        accounts.append((platform, f"acc{k}"))
        rows.append(
            msg(f"p{k}", None, f"acc{k}", "2021-03-01T09:00:00Z", "Le lac", platform, handle)
        )
        for j in range(4 + 3 * k):
            at = f"2021-03-0{k + 2}T1{j % 10}:00:00Z"
            rows.append(msg(f"c{k}-{j}", f"p{k}", f"m{k}-{j}", at, "Beau", platform))
    load(ws, tmp_path, rows, accounts)
    views, window = window_views(ws, "month", "2021-03-01", "2021-04-01")
    try:
        picture = layout.network_picture(ws, views, window)
    finally:
        views.release()
    assert picture is not None
    boxes = []
    for n in (n for n in picture.nodes if n.role == "account"):
        # The label: the platform on a first line (its baseline at label_y), the handle in
        # bold below it; a generous 0.65 em per character.
        width = 0.65 * max(
            picture.platform_font * len(n.platform), picture.label_font * len(n.handle)
        )
        box = (
            n.label_x - width / 2,
            n.label_y - picture.platform_font,
            n.label_x + width / 2,
            n.label_y + picture.label_font + 4,
        )
        assert 0 <= box[0] and box[2] <= layout.SIZE, (n.label, box)
        assert 0 <= box[1] and box[3] <= picture.height, (n.label, box)
        boxes.append(box)
        full = n.label.partition(" · ")[2]
        assert n.handle == full or full.startswith(n.handle[:-1]) and n.handle.endswith("…")
    assert len(boxes) == 3
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
