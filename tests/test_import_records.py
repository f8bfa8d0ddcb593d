"""Records that do not come from a file (API pages), checkpoints in the same transaction, and
reparse through a Python-mapped source."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lien.importer import import_records
from lien.sources import RawRecord
from lien.workspace import Workspace

from .toy import ToySource

PAGE = [
    RawRecord(
        "page 1 item 1",
        {"id": 1, "at": "2021-01-01T10:00:00", "by": "a", "text": "post"},
        {"root": "1"},
    ),
    RawRecord(
        "page 1 item 2",
        {"id": 2, "parent": "1", "at": "2021-01-01T11:00:00", "by": "b", "text": "reply"},
        {"root": "1"},
    ),
    RawRecord("page 1 item 3", {"more": 4}),
    RawRecord("page 1 item 4", {"id": 3, "at": "not a time", "text": "x"}),
]


def test_api_records_import_with_counts_and_rejects(ws: Workspace, toy: ToySource) -> None:
    r = import_records(ws, toy, PAGE, "fetch toy page 1")
    assert (r.read, r.stored, r.rejected) == (4, 2, 2) and r.balanced
    kinds = ws.con.execute("SELECT kind, reason FROM rejects ORDER BY location").fetchall()
    assert kinds[0] == ("skipped", "4 replies not in this page")
    assert kinds[1][0] == "invalid" and "unexpected record shape" in kinds[1][1]
    again = import_records(ws, toy, PAGE[:2], "fetch toy page 1 again")
    assert (again.stored, again.duplicates) == (0, 2)


def test_checkpoint_failure_rolls_back_the_page(ws: Workspace, toy: ToySource) -> None:
    def crash(con: object) -> None:
        raise RuntimeError("killed between the page and its checkpoint")

    with pytest.raises(RuntimeError):
        import_records(ws, toy, PAGE, "page", before_commit=crash)
    for table in ("messages", "raw_items", "imports", "rejects"):
        assert ws.con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)


def test_checkpoint_is_written_with_the_page(ws: Workspace, toy: ToySource) -> None:
    ws.con.execute("CREATE TABLE cp (v VARCHAR)")
    import_records(
        ws,
        toy,
        PAGE[:2],
        "page",
        before_commit=lambda con: con.execute("INSERT INTO cp VALUES ('after page 1')"),
    )
    assert ws.con.execute("SELECT * FROM cp").fetchall() == [("after page 1",)]


def test_reparse_applies_a_new_mapper_without_new_input(ws: Workspace, toy: ToySource) -> None:
    import_records(ws, toy, PAGE, "page")
    toy.upper = True
    (r,) = ws.reparse()
    assert (r.read, r.updated, r.rejected) == (4, 2, 2)
    texts = ws.con.execute("SELECT text FROM messages ORDER BY id").fetchall()
    assert texts == [("POST",), ("REPLY",)]
    # The rejects were re-derived, not duplicated.
    assert ws.con.execute("SELECT count(*) FROM rejects").fetchone() == (2,)


def _memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    return str(row[0])


def test_imports_are_capped_and_analyses_are_not(
    ws: Workspace, toy: ToySource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIEN_MEMORY_LIMIT", raising=False)
    seen: list[str] = []
    default = _memory_limit(ws.con)
    import_records(
        ws, toy, PAGE[:2], "page", before_commit=lambda con: seen.append(_memory_limit(con))
    )
    # 1GB as DuckDB prints it; analyses after the import get the default back.
    assert seen == ["953.6 MiB"] and default != seen[0]
    assert _memory_limit(ws.con) == default


def test_lien_memory_limit_caps_everything(
    tmp_path: Path, toy: ToySource, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIEN_MEMORY_LIMIT", "512MB")
    with Workspace.create(tmp_path / "capped.duckdb") as capped:
        seen: list[str] = []
        import_records(
            capped, toy, PAGE[:2], "page", before_commit=lambda con: seen.append(_memory_limit(con))
        )
        assert seen == ["488.2 MiB"] and _memory_limit(capped.con) == "488.2 MiB"
    with Workspace.open(tmp_path / "capped.duckdb", read_only=True) as reader:
        assert _memory_limit(reader.con) == "488.2 MiB"
