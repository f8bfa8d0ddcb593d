"""What an import shows while it runs: a line for the files, and one for the file being read.

Sources normalised in DuckDB stage a whole file in one statement, so only DuckDB knows how far
it is; QueryProgress asks it from a background thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:
    from .importer import ImportResult


class Quiet:
    """The progress display when there is none."""

    def start(self, display: str) -> None:
        pass

    def records(self, n: int) -> None:
        pass

    def phase(self, name: str) -> None:
        pass

    def done(self, result: ImportResult | None) -> None:
        pass


class QueryProgress:
    """Polls DuckDB's progress of the statement running on `con` from a background thread.

    A source normalised in DuckDB stages a whole file in one statement (a 4-million-row CSV
    takes a minute): only DuckDB knows how far it is. `query_progress()` may be called from
    another thread while a statement runs; it gives a percentage, or -1 when unknown. Polling
    costs one call every `interval` seconds; any failure only stops the polling, never the
    import.
    """

    def __init__(
        self,
        con: Any,
        on_value: Callable[[float], None],
        interval: float = 0.2,
    ) -> None:
        self.con = con
        self.on_value = on_value
        self.interval = interval
        self.polling = threading.Event()  # set while a statement worth following runs
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="lien-import-progress", daemon=True)

    def __enter__(self) -> QueryProgress:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self.polling.set()  # wake the thread if it waits for a statement
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout=5)

    def _run(self) -> None:
        try:
            while not self.stopping.is_set():
                self.polling.wait()
                if self.stopping.is_set():
                    return
                value = float(self.con.query_progress())
                if self.polling.is_set() and value >= 0:
                    self.on_value(min(value, 100.0))
                self.stopping.wait(self.interval)
        except Exception:  # noqa: BLE001 - progress is optional, the import is not
            return


# Session settings that let DuckDB measure a statement's progress without printing its own bar.
QUERY_PROGRESS_SETTINGS = (("enable_progress_bar_print", "false"), ("enable_progress_bar", "true"))


@contextmanager
def _query_progress_enabled(con: duckdb.DuckDBPyConnection) -> Iterator[bool]:
    """Turn DuckDB's progress measurement on for the import (it is off by default in Python),
    and restore the settings after; False when this DuckDB cannot."""
    saved: list[tuple[str, Any]] = []
    try:
        for name, value in QUERY_PROGRESS_SETTINGS:
            row = con.execute("SELECT current_setting(?)", [name]).fetchone()
            saved.append((name, row[0] if row else None))
            con.execute(f"SET {name} = {value}")
    except duckdb.Error:
        _restore_settings(con, saved)
        yield False
        return
    try:
        yield True
    finally:
        _restore_settings(con, saved)


def _restore_settings(con: duckdb.DuckDBPyConnection, saved: list[tuple[str, Any]]) -> None:
    for name, value in reversed(saved):
        try:
            if value is None:
                con.execute(f"RESET {name}")
            else:
                con.execute(f"SET {name} = {'true' if value else 'false'}")
        except duckdb.Error:
            pass


class Bar:
    """The rich display: one line for the files, and one for the file being read when its
    source is normalised in DuckDB, fed by QueryProgress."""

    def __init__(self, bar: Any, total_files: int) -> None:
        self.bar = bar
        self.total_files = total_files
        self.files_done = 0
        self.count = 0
        self.files = bar.add_task("[bold]import[/]", total=total_files, figure=self._figure())
        self.current: Any = None  # the task of the file being read, if shown
        self.display = ""
        self.counted = 0  # records counted for the current file
        self.reading = False
        self.poller: QueryProgress | None = None
        self.lock = threading.Lock()  # the poller's thread updates the current task too

    def _figure(self) -> str:
        return f"{self.files_done}/{self.total_files} files, {self.count:,} records"

    def start(self, display: str) -> None:
        from rich.markup import escape

        self.counted = 0
        # File names come from users: never markup. The end of a long path says the most.
        name = display if len(display) <= 40 else "…" + display[-39:]
        self.display = "  " + escape(name.replace("\n", " ").replace("\r", " "))

    def records(self, n: int) -> None:
        self.count += n
        self.counted += n
        self.bar.update(self.files, figure=self._figure())

    def phase(self, name: str) -> None:
        with self.lock:
            if self.current is None:
                self.current = self.bar.add_task(self.display, total=100, figure=name)
            self.reading = name == "reading"
            if self.reading:
                self.bar.update(self.current, completed=0, total=100, figure=name)
            else:
                # Merged by a few statements: shown as busy, without a percentage.
                self.bar.update(self.current, total=None, figure=name)
        if self.poller is not None:
            if self.reading:
                self.poller.polling.set()
            else:
                self.poller.polling.clear()

    def staged(self, value: float) -> None:
        with self.lock:
            if self.reading and self.current is not None:
                self.bar.update(self.current, completed=value, figure=f"reading {value:.0f} %")

    def done(self, result: ImportResult | None) -> None:
        if result is not None and result.status == "imported":
            # Sources normalised in DuckDB only know their count at the end.
            self.count += max(0, result.read - self.counted)
        if self.poller is not None:
            self.poller.polling.clear()
        with self.lock:
            self.reading = False
            if self.current is not None:
                self.bar.remove_task(self.current)
                self.current = None
        self.files_done += 1
        self.bar.update(self.files, advance=1, figure=self._figure())


@contextmanager
def import_progress(
    enabled: bool, total_files: int, con: duckdb.DuckDBPyConnection | None = None
) -> Iterator[Any]:
    """The progress display of an import (on standard error), or a silent one."""
    if not enabled:
        yield Quiet()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[figure]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        shown = Bar(bar, total_files)
        if con is None:
            yield shown
            return
        with _query_progress_enabled(con) as measured:
            if not measured:
                yield shown
                return
            with QueryProgress(con, shown.staged) as poller:
                shown.poller = poller
                try:
                    yield shown
                finally:
                    shown.poller = None
