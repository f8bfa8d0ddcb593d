"""The source contract and the registry of sources.

A source turns one kind of file (or API response) into messages, in three steps:

- ``sniff(probe) -> bool``: does this file look like mine? Exactly one source must answer yes.
- ``read(path, ctx) -> Iterator[RawRecord]``: split the file into records, each kept as received
  (``payload``) with what the file's structure tells about it (``hints``: a parent id known
  from nesting, the author object from an ``includes`` block...).
- ``to_message(record, ctx) -> Message``: map one record, or raise ``Reject(reason)``.

The raw record is stored in ``raw_items``, so ``lien reparse`` can re-run ``to_message`` after a
mapper fix without another download. Bulk formats (CSV, JSONL of millions of lines) implement
the same two steps in SQL inside DuckDB instead (``BulkSource``), because Python record-by-record
parsing is several times slower than DuckDB's readers.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, ClassVar

import duckdb

from ..errors import Reject, SourceError
from ..schema import Message

__all__ = [
    "BulkSource",
    "ImportContext",
    "Probe",
    "RawRecord",
    "Reject",
    "Source",
    "SourceError",
    "all_sources",
    "detect",
    "get",
]

HEAD_BYTES = 256 * 1024
# Files up to this size are parsed whole for sniffing; larger JSON documents are sniffed from
# their first bytes only.
WHOLE_JSON_LIMIT = 64 * 1024 * 1024


@dataclass(slots=True)
class RawRecord:
    """One record as received. `location` names it for people: "line 12", "record 3"."""

    location: str
    payload: Any
    hints: dict[str, Any] | None = None


@dataclass
class ImportContext:
    """What a mapper may need beyond the record itself."""

    timezone: str = "UTC"
    options: dict[str, Any] = field(default_factory=dict)
    display_name: str = ""
    # Accounts the file says it belongs to (a page's feed, a channel's threads), suggested to
    # the user after the import; never declared automatically.
    suggested_accounts: set[tuple[str, str, str | None]] = field(default_factory=set)


class Probe:
    """What sniffers look at: the first bytes of a file and cheap parses of them."""

    def __init__(self, path: Path, display_name: str | None = None) -> None:
        self.path = path
        self.name = display_name or path.name
        self.suffix = path.suffix.lower()
        self.size = path.stat().st_size
        with path.open("rb") as f:
            self.head: bytes = f.read(HEAD_BYTES)

    @cached_property
    def text(self) -> str:
        """The head decoded as UTF-8 (BOM removed), as UTF-16 when it starts with a UTF-16 BOM
        (Excel's "Unicode text"), or as Windows-1252 when it is not UTF-8."""
        if self.head.startswith((b"\xff\xfe", b"\xfe\xff")):
            # Not final: a character cut by the head's end is left out, not an error.
            decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
            return decoder.decode(self.head, final=False)
        head = self.head.removeprefix(b"\xef\xbb\xbf")
        try:
            return head.decode("utf-8")
        except UnicodeDecodeError as e:
            if e.start > len(head) - 4:  # a character cut by the head's end
                return head[: e.start].decode("utf-8")
            return head.decode("cp1252", errors="replace")

    @cached_property
    def is_binary(self) -> bool:
        return b"\x00" in self.head[:8192] and not self.head.startswith((b"\xff\xfe", b"\xfe\xff"))

    @cached_property
    def json(self) -> Any:
        """The whole file parsed as one JSON document, or None (not JSON, or too large)."""
        return self._whole_json[0]

    @cached_property
    def json_problem(self) -> str | None:
        """Why a file that starts like a JSON document (`{` or `[`) does not parse as one: where
        the parser stopped and what to do; None when it parses, or does not look like JSON."""
        return self._whole_json[1]

    @cached_property
    def _whole_json(self) -> tuple[Any, str | None]:
        if self.is_binary or self.size > WHOLE_JSON_LIMIT:
            return None, None
        if self.text.lstrip()[:1] not in ("{", "["):
            return None, None
        try:
            return json.loads(self.path.read_bytes().removeprefix(b"\xef\xbb\xbf")), None
        except json.JSONDecodeError as e:
            where = f"line {e.lineno}, column {e.colno} ({e.msg})"
            # A string left open runs to the end of the file: cut short too.
            if e.pos >= len(e.doc.rstrip()) or e.msg.startswith("Unterminated string"):
                return None, (
                    f"it ends before the JSON is complete, at {where}. It was probably cut "
                    "short (an interrupted download or copy): download or save it again in full"
                )
            return None, (
                f"it is damaged at {where}. Download or save it again; if it was edited by "
                "hand, fix that place in a text editor"
            )
        except UnicodeDecodeError as e:
            return None, (
                f"it is not UTF-8 text (byte {e.start}). JSON files are UTF-8: was it re-saved "
                "by another program? Use the original file"
            )
        except RecursionError:
            return None, "it is nested too deeply to read"
        except ValueError as e:
            return None, (str(e).splitlines()[0][:120] if str(e) else "it does not parse")

    @cached_property
    def first_json_line(self) -> Any:
        """The first non-empty line parsed as JSON (for JSONL files), or None."""
        if self.is_binary:
            return None
        for line in self.text.splitlines():
            if line.strip():
                try:
                    return json.loads(line)
                except ValueError:
                    return None
        return None

    @cached_property
    def json_lines(self) -> bool:
        """True when the head holds at least one full line and every full line is JSON."""
        if self.is_binary:
            return False
        lines = self.text.splitlines()
        if len(self.head) == HEAD_BYTES and lines:
            lines = lines[:-1]  # possibly cut
        lines = [ln for ln in lines if ln.strip()]
        if not lines or not lines[0].lstrip().startswith("{"):
            return False
        ok = 0
        for ln in lines[:50]:
            try:
                json.loads(ln)
                ok += 1
            except ValueError:
                pass
        # A stream may hold a damaged line; most lines must still be JSON objects.
        return ok >= max(1, (min(len(lines), 50) * 9) // 10)

    @cached_property
    def csv_header(self) -> list[str] | None:
        """The header row of a delimited text file (`,` `;` or tab), or None."""
        if self.is_binary or self.suffix in (".json", ".jsonl", ".ndjson", ".parquet"):
            return None
        first = self.text.split("\n", 1)[0].rstrip("\r")
        if not first or first.lstrip().startswith(("{", "[")):
            return None
        delim = sniff_delimiter(first)
        try:
            row = next(csv.reader(io.StringIO(first), delimiter=delim))
        except (csv.Error, StopIteration):
            return None
        names = [c.strip() for c in row]
        return names if len(names) >= 2 and all(names) else None


def sniff_delimiter(header_line: str) -> str:
    """The most frequent of `,` `;` tab outside quotes in a header line."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for ch in header_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    return max(counts, key=lambda d: (counts[d], d == ","))


class Source:
    """Base of every source. Subclasses set the class attributes and the three methods."""

    name: ClassVar[str]
    title: ClassVar[str]
    platforms: ClassVar[tuple[str, ...]]
    # What it reads, for `lien sources` and the docs: one line per file kind.
    reads: ClassVar[tuple[str, ...]]
    # What users should know: missing fields, truncation, known platform oddities.
    quirks: ClassVar[tuple[str, ...]] = ()
    # Bump when to_message changes what it produces, so `lien reparse` knows what is stale.
    mapper_version: ClassVar[int] = 1
    bulk: ClassVar[bool] = False

    def sniff(self, probe: Probe) -> bool:
        raise NotImplementedError

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        raise NotImplementedError

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        raise NotImplementedError


class BulkSource(Source):
    """A source normalised inside DuckDB.

    ``stage`` inserts one row per record into ``table`` (the staging table, with the message
    columns and the ``_row _location _raw _hints _raw_id _reject _reject_kind`` columns).
    ``restage`` does the same from the ``raw_items`` rows selected by ``raw_query`` (columns
    ``id, location, payload, hints``), so that reparse uses the very same SQL.
    """

    bulk = True

    def stage(
        self, con: duckdb.DuckDBPyConnection, path: Path, ctx: ImportContext, table: str
    ) -> None:
        raise NotImplementedError

    def restage(
        self, con: duckdb.DuckDBPyConnection, raw_query: str, ctx: ImportContext, table: str
    ) -> None:
        raise NotImplementedError


# Modules of the built-in sources, in the order `lien sources` lists them. Third-party sources
# register through the "lien.sources" entry point group.
BUILTIN_MODULES: tuple[str, ...] = (
    "generic_csv",
    "lien_export",
    "mastodon",
    "bluesky",
    "youtube",
    "x",
    "reddit",
    "fourcat",
    "facebook",
    "instagram",
    "meta_archive",
)

_registry: dict[str, Source] | None = None


def _load() -> dict[str, Source]:
    global _registry
    if _registry is None:
        found: dict[str, Source] = {}
        for mod_name in BUILTIN_MODULES:
            module = import_module(f"{__name__}.{mod_name}")
            for source in getattr(module, "SOURCES", ()):
                found[source.name] = source
        for ep in entry_points(group="lien.sources"):
            source = ep.load()()
            found.setdefault(source.name, source)
        _registry = found
    return _registry


def all_sources() -> list[Source]:
    return list(_load().values())


def get(name: str) -> Source:
    registry = _load()
    if name not in registry:
        raise SourceError(f"unknown source {name!r}; known sources: {', '.join(registry)}")
    return registry[name]


def detect(probe: Probe) -> Source:
    if probe.size == 0:
        raise SourceError(f"{probe.name}: the file is empty")
    matches = []
    for source in _load().values():
        try:
            if source.sniff(probe):
                matches.append(source)
        except Exception:  # a sniffer must never stop detection; it just does not match
            continue
    if len(matches) == 1:
        return matches[0]
    if not matches:
        if not probe.is_binary and probe.json_problem and not probe.json_lines:
            raise SourceError(f"{probe.name}: not valid JSON: {probe.json_problem}")
        what = "a binary file" if probe.is_binary else "a format lien does not recognise"
        raise SourceError(
            f"{probe.name}: {what}. Run `lien sources` to see the formats lien reads, "
            "or pass --source NAME if you know which one it is"
        )
    names = ", ".join(s.name for s in matches)
    raise SourceError(f"{probe.name}: several sources recognise this file ({names}); pass --source")
