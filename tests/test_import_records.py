"""Records that do not come from a file (API pages), checkpoints in the same transaction, and
reparse through a Python-mapped source."""

from __future__ import annotations

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
