"""`lien metrics` (JSON and table) and the notebook API on the hand-built community of
test_definitions (values by hand, as there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import lien
from lien.cli import cli
from lien.metrics.registry import keys
from lien.workspace import Workspace

from ..csv_community import load
from .test_definitions import NESTED


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    with Workspace.create(path, timezone="Europe/Paris", lang="fr") as ws:
        load(ws, tmp_path, NESTED, [("mastodon", "acc")])
        ws.set_setting("bot_handles", "spam_bot")
    return path


def test_json_follows_the_schema_with_every_key_and_empty_weeks(db: Path) -> None:
    options = ["--period", "week", "--since", "2021-02-22", "--until", "2021-04-12"]
    shown = CliRunner().invoke(cli, ["metrics", "--json", "--db", str(db), *options])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    assert document["schema"] == "lien.metrics/1"
    assert (document["timezone"], document["period"]) == ("Europe/Paris", "week")
    assert document["window"] == {"since": "2021-02-22", "until": "2021-04-12"}
    # Monday 22 February (W08) to Sunday 11 April (W14): seven weeks, five of them empty.
    labels = [p["period"] for p in document["periods"]]
    assert labels == [f"2021-W{w:02d}" for w in range(8, 15)]
    for row in document["periods"]:
        assert set(row) >= {"period", *keys("period")}, row["period"]
    assert set(document["network"]) == set(keys("network"))
    rows = {p["period"]: p for p in document["periods"]}
    empty = rows["2021-W08"]
    assert (empty["member_messages"], empty["addressed"], empty["active_members"]) == (0, 0, 0)
    assert empty["response_rate"] is None and empty["horizontality"] is None
    # W09 holds all of March (1 to 3 March): as test_definitions' March.
    assert (rows["2021-W09"]["addressed"], rows["2021-W09"]["member_messages"]) == (3, 8)
    assert rows["2021-W09"]["response_rate"] == pytest.approx(1 / 3)
    # W14: a1 (m1 on p1, 5 April) is addressed and never answered; m1 was last seen in W09.
    w14 = rows["2021-W14"]
    assert (w14["addressed"], w14["response_rate"], w14["retention"]) == (1, 0.0, None)
    assert (w14["active_members"], w14["returning_members"]) == (1, 1)
    assert document["regular_members"] == 0


def test_platform_filter_of_the_cli(db: Path) -> None:
    shown = CliRunner().invoke(cli, ["metrics", "--json", "--db", str(db), "--platform", "x"])
    assert shown.exit_code == 0, shown.output
    document = json.loads(shown.output)
    # No X message: no window, no period, nothing to measure.
    assert document["periods"] == [] and document["regular_members"] is None


def test_table_is_readable_in_the_workspace_language(db: Path) -> None:
    shown = CliRunner().invoke(cli, ["metrics", "--db", str(db)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "2021-03" in shown.output and "2021-04" in shown.output
    assert "Taux de réponse" in shown.output and "réseau" in shown.output
    # March: 1 of 3 addressed messages answered; April: 0 of 1.
    line = next(x for x in shown.output.splitlines() if "Taux de réponse" in x)
    assert "33 %" in line and "0 %" in line


def test_notebook_api(db: Path) -> None:
    polars = pytest.importorskip("polars")
    with lien.open(db, read_only=True) as ws:
        table = ws.metrics(period="month")
        assert table.column("period").to_pylist() == ["2021-03", "2021-04"]
        assert set(table.column_names) >= {"period", *keys("period")}
        frame = table.to_pandas()
        assert frame["addressed"].tolist() == [3, 1]
        assert polars.from_arrow(table)["active_members"].to_list() == [4, 1]
        # The account wrote p1, r1 and r2.
        counted = ws.sql("SELECT count(*) AS n FROM messages WHERE author_id = ?", ["acc"])
        assert counted.to_pylist() == [{"n": 3}]
