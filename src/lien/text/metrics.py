"""The tone keys of each period (METRICS.md, Text), as Ibis expressions over the metric views
joined to `annotations`.

Shares are of member messages with text, i.e. member messages that carry an annotation (only
messages with text are annotated; `compute` brings a writable workspace up to date first, and
on a read-only one the document's `not_annotated` counts what is left out). On an engine
without annotations (Spark over a messages-only export) the keys stay null rather than 0.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

if TYPE_CHECKING:
    from ..metrics.timebase import Window
    from ..metrics.views import Views

KEYS = ("positive_share", "negative_share", "gratitude_share")


def tone_keys(
    views: Views, window: Window, annotations: ir.Table, rows: dict[date, dict[str, Any]]
) -> None:
    """Fill positive_share, negative_share and gratitude_share in each period's row."""
    from ..metrics.compute import _by_period, _in_window, _rate

    b = _in_window(views.base, window)
    members = b.filter(b.role == "member").select("platform", "id", "period_start")
    a = annotations.filter(annotations.tone_label.notnull()).select(
        "platform", "id", "tone_label", "gratitude"
    )
    j = members.join(a, ["platform", "id"])
    got = _by_period(
        j,
        texts=j.count(),
        positive=(j.tone_label == "positive").cast("int64").sum(),
        negative=(j.tone_label == "negative").cast("int64").sum(),
        grateful=j.gratitude.fill_null(False).cast("int64").sum(),
    )
    for start, row in rows.items():
        g = got.get(start, {})
        texts = int(g.get("texts") or 0)
        row["positive_share"] = _rate(g.get("positive") or 0, texts)
        row["negative_share"] = _rate(g.get("negative") or 0, texts)
        row["gratitude_share"] = _rate(g.get("grateful") or 0, texts)
