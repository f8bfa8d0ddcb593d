"""Charts as Vega-Lite specifications, rendered offline to inline SVG (or PNG for email).

Every chart comes with a text alternative listing its values, so the report reads without
the pictures (screen readers, text-only email).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
ACCOUNT_COLOUR = "#000000"


# d3-format locales for the axes: "3,5" and "15 000" in French.
FORMAT_LOCALES = {"fr": "fr-FR", "en": "en-GB"}


@dataclass
class Chart:
    spec: dict[str, Any]
    alt: str
    lang: str = "en"

    @property
    def empty(self) -> bool:
        return not self.spec.get("data", {}).get("values")

    def svg(self) -> str:
        import vl_convert as vlc

        if self.empty:  # Vega draws an empty chart with an invalid viewBox
            return ""
        return str(vlc.vegalite_to_svg(json.dumps(self.spec), format_locale=self._locale))

    def png(self, scale: float = 1.0) -> bytes:
        import vl_convert as vlc

        return bytes(
            vlc.vegalite_to_png(json.dumps(self.spec), scale=scale, format_locale=self._locale)
        )

    @property
    def _locale(self) -> Any:  # vl-convert types it as a Literal of its locale names
        return FORMAT_LOCALES.get(self.lang, "en-GB")


# Line charts sit two abreast on a wide screen and alone on a phone or on paper: drawn this
# wide, their text stays legible when a phone scales them down.
WIDTH = 400


def _base(width: int = WIDTH, height: int = 170) -> dict[str, Any]:
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": width,
        "height": height,
        "config": {
            "font": "DejaVu Sans, Helvetica, Arial, sans-serif",
            "range": {"category": list(PALETTE)},
            "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 12},
            "legend": {
                "orient": "bottom",
                "labelFontSize": 12,
                "labelLimit": WIDTH,
                "columns": 2,
                "title": None,
            },
        },
    }


def lines(
    rows: list[dict[str, Any]],
    series: dict[str, str],
    y_title: str,
    percent: bool,
    locale_number: Any,
    lang: str = "en",
) -> Chart:
    """One line per series over the periods; gaps where a value is undefined."""
    values = [
        {"period": r["period"], "series": title, "value": r[key]}
        for key, title in series.items()
        for r in rows
        if r.get(key) is not None
    ]
    spec = _base()
    spec["data"] = {"values": values}
    spec["mark"] = {"type": "line", "point": len(rows) <= 24}
    spec["encoding"] = {
        "x": {
            "field": "period",
            "type": "ordinal",
            "title": None,
            "axis": {"labelAngle": -45, "labelOverlap": "greedy"},
        },
        "y": {
            "field": "value",
            "type": "quantitative",
            "title": y_title,
            "axis": {"format": ".0%"} if percent else {},
        },
        "color": {"field": "series", "type": "nominal", "sort": list(series.values())},
    }
    if len(series) == 1:  # the caption names the one line
        spec["encoding"]["color"]["legend"] = None
    alt = "; ".join(
        f"{title}: "
        + ", ".join(
            f"{r['period']} {locale_number(r[key])}" for r in rows if r.get(key) is not None
        )
        for key, title in series.items()
    )
    return Chart(spec, alt, lang)


def bars(labels: list[str], counts: list[int], x_title: str, lang: str = "en") -> Chart:
    """One horizontal bar per label (labels read whole, however long), its count written at
    its end (an empty bucket reads 0)."""
    spec = _base(height=24 * max(len(labels), 1))
    spec["data"] = {
        "values": [{"label": a, "count": b} for a, b in zip(labels, counts, strict=True)]
    }
    y = {"field": "label", "type": "ordinal", "title": None, "sort": labels}
    x = {"field": "count", "type": "quantitative", "title": x_title or None}
    spec["layer"] = [
        {"mark": {"type": "bar", "color": PALETTE[0]}, "encoding": {"x": x, "y": y}},
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12, "color": "#1d1d1d"},
            "encoding": {"x": x, "y": y, "text": {"field": "count", "format": ",d"}},
        },
    ]
    alt = ", ".join(f"{a}: {b}" for a, b in zip(labels, counts, strict=True))
    return Chart(spec, alt, lang)


def cohort_grid(
    cohorts: list[Any],
    offset_title: str,
    cohort_title: str,
    locale_percent: Any,
    lang: str = "en",
) -> Chart:
    """Retention by cohort: one row per cohort (period of first message), one column per
    period after it, the cell's shade and label the share of the cohort active again."""
    values = [
        {"cohort": c.period, "after": k, "share": share}
        for c in cohorts
        for k, share in enumerate(c.returning, start=1)
        if share is not None
    ]
    spec = _base(width=520, height=max(20 * len(cohorts), 60))
    spec["data"] = {"values": values}
    x = {
        "field": "after",
        "type": "ordinal",
        "title": offset_title,
        "axis": {"labelAngle": 0},
    }
    y = {
        "field": "cohort",
        "type": "ordinal",
        "title": cohort_title,
        "sort": [c.period for c in cohorts],
    }
    spec["layer"] = [
        {
            "mark": {"type": "rect"},
            "encoding": {
                "x": x,
                "y": y,
                "color": {
                    "field": "share",
                    "type": "quantitative",
                    "scale": {"scheme": "viridis", "domain": [0, 1]},
                    "legend": {"format": ".0%", "orient": "right", "columns": 1},
                },
            },
        },
        {
            "mark": {"type": "text", "fontSize": 10},
            "encoding": {
                "x": x,
                "y": y,
                "text": {"field": "share", "type": "quantitative", "format": ".0%"},
                "color": {
                    "condition": {"test": "datum.share > 0.5", "value": "#000000"},
                    "value": "#ffffff",
                },
            },
        },
    ]
    alt = "; ".join(
        f"{c.period} ({c.members}): "
        + ", ".join(
            f"+{k} {locale_percent(share)}"
            for k, share in enumerate(c.returning, start=1)
            if share is not None
        )
        for c in cohorts
    )
    return Chart(spec, alt, lang)
