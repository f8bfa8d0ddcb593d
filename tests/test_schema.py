"""The workspace's storage: the raw archive compressed with zstd, and older files migrated."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lien import schema
from lien.importer import reparse
from lien.workspace import Workspace

HEADER = "platform,id,parent_id,author_id,author_name,created_at,text,extra\n"


def _write_csv(path: Path, n: int) -> Path:
    rows = [
        f"x,{i},{'' if i % 3 == 0 else i - 1},u{i % 7},Nom {i % 7},2021-03-01T10:{i % 60:02d}:00,"
        f'"Bonjour {i}, le lac",col{i}\n'
        for i in range(1, n + 1)
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def _compression(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    con.execute("CHECKPOINT")
    rows = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info(?) "
        "WHERE column_name = ? AND segment_type = 'VARCHAR'",
        [table, column],
    ).fetchall()
    return {str(r[0]) for r in rows}


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {
        "raw_items": con.execute("SELECT * FROM raw_items ORDER BY id").fetchall(),
        "rejects": con.execute("SELECT * FROM rejects ORDER BY raw_id").fetchall(),
        "messages": con.execute("SELECT * FROM messages ORDER BY platform, id").fetchall(),
    }


def test_a_new_workspace_keeps_its_raw_archive_with_zstd(tmp_path: Path) -> None:
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        assert schema.storage_supports_zstd(ws.con)
        (result,) = ws.import_paths([_write_csv(tmp_path / "a.csv", 3000)])
        assert result.stored == 3000
        assert _compression(ws.con, "raw_items", "payload") == {"ZSTD"}
        # The storage format's dictionary of FSST strings, quicker to write than v1.2's.
        assert _compression(ws.con, "messages", "id") == {"DICT_FSST"}


def _old_workspace(path: Path, storage: str | None, csv: Path) -> None:
    """A workspace as lien wrote it at schema 3 (the caller sets SCHEMA_VERSION to 3), in the
    given DuckDB storage format, with an import in it (rows and a reject)."""
    config = {"storage_compatibility_version": storage} if storage else {}
    con = duckdb.connect(str(path), config=config)
    for version in (1, 2, 3):
        schema.MIGRATIONS[version](con)
    con.execute("INSERT INTO settings VALUES ('schema_version', '3'), ('timezone', 'UTC')")
    con.close()
    with Workspace.open(path) as ws:
        (result,) = ws.import_paths([csv])
        assert (result.stored, result.rejected) == (2000, 1)


@pytest.mark.parametrize(
    ("storage", "expected"),
    [(None, {"FSST", "Dictionary", "Uncompressed"}), ("v1.2.0", {"ZSTD"})],
)
def test_migration_4_moves_the_archive_to_zstd_only_where_the_file_allows_it(
    tmp_path: Path, storage: str | None, expected: set[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = _write_csv(tmp_path / "a.csv", 2000)
    with csv.open("a", encoding="utf-8") as f:
        f.write("x,bad,,u,N,not a time,texte,c\n")
    path = tmp_path / "old.duckdb"
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 3)
    _old_workspace(path, storage, csv)
    con = duckdb.connect(str(path))
    before = _tables(con)
    old_compression = _compression(con, "raw_items", "payload")
    con.close()
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 4)
    with Workspace.open(path) as ws:
        assert ws.schema_version() == 4
        assert _tables(ws.con) == before
        found = _compression(ws.con, "raw_items", "payload")
        assert found <= expected, found
        if storage is None:
            # DuckDB's storage from before v1.2 cannot hold zstd: the archive stays as it was.
            assert found == old_compression
        (again,) = reparse(ws)
        assert (again.updated, again.stored, again.rejected) == (0, 0, 1)
        assert _tables(ws.con)["messages"] == before["messages"]
