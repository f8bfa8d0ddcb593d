"""The generic CSV source and the import pipeline's bookkeeping, on real workspace files."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from lien.errors import LienError
from lien.importer import import_file
from lien.workspace import Workspace

HEADER = "platform,id,parent_id,author_id,author_name,created_at,text"


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def messages(
    ws: Workspace, cols: str = "platform, id, parent_id, root_id, author_id, created_at, text"
) -> list[tuple]:
    return ws.con.execute(f"SELECT {cols} FROM messages ORDER BY platform, id").fetchall()


def test_basic_import_resolves_roots_and_converts_times(ws: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        HEADER
        + "\nfacebook,1,,page,Office,2020-03-01 10:00,Bonjour\n"
        + "facebook,2,1,u1,Alice,2020-03-01T11:00:00+01:00,Quand ?\n"
        + "facebook,3,2,page,Office,2020-07-01T12:00:00Z,Demain\n",
    )
    (r,) = ws.import_paths([f])
    assert (r.read, r.stored, r.updated, r.duplicates, r.rejected) == (3, 3, 0, 0, 0)
    # 10:00 naive in Paris in March (UTC+1) is 09:00 UTC; 11:00+01:00 is 10:00 UTC.
    assert messages(ws) == [
        ("facebook", "1", None, "1", "page", datetime(2020, 3, 1, 9, 0), "Bonjour"),
        ("facebook", "2", "1", "1", "u1", datetime(2020, 3, 1, 10, 0), "Quand ?"),
        ("facebook", "3", "2", "1", "page", datetime(2020, 7, 1, 12, 0), "Demain"),
    ]


def test_naive_times_follow_the_workspace_time_zone(tmp_path: Path) -> None:
    ws = Workspace.create(tmp_path / "m.duckdb", timezone="America/Montreal")
    f = write(tmp_path / "a.csv", HEADER + "\nfacebook,1,,p,P,2020-07-01 10:00,x\n")
    ws.import_paths([f])
    # Montreal is UTC-4 in July (EDT).
    assert messages(ws, "created_at") == [(datetime(2020, 7, 1, 14, 0),)]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ";", False), ("utf-8", "\t", False)],
)
def test_encodings_and_delimiters(
    ws: Workspace, tmp_path: Path, encoding: str, delimiter: str, bom: bool
) -> None:
    text = "Très bien, l’œuf à 2 € !"
    rows = [HEADER.split(","), ["facebook", "1", "", "u", "Zoé", "2020-01-01T00:00:00Z", text]]
    body = "\r\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in r) for r in rows)
    data = body.encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    f = tmp_path / "x.csv"
    f.write_bytes(data)
    (r,) = ws.import_paths([f])
    assert r.stored == 1, r.summary()
    assert messages(ws, "author_name, text") == [("Zoé", text)]


def _temp_leftovers(ws: Workspace) -> list[str]:
    return [
        name
        for (name,) in ws.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '_lien%' AND temporary"
        ).fetchall()
    ]


def _ascii_rows(n: int) -> str:
    return "".join(f"facebook,{i},,u{i},Anne,2020-01-01T00:00:00Z,Bonjour {i}\n" for i in range(n))


@pytest.fixture
def lien_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where transcoded copies go, to check none is left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(folder))
    return folder


def test_windows_1252_found_past_the_header_is_read_as_such(
    ws: Workspace, tmp_path: Path, lien_tempdir: Path
) -> None:
    # The header is ASCII: the file is taken as UTF-8 until DuckDB's read finds the é of the
    # last row, then read again from a Windows-1252 copy.
    text = HEADER + "\n" + _ascii_rows(500) + "facebook,x,,u,Zoé,2020-01-01T00:00:00Z,Été\n"
    f = write(tmp_path / "w.csv", text.replace("\n", "\r\n"), "cp1252")
    (r,) = ws.import_paths([f])
    assert (r.read, r.stored, r.rejected) == (501, 501, 0), r.summary()
    assert ws.con.execute("SELECT author_name, text FROM messages WHERE id = 'x'").fetchall() == [
        ("Zoé", "Été")
    ]
    assert _temp_leftovers(ws) == [] and list(lien_tempdir.iterdir()) == []


def test_windows_1252_only_in_a_malformed_line_keeps_its_text(
    ws: Workspace, tmp_path: Path, lien_tempdir: Path
) -> None:
    # DuckDB reports a value with text after its closing quote as malformed, with the bytes
    # it could not decode shown as "?": the reject keeps the line as written, read as
    # Windows-1252.
    text = HEADER + "\n" + _ascii_rows(3) + 'facebook,x,,u,"Zo"é,2020-01-01T00:00:00Z,a\n'
    f = write(tmp_path / "m.csv", text, "cp1252")
    (r,) = ws.import_paths([f])
    assert (r.read, r.stored, r.rejected) == (4, 3, 1), r.summary()
    assert ws.con.execute("SELECT location, raw FROM rejects").fetchall() == [
        ("line 5", 'facebook,x,,u,"Zo"é,2020-01-01T00:00:00Z,a')
    ]
    assert _temp_leftovers(ws) == [] and list(lien_tempdir.iterdir()) == []


def test_a_file_neither_utf8_nor_windows_1252_imports_nothing(
    ws: Workspace, tmp_path: Path, lien_tempdir: Path
) -> None:
    # 0x81 has no character in Windows-1252; the header gives nothing away.
    f = tmp_path / "n.csv"
    f.write_bytes((HEADER + "\n" + _ascii_rows(3)).encode() + b"facebook,x,,u,A,2020,\x81\n")
    (r,) = ws.import_paths([f])
    assert r.status == "failed"
    assert r.error == (
        f"{f}: the file is neither UTF-8 nor Windows-1252 text; "
        "save it again as 'CSV UTF-8' from your spreadsheet"
    )
    assert ws.con.execute(
        "SELECT (SELECT count(*) FROM messages), (SELECT count(*) FROM imports)"
    ).fetchone() == (0, 0)
    assert _temp_leftovers(ws) == [] and list(lien_tempdir.iterdir()) == []


def test_column_mapping_and_unknown_columns_kept_in_raw(ws: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "m.csv",
        "Réseau,Identifiant,Parent,Auteur,Nom,Date,Message,Humeur\n"
        "instagram,9,,a1,Ana,2021-05-01T08:00:00Z,Salut,joyeuse\n",
    )
    mapping = {
        "platform": "Réseau",
        "id": "Identifiant",
        "parent_id": "Parent",
        "author_id": "Auteur",
        "author_name": "Nom",
        "created_at": "Date",
        "text": "Message",
    }
    (r,) = ws.import_paths([f], source="csv", options={"map": mapping})
    assert r.stored == 1
    raw = ws.con.execute("SELECT payload FROM raw_items").fetchone()
    assert raw is not None and '"Humeur":"joyeuse"' in raw[0]


def test_missing_columns_fail_with_a_one_line_error(ws: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path / "bad.csv", "platform,id,text\nfacebook,1,x\n")
    (r,) = ws.import_paths([f], source="csv")
    assert r.status == "failed"
    assert "missing column(s) parent_id" in (r.error or "") and "--map" in (r.error or "")
    assert "\n" not in (r.error or "")
    assert ws.con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


def test_bad_rows_become_rejects_with_their_location(ws: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "r.csv",
        HEADER + ",like_count,owner_liked\n"
        "facebook,1,,p,P,2020-01-01T00:00:00Z,ok,3,oui\n"
        "facebook,2,,p,P,01/02/2020 10:00,bad date,,\n"
        "facebook,3,,p,P,2020-01-01T00:00:00Z,bad count,trois,\n"
        "Face Book,4,,p,P,2020-01-01T00:00:00Z,bad platform,,\n"
        "facebook,,,p,P,2020-01-01T00:00:00Z,no id,,\n"
        "facebook,6,6,p,P,2020-01-01T00:00:00Z,own parent,,\n"
        "facebook,7,,p,P,2020-01-01T00:00:00Z,bad bool,,peut-être\n"
        "facebook,8,,p,P,infinity,endless,,\n"
        "facebook,9,,p,P,2020-01-01T00:00:00Z,too,many,columns,here\n",
    )
    (r,) = ws.import_paths([f])
    assert (r.read, r.stored, r.rejected) == (9, 1, 8)
    rejects = dict(ws.con.execute("SELECT location, reason FROM rejects").fetchall())
    assert "not an ISO 8601 time" in rejects["row 2"]
    assert "not a whole number" in rejects["row 3"]
    assert "not a platform name" in rejects["row 4"]
    assert rejects["row 5"] == "no message id"
    assert "itself as its parent" in rejects["row 6"]
    assert "not true/false" in rejects["row 7"]
    assert "'infinity' is not an ISO 8601 time" in rejects["row 8"]
    # The malformed line is the 10th line of the file (header + 9 records).
    assert "malformed CSV line" in rejects["line 10"]
    assert messages(ws, "owner_liked") == [(True,)]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        *((w, True) for w in ("true", "TRUE", "1", "yes", "Oui", "VRAI", "t", "Y", " x ")),
        *((w, False) for w in ("false", "0", "No", "non", "Faux", "f", "N", "\u00a0non")),
        ("", None),
        ("  ", None),
    ],
)
def test_true_false_words(ws: Workspace, tmp_path: Path, cell: str, expected: bool | None) -> None:
    f = write(
        tmp_path / "b.csv",
        HEADER + ",owner_liked\n" + f"facebook,1,,p,P,2020-01-01T00:00:00Z,x,{cell}\n",
    )
    (r,) = ws.import_paths([f])
    assert (r.stored, r.rejected) == (1, 0), r.summary()
    assert messages(ws, "owner_liked") == [(expected,)]


def test_binary_and_empty_files_fail_cleanly(ws: Workspace, tmp_path: Path) -> None:
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02PK\x03\x04" * 100)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    r1, r2 = ws.import_paths([binary, empty])
    assert r1.status == r2.status == "failed"
    assert "binary" in (r1.error or "") and "empty" in (r2.error or "")


def test_reimport_changes_nothing_and_later_export_updates(ws: Workspace, tmp_path: Path) -> None:
    first = write(
        tmp_path / "jan.csv",
        HEADER + ",like_count\n"
        "x,1,,a,A,2020-01-01T00:00:00Z,hello,1\n"
        "x,2,1,b,B,2020-01-01T01:00:00Z,reply,0\n",
    )
    ws.import_paths([first])
    before = messages(ws, "*")
    (again,) = ws.import_paths([first])
    assert again.status == "already imported" and again.duplicates == 2 and again.balanced
    assert messages(ws, "*") == before
    later = write(
        tmp_path / "feb.csv",
        HEADER + ",like_count,edited_at\n"
        "x,1,,a,A,2020-01-01T00:00:00Z,hello,5,\n"
        "x,2,1,b,B,2020-01-01T01:00:00Z,reply (edited),0,2020-01-02T00:00:00Z\n"
        "x,3,1,c,C,2020-01-03T00:00:00Z,new,0,\n",
    )
    (r,) = ws.import_paths([later])
    assert (r.read, r.stored, r.updated, r.duplicates, r.rejected) == (3, 1, 2, 0, 0)
    assert messages(ws, "id, text, like_count") == [
        ("1", "hello", 5),
        ("2", "reply (edited)", 0),
        ("3", "new", 0),
    ]
    # An older export imported afterwards never reverts an edit.
    older = write(tmp_path / "old.csv", HEADER + "\nx,2,1,b,B,2020-01-01T01:00:00Z,reply\n")
    (o,) = ws.import_paths([older])
    assert (o.stored, o.updated, o.duplicates) == (0, 0, 1)
    assert messages(ws, "text")[1] == ("reply (edited)",)


def test_duplicates_within_one_file_keep_the_last(ws: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "d.csv",
        HEADER + "\nx,1,,a,A,2020-01-01T00:00:00Z,first\nx,1,,a,A,2020-01-01T00:00:00Z,second\n",
    )
    (r,) = ws.import_paths([f])
    assert (r.read, r.stored, r.duplicates) == (2, 1, 1)
    assert messages(ws, "text") == [("second",)]


def test_raw_items_are_numbered_in_file_order_past_the_last_import(
    ws: Workspace, tmp_path: Path
) -> None:
    # Row 2 is repeated by row 3, so it is a duplicate and keeps no raw item. The malformed
    # line 6 (an unclosed quote) is staged as row -6, first; a raw item's number is its row's
    # offset from there: line 6 → 1, row 1 → 8, row 3 → 10, row 4 → 11.
    first = write(
        tmp_path / "1.csv",
        HEADER + "\nx,1,,a,A,2020-01-01T00:00:00Z,one\nx,2,,a,A,2020-01-01T00:00:00Z,two\n"
        "x,2,,a,A,2020-01-01T00:00:00Z,two again\nx,3,,a,A,2020-01-01T00:00:00Z,three\n"
        'x,4,,a,A,2020-01-01T00:00:00Z,"open\n',
    )
    (r,) = ws.import_paths([first])
    assert (r.read, r.stored, r.duplicates, r.rejected) == (5, 3, 1, 1), r.summary()
    raw = ws.con.execute("SELECT id, location FROM raw_items ORDER BY id").fetchall()
    assert raw == [(1, "line 6"), (8, "row 1"), (10, "row 3"), (11, "row 4")]
    assert ws.con.execute("SELECT raw_id FROM rejects").fetchall() == [(1,)]
    assert messages(ws, "id, raw_id") == [("1", 8), ("2", 10), ("3", 11)]
    second = write(tmp_path / "2.csv", HEADER + "\nx,5,,a,A,2020-01-01T00:00:00Z,five\n")
    ws.import_paths([second])
    assert ws.con.execute("SELECT max(id), count(*) FROM raw_items").fetchone() == (12, 5)


def test_orphan_root_resolves_when_its_parent_arrives(ws: Workspace, tmp_path: Path) -> None:
    reply = write(tmp_path / "1.csv", HEADER + "\nx,3,2,c,C,2020-01-02T00:00:00Z,deep\n")
    ws.import_paths([reply])
    assert messages(ws, "root_id") == [(None,)]
    rest = write(
        tmp_path / "2.csv",
        HEADER + "\nx,1,,a,A,2020-01-01T00:00:00Z,top\nx,2,1,b,B,2020-01-01T12:00:00Z,mid\n",
    )
    ws.import_paths([rest])
    assert messages(ws, "id, root_id") == [("1", "1"), ("2", "1"), ("3", "1")]


def test_folders_and_zip_archives_are_walked(ws: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    write(folder / "a.csv", HEADER + "\nx,1,,a,A,2020-01-01T00:00:00Z,a\n")
    write(folder / "sub" / "b.csv", HEADER + "\nx,2,1,b,B,2020-01-01T00:00:01Z,b\n")
    write(folder / ".hidden.csv", HEADER + "\nx,9,,z,Z,2020-01-01T00:00:00Z,z\n")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("export/c.csv", HEADER + "\nx,3,2,c,C,2020-01-01T00:00:02Z,c\n")
        z.writestr("../../evil.csv", HEADER + "\nx,4,3,d,D,2020-01-01T00:00:03Z,d\n")
    archive = tmp_path / "more.zip"
    archive.write_bytes(buf.getvalue())
    results = ws.import_paths([folder, archive])
    assert [r.status for r in results] == ["imported"] * 4
    assert [m[0] for m in messages(ws, "id")] == ["1", "2", "3", "4"]
    assert not (tmp_path.parent.parent / "evil.csv").exists()


def test_reparse_reproduces_the_same_messages(ws: Workspace, tmp_path: Path) -> None:
    f = write(
        tmp_path / "a.csv",
        "Réseau;Id;parent_id;author_id;author_name;created_at;text\n"
        "x;1;;a;A;2020-01-01 10:00;a\nx;2;1;b;B;2020-01-01 11:00;b\nx;3;;c;C;nope;c\n",
    )
    ws.import_paths([f], source="csv", options={"map": {"platform": "Réseau", "id": "Id"}})
    before = messages(ws, "* EXCLUDE (import_id)")
    (r,) = ws.reparse()
    assert (r.read, r.stored, r.updated, r.duplicates, r.rejected) == (3, 0, 0, 2, 1)
    assert messages(ws, "* EXCLUDE (import_id)") == before
    assert ws.con.execute("SELECT count(*) FROM rejects").fetchone() == (1,)


def test_open_errors_are_for_people(tmp_path: Path) -> None:
    with pytest.raises(LienError, match="lien init"):
        Workspace.open(tmp_path / "none.duckdb")
    not_db = tmp_path / "x.duckdb"
    not_db.write_text("hello")
    with pytest.raises(LienError, match="not a lien workspace"):
        Workspace.open(not_db)
    Workspace.create(tmp_path / "w.duckdb").close()
    with pytest.raises(LienError, match="already exists"):
        Workspace.create(tmp_path / "w.duckdb")


def test_unknown_format_names_the_file(ws: Workspace, tmp_path: Path) -> None:
    f = write(tmp_path / "notes.txt", "just some text\nnothing else\n")
    r = import_file(ws, "notes.txt", f)
    assert r.status == "failed" and r.error is not None
    assert r.error.startswith("notes.txt:") and "lien sources" in r.error


def test_older_workspaces_are_migrated_on_open(tmp_path: Path) -> None:
    import duckdb

    from lien import schema

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    schema.MIGRATIONS[1](con)
    con.execute("INSERT INTO settings VALUES ('schema_version', '1'), ('timezone', 'UTC')")
    con.close()
    ws = Workspace.open(path)
    assert ws.schema_version() == schema.SCHEMA_VERSION
    assert ws.con.execute("SELECT count(*) FROM fetch_state").fetchone() == (0,)
    ws.close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE settings SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(LienError, match="newer lien"):
        Workspace.open(path)


def test_a_reject_reason_quotes_a_value_on_one_line(ws: Workspace, tmp_path: Path) -> None:
    # Found by the fuzzer: a quoted line break as the platform.
    path = write(
        tmp_path / "a.csv",
        "platform,id,parent_id,author_id,author_name,created_at,text\n"
        '"face\nbook",1,,u1,,2021-03-01T10:00:00Z,Bonjour\n'
        f"{'x' * 80},2,,u1,,2021-03-01T10:00:00Z,Bonjour\n",
    )
    result = ws.import_paths([path])[0]
    assert (result.read, result.rejected) == (2, 2)
    reasons = [
        r[0] for r in ws.con.execute("SELECT reason FROM rejects ORDER BY reason").fetchall()
    ]
    assert reasons == [
        "platform 'face?book' is not a platform name (lowercase letters, digits, _)",
        f"platform '{'x' * 40}' is not a platform name (lowercase letters, digits, _)",
    ]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_rows_are_numbered_in_file_order_when_read_in_parallel(
    ws: Workspace, tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files are read on every core and numbered afterwards: the numbers must still be the
    # rows' places in the file (reject locations say them, raw ids follow them). Small read
    # buffers (DuckDB's follow the longest line allowed) make the reader split the file.
    from lien.sources import _csv, _jsonl

    monkeypatch.setattr(_csv, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(_jsonl, "MAX_LINE_BYTES", 4096)
    n = 300_000
    bad = {1, 122_880, 122_881, 200_003, n}
    path = tmp_path / f"big{suffix}"
    with path.open("w", encoding="utf-8") as f:
        if suffix == ".csv":
            f.write(HEADER + "\n")
        for i in range(1, n + 1):
            when = "never" if i in bad else "2021-03-01T10:00:00Z"
            if suffix == ".csv":
                f.write(f"x,{i},,u,,{when},t\n")
            else:
                f.write(
                    f'{{"platform":"x","id":"{i}","parent_id":null,"root_id":null,'
                    f'"author_id":"u","author_handle":null,"created_at":"{when}","text":"t"}}\n'
                )
    result = import_file(ws, path.name, path)
    assert (result.stored, result.rejected) == (n - len(bad), len(bad)), result.summary()
    unit = "row" if suffix == ".csv" else "line"
    locations = ws.con.execute("SELECT location FROM rejects ORDER BY raw_id").fetchall()
    assert [loc for (loc,) in locations] == [f"{unit} {i}" for i in sorted(bad)]
    in_raw_order = ws.con.execute(
        "SELECT m.id FROM messages m JOIN raw_items r ON r.id = m.raw_id ORDER BY r.id"
    ).fetchall()
    assert [int(i) for (i,) in in_raw_order] == [i for i in range(1, n + 1) if i not in bad]


def test_blank_lines_of_a_json_lines_export_are_skipped_and_lines_keep_their_numbers(
    ws: Workspace, tmp_path: Path
) -> None:
    def line(i: int, when: str) -> str:
        return (
            f'{{"platform":"x","id":"{i}","parent_id":null,"root_id":null,"author_id":"u",'
            f'"author_handle":null,"created_at":"{when}","text":"t"}}\n'
        )

    path = tmp_path / "export.jsonl"
    path.write_text(
        line(1, "2021-03-01T10:00:00Z") + "\n" + " \t \n" + line(2, "never") + "\r\n",
        encoding="utf-8",
    )
    result = import_file(ws, path.name, path)
    assert (result.read, result.stored, result.rejected) == (2, 1, 1), result.summary()
    assert ws.con.execute("SELECT location FROM rejects").fetchall() == [("line 4",)]


def test_json_lines_that_are_not_objects_are_rejects_saying_so(
    ws: Workspace, tmp_path: Path
) -> None:
    # The object check reads the first character before it asks json_type: lines that start
    # with spaces, and JSON of every other kind, must still be told apart.
    record = (
        '{"platform":"x","id":"ID","parent_id":null,"root_id":null,"author_id":"u",'
        '"author_handle":null,"created_at":"2021-03-01T10:00:00Z","text":"t"}'
    )
    lines = [
        record.replace("ID", "1"),
        "  \t" + record.replace("ID", "2"),
        "[" + record.replace("ID", "3") + "]",
        '"{not an object}"',
        "null",
        "12",
        record.replace("ID", "4")[:-5],
        "{" + record.replace("ID", "5"),
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # Named: detection wants every line of the file's head to be JSON.
    result = import_file(ws, path.name, path, source_name="lien-jsonl")
    assert (result.read, result.stored, result.rejected) == (8, 2, 6), result.summary()
    assert ws.con.execute("SELECT id FROM messages ORDER BY id").fetchall() == [("1",), ("2",)]
    not_object, damaged = "not a JSON object", "not valid JSON (damaged or truncated line)"
    assert ws.con.execute("SELECT location, reason FROM rejects ORDER BY raw_id").fetchall() == [
        ("line 3", not_object),
        ("line 4", not_object),
        ("line 5", not_object),
        ("line 6", not_object),
        ("line 7", damaged),
        ("line 8", damaged),
    ]
