"""The import pipeline: files → source → staging table → one merge per file, in one transaction.

Every record read ends in exactly one of four counts, so that
``read = stored + updated + duplicates + rejected`` holds for every file:

- stored: a message the workspace did not have;
- updated: a message it had, with different content (edited text, new counts);
- duplicates: identical to what the workspace holds, repeated within the file, or an older
  version of a message edited since (an old export never reverts an edit);
- rejected: a record that cannot become a message, kept in ``rejects`` with its reason.

Derived fields (``root_id`` resolved through the parent chain, ``lang`` detected later) are
kept when an incoming record does not carry them.

Imports store messages only: language and tone (lien.text) are brought up to date when
something reads them, or by ``lien annotate`` (``annotate=True`` does it right away).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .errors import LienError, SourceError
from .import_progress import import_progress
from .sources import ImportContext, Probe, RawRecord, Source, detect, get
from .staging import (
    BATCH,
    STAGE,
    create_stage,
    drop_stage,
    dumps,
    merge_stage,
    prepare_merge,
    stage_records,
    write_merge,
)

if TYPE_CHECKING:
    from .workspace import Workspace


@dataclass
class ImportResult:
    path: str
    source: str | None = None
    import_id: int | None = None
    status: str = "imported"  # imported | already imported | failed | reparsed
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = None
    suggested_accounts: list[tuple[str, str, str | None]] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return self.read == self.stored + self.updated + self.duplicates + self.rejected

    def summary(self) -> str:
        if self.status == "failed":
            return f"{self.path}: {self.error}"
        return (
            f"{self.path} ({self.source}, {self.status}): read {self.read} = stored {self.stored}"
            f" + updated {self.updated} + duplicates {self.duplicates} + rejected {self.rejected}"
        )


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


# -- walking the inputs --------------------------------------------------------------------

_SKIP_SUFFIXES = (".duckdb", ".wal", ".tmp")


def _wanted(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return bool(base) and not base.startswith((".", "~$")) and not base.endswith(_SKIP_SUFFIXES)


@contextmanager
def walk_inputs(paths: Sequence[str | Path]) -> Iterator[list[tuple[str, Path]]]:
    """Expand folders and .zip archives into (display name, readable path) pairs.

    Zip members are extracted to a temporary folder (DuckDB's readers want a path) that is
    removed when the import ends.
    """
    tmp: Path | None = None
    found: list[tuple[str, Path]] = []

    def add(display: str, p: Path) -> None:
        nonlocal tmp
        if p.suffix.lower() == ".zip":
            if tmp is None:
                tmp = Path(tempfile.mkdtemp(prefix="lien-zip-"))
            try:
                with zipfile.ZipFile(p) as z:
                    members = sorted(
                        i.filename for i in z.infolist() if not i.is_dir() and _wanted(i.filename)
                    )
                    dest = tmp / hashlib.sha1(display.encode()).hexdigest()[:12]
                    for member in members:
                        # Extract under a flat, safe name: archive paths are untrusted.
                        target = dest / hashlib.sha1(member.encode()).hexdigest()[:16]
                        target = target.with_suffix(Path(member).suffix.lower()[:12])
                        target.parent.mkdir(parents=True, exist_ok=True)
                        with z.open(member) as src, target.open("wb") as out:
                            shutil.copyfileobj(src, out)
                        add(f"{display}!{member}", target)
            except zipfile.BadZipFile:
                raise SourceError(f"{display}: not a readable .zip archive") from None
        elif p.is_dir():
            for child in sorted(p.rglob("*")):
                rel = child.relative_to(p).as_posix()
                if child.is_file() and all(_wanted(part) for part in rel.split("/")):
                    add(str(child), child)
        elif p.is_file():
            found.append((display, p))
        else:
            raise LienError(f"{display}: no such file or folder")

    try:
        for raw in paths:
            add(str(raw), Path(raw))
        yield found
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# -- one file ------------------------------------------------------------------------------


def _next_id(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0]) if row else 1


def _options_json(source: Source, options: dict[str, Any], timezone: str) -> str:
    return dumps({"timezone": timezone, **options})


def import_file(
    ws: Workspace,
    display: str,
    path: Path,
    source_name: str | None = None,
    options: dict[str, Any] | None = None,
    on_batch: Callable[[int], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import one file. Progress: `on_batch(n)` after each batch of a source mapped in Python;
    `on_phase("reading")` and then `on_phase("storing")` around the staging statement of a
    source normalised in DuckDB (whose progress only DuckDB knows: see
    import_progress.QueryProgress)."""
    options = dict(options or {})
    result = ImportResult(path=display)
    try:
        probe = Probe(path, display)
        source = get(source_name) if source_name else detect(probe)
    except SourceError as e:
        result.status, result.error = "failed", str(e)
        return result
    result.source = source.name
    digest = file_hash(path)
    options_json = _options_json(source, options, ws.timezone)
    previous = ws.con.execute(
        """
        SELECT read, rejected FROM imports
        WHERE content_hash = ? AND source = ? AND mapper_version = ? AND options = ?
          AND status = 'imported'
        ORDER BY id DESC LIMIT 1
        """,
        [digest, source.name, source.mapper_version, options_json],
    ).fetchone()
    if previous:
        # The same bytes through the same mapper: nothing can change, and re-running it could
        # revert newer versions brought by a later export.
        result.status = "already imported"
        result.read, result.rejected = int(previous[0]), int(previous[1])
        result.duplicates = result.read - result.rejected
        return result

    ctx = ImportContext(timezone=ws.timezone, options=options, display_name=display)

    def stage(con: duckdb.DuckDBPyConnection) -> None:
        if source.bulk:
            if on_phase is not None:
                on_phase("reading")
            source.stage(con, path, ctx, STAGE)  # type: ignore[attr-defined]
            if on_phase is not None:
                on_phase("storing")
        else:
            records = ((r, None) for r in source.read(path, ctx))
            stage_records(con, source, records, ctx, on_batch=on_batch)

    return _run_import(ws, source, ctx, stage, result, digest, probe.size, options_json)


def import_records(
    ws: Workspace,
    source: Source,
    records: Iterable[RawRecord],
    display: str,
    options: dict[str, Any] | None = None,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> ImportResult:
    """Import records that do not come from a file (an API page a fetcher just read), in one
    transaction. `before_commit` runs inside that transaction, so a fetcher's checkpoint is
    saved together with the messages it covers: a crash loses both or neither."""
    options = dict(options or {})
    ctx = ImportContext(timezone=ws.timezone, options=options, display_name=display)
    result = ImportResult(path=display, source=source.name)
    listed = list(records)
    digest = hashlib.sha256("\n".join(dumps(r.payload) for r in listed).encode("utf-8")).hexdigest()

    def stage(con: duckdb.DuckDBPyConnection) -> None:
        if source.bulk:
            _stage_bulk_records(con, source, listed, ctx)
        else:
            stage_records(con, source, ((r, None) for r in listed), ctx)

    return _run_import(
        ws,
        source,
        ctx,
        stage,
        result,
        digest,
        None,
        _options_json(source, options, ws.timezone),
        before_commit=before_commit,
    )


def _stage_bulk_records(
    con: duckdb.DuckDBPyConnection, source: Source, records: list[RawRecord], ctx: ImportContext
) -> None:
    """A source normalised in DuckDB reads files only: each record's payload (a whole API
    response, as a fetcher got it) becomes one line of a JSON Lines file staged like an
    imported one, so fetched pages and saved files map by the very same SQL."""
    with tempfile.TemporaryDirectory(prefix="lien-page-") as folder:
        path = Path(folder) / "page.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record.payload, ensure_ascii=False) + "\n")
        source.stage(con, path, ctx, STAGE)  # type: ignore[attr-defined]


def _run_import(
    ws: Workspace,
    source: Source,
    ctx: ImportContext,
    stage: Callable[[duckdb.DuckDBPyConnection], None],
    result: ImportResult,
    digest: str | None,
    size: int | None,
    options_json: str,
    before_commit: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
) -> ImportResult:
    con = ws.con
    display = result.path
    started = _utcnow()
    try:
        with ws.import_memory(), _staging(con):
            # Staging and preparing the merge write temporary tables only, so they run before
            # the transaction: DuckDB scans a table created inside a transaction on one thread.
            stage(con)
            counts = prepare_merge(con)
            with ws.transaction():
                import_id = _next_id(con, "imports")
                write_merge(con, import_id, source.name, counts)
                _record_import(
                    con,
                    [import_id, display, digest, size, source.name, source.mapper_version],
                    [options_json, started, _utcnow(), "imported"],
                    counts,
                )
                if before_commit is not None:
                    before_commit(con)
    except SourceError as e:
        result.status, result.error = "failed", str(e)
        return result
    except duckdb.Error as e:
        result.status = "failed"
        result.error = f"{display}: could not be read ({_first_line(e)}); nothing was imported"
        return result
    result.import_id = import_id
    for key, value in counts.items():
        setattr(result, key, value)
    result.suggested_accounts = sorted(
        ctx.suggested_accounts, key=lambda a: (a[0], a[1], a[2] or "")
    )
    return result


def _record_import(
    con: duckdb.DuckDBPyConnection,
    what: list[Any],
    how: list[Any],
    counts: dict[str, int],
) -> None:
    """One row of `imports`: (id, path, content hash, size, source, mapper version), (options,
    started, finished, status), and the counts."""
    tallies = [counts[k] for k in ("read", "stored", "updated", "duplicates", "rejected")]
    con.execute(f"INSERT INTO imports VALUES ({', '.join('?' * 15)})", [*what, *how, *tallies])


@contextmanager
def _staging(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    create_stage(con)
    try:
        yield
    finally:
        drop_stage(con)


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def import_paths(
    ws: Workspace,
    paths: Sequence[str | Path],
    source: str | None = None,
    options: dict[str, Any] | None = None,
    progress: bool = False,
    annotate: bool = False,
) -> list[ImportResult]:
    """Import files, folders and .zip archives; one transaction per file. With `annotate`,
    also annotate (language, tone) what they brought, instead of when it is first read."""
    if ws.read_only:
        raise LienError("the workspace is open read-only")
    results: list[ImportResult] = []
    with walk_inputs(paths) as files, import_progress(progress, len(files), ws.con) as shown:
        for display, path in files:
            shown.start(display)
            result = None
            try:
                result = import_file(
                    ws, display, path, source, options, on_batch=shown.records, on_phase=shown.phase
                )
            finally:
                shown.done(result)
            results.append(result)
    if annotate:
        _annotate(ws, results, progress)
    return results


def _annotate(ws: Workspace, results: Sequence[ImportResult], progress: bool) -> None:
    """Language and tone of the new and changed messages (lien.text), once per run."""
    from .text.annotate import bring_up_to_date

    if any(r.stored or r.updated for r in results):
        bring_up_to_date(ws, progress=progress)


# -- reparse -------------------------------------------------------------------------------


def reparse(ws: Workspace, progress: bool = False, annotate: bool = False) -> list[ImportResult]:
    """Re-run the current mappers over the stored raw records (no new download).

    Raw records are grouped by source and by the options of the import that brought them
    (a column mapping, the time zone naive times were read in), and each group is merged like
    an import, so the counts say what the new mappers changed."""
    con = ws.con
    groups = con.execute(
        """
        SELECT DISTINCT r.source, i.options FROM raw_items r JOIN imports i ON i.id = r.import_id
        WHERE r.id IN (SELECT raw_id FROM messages) OR r.id IN (SELECT raw_id FROM rejects)
        ORDER BY 1, 2
        """
    ).fetchall()
    results = []
    for source_name, options_json in groups:
        options = json.loads(options_json or "{}")
        timezone = options.pop("timezone", ws.timezone)
        source = get(source_name)
        ctx = ImportContext(
            timezone=timezone, options=options, display_name=f"reparse {source_name}"
        )
        raw_query = "SELECT id, location, payload, hints FROM _lien_raw_sel"
        result = ImportResult(path=f"reparse {source_name}", source=source_name, status="reparsed")
        with ws.import_memory(), ws.transaction(), _staging(con):
            # The selection is a table, so that sources only ever see fixed SQL text.
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _lien_raw_sel AS
                SELECT r.id, r.location, r.payload, r.hints FROM raw_items r
                JOIN imports i ON i.id = r.import_id
                WHERE r.source = ? AND i.options IS NOT DISTINCT FROM ?
                  AND (r.id IN (SELECT raw_id FROM messages)
                       OR r.id IN (SELECT raw_id FROM rejects))
                """,
                [source_name, options_json],
            )
            import_id = _next_id(con, "imports")
            if source.bulk:
                source.restage(con, raw_query, ctx, STAGE)  # type: ignore[attr-defined]
            else:
                stage_records(con, source, _raw_records(con, raw_query), ctx)
            con.execute(f"DELETE FROM rejects WHERE raw_id IN (SELECT _raw_id FROM {STAGE})")
            counts = merge_stage(con, import_id, source_name)
            _record_import(
                con,
                [import_id, result.path, None, None, source_name, source.mapper_version],
                [options_json, _utcnow(), _utcnow(), "reparsed"],
                counts,
            )
            con.execute("DROP TABLE IF EXISTS _lien_raw_sel")
        result.import_id = import_id
        for key, value in counts.items():
            setattr(result, key, value)
        results.append(result)
    if annotate:
        _annotate(ws, results, progress)
    return results


def _raw_records(
    con: duckdb.DuckDBPyConnection, raw_query: str
) -> Iterator[tuple[RawRecord, int | None]]:
    # Keyset pages, each fetched whole: the staging inserts share this connection.
    last = -1
    while True:
        rows = con.execute(
            f"SELECT * FROM ({raw_query}) r WHERE r.id > ? ORDER BY r.id LIMIT {BATCH}", [last]
        ).fetchall()
        if not rows:
            return
        for raw_id, location, payload, hints in rows:
            try:
                value = json.loads(payload)
            except (TypeError, ValueError):
                value = payload
            yield (
                RawRecord(location, value, json.loads(hints) if hints else None),
                int(raw_id),
            )
        last = int(rows[-1][0])
