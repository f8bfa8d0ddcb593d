"""The metric views in the workspace, for SQL users: same definitions as the metrics."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from lien.cli import cli
from lien.workspace import Workspace

from ..csv_community import load
from .test_definitions import NESTED


def _rows(ws: Workspace, query: str) -> list[tuple[object, ...]]:
    return ws.con.execute(query).fetchall()


def test_views_follow_the_definitions(ws: Workspace, tmp_path: Path) -> None:
    load(ws, tmp_path, NESTED, [("mastodon", "acc")])
    ws.set_setting("bot_handles", "spam_bot")
    kinds = dict(_rows(ws, "SELECT id, kind || ':' || coalesce(depth, -1) FROM threads"))
    assert kinds["p1"] == "post:0" and kinds["c1"] == "comment:1" and kinds["c5"] == "reply:3"
    assert kinds["o1"] == "orphan:-1"
    waiting = _rows(
        ws, "SELECT id FROM responses WHERE addressed AND NOT answered ORDER BY created_at"
    )
    assert waiting == [("c2",), ("c5",), ("a1",)]
    directions = dict(_rows(ws, "SELECT direction, count(*) FROM exchanges GROUP BY ALL"))
    assert directions == {
        "member_to_member": 2,
        "member_to_account": 4,
        "account_to_member": 2,
        "other": 1,
    }
    months = _rows(
        ws, "SELECT strftime(month, '%Y-%m'), count(*) FROM activity GROUP BY 1 ORDER BY 1"
    )
    assert months == [("2021-03", 4), ("2021-04", 1)]
    # Declaring an account re-labels the views at once (accounts are joined inside them).
    ws.add_account("mastodon", "m2")
    directions = dict(_rows(ws, "SELECT direction, count(*) FROM exchanges GROUP BY ALL"))
    assert "member_to_member" not in directions


def test_views_follow_the_time_zone_and_are_readable_read_only(tmp_path: Path) -> None:
    db = tmp_path / "ws.duckdb"
    with Workspace.create(db, timezone="Europe/Paris") as ws:
        load(ws, tmp_path, NESTED[:2], [("mastodon", "acc")])
        assert _rows(ws, "SELECT strftime(local, '%H:%M') FROM threads WHERE id = 'c1'") == [
            ("11:00",)
        ]
        ws.set_setting("timezone", "America/Montreal")
        assert _rows(ws, "SELECT strftime(local, '%H:%M') FROM threads WHERE id = 'c1'") == [
            ("05:00",)
        ]
    result = CliRunner().invoke(
        cli, ["sql", "--db", str(db), "--format", "csv", "SELECT id, kind FROM threads ORDER BY id"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["id,kind", "c1,comment", "p1,post"]
