"""`lien export`: the messages as JSON Lines, Parquet or CSV, fields named as in the record;
or, with the `spark` format, a folder holding everything `lien metrics --engine spark` needs to
give the workspace's numbers.

The `spark` folder:

- `messages.parquet`: the messages, as `--format parquet` writes them (UTC microseconds);
- `accounts.csv`: the owned accounts (platform,author_id,name);
- `settings.json`: the settings that change the numbers (time zone, business hours and days,
  bot handles, extra question words) and the report language, as `lien settings` shows them.
  Only the keys of `SPARK_SETTINGS`: never the pseudonym key nor any other setting (API
  tokens are never stored in the workspace at all);
- `annotations.parquet`: language, tone and gratitude of the exported messages (lien.text),
  for the tone keys. A writable workspace is annotated first, as `lien metrics` does.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast
from zoneinfo import ZoneInfo

from . import settings as settings_mod
from .errors import LienError
from .schema import RECORD_FIELDS, SQL_TYPES

if TYPE_CHECKING:
    from .metrics.views import Settings
    from .workspace import Workspace

FORMATS = ("jsonl", "parquet", "csv", "spark")
# The files of a `spark` export folder.
SPARK_MESSAGES = "messages.parquet"
SPARK_ACCOUNTS = "accounts.csv"
SPARK_SETTINGS_FILE = "settings.json"
SPARK_ANNOTATIONS = "annotations.parquet"
# The settings a `spark` export carries: those that change the numbers (lien.metrics.views
# Settings) and the language of the terminal table. A whitelist, so that a secret setting
# (pseudonym_key) or any setting added later never leaves the workspace by accident.
SPARK_SETTINGS = (
    "timezone",
    "lang",
    "business_hours",
    "business_days",
    "bot_handles",
    "question_words",
)
# The annotation columns the tone keys read, with the language (no digests, no times).
ANNOTATION_COLUMNS = ("platform", "id", "lang", "tone_score", "tone_label", "gratitude", "method")


def local_day_to_utc(day: str, timezone: str) -> datetime:
    """Midnight of a local calendar day (YYYY-MM-DD), as a naive UTC datetime."""
    try:
        d = date.fromisoformat(day)
    except ValueError:
        raise LienError(f"{day!r} is not a date: write it as YYYY-MM-DD") from None
    local = datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(timezone))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def window_filter(
    timezone: str, since: str | None, until: str | None, column: str = "created_at"
) -> tuple[str, list[object]]:
    """A WHERE clause (and parameters) for the local-time window [since, until)."""
    clauses: list[str] = []
    params: list[object] = []
    if since:
        clauses.append(f"{column} >= ?")
        params.append(local_day_to_utc(since, timezone))
    if until:
        clauses.append(f"{column} < ?")
        params.append(local_day_to_utc(until, timezone))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _select(fmt: str) -> str:
    cols = []
    for f in RECORD_FIELDS:
        if SQL_TYPES[f] == "TIMESTAMP":
            if fmt == "parquet":
                cols.append(f"timezone('UTC', {f}) AS {f}")
            else:
                cols.append(f"strftime({f}, '%Y-%m-%dT%H:%M:%S.%fZ') AS {f}")
        else:
            cols.append(f)
    return ", ".join(cols)


def export(
    ws: Workspace,
    out: str | Path | IO[bytes] | None,
    fmt: str,
    since: str | None = None,
    until: str | None = None,
) -> int:
    """Write the messages of [since, until) to `out` (a path, a binary stream, or stdout when
    None); return how many were written. The `spark` format writes a folder (`out` is its
    path): see `export_spark`."""
    if fmt not in FORMATS:
        raise LienError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt == "spark":
        if not isinstance(out, (str, Path)):
            raise LienError("the spark export is a folder: give its path (-o FOLDER)")
        return export_spark(ws, out, since=since, until=until)
    where, params = window_filter(ws.timezone, since, until)
    query = f"SELECT {_select(fmt)} FROM messages{where} ORDER BY platform, created_at, id"
    options = {
        "jsonl": "FORMAT json",
        "parquet": "FORMAT parquet, COMPRESSION zstd",
        "csv": "FORMAT csv, HEADER true",
    }[fmt]
    row = ws.con.execute(f"SELECT count(*) FROM messages{where}", params).fetchone()
    count = int(row[0]) if row else 0
    with tempfile.TemporaryDirectory(prefix="lien-export-") as tmp:
        target = Path(tmp) / f"export.{fmt}"
        ws.con.execute("SET TimeZone = 'UTC'")
        ws.con.execute(f"COPY ({query}) TO '{target}' ({options})", params)
        if isinstance(out, (str, Path)):
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(target), str(out))
        else:
            stream = out if out is not None else sys.stdout.buffer
            with target.open("rb") as f:
                shutil.copyfileobj(f, stream)
            stream.flush()
    return count


def spark_settings(ws: Workspace) -> dict[str, str]:
    """The settings a `spark` export carries (SPARK_SETTINGS), those that are set, as stored."""
    values = {"timezone": ws.timezone, "lang": ws.lang}
    for key in SPARK_SETTINGS:
        value = ws.setting(key)
        if key not in values and value:
            values[key] = value
    return values


def export_spark(
    ws: Workspace, folder: str | Path, since: str | None = None, until: str | None = None
) -> int:
    """Write the `spark` folder (module docstring) for the messages of [since, until); return
    how many messages were written. The folder is created when missing; lien's four files in
    it are replaced, nothing else is touched.

    History keys (new, returning, retention) look before a window: for the workspace's numbers
    of a window, export everything and give the window to `lien metrics --since/--until`."""
    from .text.annotate import bring_up_to_date

    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise LienError(f"{folder} is a file: the spark export is a folder")
    folder.mkdir(parents=True, exist_ok=True)
    bring_up_to_date(ws)  # annotates a writable workspace; a read-only one is exported as is
    where, params = window_filter(ws.timezone, since, until, column="m.created_at")
    with tempfile.TemporaryDirectory(prefix="lien-export-", dir=folder) as tmp:
        staged = Path(tmp)
        count = export(ws, staged / SPARK_MESSAGES, "parquet", since=since, until=until)
        ws.con.execute(
            f"""COPY (SELECT platform, author_id, name FROM accounts
                      ORDER BY platform, author_id)
                TO '{staged / SPARK_ACCOUNTS}' (FORMAT csv, HEADER true)"""
        )
        columns = ", ".join(f"a.{c}" for c in ANNOTATION_COLUMNS)
        ws.con.execute(
            f"""COPY (SELECT {columns} FROM annotations a
                      WHERE EXISTS (SELECT 1 FROM messages m
                                    {where + " AND" if where else " WHERE"}
                                    m.platform = a.platform AND m.id = a.id)
                      ORDER BY a.platform, a.id)
                TO '{staged / SPARK_ANNOTATIONS}' (FORMAT parquet, COMPRESSION zstd)""",
            params,
        )
        (staged / SPARK_SETTINGS_FILE).write_text(
            json.dumps(spark_settings(ws), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        for name in (SPARK_MESSAGES, SPARK_ACCOUNTS, SPARK_ANNOTATIONS, SPARK_SETTINGS_FILE):
            (staged / name).replace(folder / name)
    return count


def read_spark_settings(path: Path) -> dict[str, str]:
    """A settings file (`settings.json` of a spark export, or written by hand): a JSON object
    of SPARK_SETTINGS keys to values as `lien settings` takes them, checked the same way."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise LienError(f"{path}: not a settings file ({e})") from None
    if not isinstance(raw, dict):
        raise LienError(f"{path}: a settings file is a JSON object of setting names to values")
    values: dict[str, str] = {}
    for key, value in raw.items():
        if key not in SPARK_SETTINGS:
            raise LienError(
                f"{path}: {key!r} is not a setting the metrics read; "
                f"known: {', '.join(SPARK_SETTINGS)}"
            )
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise LienError(f"{path}: {key} must be a string, like `lien settings` shows it")
        values[key] = settings_mod.parse(key, value)
    return values


class _StoredSettings:
    """Setting values read like a workspace's (`Settings.of` needs `setting` and `timezone`)."""

    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values

    def setting(self, key: str) -> str | None:
        return self.values.get(key)

    @property
    def timezone(self) -> str:
        return self.values.get("timezone") or "UTC"


def metric_settings(values: Mapping[str, str]) -> Settings:
    """The metric Settings of setting values, read exactly as from a workspace (time zone UTC
    when absent)."""
    from .metrics.views import Settings

    return Settings.of(cast("Workspace", _StoredSettings(values)))
