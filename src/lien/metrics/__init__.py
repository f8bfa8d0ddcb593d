"""What lien measures: the definitions of ../shared/METRICS.md as Ibis expressions.

`compute(ws, ...)` returns the `lien.metrics/1` document; `registry.METRICS` declares every key
once (titles, unit, area, definition) for the CLI, the report and the docs.
"""

from __future__ import annotations

# Bound after the submodule is imported, so `lien.metrics.compute` stays the function.
from .compute import compute

__all__ = ["compute"]
