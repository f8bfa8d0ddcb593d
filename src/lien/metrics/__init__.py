"""What lien measures: the definitions of ../shared/METRICS.md as Ibis expressions.

`compute(ws, ...)` returns the `lien.metrics/1` document; `registry.METRICS` declares every key
once (titles, unit, area, definition) for the CLI, the report and the docs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..workspace import Workspace


def compute(ws: Workspace, **kwargs: Any) -> dict[str, Any]:
    from .compute import compute as run

    return run(ws, **kwargs)
