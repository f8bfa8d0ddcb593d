"""The staging table of one file and its merge into the workspace.

A source fills the staging table (Python mappers through Arrow batches, bulk sources in SQL);
the merge then classifies every staged record (stored, updated, duplicate, rejected), writes
the raw archive and the messages straight from it, and resolves thread roots, all inside the
caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any

import duckdb
import pyarrow as pa

from . import schema
from .errors import Reject
from .sources import ImportContext, RawRecord, Source
from .sources._csv import one_line_sql, shown_value_sql

STAGE = "_lien_stage"
BATCH = 5000
# Derived by lien when a source leaves them empty; an incoming NULL keeps the stored value.
DERIVED_FIELDS = ("root_id", "lang")
# Passes of root resolution; each doubles the depth reached (2**16: deeper than any thread).
ROOT_PASSES = 16


# -- staging -------------------------------------------------------------------------------

_STAGE_COLS = {**{f: schema.SQL_TYPES[f] for f in schema.CONTENT_FIELDS}, **schema.STAGE_EXTRA}
_STAGE_ARROW = schema.arrow_schema(schema.STAGE_EXTRA)


def create_stage(con: duckdb.DuckDBPyConnection) -> None:
    cols = ", ".join(f"{name} {sql}" for name, sql in _STAGE_COLS.items())
    con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE} ({cols})")


def drop_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the staging table and the merge's own tables, whatever state an import left."""
    for table in (STAGE, "_lien_keep", "_lien_roots"):
        # Never hide the error that ended the import.
        with suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))


def _stage_row(
    source: Source, record: RawRecord, row: int, ctx: ImportContext, raw_id: int | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "_row": row,
        "_location": record.location,
        "_raw": record.payload if isinstance(record.payload, str) else dumps(record.payload),
        "_hints": dumps(record.hints) if record.hints else None,
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
                THEN 'platform ' || {shown_value_sql("platform", 40)}
                     || ' is not a platform name (lowercase letters, digits, _)'
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
    transaction."""
    counts = prepare_merge(con)
    write_merge(con, import_id, source_name, counts)
    return counts


def prepare_merge(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Decide what the merge writes, in temporary tables only; return the counts.

    An import runs this before its transaction, so that DuckDB scans these tables in
    parallel (it scans a table created inside a transaction on one thread). That is sound
    because nothing else writes to the workspace in between: DuckDB locks the file to this
    process, whose connection serves one caller at a time (the web server takes a lock).
    `write_merge` then writes it all in the transaction.

    The staging table is the only wide copy of the file: the classification and the roots
    live in narrow tables keyed on `_row`, and `write_merge` writes the workspace tables
    straight from the staging table (the raw archive and the messages each in one pass)."""
    _validate_stage(con)
    same = " AND ".join(_same(f) for f in schema.CONTENT_FIELDS)
    # The last record of each message in the file wins; earlier ones are duplicates. What gets
    # written: new and changed messages, and rejects, each with its raw item. New raw items
    # are numbered here (_seq) and get their ids in the transaction.
    seq = _raw_numbering(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _lien_keep AS
        WITH cand AS (
            SELECT * FROM {STAGE} WHERE _reject IS NULL AND _row IN (
                SELECT max(_row) FROM {STAGE} WHERE _reject IS NULL GROUP BY platform, id)
        ),
        classified AS (
            SELECT c._row, c._raw_id, c.platform, c.id, c.parent_id,
                CASE
                    WHEN m.id IS NULL THEN 'new'
                    WHEN {same} THEN 'same'
                    WHEN m.edited_at IS NOT NULL
                         AND (c.edited_at IS NULL OR c.edited_at < m.edited_at) THEN 'stale'
                    ELSE 'changed'
                END AS _status,
                -- Derived fields: an incoming NULL keeps the stored value; a top-level
                -- message is its own root.
                coalesce(c.root_id, m.root_id, CASE WHEN c.parent_id IS NULL THEN c.id END)
                    AS _root,
                m.lang AS _old_lang
            FROM cand c LEFT JOIN messages m ON m.platform = c.platform AND m.id = c.id
        )
        SELECT k.*, k._raw_id IS NULL AS _is_new, {seq} AS _seq
        FROM (
            SELECT _row, _raw_id, false AS _is_reject, _status = 'changed' AS _changed,
                   platform, id, parent_id, _root, _old_lang
            FROM classified WHERE _status IN ('new', 'changed')
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
               (SELECT count(*) FROM _lien_keep WHERE NOT _is_reject AND NOT _changed),
               (SELECT count(*) FROM _lien_keep WHERE _changed)
        """
    ).fetchone()
    assert counts_row is not None
    read, rejected, stored, updated = (int(x) for x in counts_row)
    _resolve_roots(con)
    return {
        "read": read,
        "stored": stored,
        "updated": updated,
        "duplicates": read - rejected - stored - updated,
        "rejected": rejected,
    }


def _raw_numbering(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of the numbers (from 1, in the file's order) that give new raw items their ids.
    When the staged rows are numbered densely, as most sources number them (a CSV's rows, and
    its malformed lines by their line below zero), a row's offset from the first: gaps where
    rows were duplicates, and at most four numbers per record. Otherwise (X numbers the tweets
    of a file's lines with a wide shift) a count in order, whose sort took half the
    classification's time on a million-row CSV."""
    row = con.execute(f"SELECT min(_row), max(_row), count(*) FROM {STAGE}").fetchone()
    first, last, count = row if row else (None, None, 0)
    if first is not None and last - first < 4 * count:
        return f"k._row - ({int(first)} - 1)"
    return "row_number() OVER (ORDER BY k._row)"


def write_merge(
    con: duckdb.DuckDBPyConnection, import_id: int, source_name: str, counts: dict[str, int]
) -> None:
    """Write what `prepare_merge` decided, inside the caller's transaction."""
    row = con.execute("SELECT coalesce(max(id), 0) FROM raw_items").fetchone()
    raw_base = int(row[0]) if row else 0
    raw_id = f"coalesce(k._raw_id, {raw_base} + k._seq)"
    con.execute(
        f"""
        INSERT INTO raw_items
        SELECT {raw_id}, ?, ?, s._location, s._raw, s._hints
        FROM {STAGE} s JOIN _lien_keep k USING (_row) WHERE k._is_new
        """,
        [import_id, source_name],
    )
    # Every reason is read on one line (a terminal, a log, a CSV cell), whatever value a source
    # quoted in it.
    con.execute(
        f"""
        INSERT INTO rejects
        SELECT ?, {raw_id}, s._location, s._reject_kind, {one_line_sql("s._reject")}, s._raw
        FROM {STAGE} s JOIN _lien_keep k USING (_row) WHERE k._is_reject
        """,
        [import_id],
    )
    if counts["updated"]:
        con.execute(
            """
            DELETE FROM messages USING _lien_keep k
            WHERE messages.platform = k.platform AND messages.id = k.id AND k._changed
            """
        )
    row = con.execute("SELECT count(*) FROM _lien_roots WHERE NOT incoming").fetchone()
    if row and row[0]:
        con.execute(
            """
            UPDATE messages SET root_id = r.root FROM _lien_roots r
            WHERE NOT r.incoming AND messages.platform = r.platform AND messages.id = r.id
            """
        )
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
        SELECT {cols}, ?, {raw_id}
        FROM {STAGE} s JOIN _lien_keep k USING (_row)
        LEFT JOIN _lien_roots r ON r.incoming AND r.platform = k.platform AND r.id = k.id
        WHERE NOT k._is_reject
        """,
        [import_id],
    )
    con.execute("DROP TABLE IF EXISTS _lien_keep")
    con.execute("DROP TABLE IF EXISTS _lien_roots")
    if counts["stored"] or counts["updated"]:
        schema.messages_changed(con)


def _resolve_roots(con: duckdb.DuckDBPyConnection) -> None:
    """Find the root of the incoming messages a source left without one, and of the stored
    orphans whose ancestors may have arrived, into `_lien_roots` (platform, id, root,
    incoming): the stored ones for an update, the incoming ones for the insert. Stored
    messages the import replaces (changed ones) are read as if already deleted.

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
        CREATE OR REPLACE TEMP TABLE _lien_replaced AS
        SELECT platform, id FROM _lien_keep WHERE _changed
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lien_unresolved AS
        SELECT platform, id, parent_id AS anc, true AS incoming FROM _lien_keep
        WHERE NOT _is_reject AND _root IS NULL
        UNION ALL
        SELECT platform, id, parent_id, false FROM messages ANTI JOIN _lien_replaced
            USING (platform, id)
        WHERE root_id IS NULL AND parent_id IS NOT NULL
        """
    )
    row = con.execute("SELECT count(*) FROM _lien_unresolved").fetchone()
    pending = int(row[0]) if row else 0
    if pending:
        # The messages with a root a jump can land on, looked up once: an ancestor pointer only
        # ever takes the value of some unresolved message's parent. Stored messages (less those
        # replaced) and incoming ones; those resolved by a pass go to _lien_roots.
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _lien_known AS
            WITH wanted AS (SELECT DISTINCT platform, anc AS id FROM _lien_unresolved)
            SELECT m.platform, m.id, m.root_id AS root
            FROM messages m JOIN wanted USING (platform, id)
            ANTI JOIN _lien_replaced USING (platform, id)
            WHERE m.root_id IS NOT NULL
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
    for table in ("_lien_unresolved", "_lien_found", "_lien_known", "_lien_replaced"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
