"""The workspace: one DuckDB file holding one destination's conversations and settings."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from . import schema
from . import settings as settings_mod
from .errors import LienError

DEFAULT_DB = "lien.duckdb"


# What an import may hold in memory before DuckDB spills to disk, so that memory does not grow
# with the file. Analyses keep DuckDB's default (80% of the machine's memory): their joins over
# tens of millions of messages need it. LIEN_MEMORY_LIMIT, when set, caps everything.
IMPORT_MEMORY_LIMIT = "1GB"


def memory_limit() -> str | None:
    return os.environ.get("LIEN_MEMORY_LIMIT") or None


def default_path() -> Path:
    return Path(os.environ.get("LIEN_DB") or DEFAULT_DB)


def arrow_table(
    con: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] | None = None
) -> pa.Table:
    """Run a query and return its rows as an Arrow table (DuckDB 2 renamed the fetchers)."""
    relation = con.sql(query, params=list(params) if params else None)
    if relation is None:  # a statement without a result
        return pa.table({})
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    table = fetch()
    if isinstance(table, pa.RecordBatchReader):
        table = table.read_all()
    assert isinstance(table, pa.Table)
    return table


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Workspace:
    """An open workspace. Use `Workspace.create` or `Workspace.open` (or `lien.open`)."""

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, read_only: bool) -> None:
        self.path = path
        self.con = con
        self.read_only = read_only
        # Stored times are UTC; DuckDB would otherwise read them in the machine's time zone.
        con.execute("SET TimeZone = 'UTC'")
        # DuckDB's Python client draws its own bar on stdout for any statement over 2 s: into
        # `lien export` and `--json` output. lien shows progress itself, on the terminal.
        con.execute("SET enable_progress_bar = false")
        con.execute("SET enable_progress_bar_print = false")
        schema.define_macros(con)
        limit = memory_limit()
        if limit:
            con.execute("SET memory_limit = ?", [limit])

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: str | Path, timezone: str = "Europe/Paris", lang: str = "fr"
    ) -> Workspace:
        path = Path(path)
        if path.exists():
            raise LienError(f"{path} already exists: open it, or choose another path")
        values = {
            "timezone": settings_mod.parse("timezone", timezone),
            "lang": settings_mod.parse("lang", lang),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            str(path), config={"storage_compatibility_version": schema.STORAGE_VERSION}
        )
        try:
            schema.migrate(con, 0)
            ws = cls(path, con, read_only=False)
            for s in settings_mod.SETTINGS:
                value = values.get(s.key) or (s.default() if s.default else None)
                if value is not None:
                    ws._write_setting(s.key, value)
            ws.refresh_views()
        except BaseException:
            con.close()
            path.unlink(missing_ok=True)
            raise
        return ws

    @classmethod
    def open(cls, path: str | Path | None = None, read_only: bool = False) -> Workspace:
        path = Path(path) if path is not None else default_path()
        if not path.exists():
            raise LienError(
                f"no workspace at {path}: create one with `lien init {path}` "
                "(or pass --db / set LIEN_DB)"
            )
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise LienError(
                    f"{path} is in use by another lien process; wait for it to finish"
                ) from None
            raise LienError(f"{path} is not a lien workspace (DuckDB could not open it)") from None
        ws = cls(path, con, read_only=read_only)
        version = ws.schema_version()
        if version > schema.SCHEMA_VERSION:
            con.close()
            raise LienError(
                f"{path} was written by a newer lien (schema {version}); upgrade lien to open it"
            )
        if version < schema.SCHEMA_VERSION:
            if read_only:
                con.close()
                raise LienError(f"{path} needs an upgrade: run any lien command that writes to it")
            schema.migrate(con, version)
        if not read_only and not ws._has_views():
            ws.refresh_views()
        return ws

    def _has_views(self) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'responses' AND NOT internal"
        ).fetchone()
        return bool(row and row[0])

    def refresh_views(self) -> None:
        """(Re)build the SQL views of the metrics (threads, exchanges, responses, activity)."""
        from .metrics.sqlviews import refresh

        refresh(self)

    def schema_version(self) -> int:
        try:
            row = self.con.execute(
                "SELECT value FROM settings WHERE key = 'schema_version'"
            ).fetchone()
        except duckdb.CatalogException:
            raise LienError(f"{self.path} is a DuckDB file but not a lien workspace") from None
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def import_memory(self) -> Iterator[None]:
        """Cap DuckDB's memory for an import (unless LIEN_MEMORY_LIMIT caps everything): set
        outside the import's transaction, since DuckDB refuses SET in an aborted one."""
        if memory_limit():
            yield
            return
        self.con.execute("SET memory_limit = ?", [IMPORT_MEMORY_LIMIT])
        try:
            yield
        finally:
            self.con.execute("RESET memory_limit")

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            # A reader may have changed the session time zone inside the failed transaction
            # and could not set it back there.
            self.con.execute("SET TimeZone = 'UTC'")
            raise
        self.con.execute("COMMIT")

    # -- settings ------------------------------------------------------------------------

    def _write_setting(self, key: str, value: str | None) -> None:
        self.con.execute("DELETE FROM settings WHERE key = ?", [key])
        if value not in (None, ""):
            self.con.execute("INSERT INTO settings VALUES (?, ?)", [key, value])

    def settings(self) -> dict[str, str]:
        rows = self.con.execute("SELECT key, value FROM settings").fetchall()
        return {k: v for k, v in rows if k not in schema.INTERNAL_SETTINGS}

    def setting(self, key: str) -> str | None:
        row = self.con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_setting(self, key: str, value: str | None) -> None:
        parsed = None if value in (None, "") else settings_mod.parse(key, value)
        self._write_setting(key, parsed)
        from .metrics.sqlviews import DEPENDS_ON

        if key in DEPENDS_ON:
            self.refresh_views()

    @property
    def timezone(self) -> str:
        return self.setting("timezone") or "Europe/Paris"

    @property
    def lang(self) -> str:
        return self.setting("lang") or "fr"

    # -- owned accounts ------------------------------------------------------------------

    def add_account(self, platform: str, author_id: str, name: str | None = None) -> None:
        platform = platform.strip().lower()
        author_id = author_id.strip()
        if not schema.PLATFORM_SLUG.match(platform) or not author_id:
            raise LienError("an account needs a platform (e.g. facebook) and an author id")
        with self.transaction() as con:
            con.execute(
                "DELETE FROM accounts WHERE platform = ? AND author_id = ?", [platform, author_id]
            )
            con.execute(
                "INSERT INTO accounts VALUES (?, ?, ?, ?)", [platform, author_id, name, _utcnow()]
            )

    def remove_account(self, platform: str, author_id: str) -> bool:
        before = self.con.execute(
            "SELECT count(*) FROM accounts WHERE platform = ? AND author_id = ?",
            [platform, author_id],
        ).fetchone()
        self.con.execute(
            "DELETE FROM accounts WHERE platform = ? AND author_id = ?", [platform, author_id]
        )
        return bool(before and before[0])

    def accounts(self) -> list[dict[str, Any]]:
        rows = self.con.execute(
            """
            SELECT a.platform, a.author_id, a.name, a.added_at, count(m.id) AS messages
            FROM accounts a LEFT JOIN messages m
              ON m.platform = a.platform AND m.author_id = a.author_id
            GROUP BY ALL ORDER BY a.platform, a.author_id
            """
        ).fetchall()
        keys = ("platform", "author_id", "name", "added_at", "messages")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    # -- importing and exporting ---------------------------------------------------------

    def import_paths(
        self,
        paths: Sequence[str | Path],
        source: str | None = None,
        options: dict[str, Any] | None = None,
        progress: bool = False,
        annotate: bool = False,
    ) -> list[Any]:
        from .importer import import_paths

        return import_paths(
            self, paths, source=source, options=options, progress=progress, annotate=annotate
        )

    def reparse(self, progress: bool = False) -> Any:
        from .importer import reparse

        return reparse(self, progress=progress)

    def export(self, out: Any, fmt: str, since: str | None = None, until: str | None = None) -> int:
        from .exporting import export

        return export(self, out, fmt, since=since, until=until)

    # -- reading -------------------------------------------------------------------------

    def sql(self, query: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return an Arrow table (convert with .to_pandas() or polars.from_arrow)."""
        return arrow_table(self.con, query, params)

    def metrics(self, period: str = "month", **kwargs: Any) -> pa.Table:
        """One row per period with every per-period metric (pandas: `.to_pandas()`)."""
        from .metrics import compute

        document = compute(self, period=period, **kwargs)  # type: ignore[arg-type]
        return pa.Table.from_pylist(document["periods"])

    def info(self) -> dict[str, Any]:
        from .info import workspace_info

        return workspace_info(self)


def open(path: str | Path | None = None, read_only: bool = False) -> Workspace:  # noqa: A001
    """Open an existing workspace (the notebook entry point: `ws = lien.open("x.duckdb")`)."""
    return Workspace.open(path, read_only=read_only)
