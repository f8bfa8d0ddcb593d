"""A clear error when a file is not UTF-8 (DuckDB's readers stop at the first such byte, and
the transaction with them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import SourceError
from ._csv import _decodes

_LINE = re.compile(r"on Line: (\d+)")


def not_utf8_error(display: str, where: str = "") -> SourceError:
    return SourceError(
        f"{display}: not UTF-8 text{where}; platform exports and API responses are UTF-8, "
        "was the file re-saved by another program?"
    )


def require_utf8(path: Path, display: str) -> None:
    """Decode the whole file first (for readers that would not say it themselves)."""
    if not _decodes(path, "utf-8"):
        raise not_utf8_error(display)


@contextmanager
def utf8_reader_errors(display: str) -> Iterator[None]:
    """Turn DuckDB's failure on bytes that are not UTF-8 into that clear error. Letting DuckDB
    find them costs nothing, where decoding a large file in Python first takes a noticeable
    share of a bulk import."""
    try:
        yield
    except duckdb.InvalidInputException as e:
        message = str(e)
        # read_csv: "Invalid unicode ... on Line: N"; read_text: "... as valid UTF-8 ..."
        if "invalid unicode" not in message.lower() and "valid utf-8" not in message.lower():
            raise
        line = _LINE.search(message)
        raise not_utf8_error(display, f" (line {line.group(1)})" if line else "") from None
