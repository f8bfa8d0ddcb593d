"""Annotations: language, tone and gratitude of every message with text, kept up to date.

One row per message in `annotations`, with the digest of the text it was computed from and
the method version. Annotating again only redoes messages that are new, whose text changed
(an edit, a reparse, an erasure that scrubbed a name), whose source language changed, or
whose annotation came from another method version; rows of deleted messages are dropped.

Annotation is deferred: imports store messages only (scoring texts in Python is ~30x slower
than DuckDB's import), and `bring_up_to_date` runs before anything reads tone or language
(`compute`, the report) or by hand (`lien annotate`). A read-only workspace cannot be
annotated: readers then use what is annotated and say how many messages are not
(`not_annotated`).

Every message with text is annotated, whatever its author: roles come from `accounts` at
query time, and the metrics keep members only.

The language goes to `messages.lang` only when the source gave none (`lang_detected`); a
language the source gave is kept there and copied, normalised (fr-CA → fr), to the
annotation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from .. import schema
from ..errors import LienError
from . import language, tone

if TYPE_CHECKING:
    from ..workspace import Workspace

BATCH = 20_000
PENDING = "_lien_annotate_pending"
# Messages with text whose annotation is missing or stale (parameters: force, method).
_PENDING_FROM = """
    FROM messages m LEFT JOIN annotations a ON a.platform = m.platform AND a.id = m.id
    WHERE m.text IS NOT NULL AND trim(m.text) <> ''
      AND (? OR a.id IS NULL OR a.method <> ? OR a.text_md5 <> md5(m.text)
           OR (a.lang_detected AND m.lang IS NULL)
           OR (NOT a.lang_detected
               AND a.lang IS DISTINCT FROM lower(split_part(replace(m.lang, '_', '-'), '-', 1))))
"""
_ORPHANS = """
    SELECT count(*) FROM annotations a WHERE NOT EXISTS (
        SELECT 1 FROM messages m WHERE m.platform = a.platform AND m.id = a.id
          AND m.text IS NOT NULL AND trim(m.text) <> '')
"""


@dataclass
class AnnotateResult:
    pending: int = 0  # messages that needed (re)annotation
    texts: int = 0  # distinct texts scored (repeated texts are scored once)
    detected: int = 0  # messages whose language lien detected and stored
    removed: int = 0  # annotations of deleted or emptied messages

    def summary(self) -> str:
        return (
            f"annotated {self.pending:,} messages ({self.texts:,} distinct texts), "
            f"language detected for {self.detected:,}, {self.removed:,} stale annotations removed"
        )


_ARROW = pa.schema(
    [
        ("text_md5", pa.string()),
        ("source_lang", pa.string()),
        ("detect", pa.bool_()),
        ("lang", pa.string()),
        ("tone_score", pa.float64()),
        ("tone_label", pa.string()),
        ("gratitude", pa.bool_()),
    ]
)


def annotate(
    ws: Workspace,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> AnnotateResult:
    """Annotate what changed since the last run (everything with `force`).

    `on_progress(done, total)` is called after each batch of distinct texts.
    """
    if ws.read_only:
        raise LienError("the workspace is open read-only: annotating writes to it")
    con = ws.con
    result = AnnotateResult()
    with ws.transaction():
        row = con.execute(
            """
            DELETE FROM annotations a WHERE NOT EXISTS (
                SELECT 1 FROM messages m WHERE m.platform = a.platform AND m.id = a.id
                  AND m.text IS NOT NULL AND trim(m.text) <> '')
            """
        ).fetchone()
        result.removed = int(row[0]) if row else 0
        # Which language to trust per message: the source's, or lien's detection when the
        # source gave none (or when the stored language is lien's own earlier guess).
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {PENDING} AS
            SELECT m.platform, m.id, m.text, md5(m.text) AS text_md5,
                   (m.lang IS NULL OR (coalesce(a.lang_detected, false) AND m.lang = a.lang))
                       AS detect,
                   lower(split_part(replace(m.lang, '_', '-'), '-', 1)) AS source_lang
            {_PENDING_FROM}
            """,
            [force, current_method(ws)],
        )
        # The work is per distinct (text, language source): repeated texts are scored once.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lien_annotate_texts AS
            SELECT row_number() OVER (ORDER BY text_md5, source_lang) AS n,
                   text_md5, source_lang, detect, any_value(text) AS text
            FROM {PENDING} GROUP BY text_md5, source_lang, detect
            """
        )
    counts = con.execute(
        f"SELECT (SELECT count(*) FROM {PENDING}), (SELECT count(*) FROM _lien_annotate_texts)"
    ).fetchone()
    assert counts is not None
    result.pending, result.texts = int(counts[0]), int(counts[1])
    prior = ws.lang
    model = ws.setting("tone_model")
    scorer = None
    if model:
        from . import transformer

        scorer = transformer.load(model)
    done = 0
    for start in range(0, result.texts, BATCH):
        rows = con.execute(
            """
            SELECT text_md5, source_lang, detect, text FROM _lien_annotate_texts
            WHERE n > ? AND n <= ? ORDER BY n
            """,
            [start, start + BATCH],
        ).fetchall()
        _store_batch(ws, rows, prior, scorer, current_method(ws))
        done += len(rows)
        if on_progress is not None:
            on_progress(done, result.texts)
    row = con.execute(f"SELECT count(*) FROM {PENDING} WHERE detect").fetchone()
    result.detected = int(row[0]) if row else 0
    con.execute(f"DROP TABLE IF EXISTS {PENDING}")
    con.execute("DROP TABLE IF EXISTS _lien_annotate_texts")
    _mark_complete(ws, _stamp(ws))
    return result


def current_method(ws: Workspace) -> str:
    """The method annotations are made with: the lexicon, or the `tone_model` setting."""
    model = ws.setting("tone_model")
    if model:
        from .transformer import method

        return method(model)
    return tone.METHOD


def _store_batch(
    ws: Workspace,
    rows: list[tuple[str, str | None, bool, str]],
    prior: str,
    scorer: Callable[[Sequence[str]], list[float]] | None,
    method: str,
) -> None:
    to_detect = [text for _, _, detect, text in rows if detect]
    detected = iter(language.detect_many(to_detect, prior=prior))
    out: dict[str, list[object]] = {name: [] for name in _ARROW.names}
    model_scores = scorer([text for *_, text in rows]) if scorer is not None else None
    for k, (text_md5, source_lang, detect, text) in enumerate(rows):
        lang = next(detected) if detect else language.normalise(source_lang)
        result = tone.score(text, lang)
        value = result.score if model_scores is None else round(model_scores[k], 4)
        out["text_md5"].append(text_md5)
        out["source_lang"].append(source_lang)
        out["detect"].append(bool(detect))
        out["lang"].append(lang)
        out["tone_score"].append(value)
        out["tone_label"].append(tone.label_of(value))
        out["gratitude"].append(result.gratitude)
    table = pa.table(out, schema=_ARROW)
    now = datetime.now(UTC).replace(tzinfo=None)
    con = ws.con
    con.register("_lien_annotate_batch", table)
    try:
        with ws.transaction():
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _lien_annotate_rows AS
                SELECT p.platform, p.id, p.text_md5, b.lang, p.detect, b.tone_score,
                       b.tone_label, b.gratitude
                FROM {PENDING} p JOIN _lien_annotate_batch b
                  ON b.text_md5 = p.text_md5 AND b.detect = p.detect
                 AND b.source_lang IS NOT DISTINCT FROM p.source_lang
                """
            )
            con.execute(
                """
                DELETE FROM annotations a USING _lien_annotate_rows r
                WHERE a.platform = r.platform AND a.id = r.id
                """
            )
            con.execute(
                """
                INSERT INTO annotations
                SELECT platform, id, text_md5, lang, detect, tone_score, tone_label, gratitude,
                       ?, ?
                FROM _lien_annotate_rows
                """,
                [method, now],
            )
            con.execute(
                """
                UPDATE messages SET lang = r.lang FROM _lien_annotate_rows r
                WHERE messages.platform = r.platform AND messages.id = r.id AND r.detect
                  AND messages.lang IS DISTINCT FROM r.lang
                """
            )
            con.execute("DROP TABLE IF EXISTS _lien_annotate_rows")
    finally:
        con.unregister("_lien_annotate_batch")


def annotate_with_progress(
    ws: Workspace, force: bool = False, progress: bool = True
) -> AnnotateResult:
    """`annotate` with a rich progress bar (when `progress`)."""
    if not progress:
        return annotate(ws, force=force)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("[bold]annotate[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("distinct texts"),
        transient=True,
    ) as bar:
        task = bar.add_task("texts", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return annotate(ws, force=force, on_progress=tick)


def _stamp(ws: Workspace) -> str:
    """What the annotations were last found complete against: the schema, the count of changes
    to the messages (`schema.messages_changed`), how many there are (a guard against writes
    made outside lien) and the method."""
    row = ws.con.execute("SELECT count(*) FROM messages").fetchone()
    count = row[0] if row else 0
    version = ws.setting(schema.MESSAGES_VERSION) or 0
    return f"{ws.schema_version()}:{version}:{count}:{current_method(ws)}"


def _up_to_date(ws: Workspace, stamp: str) -> bool:
    return ws.setting(schema.ANNOTATIONS_STAMP) == stamp


def _pending(ws: Workspace) -> int:
    row = ws.con.execute(f"SELECT count(*) {_PENDING_FROM}", [False, current_method(ws)]).fetchone()
    return int(row[0]) if row else 0


def not_annotated(ws: Workspace) -> int:
    """How many messages with text have no annotation, or one that is out of date. Without a
    scan of the texts while nothing changed since annotations were last complete."""
    return 0 if _up_to_date(ws, _stamp(ws)) else _pending(ws)


def bring_up_to_date(ws: Workspace, progress: bool = False) -> int:
    """Annotate what is pending, when the workspace is writable; return how many messages are
    still not annotated (0 unless the workspace is read-only). Cheap when nothing is pending,
    and cheaper still when nothing changed since the last time."""
    stamp = _stamp(ws)
    if _up_to_date(ws, stamp):
        return 0
    pending = _pending(ws)
    if ws.read_only:
        return pending
    orphans = ws.con.execute(_ORPHANS).fetchone()
    if pending or (orphans and orphans[0]):
        annotate_with_progress(ws, progress=progress)
    else:
        _mark_complete(ws, stamp)
    return 0


def _mark_complete(ws: Workspace, stamp: str) -> None:
    ws._write_setting(schema.ANNOTATIONS_STAMP, stamp)


def bring_up_to_date_at(path: Path, progress: bool = False) -> None:
    """For commands that read a workspace: annotate what is pending first, through a short
    writable opening. When it cannot be opened for writing (another lien process holds it, or
    the file is read-only), nothing happens and the reader reports what is not annotated."""
    from ..workspace import Workspace

    with Workspace.open(path, read_only=True) as ws:
        if _up_to_date(ws, _stamp(ws)):
            return
    try:
        ws = Workspace.open(path)
    except LienError:
        return
    with ws:
        bring_up_to_date(ws, progress=progress)


def not_annotated_note(count: int, lang: str = "en") -> str:
    """What readers print when tone covers only part of the messages."""
    if lang == "fr":
        number = f"{count:,}".replace(",", "\u202f")
        return (
            f"{number} messages ne sont pas encore annotés (langue, ton) : les parts de ton ne "
            "portent que sur les messages annotés. Lancez `lien annotate`."
        )
    return (
        f"{count:,} messages are not annotated yet (language, tone): the tone shares cover the "
        "annotated messages only. Run `lien annotate`."
    )
