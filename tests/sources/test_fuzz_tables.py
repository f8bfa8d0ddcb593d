"""Fuzzing of the table-shaped readers: the generic CSV, 4CAT's CSV export, and lien's own
JSON Lines and Parquet exports.

Each reader gets random bytes and mutated real files (cells replaced by hostile text, columns
dropped or repeated, rows cut, other delimiters and encodings; JSON values retyped; Parquet
columns of any type). Whatever the input, an import either fails with a clean one-line
SourceError that leaves the workspace as it was, or balances (read = stored + updated +
duplicates + rejected) with a reason on every reject. DuckDB's own errors ("could not be
read") count as failures of the reader: they mean an input reached SQL unchecked.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lien.importer import import_file
from lien.schema import CONTENT_FIELDS
from lien.workspace import Workspace

from ..conftest import DATA

CSV_SEEDS: dict[str, list[Path]] = {
    "csv": [DATA / "generic/conversation.csv", DATA / "lien/export.csv"],
    "4cat": [DATA / "4cat/tiktok-comments-valdelune.csv"],
}
JSONL_SEEDS = [DATA / "lien/export.jsonl", DATA / "lien/wrong_types.jsonl"]
PARQUET_SEED = DATA / "lien/export.parquet"
TABLES = ("csv", "4cat", "lien-jsonl", "lien-parquet")
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
TABLES_COUNTED = ("messages", "raw_items", "imports", "rejects")

# Cell values that have broken readers before, or could: separators, quotes, line breaks,
# numbers and times in odd shapes, text in other scripts, control characters.
hostile = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "", " ", '"', '""', ",", ";", "\t", "\n", "\r", "\r\n", '"a,b"', "a\"b", "\x00",
            "\ufeff", "2.5", "12.0", "1e3", "-1", "1_000", "0x1F", "9" * 25, "NaN", "true",
            "peut-être", "oui", "2020-02-30T10:00:00Z", "2020-03-01 10:00", "hier", "null",
            "{}", "[1]", '{"x":1}', "مرحبا", "🌙", "Ã©", "DROP TABLE messages;--", "' OR 1=1",
        ]
    ),
)  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(hostile, children, max_size=3)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One workspace for all examples: each import balances on its own."""
    workspace = Workspace.create(tmp_path_factory.mktemp("fuzz") / "tables.duckdb")
    yield workspace
    workspace.close()


def _counts(ws: Workspace) -> dict[str, int]:
    out = {}
    for table in TABLES_COUNTED:
        row = ws.con.execute(f"SELECT count(*) FROM {table}").fetchone()
        out[table] = int(row[0]) if row else 0
    return out


def _import_cleanly(ws: Workspace, source: str, path: Path) -> None:
    before = _counts(ws)
    result = import_file(ws, path.name, path, source_name=source)
    if result.status == "failed":
        assert result.error and "\n" not in result.error
        assert result.error.startswith(f"{path.name}:"), result.error
        assert "could not be read" not in result.error, result.error
        assert _counts(ws) == before, "a failed import left something behind"
        return
    assert result.status in ("imported", "already imported"), result
    assert result.read == result.stored + result.updated + result.duplicates + result.rejected
    if result.status == "already imported":
        return
    rejects = ws.con.execute(
        "SELECT kind, reason FROM rejects WHERE import_id = ?", [result.import_id]
    ).fetchall()
    assert len(rejects) == result.rejected
    for kind, reason in rejects:
        assert kind in ("invalid", "skipped") and reason and "\n" not in reason, reason
    after = _counts(ws)
    assert after["messages"] == before["messages"] + result.stored


# -- CSV -------------------------------------------------------------------------------------


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-bom-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be", errors="surrogatepass")
    if encoding == "utf-16-bom-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le", errors="surrogatepass")
    return text.encode(encoding, errors="replace" if encoding == "cp1252" else "surrogatepass")


@st.composite
def mutated_csv(draw: st.DrawFn, seeds: list[Path]) -> bytes:
    seed = draw(st.sampled_from(seeds))
    text = seed.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0] else ","))
    for _ in range(draw(st.integers(0, 4))):
        r = draw(st.integers(1, len(rows) - 1)) if len(rows) > 1 else 0
        if r and rows[r]:
            rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(hostile)
    # Now and then, a change of shape: a column dropped, repeated or renamed, a stray row.
    width = max(len(r) for r in rows)
    action = draw(st.sampled_from(["none"] * 4 + ["drop_col", "dup_col", "rename", "row"]))
    if action == "drop_col" and width > 1:
        c = draw(st.integers(0, width - 1))
        rows = [row[:c] + row[c + 1 :] for row in rows]
    elif action == "dup_col":
        c = draw(st.integers(0, width - 1))
        rows = [row + row[c : c + 1] for row in rows]
    elif action == "rename":
        rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(hostile)
    elif action == "row":
        rows.insert(draw(st.integers(1, len(rows))), draw(st.lists(hostile, max_size=width + 2)))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    buf = io.StringIO()
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )
    writer.writerows(rows)
    encoding = draw(
        st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16-bom-le", "utf-16-bom-be"])
    )
    body = buf.getvalue()
    if draw(st.integers(0, 3)) == 0:  # line endings mixed by a later edit
        body += draw(st.sampled_from(["\r", "\r\n", "\n\r\n", "\r" + body.split("\n")[-2]]))
    data = _encode(body, encoding)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # a cut download, maybe mid-character
    return data


@pytest.mark.parametrize("source", sorted(CSV_SEEDS))
@FUZZ
@given(data=st.data())
def test_csv_readers_only_reject_or_fail_cleanly_on_mutated_files(
    source: str, data: st.DataObject, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data.draw(mutated_csv(CSV_SEEDS[source])))
    _import_cleanly(fuzz_ws, source, path)


# -- lien's JSON Lines ---------------------------------------------------------------------


def _mutate(value: Any, draw: st.DrawFn) -> Any:
    """Drop, retype or replace one field of a record (or the record itself)."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        out = dict(value)
        if draw(st.booleans()):
            del out[key]
        else:
            out[key] = draw(json_values)
        return out
    if draw(st.integers(0, 5)) == 0:
        return draw(json_values | st.dictionaries(st.sampled_from(CONTENT_FIELDS), json_values))
    return value


@st.composite
def mutated_jsonl(draw: st.DrawFn) -> bytes:
    seed = draw(st.sampled_from(JSONL_SEEDS))
    lines: list[str] = []
    for raw in seed.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            lines.append(raw)
            continue
        mutated = _mutate(record, draw)
        lines.append(json.dumps(mutated, ensure_ascii=draw(st.booleans())))
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(lines)))
        line = draw(hostile | st.sampled_from(lines or ["{}"]))
        lines.insert(at, line)
    cut: bool = draw(st.booleans())
    if lines and cut:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
    sep = draw(st.sampled_from(["\n", "\r\n", "\n\n"]))
    return sep.join(lines).encode("utf-8", errors="surrogatepass")


@pytest.mark.parametrize("source", ["lien-jsonl"])
@FUZZ
@given(data=st.data())
def test_lien_jsonl_only_rejects_or_fails_cleanly_on_mutated_lines(
    source: str, data: st.DataObject, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(data.draw(mutated_jsonl()))
    _import_cleanly(fuzz_ws, source, path)


# -- lien's Parquet ------------------------------------------------------------------------

_ARROW_VALUES: dict[str, tuple[pa.DataType, st.SearchStrategy[Any]]] = {
    "string": (pa.string(), st.none() | hostile.filter(lambda s: "\x00" not in s)),
    "int64": (pa.int64(), st.none() | st.integers(-(2**63), 2**63 - 1)),
    "float64": (pa.float64(), st.none() | st.floats()),
    "bool": (pa.bool_(), st.none() | st.booleans()),
    "timestamp": (
        pa.timestamp("us"),
        st.none() | st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    ),
    "struct": (pa.struct([("x", pa.int64())]), st.none() | st.builds(dict, x=st.integers(0, 9))),
    "list": (pa.list_(pa.string()), st.none() | st.lists(st.text(max_size=5), max_size=3)),
    "null": (pa.null(), st.none()),
}


@st.composite
def parquet_tables(draw: st.DrawFn) -> pa.Table:
    """lien's export with columns dropped, retyped (a count as text, an id as a struct...),
    replaced by random values of any type, or added; rows cut."""
    table = pq.read_table(PARQUET_SEED)
    table = table.slice(0, draw(st.integers(0, table.num_rows)))
    n = table.num_rows
    for _ in range(draw(st.integers(1, 4))):
        names = table.column_names
        action = draw(st.sampled_from(["retype", "retype", "random", "drop", "add"]))
        name = draw(st.sampled_from(names)) if names else "extra"
        if action == "drop" and name in names:
            table = table.drop_columns([name])
        elif action == "retype" and name in names:
            # The same values as text, with one of them made hostile.
            values = [None if v is None else str(v) for v in table.column(name).to_pylist()]
            if values:
                values[draw(st.integers(0, n - 1))] = draw(hostile)
            table = table.set_column(names.index(name), name, pa.array(values, pa.string()))
        else:
            kind = draw(st.sampled_from(sorted(_ARROW_VALUES)))
            arrow_type, strategy = _ARROW_VALUES[kind]
            column = pa.array(draw(st.lists(strategy, min_size=n, max_size=n)), type=arrow_type)
            if action == "random" and name in names:
                table = table.set_column(names.index(name), name, column)
            elif name + "_x" not in names:
                table = table.append_column(name + "_x", column)
    return table


@pytest.mark.parametrize("source", ["lien-parquet"])
@FUZZ
@given(table=parquet_tables())
def test_lien_parquet_only_rejects_or_fails_cleanly_on_mutated_tables(
    source: str, table: pa.Table, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    path = tmp_path / "fuzz.parquet"
    pq.write_table(table, path)
    _import_cleanly(fuzz_ws, source, path)


@pytest.mark.parametrize("source", ["lien-parquet"])
@FUZZ
@given(data=st.data())
def test_lien_parquet_only_fails_cleanly_on_damaged_files(
    source: str, data: st.DataObject, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    raw = bytearray(PARQUET_SEED.read_bytes())
    if data.draw(st.booleans()):
        raw = raw[: data.draw(st.integers(0, len(raw)))]
    for _ in range(data.draw(st.integers(0, 3))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "fuzz.parquet"
    path.write_bytes(bytes(raw))
    _import_cleanly(fuzz_ws, source, path)


# -- random bytes, for every table reader ----------------------------------------------------


@pytest.mark.parametrize("source", TABLES)
@FUZZ
@given(
    raw=st.binary(min_size=1, max_size=300)
    | st.text(min_size=1, max_size=300).map(str.encode)
    | st.binary(max_size=200).map(lambda b: b"PAR1" + b)
    | st.text(max_size=150).map(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le", "replace"))
)
@example(raw=b"\xff\xfe")  # a UTF-16 BOM and nothing else
@example(raw=b"\xff\xfep\x00")  # a UTF-16 header cut in the middle
def test_table_readers_only_reject_or_fail_cleanly_on_random_bytes(
    source: str, raw: bytes, tmp_path: Path, fuzz_ws: Workspace
) -> None:
    path = tmp_path / "fuzz.dat"
    path.write_bytes(raw)
    _import_cleanly(fuzz_ws, source, path)
