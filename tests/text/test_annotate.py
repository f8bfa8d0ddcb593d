"""Annotations through the real import pipeline: incremental, kept right on edits."""

from __future__ import annotations

import csv
from pathlib import Path

from lien.text import tone
from lien.text.annotate import annotate
from lien.workspace import Workspace

HEADER = [
    "platform",
    "id",
    "parent_id",
    "author_id",
    "author_name",
    "created_at",
    "text",
    "lang",
    "edited_at",
]


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


ROWS = [
    ["mastodon", "1", "", "a", "", "2021-03-01T10:00:00Z", "Magnifique, on a adoré !", "", ""],
    ["mastodon", "2", "1", "b", "", "2021-03-01T11:00:00Z", "Toujours pas de réponse, nul", "", ""],
    ["mastodon", "3", "1", "c", "", "2021-03-01T12:00:00Z", "Thanks so much!", "en-GB", ""],
    ["mastodon", "4", "1", "d", "", "2021-03-01T13:00:00Z", "", "", ""],
]


def _annotations(ws: Workspace) -> dict[str, tuple[object, ...]]:
    rows = ws.con.execute(
        "SELECT id, lang, lang_detected, tone_label, gratitude, method, annotated_at"
        " FROM annotations ORDER BY id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_import_annotates_new_messages(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    got = _annotations(ws)
    assert set(got) == {"1", "2", "3"}  # no text, no annotation
    assert got["1"][:4] == ("fr", True, "positive", False)
    assert got["2"][:4] == ("fr", True, "negative", False)
    # The source's language is kept on the message and normalised on the annotation.
    assert got["3"][:4] == ("en", False, "positive", True)
    assert all(v[4] == tone.METHOD for v in got.values())
    langs = dict(ws.con.execute("SELECT id, lang FROM messages").fetchall())
    assert langs == {"1": "fr", "2": "fr", "3": "en-GB", "4": None}


def test_reimport_unchanged_recomputes_nothing(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    before = _annotations(ws)
    # Another file with the same messages (a later export): duplicates, nothing to annotate.
    results = ws.import_paths([_csv(tmp_path / "b.csv", [*ROWS, ROWS[0]])])
    assert results[0].duplicates == 5 and results[0].stored == 0
    assert _annotations(ws) == before
    assert annotate(ws).pending == 0


def test_edited_text_is_annotated_again(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    before = _annotations(ws)
    edited = [list(r) for r in ROWS]
    edited[0][6] = "Finalement très déçu, c'était nul"
    edited[0][8] = "2021-03-02T10:00:00Z"
    results = ws.import_paths([_csv(tmp_path / "b.csv", edited)])
    assert results[0].updated == 1
    after = _annotations(ws)
    assert after["1"][2] == "negative" and after["1"][5] != before["1"][5]
    assert {k: after[k] for k in ("2", "3")} == {k: before[k] for k in ("2", "3")}


def test_force_method_change_and_deleted_messages(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    assert annotate(ws, force=True).pending == 3
    # An annotation from another method version is redone.
    ws.con.execute("UPDATE annotations SET method = 'older' WHERE id = '2'")
    assert annotate(ws).pending == 1
    # A message that loses its text, or disappears, loses its annotation.
    ws.con.execute("UPDATE messages SET text = NULL WHERE id = '1'")
    ws.con.execute("DELETE FROM messages WHERE id = '3'")
    result = annotate(ws)
    assert (result.pending, result.removed) == (0, 2)
    assert set(_annotations(ws)) == {"2"}


def test_detected_language_follows_an_edit(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    ws.con.execute(
        "UPDATE messages SET text = 'What a beautiful walk along the river' WHERE id = '1'"
    )
    annotate(ws)
    assert ws.con.execute("SELECT lang FROM messages WHERE id = '1'").fetchone() == ("en",)
    # A language the source gave is never overwritten by detection.
    ws.con.execute("UPDATE messages SET text = 'Une très belle balade' WHERE id = '3'")
    annotate(ws)
    assert ws.con.execute("SELECT lang FROM messages WHERE id = '3'").fetchone() == ("en-GB",)


def test_erasure_removes_annotations(ws: Workspace, tmp_path: Path) -> None:
    from lien.privacy import erase_person

    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    erase_person(ws, "mastodon", "b")
    assert set(_annotations(ws)) == {"1", "3"}


def test_annotate_command(ws: Workspace, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lien.cli import cli

    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    ws.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["annotate", "--db", str(tmp_path / "ws.duckdb")])
    assert out.exit_code == 0, out.output
    assert "annotated 0 messages" in out.output
    out = runner.invoke(cli, ["annotate", "--force", "--db", str(tmp_path / "ws.duckdb")])
    assert "annotated 3 messages (3 distinct texts)" in out.output
