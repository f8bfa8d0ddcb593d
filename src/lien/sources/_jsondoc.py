"""Helpers shared by the sources that read saved API responses (JSON documents, or JSON Lines
with one response or item per line): loading, typed field access and platform times."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import Reject, SourceError


class BadLine:
    """A JSON Lines line that is not JSON: becomes a reject naming its line."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason


def documents(path: Path, display: str) -> Iterator[tuple[str, Any]]:
    """(location prefix, document) pairs: one pair for a JSON file, one per line for JSON
    Lines ("line 3: "), where a damaged line comes as a BadLine. A file that is neither raises
    a one-line SourceError."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SourceError(
            f"{display}: not UTF-8 text (byte {e.start}); API responses are UTF-8, "
            "was the file re-saved by another program?"
        ) from None
    try:
        yield "", json.loads(text)
        return
    except RecursionError:
        raise SourceError(f"{display}: JSON nested too deeply to read") from None
    except ValueError as whole_error:
        first_error = whole_error
    lines = text.splitlines()
    parsed = 0
    out: list[tuple[str, Any]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
            out.append((f"line {number}: ", value))
            parsed += isinstance(value, (dict, list))
        except (ValueError, RecursionError) as e:
            out.append((f"line {number}: ", BadLine(line, f"not valid JSON ({_short(e)})")))
    # JSON Lines when most lines are JSON objects: a truncated pretty-printed document has
    # lines that parse (`1,` no, `null` yes) but few objects.
    if parsed == 0 or len(out) < 2 or parsed * 2 < len(out):
        msg = first_error.msg if isinstance(first_error, json.JSONDecodeError) else "bad JSON"
        where = (
            f" at line {first_error.lineno}, column {first_error.colno}"
            if isinstance(first_error, json.JSONDecodeError)
            else ""
        )
        raise SourceError(
            f"{display}: not valid JSON ({msg}{where}); the file may be truncated or damaged"
        )
    yield from out


def _short(e: BaseException) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (fields may be null or absent)."""
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    """A non-empty string, else None (ids and names are never numbers in these APIs, but a
    number is kept as its decimal text rather than lost)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def count(value: Any) -> int | None:
    """A platform count: a non-negative whole number (as a number or a digit string), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**63 else None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        return int(value)
    return None


def utc_time(value: Any) -> datetime | None:
    """An ISO 8601 time (`Z`, `+00:00` or `+0000`, any fraction digits) as naive UTC, or None.

    Platform APIs write UTC; a time without an offset is read as UTC."""
    if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if parsed.tzinfo is not None:
        try:
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:
            return None
    return parsed


def required_time(value: Any, field: str, what: str) -> datetime:
    """`utc_time` that rejects the record, naming the field and value, when there is none."""
    parsed = utc_time(value)
    if parsed is None:
        if value is None:
            raise Reject(f"{what}: no {field}")
        raise Reject(f"{what}: {field} {str(value)[:60]!r} is not an ISO 8601 time")
    return parsed


def describe(value: Any) -> str:
    """A short name of a JSON value's type for reasons ("a list", "a string")."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number"
