"""Pseudonyms, erasure of one person, retention: on real workspaces built from CSV imports."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lien.errors import LienError
from lien.privacy import (
    apply_retention,
    erase_person,
    months_before,
    pseudonym,
    pseudonymizer,
)
from lien.workspace import Workspace

from .csv_community import load, msg

PSEUDO = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def test_pseudonyms_are_stable_for_the_workspace(ws: Workspace, tmp_path: Path) -> None:
    first = pseudonymizer(ws)("mastodon", "m-101")
    assert PSEUDO.match(first)
    assert pseudonymizer(ws)("mastodon", "m-101") == first
    path = ws.path
    ws.close()
    with Workspace.open(path, read_only=True) as again:
        assert pseudonymizer(again)("mastodon", "m-101") == first
    # Same id on another platform is another person.
    with Workspace.open(path) as again:
        assert pseudonymizer(again)("bluesky", "m-101") != first


def test_pseudonyms_depend_on_the_key(ws: Workspace, tmp_path: Path) -> None:
    other = Workspace.create(tmp_path / "other.duckdb")
    try:
        assert pseudonymizer(ws)("x", "42") != pseudonymizer(other)("x", "42")
        other.set_setting("pseudonym_key", ws.setting("pseudonym_key"))
        assert pseudonymizer(ws)("x", "42") == pseudonymizer(other)("x", "42")
    finally:
        other.close()


def test_pseudonym_matches_an_independent_computation() -> None:
    # HMAC-SHA256 of "x\x1f42", first 60 bits, in Crockford base 32, grouped 4-4-4.
    key = b"k" * 32
    digest = hmac.new(key, b"x\x1f42", hashlib.sha256).hexdigest()
    bits = bin(int(digest, 16))[2:].zfill(256)[:60]
    crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    chars = "".join(crockford[int(bits[i : i + 5], 2)] for i in range(0, 60, 5))
    assert pseudonym(key, "x", "42") == f"{chars[:4]}-{chars[4:8]}-{chars[8:]}"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=2, max_size=300, unique=True))
def test_distinct_people_get_distinct_pseudonyms(ids: list[str]) -> None:
    key = b"\x01" * 32
    names = {pseudonym(key, "facebook", i) for i in ids}
    assert len(names) == len(ids)
    assert all(PSEUDO.match(n) for n in names)


def test_no_collision_among_200k_people() -> None:
    key = b"\x02" * 32
    # Expected collisions at 60 bits: 200000^2 / 2^61 ≈ 2e-8.
    assert len({pseudonym(key, "x", str(i)) for i in range(200_000)}) == 200_000


# -- erasure -------------------------------------------------------------------------------

ELODIE = ("m-101", "elodie_m", "Élodie Marchetti")


def _community(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("p1", None, "acct", "2021-03-01T09:00:00Z", "Bienvenue au printemps", handle="ot"),
        msg(
            "c1",
            "p1",
            "m-101",
            "2021-03-01T10:00:00Z",
            "Quand ouvre le musée ?",
            handle="elodie_m",
            name="Élodie Marchetti",
            url="https://mastodon.example/@elodie_m/c1",
        ),
        msg(
            "c2",
            "c1",
            "m-202",
            "2021-03-01T11:00:00Z",
            "@elodie_m demain ! Salut Élodie Marchetti",
            handle="karim",
            name="Karim Oulad",
        ),
        msg("c3", "p1", "m-303", "2021-03-02T08:00:00Z", "Superbe photo", handle="sara"),
        # A rejected row of hers (bad date) and one of Karim's that names her.
        msg("c4", "p1", "m-101", "02/03/2021", "encore moi", handle="elodie_m"),
        msg("c5", "p1", "m-202", "03/03/2021", "cc elodie_m", handle="karim"),
        # Her id inside another word is not her.
        msg("c6", "p1", "m-303", "2021-03-02T09:00:00Z", "ticket xm-101y", handle="sara"),
    ]
    load(ws, tmp_path, rows, accounts=[("mastodon", "acct")])
    # An edited version of her comment: the first version stays in raw_items, unused.
    edited = [
        msg(
            "c1",
            "p1",
            "m-101",
            "2021-03-01T10:00:00Z",
            "Quand ouvre le musée, svp ?",
            handle="elodie_m",
            name="Élodie Marchetti",
        )
    ]
    load(ws, tmp_path, edited, name="edit.csv")


def _traces(ws: Workspace, words: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """Every (table, column, value) whose VARCHAR value holds one of `words` as a whole word."""
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.I)
    found = []
    for table in ("messages", "raw_items", "rejects"):
        cols = [
            r[0]
            for r in ws.con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = ? AND data_type = 'VARCHAR'",
                [table],
            ).fetchall()
        ]
        for col in cols:
            for (value,) in ws.con.execute(f"SELECT {col} FROM {table}").fetchall():
                if value and (pattern.search(value) or "\\u00c9lodie" in value):
                    found.append((table, col, value))
    return found


def test_erasure_leaves_no_trace(ws: Workspace, tmp_path: Path) -> None:
    _community(ws, tmp_path)
    assert len(_traces(ws, ELODIE)) > 0
    before = ws.con.execute("SELECT count(*) FROM raw_items").fetchone()
    assert before == (8,)  # 7 rows of the first file + the edited row
    counts = erase_person(ws, "mastodon", "@Elodie_M")  # by handle, any case, with @
    # Her messages: c1 (current version). Raw records deleted: c1's current and first
    # versions, her rejected c4 and Karim's rejected c5 (it names her) → 4; rejects c4, c5.
    # Scrubbed: Karim's c2 in messages and in raw_items.
    assert counts == {
        "messages_deleted": 1,
        "rejects_deleted": 2,
        "raw_items_deleted": 4,
        "messages_scrubbed": 1,
        "raw_items_scrubbed": 1,
        "rejects_scrubbed": 0,
    }
    assert _traces(ws, ELODIE) == []
    ids = [r[0] for r in ws.con.execute("SELECT id FROM messages ORDER BY id").fetchall()]
    assert ids == ["c2", "c3", "c6", "p1"]
    text = ws.con.execute("SELECT text FROM messages WHERE id = 'c2'").fetchone()
    assert text == ("[forgotten] demain ! Salut [forgotten]",)
    # "xm-101y" is not her id as a word: left alone.
    assert ws.con.execute("SELECT text FROM messages WHERE id = 'c6'").fetchone() == (
        "ticket xm-101y",
    )
    # Every remaining raw payload is still valid JSON.
    assert ws.con.execute("SELECT bool_and(json_valid(payload)) FROM raw_items").fetchone() == (
        True,
    )
    # Idempotent: nothing left to do.
    again = erase_person(ws, "mastodon", "m-101")
    assert set(again.values()) == {0}


def test_erasing_an_owned_account_is_refused(ws: Workspace, tmp_path: Path) -> None:
    _community(ws, tmp_path)
    with pytest.raises(LienError, match="owned account"):
        erase_person(ws, "mastodon", "acct")


# -- retention -----------------------------------------------------------------------------


def test_months_before_clamps_the_day() -> None:
    assert months_before(datetime(2021, 3, 31, 12), 1) == datetime(2021, 2, 28, 12)
    assert months_before(datetime(2024, 3, 31), 1) == datetime(2024, 2, 29)
    assert months_before(datetime(2021, 1, 15), 13) == datetime(2019, 12, 15)
    assert months_before(datetime(2021, 12, 1), 12) == datetime(2020, 12, 1)


def test_retention_boundary(ws: Workspace, tmp_path: Path) -> None:
    rows = [
        msg("old", None, "a", "2021-02-28T11:59:59Z", "avant"),
        msg("edge", None, "b", "2021-02-28T12:00:00Z", "pile"),
        msg("new", "old", "c", "2021-03-30T00:00:00Z", "après"),
        msg("bad", None, "d", "pas une date", "rejeté"),
    ]
    load(ws, tmp_path, rows)
    # now 2021-03-31 12:00 UTC, 1 month → cutoff 2021-02-28 12:00: only "old" is before it.
    # The import itself happened today (after the cutoff): its reject is kept.
    counts = apply_retention(ws, months=1, now=datetime(2021, 3, 31, 12))
    assert counts["cutoff"] == datetime(2021, 2, 28, 12)
    assert (counts["messages_deleted"], counts["rejects_deleted"]) == (1, 0)
    assert counts["raw_items_deleted"] == 1
    ids = sorted(r[0] for r in ws.con.execute("SELECT id FROM messages").fetchall())
    assert ids == ["edge", "new"]
    assert ws.con.execute("SELECT count(*) FROM raw_items").fetchone() == (3,)
    # Far in the future, everything is older than a month, the import and its reject too.
    counts = apply_retention(ws, months=1, now=datetime(2200, 1, 1))
    assert (counts["messages_deleted"], counts["rejects_deleted"]) == (2, 1)
    assert ws.con.execute("SELECT count(*) FROM raw_items").fetchone() == (0,)


def test_retention_uses_the_setting(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(LienError, match="retention_months"):
        apply_retention(ws)
    load(ws, tmp_path, [msg("a", None, "x", "2020-01-01T00:00:00Z")])
    ws.set_setting("retention_months", "24")
    counts = apply_retention(ws, now=datetime(2022, 1, 1))
    assert counts["messages_deleted"] == 0  # exactly 24 months old: kept
    counts = apply_retention(ws, now=datetime(2022, 1, 1, 0, 0, 1))
    assert counts["messages_deleted"] == 1


def test_forget_command_asks_first(ws: Workspace, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lien.cli import cli

    _community(ws, tmp_path)
    path = str(ws.path)
    ws.close()
    runner = CliRunner()
    refused = runner.invoke(cli, ["forget", "mastodon", "elodie_m", "--db", path], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    with Workspace.open(path) as again:
        assert again.con.execute("SELECT count(*) FROM messages").fetchone() == (5,)
    done = runner.invoke(cli, ["forget", "mastodon", "elodie_m", "--yes", "--db", path])
    assert done.exit_code == 0, done.output
    assert "deleted 1 messages" in done.output
    with Workspace.open(path) as again:
        assert again.con.execute("SELECT count(*) FROM messages").fetchone() == (4,)
