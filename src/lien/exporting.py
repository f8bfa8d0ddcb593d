"""`lien export`: the messages as JSON Lines, Parquet or CSV, fields named as in the record."""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING
from zoneinfo import ZoneInfo

from .errors import LienError
from .schema import RECORD_FIELDS, SQL_TYPES

if TYPE_CHECKING:
    from .workspace import Workspace

FORMATS = ("jsonl", "parquet", "csv")


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
    None); return how many were written."""
    if fmt not in FORMATS:
        raise LienError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
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
