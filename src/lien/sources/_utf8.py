"""A clear error before DuckDB meets a byte that is not UTF-8 (its readers stop there, and
the transaction with them)."""

from __future__ import annotations

from pathlib import Path

from ..errors import SourceError
from ._csv import _decodes


def require_utf8(path: Path, display: str) -> None:
    if not _decodes(path, "utf-8"):
        raise SourceError(
            f"{display}: not UTF-8 text; platform exports and API responses are UTF-8, "
            "was the file re-saved by another program?"
        )
