"""The demo tells the story it promises (checked with plain SQL, not with lien's metrics)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lien import demo
from lien.cli import cli
from lien.workspace import Workspace

MEMBERS = """
    SELECT m.* FROM messages m
    WHERE m.author_id IS NOT NULL AND NOT coalesce(m.author_is_bot, false)
      AND (m.platform, m.author_id) NOT IN (SELECT platform, author_id FROM accounts)
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.DemoResult:
    return demo.build(tmp_path_factory.mktemp("demo"), size=12_000, seed=11)


@pytest.fixture
def con(built: demo.DemoResult):  # type: ignore[no-untyped-def]
    with Workspace.open(built.workspace, read_only=True) as ws:
        ws.con.execute("SET TimeZone = 'Europe/Paris'")
        yield ws.con


def test_same_seed_same_demo_and_another_seed_another() -> None:
    assert demo.generate(3_000, seed=5).equals(demo.generate(3_000, seed=5))
    assert not demo.generate(3_000, seed=5).equals(demo.generate(3_000, seed=6))


def test_two_builds_with_one_seed_export_the_same_bytes(tmp_path: Path) -> None:
    exports = []
    for name in ("a", "b", "c"):
        seed = 7 if name != "c" else 8
        result = demo.build(tmp_path / name, size=2_000, seed=seed, report=False)
        out = tmp_path / f"{name}.jsonl"
        with Workspace.open(result.workspace, read_only=True) as ws:
            assert ws.export(out, "jsonl") == result.messages
        exports.append(out.read_bytes())
    assert exports[0] == exports[1]
    assert exports[0] != exports[2]


def test_size_is_about_what_was_asked() -> None:
    for size in (2_000, 20_000):
        assert 0.9 * size <= demo.generate(size).num_rows <= 1.1 * size


def test_import_balances_with_every_platform_and_account(built: demo.DemoResult, con) -> None:  # type: ignore[no-untyped-def]
    (result,) = built.imports
    assert result.read == result.stored == built.messages
    assert result.rejected == result.duplicates == 0
    assert set(built.per_platform) == {"facebook", "instagram", "mastodon"}
    assert con.execute("SELECT count(*) FROM accounts").fetchone() == (3,)
    unknown, bots, orphans = con.execute(
        """SELECT count(*) FILTER (WHERE author_id IS NULL),
                  count(*) FILTER (WHERE author_is_bot),
                  count(*) FILTER (WHERE parent_id IS NOT NULL
                                   AND parent_id NOT IN (SELECT id FROM messages))
           FROM messages"""
    ).fetchone()
    assert unknown > 0 and bots > 0 and orphans > 0


def test_member_activity_is_heavy_tailed(con) -> None:  # type: ignore[no-untyped-def]
    counts = [
        r[0]
        for r in con.execute(
            f"SELECT count(*) c FROM ({MEMBERS}) GROUP BY platform, author_id ORDER BY c DESC"
        ).fetchall()
    ]
    top = counts[: max(len(counts) // 10, 1)]
    assert sum(top) / sum(counts) > 0.4


def _member_to_member_share(con, start: str, end: str) -> float:  # type: ignore[no-untyped-def]
    """Of the exchanges between two known people (replies), the share between two members."""
    row = con.execute(
        f"""
        WITH people AS (
            SELECT platform, id, author_id,
                   author_id IS NOT NULL AND NOT coalesce(author_is_bot, false)
                   AND (platform, author_id) NOT IN (SELECT platform, author_id FROM accounts)
                   AS member
            FROM messages)
        SELECT avg(CASE WHEN a.member AND b.member THEN 1 ELSE 0 END)
        FROM messages c
        JOIN people a ON a.platform = c.platform AND a.id = c.id
        JOIN people b ON b.platform = c.platform AND b.id = c.parent_id
        WHERE a.author_id <> b.author_id
          AND c.created_at >= '{start}' AND c.created_at < '{end}'
        """
    ).fetchone()
    return float(row[0])


def test_members_talk_more_with_each_other_in_the_lockdown(con) -> None:  # type: ignore[no-untyped-def]
    before = _member_to_member_share(con, "2019-03-17", "2019-05-11")
    during = _member_to_member_share(con, "2020-03-17", "2020-05-11")
    assert during > before + 0.05


def _newcomers(con, start: str, end: str) -> int:  # type: ignore[no-untyped-def]
    row = con.execute(
        f"""SELECT count(*) FROM (SELECT platform, author_id, min(created_at) AS first
                                  FROM ({MEMBERS}) GROUP BY ALL)
            WHERE first >= '{start}' AND first < '{end}'"""
    ).fetchone()
    return int(row[0])


def test_fewer_newcomers_in_the_lockdown_and_waves_in_summer(con) -> None:  # type: ignore[no-untyped-def]
    assert _newcomers(con, "2020-04-01", "2020-05-01") < 0.6 * _newcomers(
        con, "2019-04-01", "2019-05-01"
    )
    assert _newcomers(con, "2019-07-01", "2019-09-01") > 2 * _newcomers(
        con, "2019-01-01", "2019-03-01"
    )


def test_the_account_answers_faster_on_weekdays(con) -> None:  # type: ignore[no-untyped-def]
    rows = con.execute(
        """
        SELECT isodow(q.created_at) >= 6 AS weekend,
               median(epoch(a.created_at) - epoch(q.created_at)) / 3600 AS hours,
               count(*)
        FROM messages q
        JOIN messages a ON a.platform = q.platform AND a.parent_id = q.id
        JOIN accounts o ON o.platform = a.platform AND o.author_id = a.author_id
        WHERE q.text LIKE '%?%' AND a.created_at > q.created_at
          AND (q.platform, q.author_id) NOT IN (SELECT platform, author_id FROM accounts)
        GROUP BY 1 ORDER BY 1
        """
    ).fetchall()
    (weekday, weekday_h, n1), (weekend, weekend_h, n2) = rows
    assert not weekday and weekend and n1 > 50 and n2 > 20
    assert weekday_h < 6 and weekend_h > 2 * weekday_h


def test_lien_demo_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--size", "1500", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert f"workspace: {tmp_path / 'd' / 'lien-demo.duckdb'}" in result.output.replace("\n", "")
    with Workspace.open(tmp_path / "d" / "lien-demo.duckdb") as ws:
        assert ws.timezone == "Europe/Paris" and ws.lang == "fr"
        assert ws.con.execute("SELECT count(*) FROM messages").fetchone()[0] > 1_000
    assert not list((tmp_path / "d").glob("*.csv"))  # the generated CSV is not left behind
    assert (tmp_path / "d" / "report.html").is_file()
    assert f"report: {tmp_path / 'd' / 'report.html'}" in result.output.replace("\n", "")


def test_lien_demo_without_report(tmp_path: Path) -> None:
    args = ["demo", "--size", "500", "--out", str(tmp_path), "--no-report", "--seed", "3"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lien-demo.duckdb").is_file()
    assert not (tmp_path / "report.html").exists() and "report:" not in result.output
