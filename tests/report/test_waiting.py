"""The report's inbox figures: the oldest waiting messages and their count by age, taken in
the engine (a big community has millions waiting), agree with the inbox itself."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lien.inbox import inbox, waiting_by_age
from lien.workspace import Workspace

from ..csv_community import load
from ..metrics.test_definitions import NESTED

NOW = datetime(2021, 4, 6, 10, 0)


def _nested(ws: Workspace, tmp_path: Path) -> Workspace:
    load(ws, tmp_path, NESTED, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    return ws


def test_limit_keeps_the_oldest(ws: Workspace, tmp_path: Path) -> None:
    _nested(ws, tmp_path)
    every = inbox(ws, now=NOW).column("id").to_pylist()
    assert every == ["c2", "c3", "c5", "a1"]  # as tests/test_inbox.py works out
    assert inbox(ws, now=NOW, limit=2).column("id").to_pylist() == every[:2]


def test_waiting_by_age_counts_the_inbox(ws: Workspace, tmp_path: Path) -> None:
    _nested(ws, tmp_path)
    ids = inbox(ws, now=NOW).column("id").to_pylist()
    written = dict(ws.con.execute("SELECT id, created_at FROM messages").fetchall())
    ages = [(NOW - written[i]).total_seconds() / 3600 for i in ids]
    bounds = [24.0, 24.0 * 7, 24.0 * 30]
    expected = [0, 0, 0, 0]
    for age in ages:
        expected[sum(age >= b for b in bounds)] += 1
    assert waiting_by_age(ws, bounds, now=NOW) == expected
    assert expected[1] == 1  # a1 waited exactly 24 h: the bound belongs to the older bucket
    assert sum(waiting_by_age(ws, [], now=NOW)) == len(ids)
