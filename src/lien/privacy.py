"""Keyed pseudonyms, erasure of one person, and retention.

Pseudonyms: ``HMAC-SHA256(pseudonym_key, platform + "\\x1f" + author_id)``, the first 60 bits
written as 12 Crockford base-32 characters in three groups (``K7QF-2M9X-HT3B``). They are stable
for a workspace (same key, same person, same pseudonym in every output), change entirely with the
key, read the same in every language, and cannot be turned back into an id without the key (the
key is 256 random bits; guessing ids does not help without it). With 60 bits, the chance that
two of 10 million people share a pseudonym is about 4 in 100,000.

Erasure (``erase_person``) and retention (``apply_retention``) delete rows inside one
transaction, then checkpoint the DuckDB file. What they reach and what they do not is written
in each function's docstring and in docs/privacy.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .errors import LienError
from .schema import messages_changed

if TYPE_CHECKING:
    from .workspace import Workspace

# Crockford's base 32: no I, L, O, U, so pseudonyms are easy to read aloud and copy.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PSEUDONYM_BITS = 60
FORGOTTEN = "[forgotten]"
# Terms shorter than this are only replaced where they are a whole field value, never inside
# free text: "Al" or "12" would otherwise erase unrelated words.
MIN_FREE_TEXT_TERM = 3


def pseudonym_key(ws: Workspace) -> bytes:
    """The workspace's secret key, created on first use when the workspace is writable."""
    key = ws.setting("pseudonym_key")
    if not key:
        if ws.read_only:
            raise LienError(
                "this workspace has no pseudonym key yet: run `lien settings` once to create it"
            )
        key = secrets.token_hex(32)
        ws.set_setting("pseudonym_key", key)
    return key.encode("utf-8")


def pseudonym(key: bytes, platform: str, author_id: str) -> str:
    digest = hmac.new(key, f"{platform}\x1f{author_id}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - PSEUDONYM_BITS)
    chars = []
    for _ in range(PSEUDONYM_BITS // 5):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    text = "".join(reversed(chars))
    return f"{text[:4]}-{text[4:8]}-{text[8:]}"


def pseudonymizer(ws: Workspace) -> Callable[[str, str], str]:
    """A function (platform, author_id) → pseudonym, keyed with this workspace's key."""
    key = pseudonym_key(ws)
    cache: dict[tuple[str, str], str] = {}

    def of(platform: str, author_id: str) -> str:
        found = cache.get((platform, author_id))
        if found is None:
            found = cache[(platform, author_id)] = pseudonym(key, platform, author_id)
        return found

    return of


# -- erasure -------------------------------------------------------------------------------


def _person(ws: Workspace, platform: str, who: str) -> tuple[set[str], set[str]]:
    """(author ids, every id/handle/name the person is known by) on that platform."""
    bare = who.strip().lstrip("@")
    rows = ws.con.execute(
        """
        SELECT DISTINCT author_id FROM messages
        WHERE platform = ? AND author_id IS NOT NULL
          AND (author_id = ? OR lower(ltrim(author_handle, '@')) = lower(?))
        """,
        [platform, who.strip(), bare],
    ).fetchall()
    ids = {r[0] for r in rows}
    terms = {who.strip(), bare} | ids
    if ids:
        known = ws.con.execute(
            """
            SELECT DISTINCT author_handle, author_name FROM messages
            WHERE platform = ? AND list_contains(?, author_id)
            """,
            [platform, sorted(ids)],
        ).fetchall()
        for handle, name in known:
            for value in (handle, name):
                if value and value.strip():
                    terms.add(value.strip())
                    terms.add(value.strip().lstrip("@"))
    return ids, {t for t in terms if t}


def _term_pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    # Longest first, so that "Élodie Marchetti" is replaced before "Élodie" could be.
    usable = sorted((t for t in terms if len(t) >= MIN_FREE_TEXT_TERM), key=len, reverse=True)
    if not usable:
        return None
    alternatives = "|".join(re.escape(t) for t in usable)
    # Whole words only, Unicode-aware; an optional @ so that mentions go with their handle.
    return re.compile(rf"(?<!\w)@?(?:{alternatives})(?!\w)", re.IGNORECASE)


class _Scrubber:
    def __init__(self, terms: set[str]) -> None:
        self.exact = {t.casefold() for t in terms}
        self.pattern = _term_pattern(terms)

    def text(self, value: str) -> str:
        if value.strip().casefold() in self.exact:
            return FORGOTTEN
        return self.pattern.sub(FORGOTTEN, value) if self.pattern else value

    def json_value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int | float):
            return FORGOTTEN if str(value).casefold() in self.exact else value
        if isinstance(value, list):
            return [self.json_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json_value(v) for k, v in value.items()}
        return value

    def payload(self, value: str) -> str:
        """A raw payload: JSON is walked value by value (so it stays valid JSON, and escaped
        forms such as \\u00e9 are found); anything else is treated as text."""
        try:
            parsed = json.loads(value)
        except ValueError:
            return self.text(value)
        if not isinstance(parsed, dict | list):
            return self.text(value)
        scrubbed = self.json_value(parsed)
        if scrubbed == parsed:
            return value
        return json.dumps(scrubbed, ensure_ascii=False, separators=(",", ":"))


def _search_forms(terms: set[str]) -> list[str]:
    """Lower-case forms to pre-select candidate rows in SQL (plain and JSON-escaped)."""
    forms = set()
    for t in terms:
        forms.add(t.lower())
        forms.add(json.dumps(t)[1:-1].lower())
    return sorted(forms)


def _scrub_table(
    ws: Workspace,
    table: str,
    columns: tuple[str, ...],
    scrubber: _Scrubber,
    forms: list[str],
    payload_columns: tuple[str, ...] = (),
) -> int:
    """Rewrite every row of `table` whose text columns mention the person; return the count."""
    con = ws.con
    any_match = " OR ".join(_mentions_sql(c) for c in columns)
    params: list[Any] = [forms for _ in columns]
    rows = con.execute(
        f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE {any_match}", params
    ).fetchall()
    changed = 0
    for rowid, *values in rows:
        new = [
            None
            if v is None
            else (scrubber.payload(v) if c in payload_columns else scrubber.text(v))
            for c, v in zip(columns, values, strict=True)
        ]
        if new != values:
            sets = ", ".join(f"{c} = ?" for c in columns)
            con.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", [*new, rowid])
            changed += 1
    return changed


def erase_person(ws: Workspace, platform: str, author_id_or_handle: str) -> dict[str, int]:
    """Delete one person's messages and raw records, and scrub them from everything else.

    Reached: the person's messages (every id found for that handle on that platform); the raw
    records and rejects of their messages; raw records not used by any remaining message whose
    payload names them (older versions of their messages, their rejected rows); and, in every
    remaining message, raw record and reject, each whole-word occurrence of their id, handle
    (with or without @) or display name in any text column, replaced by "[forgotten]".

    Not reached: a nickname or first name alone that differs from their recorded name; their
    words quoted by others without their name; ids shorter than 3 characters inside free text;
    the files the data was imported from (re-importing them brings the person back); copies
    already exported; free pages of the DuckDB file until DuckDB reuses them.
    """
    if ws.read_only:
        raise LienError("the workspace is open read-only; erasure needs write access")
    platform = platform.strip().lower()
    ids, terms = _person(ws, platform, author_id_or_handle)
    owned = ws.con.execute(
        "SELECT count(*) FROM accounts WHERE platform = ? AND list_contains(?, author_id)",
        [platform, sorted(ids)],
    ).fetchone()
    if owned and owned[0]:
        raise LienError(
            f"{author_id_or_handle} is an owned account of this workspace: remove it first "
            f"with `lien accounts remove {platform} ...` if you really mean to forget it"
        )
    scrubber = _Scrubber(terms)
    forms = _search_forms(terms)
    counts: dict[str, int] = {}
    with ws.transaction() as con:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _lien_gone AS
            SELECT id, raw_id FROM messages WHERE platform = ? AND list_contains(?, author_id)
            """,
            [platform, sorted(ids)],
        )
        counts["messages_deleted"] = _count(con, "SELECT count(*) FROM _lien_gone")
        con.execute(
            "DELETE FROM messages WHERE platform = ? AND list_contains(?, author_id)",
            [platform, sorted(ids)],
        )
        con.execute(
            "DELETE FROM annotations WHERE platform = ? AND id IN (SELECT id FROM _lien_gone)",
            [platform],
        )
        # Raw records no remaining message uses (their messages, older versions, rejected rows)
        # that carry the person anywhere are deleted outright rather than scrubbed.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _lien_gone_raw AS
            SELECT id FROM raw_items
            WHERE id IN (SELECT raw_id FROM _lien_gone)
               OR (id NOT IN (SELECT raw_id FROM messages WHERE raw_id IS NOT NULL)
                   AND {_mentions_sql("payload")})
            """,
            [forms],
        )
        unused = con.execute(
            "SELECT id, payload FROM raw_items WHERE id IN (SELECT id FROM _lien_gone_raw)"
            " AND id NOT IN (SELECT raw_id FROM _lien_gone WHERE raw_id IS NOT NULL)"
        ).fetchall()
        # The SQL pre-selection matches substrings; keep records that only contain the
        # person's id inside another word.
        keep = [rid for rid, payload in unused if not _names(payload, scrubber)]
        if keep:
            con.execute("DELETE FROM _lien_gone_raw WHERE list_contains(?, id)", [keep])
        counts["rejects_deleted"] = _count(
            con, "SELECT count(*) FROM rejects WHERE raw_id IN (SELECT id FROM _lien_gone_raw)"
        )
        con.execute("DELETE FROM rejects WHERE raw_id IN (SELECT id FROM _lien_gone_raw)")
        counts["raw_items_deleted"] = _count(con, "SELECT count(*) FROM _lien_gone_raw")
        con.execute("DELETE FROM raw_items WHERE id IN (SELECT id FROM _lien_gone_raw)")
        con.execute("DROP TABLE _lien_gone")
        con.execute("DROP TABLE _lien_gone_raw")
        counts["messages_scrubbed"] = _scrub_table(
            ws, "messages", _text_columns(ws, "messages"), scrubber, forms
        )
        counts["raw_items_scrubbed"] = _scrub_table(
            ws, "raw_items", ("location", "payload", "hints"), scrubber, forms, ("payload", "hints")
        )
        counts["rejects_scrubbed"] = _scrub_table(
            ws, "rejects", ("location", "reason", "raw"), scrubber, forms, ("raw",)
        )
        messages_changed(con)
    ws.con.execute("CHECKPOINT")
    return counts


def _names(payload: str | None, scrubber: _Scrubber) -> bool:
    """Whether a raw payload names the person (a whole value, or a whole word)."""
    return payload is not None and scrubber.payload(payload) != payload


def _mentions_sql(column: str) -> str:
    """SQL: the column contains one of the lower-case forms passed as a list parameter."""
    return f"len([f FOR f IN CAST(? AS VARCHAR[]) IF contains(lower({column}), f)]) > 0"


def _text_columns(ws: Workspace, table: str) -> tuple[str, ...]:
    rows = ws.con.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_name = ? AND data_type = 'VARCHAR' AND table_schema = 'main'
        ORDER BY ordinal_position
        """,
        [table],
    ).fetchall()
    return tuple(r[0] for r in rows)


def _count(con: Any, query: str) -> int:
    row = con.execute(query).fetchone()
    return int(row[0]) if row else 0


# -- retention -----------------------------------------------------------------------------


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the day clamped to the month's
    length: 31 March minus one month is 29 or 28 February)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    next_first = datetime(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_first - datetime(year, month, 1)).days
    return moment.replace(year=year, month=month, day=min(moment.day, last_day))


def apply_retention(
    ws: Workspace, months: int | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Delete what is older than the retention period (`months`, or the `retention_months`
    setting): messages created before the cutoff (now minus that many calendar months, UTC);
    rejects from imports that started before it (a reject has no date of its own); and raw
    records no longer used by any message or reject that came from those imports or belonged
    to the deleted messages. A message exactly at the cutoff is kept."""
    if ws.read_only:
        raise LienError("the workspace is open read-only; retention needs write access")
    if months is None:
        setting = ws.setting("retention_months")
        if not setting:
            raise LienError(
                "no retention period set: `lien settings retention_months 24` (for example)"
            )
        months = int(setting)
    if months < 1:
        raise LienError("retention must be at least 1 month")
    now = now or datetime.now(UTC).replace(tzinfo=None)
    cutoff = months_before(now, months)
    counts: dict[str, Any] = {"cutoff": cutoff}
    with ws.transaction() as con:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _lien_old AS "
            "SELECT raw_id FROM messages WHERE created_at < ?",
            [cutoff],
        )
        counts["messages_deleted"] = _count(con, "SELECT count(*) FROM _lien_old")
        con.execute("DELETE FROM messages WHERE created_at < ?", [cutoff])
        con.execute(
            "DELETE FROM annotations a WHERE NOT EXISTS (SELECT 1 FROM messages m"
            " WHERE m.platform = a.platform AND m.id = a.id)"
        )
        old_imports = "SELECT id FROM imports WHERE started_at < ?"
        counts["rejects_deleted"] = _count_p(
            con, f"SELECT count(*) FROM rejects WHERE import_id IN ({old_imports})", [cutoff]
        )
        con.execute(f"DELETE FROM rejects WHERE import_id IN ({old_imports})", [cutoff])
        unused = f"""
            FROM raw_items
            WHERE id NOT IN (SELECT raw_id FROM messages WHERE raw_id IS NOT NULL)
              AND id NOT IN (SELECT raw_id FROM rejects WHERE raw_id IS NOT NULL)
              AND (id IN (SELECT raw_id FROM _lien_old) OR import_id IN ({old_imports}))
        """
        counts["raw_items_deleted"] = _count_p(con, f"SELECT count(*) {unused}", [cutoff])
        con.execute(f"DELETE {unused}", [cutoff])
        con.execute("DROP TABLE _lien_old")
        messages_changed(con)
    ws.con.execute("CHECKPOINT")
    return counts


def _count_p(con: Any, query: str, params: list[Any]) -> int:
    row = con.execute(query, params).fetchone()
    return int(row[0]) if row else 0
