"""What lien says about files it cannot take as they are: values of the wrong type in its own
exports, UTF-16 and mixed line endings in CSV files, JSON documents cut short or damaged."""

from __future__ import annotations

import codecs
import tempfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lien.errors import SourceError
from lien.importer import import_file
from lien.sources import Probe, detect, get
from lien.workspace import Workspace

from ..conftest import DATA

HEADER = ["platform", "id", "parent_id", "author_id", "author_name", "created_at", "text"]


def _rejects(ws: Workspace) -> dict[str, str]:
    return dict(ws.con.execute("SELECT location, reason FROM rejects").fetchall())


def _messages(ws: Workspace, cols: str) -> list[tuple[object, ...]]:
    return ws.con.execute(f"SELECT {cols} FROM messages ORDER BY id").fetchall()


# -- lien's own exports: values of the wrong type ------------------------------------------


def test_parquet_values_of_the_wrong_type_are_rejects_naming_field_and_value(
    ws: Workspace, tmp_path: Path
) -> None:
    # A table written by another tool under lien's column names: counts and booleans as
    # text, an id column holding objects.
    table = pa.table(
        {
            "platform": ["instagram"] * 4,
            "id": ["p1", "p2", "p3", "p4"],
            "parent_id": [None, "p1", "p1", "p1"],
            "root_id": pa.array([None] * 4, pa.string()),
            "author_id": pa.array([None, None, {"x": 2}, None], pa.struct([("x", pa.int64())])),
            "author_handle": pa.array([None] * 4, pa.string()),
            "created_at": [datetime(2021, 1, 1, 10), datetime(2021, 1, 1, 11)] * 2,
            "like_count": ["3", "trois", None, "4.0"],
            "owner_liked": ["true", None, None, "peut-etre"],
        }
    )
    path = tmp_path / "other-tool.parquet"
    pq.write_table(table, path)
    assert detect(Probe(path)).name == "lien-parquet"
    result = import_file(ws, path.name, path)
    assert (result.read, result.stored, result.rejected) == (4, 1, 3)
    assert _rejects(ws) == {
        "row 2": "like_count 'trois' is not a whole number",
        "row 3": "author_id '{\"x\":2}' is a JSON object, not text",
        "row 4": "owner_liked 'peut-etre' is not true/false",
    }
    # The naive timestamp is UTC, as lien writes it; the count written "3" is 3.
    assert _messages(ws, "id, like_count, owner_liked, created_at") == [
        ("p1", 3, True, datetime(2021, 1, 1, 10))
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PAR1 not really parquet", "not a readable Parquet file"),
        (b"", "too small to be a Parquet file"),
    ],
)
def test_unreadable_parquet_fails_in_one_line(
    ws: Workspace, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(content)
    result = import_file(ws, path.name, path, source_name="lien-parquet")
    assert result.status == "failed" and result.error is not None
    assert expected in result.error and "\n" not in result.error
    assert "could not be read" not in result.error


def test_parquet_without_lien_columns_names_what_is_missing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "sales.parquet"
    pq.write_table(pa.table({"id": ["1"], "amount": [3]}), path)
    result = import_file(ws, path.name, path, source_name="lien-parquet")
    assert result.error == (
        "sales.parquet: not a lien export: missing column(s) platform, created_at "
        "(found: id, amount); export it with `lien export --format parquet`, or save the "
        "table as CSV and import it with --map"
    )


# -- CSV: UTF-16, line endings, counts -----------------------------------------------------


@pytest.mark.parametrize("order", ["utf-16-le", "utf-16-be"])
def test_utf16_text_with_bom_is_read_as_such(ws: Workspace, tmp_path: Path, order: str) -> None:
    # Excel's "Unicode text": UTF-16 with a byte order mark, tab-separated, CRLF.
    rows = [
        HEADER,
        ["facebook", "1", "", "u1", "Zoé", "2020-01-01T10:00:00Z", "Très bien 🌙"],
        ["facebook", "2", "1", "u2", "سارة", "2020-01-01T11:00:00Z", "مرحبا، شكرا"],
    ]
    text = "".join("\t".join(r) + "\r\n" for r in rows)
    bom = codecs.BOM_UTF16_LE if order == "utf-16-le" else codecs.BOM_UTF16_BE
    path = tmp_path / "export.txt"
    path.write_bytes(bom + text.encode(order))
    assert detect(Probe(path)).name == "csv"  # no --source needed
    result = import_file(ws, path.name, path)
    assert (result.status, result.read, result.stored, result.rejected) == ("imported", 2, 2, 0)
    assert _messages(ws, "id, parent_id, author_name, text") == [
        ("1", None, "Zoé", "Très bien 🌙"),
        ("2", "1", "سارة", "مرحبا، شكرا"),
    ]


def test_utf16_bom_in_front_of_broken_text_fails_in_one_line(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    # A header in UTF-16 LE, cut in the middle of a character (an odd number of bytes).
    path.write_bytes(codecs.BOM_UTF16_LE + "\t".join(HEADER).encode("utf-16-le") + b"\x00\n\x00")
    result = import_file(ws, path.name, path, source_name="csv")
    assert result.error is not None
    assert result.error.startswith("cut.txt: starts as UTF-16 text (byte order mark) but is not")
    assert "missing column" not in result.error


# Random bytes as a text of "a", CR and LF only.
_LINE_BYTES = bytes(13 if b % 3 == 0 else 10 if b % 3 == 1 else 97 for b in range(256))


MIXED_LINE_ENDS = {
    # A Windows export (CRLF, a quoted value with its own line break) to which an editor
    # appended a line with LF, then a stray CR: DuckDB's strict reader alone gave up on it.
    "appended": (
        (",".join(HEADER) + "\r\n").encode()
        + b'x,1,,a,A,2020-01-01T00:00:00Z,"deux\r\nlignes"\r\n'
        + b"x,2,1,b,B,2020-01-01T01:00:00Z,lf\n\r\n"
        + b"x,3,1,c,C,2020-01-01T02:00:00Z,fin\n",
        [("1", "deux\r\nlignes"), ("2", "lf"), ("3", "fin")],
        0,
    ),
    # Found by the fuzzer: lines ended by LF, quoted values ending in a lone CR. The file is
    # rewritten with one kind of line end, and those values must stay quoted.
    "quoted CR": (
        (",".join(HEADER) + "\n").encode()
        + b'x,1,,a,A,2020-01-01T00:00:00Z,"fin\r"\n'
        + b'x,2,1,b,B,2020-01-01T01:00:00Z,"deux\nlignes"\n'
        + b'"0\r"\n',
        [("1", "fin\r"), ("2", "deux\nlignes")],
        1,
    ),
}


@pytest.mark.parametrize("case", sorted(MIXED_LINE_ENDS))
def test_mixed_line_endings_are_read(ws: Workspace, tmp_path: Path, case: str) -> None:
    content, expected, rejected = MIXED_LINE_ENDS[case]
    path = tmp_path / "mixed.csv"
    path.write_bytes(content)
    result = import_file(ws, path.name, path)
    assert result.status == "imported", result.error
    assert (result.stored, result.rejected) == (len(expected), rejected)
    assert _messages(ws, "id, text") == expected
    reasons = ws.con.execute("SELECT reason FROM rejects").fetchall()
    assert all(r.startswith("malformed CSV line") for (r,) in reasons)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40).map(lambda b: b.translate(_LINE_BYTES)), st.integers(1, 6))
def test_line_endings_are_told_apart_wherever_the_file_is_cut(content: bytes, chunk: int) -> None:
    # The file is read in chunks; a CR at the end of one and an LF at the start of the next
    # are one CRLF. Reference: the counts over the whole content at once.
    from lien.sources import _csv

    cr, lf, crlf = content.count(b"\r"), content.count(b"\n"), content.count(b"\r\n")
    expected = cr > 0 and lf > 0 and not cr == lf == crlf
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(content)
        saved = _csv._CHUNK
        _csv._CHUNK = chunk
        try:
            assert _csv._mixed_line_ends(path) == expected
        finally:
            _csv._CHUNK = saved


def test_counts_must_be_whole_numbers(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    lines = [",".join([*HEADER, "like_count"])]
    for i, count in enumerate(["12", "12.0", "2.5", "1e3", "1_000", "0x1F"], start=1):
        lines.append(f"x,{i},,a,A,2020-01-01T00:00:00Z,t,{count}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(ws, path.name, path)
    assert (result.stored, result.rejected) == (2, 4)
    assert _messages(ws, "id, like_count") == [("1", 12), ("2", 12)]
    assert _rejects(ws)["row 3"] == "like_count '2.5' is not a whole number"
    assert _rejects(ws)["row 6"] == "like_count '0x1F' is not a whole number"


def test_header_names_in_errors_stay_on_one_line(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('platform,"i\nd",text\nx,1,t\n', encoding="utf-8")
    result = import_file(ws, path.name, path, source_name="csv")
    assert result.error is not None and "\n" not in result.error
    assert "missing column(s)" in result.error


# -- JSON documents cut short or damaged -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"data": [{"id": "1", "message": "Bonj',
            "page.json: not valid JSON: it ends before the JSON is complete, at line 1, "
            "column 34 (Unterminated string starting at). It was probably cut short (an "
            "interrupted download or copy): download or save it again in full",
        ),
        (
            '\ufeff[\n  {"id": "1"},\n  {"id": "2"\n',
            "page.json: not valid JSON: it ends before the JSON is complete, at line 4, "
            "column 1 (Expecting ',' delimiter). It was probably cut short (an interrupted "
            "download or copy): download or save it again in full",
        ),
        (
            '{"data": [{"id": "1"}, {"id": "2",\n "message": "x"}, ]}',
            "page.json: not valid JSON: it is damaged at line 2, column 19 (Expecting value). "
            "Download or save it again; if it was edited by hand, fix that place in a text "
            "editor",
        ),
    ],
)
def test_json_that_does_not_parse_is_named_so(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "page.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        detect(Probe(path))
    assert str(caught.value) == expected


def test_an_import_of_cut_json_fails_with_that_error(ws: Workspace, tmp_path: Path) -> None:
    whole = (DATA / "facebook/feed_edge.json").read_text(encoding="utf-8")
    path = tmp_path / "feed.json"
    path.write_text(whole[: len(whole) // 2], encoding="utf-8")
    result = import_file(ws, path.name, path)
    assert result.status == "failed" and result.error is not None
    assert result.error.startswith("feed.json: not valid JSON: it ends before the JSON is complete")
    assert ws.con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        # JSON Lines of unknown records: valid lines, just not a format lien reads.
        ('{"a": 1}\n{"a": 2}\n', "a format lien does not recognise"),
        ("platform;x\n1;2\n", "a format lien does not recognise"),
        ('{"a": 1}', "a format lien does not recognise"),  # parses: unknown, not damaged
    ],
)
def test_other_unknown_files_keep_the_general_message(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "other.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=expected):
        detect(Probe(path))


# -- documented limits -----------------------------------------------------------------------


def test_known_limits_are_documented_in_the_quirks() -> None:
    archive = " ".join(get("meta_archive").quirks)
    assert "edited between two archives" in archive and "new message" in archive
    instagram = " ".join(get("instagram").quirks)
    assert "changes their username" in instagram and "two different authors" in instagram
    youtube = " ".join(get("youtube").quirks)
    assert "viewerRating" in youtube and "API key" in youtube


_SPACES_AND_NEAR = st.sampled_from(
    [
        " ",
        "\t",
        "\n",
        "\r",
        "\u00a0",
        "\u1680",
        "\u2000",
        "\u200a",
        "\u200b",
        "\u202f",
        "\u205f",
        "\u3000",
        "\u0085",
        "\ufeff",
        "é",
        "x",
        "'",
    ]
)


@settings(max_examples=400, deadline=None)
@given(
    st.none() | st.lists(st.one_of(_SPACES_AND_NEAR, st.text(max_size=3)), max_size=8).map("".join)
)
def test_blank_sql_is_trim_then_empty_as_null(value: str | None) -> None:
    # blank_sql skips trim() for the values it can tell need none; the reference is trim()
    # itself, over values made mostly of spaces, look-alikes and accented letters.
    import duckdb

    from lien.schema import define_macros
    from lien.sources._csv import blank_sql

    con = duckdb.connect()
    define_macros(con)
    got, expected = con.execute(
        f"SELECT {blank_sql('v')}, nullif(trim(v), '') FROM (SELECT ?::VARCHAR AS v)", [value]
    ).fetchone()  # type: ignore[misc]
    assert got == expected


_ISO_TIMES = st.builds(
    lambda moment, sep, offset: moment.isoformat(sep) + offset,
    st.datetimes(),
    st.sampled_from(["T", " "]),
    st.sampled_from(["", "Z", "+00:00", "+01:00", "-04:00", "+05:45", "-12:00"]),
)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        _ISO_TIMES,
        st.text(max_size=12),
        st.sampled_from(["2020-03-29 02:30", "epoch", "infinity", "-infinity"]),
    ),
    st.sampled_from(["UTC", "Europe/Paris", "America/Montreal", "Pacific/Chatham"]),
)
def test_parse_time_sql_is_the_instant_in_utc(value: str, zone: str) -> None:
    # The reference is DuckDB's own conversion to UTC through the calendar; 'infinity' is the
    # one value where the two differ on purpose (no time at all).
    import duckdb

    from lien.sources._csv import parse_time_sql

    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{zone}'")
    got, expected = con.execute(
        f"SELECT {parse_time_sql('v')}, TRY_CAST(v AS TIMESTAMPTZ) AT TIME ZONE 'UTC' "
        "FROM (SELECT ? AS v)",
        [value],
    ).fetchone()  # type: ignore[misc]
    if value.strip().lower().lstrip("+-") in ("infinity", "inf"):
        assert got is None
    else:
        assert got == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(_SPACES_AND_NEAR, st.sampled_from(["{", "[", '"']), st.text(max_size=3)),
        max_size=6,
    ).map("".join)
)
def test_first_char_sql_is_the_first_character_after_spaces(value: str) -> None:
    import duckdb

    from lien.sources._jsonl import first_char_sql

    con = duckdb.connect()
    got, expected = con.execute(
        f"SELECT {first_char_sql('v')}, left(ltrim(v), 1) FROM (SELECT ? AS v)", [value]
    ).fetchone()  # type: ignore[misc]
    assert got == expected
