"""A tiny Python-mapped source for pipeline and fetcher tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from lien.errors import Reject
from lien.schema import Message
from lien.sources import ImportContext, RawRecord, Source


class ToySource(Source):
    """Maps {"id", "parent", "at", "by", "text"} objects; version 2 upper-cases the text."""

    name = "toy"
    title = "Toy"
    platforms = ("toy",)
    reads = ("test objects",)
    upper = False

    def sniff(self, probe: object) -> bool:
        return False

    def read(self, path: Path, ctx: ImportContext) -> Iterator[RawRecord]:
        raise NotImplementedError

    def to_message(self, record: RawRecord, ctx: ImportContext) -> Message:
        p = record.payload
        if p.get("more"):
            raise Reject(f"{p['more']} replies not in this page", kind="skipped")
        text = p["text"].upper() if self.upper else p["text"]
        return Message(
            platform="toy",
            id=str(p["id"]),
            parent_id=p.get("parent"),
            root_id=(record.hints or {}).get("root"),
            author_id=p.get("by"),
            created_at=datetime.fromisoformat(p["at"]),
            text=text,
        )
