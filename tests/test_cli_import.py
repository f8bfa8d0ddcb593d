"""`lien import` on the command line: one error per line, file names shown as they are, a
closing summary that fits what happened; and the progress display, which must never change
what an import does."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import lien.import_progress as import_progress
import lien.importer as importer
from lien.cli import cli, main
from lien.cli.import_cmds import _failure_summary
from lien.workspace import Workspace

from .csv_community import msg, write_csv

ROWS = [
    msg("p1", None, "acc", "2021-03-01T09:00:00Z", "Le lac"),
    msg("c1", "p1", "m1", "2021-03-01T10:00:00Z", "Quels horaires ?"),
    msg("c2", "p1", "m2", "2021-03-01T11:00:00Z", "[bold]Super[/] :smile:"),
    msg("x", "p1", "m2", "not a time", "rejected"),
]
UNREADABLE = "hello\nthis is not a table\n"
# A folder with a long name, so that an error line is far longer than 80 columns.
LONG = "a-folder-with-a-rather-long-name-to-make-lines-long"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    Workspace.create(path).close()
    return path


def lien_import(db: Path, *paths: Path) -> Result:
    return CliRunner().invoke(cli, ["import", "--db", str(db), *map(str, paths)])


def unreadable(folder: Path, name: str = "[red]notes.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(UNREADABLE, encoding="utf-8")
    return path


# -- errors and summaries ----------------------------------------------------------------------


def test_an_unreadable_file_named_like_markup_gets_one_whole_error_line(
    db: Path, tmp_path: Path
) -> None:
    bad = unreadable(tmp_path / LONG)
    result = lien_import(db, bad)
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()  # one error, one line: never wrapped
    assert line.startswith(f"error: {bad}: a format lien does not recognise")
    assert len(line) > 120 and "[red]notes.txt" in line
    assert result.stdout == ""
    # A single file: the closing line speaks of no other file.
    assert type(result.exception).__name__ == "LienError"
    assert str(result.exception) == "the file could not be imported: nothing was written"
    with Workspace.open(db, read_only=True) as ws:
        assert ws.sql("SELECT count(*) AS n FROM imports").to_pylist() == [{"n": 0}]


def test_the_error_lines_of_lien_itself(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Through `main`, as the `lien` script runs: the closing error is one line too."""
    bad = unreadable(tmp_path / LONG)
    with pytest.raises(SystemExit) as exited:
        main(["import", "--db", str(db), str(bad)])
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        f"error: {bad}: a format lien does not recognise. Run `lien sources` to see the formats "
        "lien reads, or pass --source NAME if you know which one it is",
        "error: the file could not be imported: nothing was written",
    ]
    assert captured.out == ""


def test_one_failed_file_among_others(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / LONG
    bad = unreadable(folder)
    good = write_csv(folder / "[red]notes.csv", ROWS)
    result = lien_import(db, good, bad)
    assert result.exit_code == 1
    # The file name and the summary as they are: no markup read, no emoji, no wrapping.
    assert result.stdout.splitlines()[0] == (
        f"{good} (csv, imported): read 4 = stored 3 + updated 0 + duplicates 0 + rejected 1"
    )
    assert "total" not in result.stdout  # only one file was imported
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {bad}: ")
    assert str(result.exception) == "1 of 2 files could not be imported; the other one was"
    with Workspace.open(db, read_only=True) as ws:
        texts = ws.sql("SELECT text FROM messages WHERE id = 'c2'").column("text").to_pylist()
    assert texts == ["[bold]Super[/] :smile:"]


def test_every_file_failed(db: Path, tmp_path: Path) -> None:
    first = unreadable(tmp_path / "one")
    second = unreadable(tmp_path / "two", "notes [b]x.txt")
    result = lien_import(db, first, second)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert [line.split(": a format")[0] for line in lines] == [
        f"error: {first}",
        f"error: {second}",
    ]
    assert str(result.exception) == "none of the 2 files could be imported: nothing was written"


def test_a_line_break_in_a_file_name_stays_on_the_line(db: Path, tmp_path: Path) -> None:
    bad = unreadable(tmp_path, "two\nlines.txt")
    result = lien_import(db, bad)
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: {tmp_path}/two\\nlines.txt: a format lien does not recognise")


def test_totals_when_several_files_were_imported(db: Path, tmp_path: Path) -> None:
    one = write_csv(tmp_path / "one.csv", ROWS[:2])
    two = write_csv(tmp_path / "two.csv", ROWS[1:])
    bad = unreadable(tmp_path)
    result = lien_import(db, one, two, bad)
    assert result.stdout.splitlines()[:2] == [
        f"{one} (csv, imported): read 2 = stored 2 + updated 0 + duplicates 0 + rejected 0",
        f"{two} (csv, imported): read 3 = stored 1 + updated 0 + duplicates 1 + rejected 1",
    ]
    assert "total: read 5 = stored 3 + updated 0 + duplicates 1 + rejected 1" in result.stdout
    assert str(result.exception) == "1 of 3 files could not be imported; the other 2 were"


def test_closing_summaries() -> None:
    assert _failure_summary(1, 1) == "the file could not be imported: nothing was written"
    assert _failure_summary(3, 3) == "none of the 3 files could be imported: nothing was written"
    assert _failure_summary(1, 2) == "1 of 2 files could not be imported; the other one was"
    assert _failure_summary(2, 5) == "2 of 5 files could not be imported; the other 3 were"


def test_export_path_is_printed_as_it_is(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "[red]export.jsonl"
    result = CliRunner().invoke(cli, ["export", "--db", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"0 messages written to {out}\n"


# -- progress ----------------------------------------------------------------------------------


def _progress_settings(ws: Workspace) -> tuple[Any, ...]:
    row = ws.con.execute(
        "SELECT current_setting('enable_progress_bar'), current_setting('enable_progress_bar_print')"
    ).fetchone()
    assert row is not None
    return tuple(row)


def _pollers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lien-import-progress"]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[import_progress.QueryProgress]:
    """Every progress poller the imports start."""
    made: list[import_progress.QueryProgress] = []

    class Recorded(import_progress.QueryProgress):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(import_progress, "QueryProgress", Recorded)
    return made


def _files(folder: Path) -> list[Path]:
    """A generic CSV, and lien's JSON Lines export of it: two sources normalised in DuckDB."""
    folder.mkdir()
    rows = [
        msg(f"m{i}", None if i % 4 == 0 else f"m{i - i % 4}", f"a{i % 7}", f"2021-03-01T10:{i % 60:02d}:00Z", f"texte {i}")
        for i in range(400)
    ]  # fmt: skip
    csv_path = write_csv(folder / "community.csv", [*rows, ROWS[-1]])
    with Workspace.create(folder / "source.duckdb") as ws:
        ws.import_paths([csv_path])
        ws.export(folder / "export.jsonl", "jsonl")
    (folder / "source.duckdb").unlink()
    return [csv_path, folder / "export.jsonl"]


def _import(path: Path, files: list[Path], progress: bool) -> tuple[list[tuple[Any, ...]], Any]:
    with Workspace.create(path) as ws:
        opened = _progress_settings(ws)
        results = ws.import_paths(files, progress=progress)
        counts = [
            (r.status, r.source, r.read, r.stored, r.updated, r.duplicates, r.rejected)
            for r in results
        ]
        content = ws.sql(
            "SELECT platform, id, parent_id, root_id, author_id, created_at, text FROM messages "
            "ORDER BY platform, id"
        ).to_pylist()
        assert _progress_settings(ws) == opened  # DuckDB's settings are put back
    return counts, content


def test_progress_changes_nothing_and_its_thread_stops(
    tmp_path: Path, started: list[import_progress.QueryProgress]
) -> None:
    files = _files(tmp_path / "in")
    quiet = _import(tmp_path / "quiet.duckdb", files, progress=False)
    assert started == []
    shown = _import(tmp_path / "shown.duckdb", files, progress=True)
    assert shown == quiet
    assert shown[0] == [
        ("imported", "csv", 401, 400, 0, 0, 1),
        ("imported", "lien-jsonl", 400, 0, 0, 400, 0),
    ]
    (poller,) = started
    assert poller.thread.ident is not None  # it ran
    assert not poller.thread.is_alive() and _pollers() == []


def test_progress_thread_stops_when_the_import_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[import_progress.QueryProgress]
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(importer, "write_merge", broken)
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        opened = _progress_settings(ws)
        with pytest.raises(RuntimeError, match="boom"):
            ws.import_paths([write_csv(tmp_path / "a.csv", ROWS)], progress=True)
        assert _progress_settings(ws) == opened
        assert ws.sql("SELECT count(*) AS n FROM messages").to_pylist() == [{"n": 0}]
    (poller,) = started
    assert not poller.thread.is_alive() and _pollers() == []


def test_import_goes_on_when_duckdb_cannot_measure_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: list[import_progress.QueryProgress]
) -> None:
    files = _files(tmp_path / "in")
    quiet = _import(tmp_path / "quiet.duckdb", files, progress=False)
    monkeypatch.setattr(
        import_progress,
        "QUERY_PROGRESS_SETTINGS",
        (("enable_progress_bar_print", "false"), ("no_such_setting", "true")),
    )
    assert _import(tmp_path / "shown.duckdb", files, progress=True) == quiet
    assert started == []  # nothing to poll


@pytest.mark.slow
def test_progress_of_a_bulk_file_comes_from_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real staging statement, polled often: DuckDB's percentages reach the display."""
    import duckdb

    path = tmp_path / "big.csv"
    duckdb.sql(
        f"""COPY (SELECT 'mastodon' AS platform, 'm' || i AS id, NULL AS parent_id,
                         'a' || (i % 100) AS author_id, NULL AS author_name,
                         '2021-03-01T10:00:00Z' AS created_at, 'texte ' || i AS "text"
                  FROM range(200000) t(i)) TO '{path}' (HEADER)"""
    )
    seen: list[float] = []
    staged = import_progress.Bar.staged

    def record(self: Any, value: float) -> None:
        seen.append(value)
        staged(self, value)

    class Often(import_progress.QueryProgress):
        def __init__(self, con: Any, on_value: Callable[[float], None], interval: float = 0.2):
            super().__init__(con, on_value, interval=0.005)

    monkeypatch.setattr(import_progress.Bar, "staged", record)
    monkeypatch.setattr(import_progress, "QueryProgress", Often)
    with Workspace.create(tmp_path / "ws.duckdb") as ws:
        (result,) = ws.import_paths([path], progress=True)
    assert (result.read, result.stored) == (200000, 200000)
    assert seen and all(0 <= v <= 100 for v in seen)
    assert _pollers() == []


class FakeConnection:
    """Answers query_progress() from a list, then -1 (or raises, if told to)."""

    def __init__(self, values: list[float], error: Exception | None = None) -> None:
        self.values = list(values)
        self.error = error
        self.calls = 0

    def query_progress(self) -> float:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.values.pop(0) if self.values else -1.0


def _wait(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_duckdb_draws_no_bar_of_its_own_into_the_output(
    db: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    slow = "SELECT count(*) FROM range(5000000) t(x) WHERE hash(x) % 7 = 0"
    with Workspace.open(db) as ws:
        # What a statement over 2 s meets (DuckDB's Python client would print on stdout).
        ws.con.execute("SET progress_bar_time = 0")
        ws.con.execute(slow).fetchall()
        # An import measures progress for its own bar, then leaves the session as it found it.
        ws.import_paths([write_csv(tmp_path / "a.csv", [msg("m1", None, "u1", "01 09:00")])])
        ws.con.execute(slow).fetchall()
    out, err = capfd.readouterr()
    assert "%" not in out and "%" not in err


def test_poller_reports_known_percentages_while_polling() -> None:
    con = FakeConnection([-1.0, 12.5, 60.0, 140.0])
    seen: list[float] = []
    with import_progress.QueryProgress(con, seen.append, interval=0.001) as poller:
        time.sleep(0.05)
        assert con.calls == 0  # nothing polled before a statement is followed
        poller.polling.set()
        _wait(lambda: len(seen) == 3)
        poller.polling.clear()
        time.sleep(0.05)
        calls = con.calls
        time.sleep(0.05)
        assert con.calls == calls  # paused
    assert seen == [12.5, 60.0, 100.0]  # unknown (-1) skipped, capped at 100
    assert not poller.thread.is_alive()


def test_poller_gives_up_quietly_when_progress_fails() -> None:
    con = FakeConnection([], error=RuntimeError("connection closed"))
    seen: list[float] = []
    with import_progress.QueryProgress(con, seen.append, interval=0.001) as poller:
        poller.polling.set()
        _wait(lambda: not poller.thread.is_alive())
    assert seen == [] and con.calls == 1


def test_poller_stops_while_waiting_for_a_statement() -> None:
    poller = import_progress.QueryProgress(FakeConnection([]), lambda v: None)
    with poller:
        assert poller.thread.is_alive()
    assert not poller.thread.is_alive()


@pytest.fixture
def display() -> Iterator[Any]:
    with import_progress.import_progress(True, 2) as shown:
        yield shown


def _rendered(shown: Any) -> list[str]:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=200).print(shown.bar.get_renderable())
    return out.getvalue().splitlines()


def test_display_of_a_file_being_read(display: Any) -> None:
    display.start("/data/[red]notes.csv")
    display.phase("reading")
    display.staged(42.4)
    lines = _rendered(display)
    assert "0/2 files, 0 records" in lines[0]
    assert "/data/[red]notes.csv" in lines[1] and "reading 42 %" in lines[1]
    display.phase("storing")
    display.staged(80.0)  # a late value from the poller: ignored once storing
    lines = _rendered(display)
    assert "storing" in lines[1] and "80 %" not in lines[1]
    display.done(importer.ImportResult(path="/data/[red]notes.csv", source="csv", read=1234))
    (line,) = _rendered(display)  # the file's line is gone
    assert "1/2 files, 1,234 records" in line
