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
import pyarrow as pa

from . import schema
from .errors import LienError, Reject, SourceError
from .sources import ImportContext, Probe, RawRecord, Source, detect, get

if TYPE_CHECKING:
    from .workspace import Workspace

STAGE = "_lien_stage"
BATCH = 5000
# Derived by lien when a source leaves them empty; an incoming NULL keeps the stored value.
DERIVED_FIELDS = ("root_id", "lang")
# Passes of root resolution; each doubles the depth reached (2**16: deeper than any thread).
ROOT_PASSES = 16


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


# -- staging -------------------------------------------------------------------------------

_STAGE_COLS = {**{f: schema.SQL_TYPES[f] for f in schema.CONTENT_FIELDS}, **schema.STAGE_EXTRA}
_STAGE_ARROW = schema.arrow_schema(schema.STAGE_EXTRA)


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{name} {sql}" for name, sql in _STAGE_COLS.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} ({cols})")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _stage_row(
    source: Source, record: RawRecord, row: int, ctx: ImportContext, raw_id: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "_row": row,
        "_location": record.location,
        "_raw": record.payload if isinstance(record.payload, str) else _dumps(record.payload),
        "_hints": _dumps(record.hints) if record.hints else None,
        "_raw_id": raw_id,
        "_reject": None,
        "_reject_kind": None,
    }
    try:
        message = source.to_message(record, ctx)
    except Reject as r:
        out["_reject"], out["_reject_kind"] = r.reason, r.kind
        return out
    except Exception as e:  # an unexpected shape must not stop the file: keep it as a reject
        out["_reject"] = f"unexpected record shape ({type(e).__name__}: {e})"[:500]
        out["_reject_kind"] = "invalid"
        return out
    out.update(schema.message_row(message))
    return out


def stage_records(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    records: Iterator[tuple[RawRecord, int | None]],
    ctx: ImportContext,
    on_batch: Callable[[int], None] | None = None,
) -> None:
    """Map records in Python and append them to the staging table in Arrow batches."""
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        table = pa.Table.from_pylist(batch, schema=_STAGE_ARROW)
        con.register("_lien_batch", table)
        con.execute(f"INSERT INTO {STAGE} SELECT * FROM _lien_batch")
        con.unregister("_lien_batch")
        if on_batch:
            on_batch(len(batch))
        batch.clear()

    for row, (record, raw_id) in enumerate(records, start=1):
        batch.append(_stage_row(source, record, row, ctx, raw_id))
        if len(batch) >= BATCH:
            flush()
    flush()


# -- merging -------------------------------------------------------------------------------


def _validate_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Checks every source gets for free, whatever the mapper did."""
    con.execute(
        f"""
        UPDATE {STAGE} SET _reject_kind = 'invalid', _reject = CASE
            WHEN id IS NULL OR trim(id) = '' THEN 'no message id'
            WHEN platform IS NULL OR platform = '' THEN 'no platform'
            WHEN NOT regexp_full_match(platform, '[a-z][a-z0-9_]{{0,31}}')
                THEN 'platform ''' || platform || ''' is not a platform name (lowercase letters, digits, _)'
            WHEN created_at IS NULL THEN 'no creation time'
            WHEN parent_id = id THEN 'the message names itself as its parent'
            END
        WHERE _reject IS NULL AND (
            id IS NULL OR trim(id) = '' OR platform IS NULL OR platform = ''
            OR NOT regexp_full_match(platform, '[a-z][a-z0-9_]{{0,31}}')
            OR created_at IS NULL OR parent_id = id)
        """
    )


def _same(field_name: str) -> str:
    if field_name in DERIVED_FIELDS:
        return f"coalesce(c.{field_name}, m.{field_name}) IS NOT DISTINCT FROM m.{field_name}"
    return f"c.{field_name} IS NOT DISTINCT FROM m.{field_name}"


def merge_stage(con: duckdb.DuckDBPyConnection, import_id: int, source_name: str) -> dict[str, int]:
    """Merge the staging table into the workspace; return the counts. Runs inside the caller's
    transaction.

    The staging table is the only wide copy of the file: the classification, raw ids and
    roots live in narrow tables keyed on `_row`, and the workspace tables are written straight
    from the staging table (the raw archive and the messages each in one pass)."""
    _validate_stage(con)
    same = " AND ".join(_same(f) for f in schema.CONTENT_FIELDS)
    # The last record of each message in the file wins; earlier ones are duplicates.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lien_class AS
        WITH cand AS (
            SELECT * FROM {STAGE} WHERE _reject IS NULL AND _row IN (
                SELECT max(_row) FROM {STAGE} WHERE _reject IS NULL GROUP BY platform, id)
        )
        SELECT c._row, c._raw_id, c.platform, c.id, c.parent_id,
            CASE
                WHEN m.id IS NULL THEN 'new'
                WHEN {same} THEN 'same'
                WHEN m.edited_at IS NOT NULL
                     AND (c.edited_at IS NULL OR c.edited_at < m.edited_at) THEN 'stale'
                ELSE 'changed'
            END AS _status,
            -- Derived fields: an incoming NULL keeps the stored value; a top-level message
            -- is its own root.
            coalesce(c.root_id, m.root_id, CASE WHEN c.parent_id IS NULL THEN c.id END) AS _root,
            m.lang AS _old_lang
        FROM cand c LEFT JOIN messages m ON m.platform = c.platform AND m.id = c.id
        """
    )
    row = con.execute("SELECT coalesce(max(id), 0) FROM raw_items").fetchone()
    raw_base = int(row[0]) if row else 0
    # What gets written: new and changed messages, and rejects, each with its raw item.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lien_keep AS
        SELECT k.*, k._raw_id IS NULL AS _is_new,
               coalesce(k._raw_id, {raw_base} + row_number() OVER (ORDER BY k._row)) AS raw_id
        FROM (
            SELECT _row, _raw_id, false AS _is_reject, _status = 'changed' AS _changed,
                   platform, id, parent_id, _root, _old_lang
            FROM _lien_class WHERE _status IN ('new', 'changed')
            UNION ALL
            SELECT _row, _raw_id, true, false, NULL, NULL, NULL, NULL, NULL
            FROM {STAGE} WHERE _reject IS NOT NULL
        ) k
        """
    )
    counts_row = con.execute(
        f"""
        SELECT (SELECT count(*) FROM {STAGE}),
               (SELECT count(*) FROM {STAGE} WHERE _reject IS NOT NULL),
               (SELECT count(*) FROM _lien_class WHERE _status = 'new'),
               (SELECT count(*) FROM _lien_class WHERE _status = 'changed')
        """
    ).fetchone()
    assert counts_row is not None
    read, rejected, stored, updated = (int(x) for x in counts_row)
    con.execute("DROP TABLE IF EXISTS _lien_class")
    con.execute(
        f"""
        INSERT INTO raw_items
        SELECT k.raw_id, ?, ?, s._location, s._raw, s._hints
        FROM {STAGE} s JOIN _lien_keep k USING (_row) WHERE k._is_new
        """,
        [import_id, source_name],
    )
    con.execute(
        f"""
        INSERT INTO rejects
        SELECT ?, k.raw_id, s._location, s._reject_kind, s._reject, s._raw
        FROM {STAGE} s JOIN _lien_keep k USING (_row) WHERE k._is_reject
        """,
        [import_id],
    )
    if updated:
        con.execute(
            """
            DELETE FROM messages USING _lien_keep k
            WHERE messages.platform = k.platform AND messages.id = k.id AND k._changed
            """
        )
    _resolve_roots(con)
    cols = ", ".join(
        "coalesce(k._root, r.root)"
        if f == "root_id"
        else "coalesce(s.lang, k._old_lang)"
        if f == "lang"
        else f"s.{f}"
        for f in schema.CONTENT_FIELDS
    )
    con.execute(
        f"""
        INSERT INTO messages
        SELECT {cols}, ?, k.raw_id
        FROM {STAGE} s JOIN _lien_keep k USING (_row)
        LEFT JOIN _lien_roots r ON r.platform = k.platform AND r.id = k.id
        WHERE NOT k._is_reject
        """,
        [import_id],
    )
    con.execute("DROP TABLE IF EXISTS _lien_keep")
    con.execute("DROP TABLE IF EXISTS _lien_roots")
    return {
        "read": read,
        "stored": stored,
        "updated": updated,
        "duplicates": read - rejected - stored - updated,
        "rejected": rejected,
    }


def _resolve_roots(con: duckdb.DuckDBPyConnection) -> None:
    """Find the root of the incoming messages a source left without one, and of the stored
    orphans whose ancestors may have arrived (run after the changed messages are deleted and
    before the incoming ones are inserted). Stored orphans get their root here; the incoming
    ones' roots are left in `_lien_roots` (platform, id, root, incoming) for the insert.

    Pointer jumping: each pass resolves the messages whose current ancestor has a root, and
    moves the others to their ancestor's ancestor, so a chain of depth d takes about log2(d)
    passes over the unresolved messages only. Orphans (an ancestor not in the workspace) keep
    NULL until it arrives; a cycle stops after ROOT_PASSES."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lien_roots
            (platform VARCHAR, id VARCHAR, root VARCHAR, incoming BOOLEAN)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lien_unresolved AS
        SELECT platform, id, parent_id AS anc, true AS incoming FROM _lien_keep
        WHERE NOT _is_reject AND _root IS NULL
        UNION ALL
        SELECT platform, id, parent_id, false FROM messages
        WHERE root_id IS NULL AND parent_id IS NOT NULL
        """
    )
    row = con.execute("SELECT count(*) FROM _lien_unresolved").fetchone()
    pending = int(row[0]) if row else 0
    if pending:
        # The messages with a root a jump can land on, looked up once: an ancestor pointer only
        # ever takes the value of some unresolved message's parent. Stored messages (changed
        # ones are deleted) and incoming ones; those resolved by a pass go to _lien_roots.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _lien_known AS
            WITH wanted AS (SELECT DISTINCT platform, anc AS id FROM _lien_unresolved)
            SELECT m.platform, m.id, m.root_id AS root
            FROM messages m JOIN wanted USING (platform, id) WHERE m.root_id IS NOT NULL
            UNION ALL
            SELECT k.platform, k.id, k._root
            FROM _lien_keep k JOIN wanted USING (platform, id)
            WHERE NOT k._is_reject AND k._root IS NOT NULL
            """
        )
    known = "(SELECT * FROM _lien_known UNION ALL SELECT platform, id, root FROM _lien_roots)"
    for _ in range(ROOT_PASSES if pending else 0):
        # Found into a table of its own first: an INSERT whose SELECT reads the table it writes
        # gave some rows twice (DuckDB 1.x).
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lien_found AS
            SELECT u.platform, u.id, k.root, u.incoming
            FROM _lien_unresolved u JOIN {known} k ON k.platform = u.platform AND k.id = u.anc
            """
        )
        con.execute("INSERT INTO _lien_roots SELECT * FROM _lien_found")
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _lien_unresolved AS
            SELECT u.platform, u.id, v.anc, u.incoming
            FROM _lien_unresolved u JOIN _lien_unresolved v
              ON v.platform = u.platform AND v.id = u.anc
            """
        )
        row = con.execute("SELECT count(*) FROM _lien_unresolved").fetchone()
        if not row or not row[0]:
            break
    for table in ("_lien_unresolved", "_lien_found", "_lien_known"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    row = con.execute("SELECT count(*) FROM _lien_roots WHERE NOT incoming").fetchone()
    if row and row[0]:
        con.execute(
            """
            UPDATE messages SET root_id = r.root FROM _lien_roots r
            WHERE NOT r.incoming AND messages.platform = r.platform AND messages.id = r.id
            """
        )


# -- one file ------------------------------------------------------------------------------


def _next_id(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
    return int(row[0]) if row else 1


def _options_json(source: Source, options: dict[str, Any], timezone: str) -> str:
    return _dumps({"timezone": timezone, **options})


def import_file(
    ws: Workspace,
    display: str,
    path: Path,
    source_name: str | None = None,
    options: dict[str, Any] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
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
            source.stage(con, path, ctx, STAGE)  # type: ignore[attr-defined]
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
    digest = hashlib.sha256(
        "\n".join(_dumps(r.payload) for r in listed).encode("utf-8")
    ).hexdigest()

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
        with ws.transaction():
            import_id = _next_id(con, "imports")
            create_stage(con)
            stage(con)
            counts = merge_stage(con, import_id, source.name)
            con.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'imported', ?, ?, ?, ?, ?)",
                [
                    import_id,
                    display,
                    digest,
                    size,
                    source.name,
                    source.mapper_version,
                    options_json,
                    started,
                    _utcnow(),
                    counts["read"],
                    counts["stored"],
                    counts["updated"],
                    counts["duplicates"],
                    counts["rejected"],
                ],
            )
            con.execute(f"DROP TABLE IF EXISTS {STAGE}")
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
    with walk_inputs(paths) as files, _progress(progress, len(files)) as tick:
        for display, path in files:
            result = import_file(
                ws, display, path, source, options, on_batch=lambda n: tick(None, n)
            )
            results.append(result)
            tick(display, 0)
    if annotate:
        _annotate(ws, results, progress)
    return results


def _annotate(ws: Workspace, results: Sequence[ImportResult], progress: bool) -> None:
    """Language and tone of the new and changed messages (lien.text), once per run."""
    from .text.annotate import bring_up_to_date

    if any(r.stored or r.updated for r in results):
        bring_up_to_date(ws, progress=progress)


@contextmanager
def _progress(enabled: bool, total_files: int) -> Iterator[Callable[[str | None, int], None]]:
    if not enabled:
        yield lambda _file, _n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]import[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[records]} records"),
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=total_files, records=0)
        count = 0

        def tick(done_file: str | None, records: int) -> None:
            nonlocal count
            count += records
            bar.update(task, advance=1 if done_file else 0, records=count)

        yield tick


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
        with ws.transaction():
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
            create_stage(con)
            if source.bulk:
                source.restage(con, raw_query, ctx, STAGE)  # type: ignore[attr-defined]
            else:
                stage_records(con, source, _raw_records(con, raw_query), ctx)
            con.execute(f"DELETE FROM rejects WHERE raw_id IN (SELECT _raw_id FROM {STAGE})")
            counts = merge_stage(con, import_id, source_name)
            con.execute(
                "INSERT INTO imports VALUES (?, ?, NULL, NULL, ?, ?, ?, ?, ?, 'reparsed', ?, ?, ?, ?, ?)",
                [
                    import_id,
                    result.path,
                    source_name,
                    source.mapper_version,
                    options_json,
                    _utcnow(),
                    _utcnow(),
                    counts["read"],
                    counts["stored"],
                    counts["updated"],
                    counts["duplicates"],
                    counts["rejected"],
                ],
            )
            con.execute(f"DROP TABLE IF EXISTS {STAGE}")
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
