"""Annotations through the real import pipeline: deferred to when they are needed,
incremental, kept right on edits."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lien.metrics import compute
from lien.text import tone
from lien.text.annotate import annotate, not_annotated
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


def _expect_first_annotations(got: dict[str, tuple[object, ...]]) -> None:
    assert set(got) == {"1", "2", "3"}  # no text, no annotation
    assert got["1"][:4] == ("fr", True, "positive", False)
    assert got["2"][:4] == ("fr", True, "negative", False)
    # The source's language is kept on the message and normalised on the annotation.
    assert got["3"][:4] == ("en", False, "positive", True)
    assert all(v[4] == tone.METHOD for v in got.values())


def _langs(ws: Workspace) -> dict[str, str | None]:
    return dict(ws.con.execute("SELECT id, lang FROM messages").fetchall())


def test_import_stores_messages_only(ws: Workspace, tmp_path: Path) -> None:
    (result,) = ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    assert result.stored == 4
    assert _annotations(ws) == {}
    # Only the language the source gave is there; detection waits for the annotation.
    assert _langs(ws) == {"1": None, "2": None, "3": "en-GB", "4": None}
    assert not_annotated(ws) == 3  # three messages with text


def test_annotate_brings_imported_messages_up_to_date(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    result = annotate(ws)
    assert (result.pending, result.texts, result.detected) == (3, 3, 2)
    _expect_first_annotations(_annotations(ws))
    assert _langs(ws) == {"1": "fr", "2": "fr", "3": "en-GB", "4": None}
    assert not_annotated(ws) == 0


def test_import_can_annotate_right_away(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)], annotate=True)
    _expect_first_annotations(_annotations(ws))
    assert _langs(ws) == {"1": "fr", "2": "fr", "3": "en-GB", "4": None}


def test_metrics_annotate_pending_messages_first(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    (march,) = compute(ws)["periods"]
    _expect_first_annotations(_annotations(ws))
    # No owned account: the four messages are members'; three have text, 1 and 3 positive.
    assert march["positive_share"] == pytest.approx(2 / 3)
    assert march["negative_share"] == pytest.approx(1 / 3)
    assert march["gratitude_share"] == pytest.approx(1 / 3)
    # Nothing left: a second computation annotates nothing again.
    stamps = {k: v[5] for k, v in _annotations(ws).items()}
    assert compute(ws)["not_annotated"] == 0
    assert {k: v[5] for k, v in _annotations(ws).items()} == stamps


def test_read_only_metrics_use_what_is_annotated(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)], annotate=True)
    later = [
        ["mastodon", "5", "1", "e", "", "2021-03-05T10:00:00Z", "Horrible, nul, déçu", "", ""],
        ["mastodon", "6", "1", "f", "", "2021-03-05T11:00:00Z", "Nul nul nul", "", ""],
    ]
    ws.import_paths([_csv(tmp_path / "b.csv", later)])
    path = ws.path
    ws.close()
    with Workspace.open(path, read_only=True) as reader:
        document = compute(reader)
        assert document["not_annotated"] == 2
        (march,) = document["periods"]
        # The shares cover messages 1-3 only (annotated); 5 and 6 wait.
        assert march["positive_share"] == pytest.approx(2 / 3)
        assert march["negative_share"] == pytest.approx(1 / 3)
    with Workspace.open(path) as writer:
        document = compute(writer)
    assert document["not_annotated"] == 0
    assert document["periods"][0]["negative_share"] == pytest.approx(3 / 5)


def test_reimport_unchanged_recomputes_nothing(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    annotate(ws)
    before = _annotations(ws)
    # Another file with the same messages (a later export): duplicates, nothing to annotate.
    results = ws.import_paths([_csv(tmp_path / "b.csv", [*ROWS, ROWS[0]])])
    assert results[0].duplicates == 5 and results[0].stored == 0
    assert not_annotated(ws) == 0
    assert annotate(ws).pending == 0
    assert _annotations(ws) == before


def test_edited_text_is_annotated_again(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    annotate(ws)
    before = _annotations(ws)
    edited = [list(r) for r in ROWS]
    edited[0][6] = "Finalement très déçu, c'était nul"
    edited[0][8] = "2021-03-02T10:00:00Z"
    results = ws.import_paths([_csv(tmp_path / "b.csv", edited)])
    assert results[0].updated == 1
    # The detected language is kept through the update; the annotation is stale until redone.
    assert _langs(ws)["1"] == "fr"
    assert not_annotated(ws) == 1
    assert annotate(ws).pending == 1
    after = _annotations(ws)
    assert after["1"][2] == "negative" and after["1"][5] != before["1"][5]
    assert {k: after[k] for k in ("2", "3")} == {k: before[k] for k in ("2", "3")}


def test_force_method_change_and_deleted_messages(ws: Workspace, tmp_path: Path) -> None:
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    annotate(ws)
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
    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)], annotate=True)
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

    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)], annotate=True)
    erase_person(ws, "mastodon", "b")
    assert set(_annotations(ws)) == {"1", "3"}


def test_annotate_command(ws: Workspace, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lien.cli import cli

    ws.import_paths([_csv(tmp_path / "a.csv", ROWS)])
    ws.close()
    runner = CliRunner()
    db = ["--db", str(tmp_path / "ws.duckdb")]
    out = runner.invoke(cli, ["annotate", *db])
    assert out.exit_code == 0, out.output
    assert "annotated 3 messages (3 distinct texts), language detected for 2" in out.output
    out = runner.invoke(cli, ["annotate", *db])
    assert "annotated 0 messages" in out.output
    out = runner.invoke(cli, ["annotate", "--force", *db])
    assert "annotated 3 messages (3 distinct texts)" in out.output


def test_import_and_metrics_commands(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lien.cli import cli

    path = tmp_path / "cli.duckdb"
    Workspace.create(path).close()
    runner = CliRunner()
    db = ["--db", str(path)]
    out = runner.invoke(cli, ["import", str(_csv(tmp_path / "a.csv", ROWS)), *db])
    assert out.exit_code == 0, out.output
    with Workspace.open(path, read_only=True) as reader:
        assert not_annotated(reader) == 3
    # `lien metrics` (a reader) annotates first when it can write to the workspace.
    out = runner.invoke(cli, ["metrics", "--json", *db])
    assert out.exit_code == 0, out.output
    document = json.loads(out.output)
    assert document["not_annotated"] == 0
    assert document["periods"][0]["positive_share"] == pytest.approx(2 / 3)
    with Workspace.open(path, read_only=True) as reader:
        _expect_first_annotations(_annotations(reader))
    # --annotate does it during the import.
    more = [["mastodon", "7", "1", "g", "", "2021-03-06T10:00:00Z", "Merci beaucoup !", "", ""]]
    out = runner.invoke(cli, ["import", "--annotate", str(_csv(tmp_path / "b.csv", more)), *db])
    assert out.exit_code == 0, out.output
    with Workspace.open(path, read_only=True) as reader:
        got = _annotations(reader)
        assert got["7"][:4] == ("fr", True, "positive", True)
        assert not_annotated(reader) == 0


def test_the_note_on_what_is_not_annotated() -> None:
    from lien.text.annotate import not_annotated_note

    assert not_annotated_note(1234).startswith("1,234 messages are not annotated yet")
    assert not_annotated_note(1234, "fr").startswith("1\u202f234 messages ne sont pas")
