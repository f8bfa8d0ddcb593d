"""The report: one self-contained HTML file an elected official can read in five minutes.

This first version gathers `lien.metrics.compute` and writes headline sentences, one small
inline SVG chart and one table per area, and the method (from the metric registry). Every
value from the workspace is escaped; a Content-Security-Policy forbids any remote load.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..metrics import compute
from ..metrics.registry import BY_KEY, METRICS

if TYPE_CHECKING:
    from ..workspace import Workspace

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
AREAS = ("listening", "conversing", "belonging")
# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")

TEXT = {
    "fr": {
        "title": "Rapport de conversation",
        "window": "Du {since} au {until} (fuseau {tz})",
        "listening": "Écouter",
        "conversing": "Converser",
        "belonging": "Appartenir",
        "network": "Le réseau",
        "method": "Méthode",
        "none": "—",
        "response": "Vous avez répondu à {rate} des messages qui vous étaient adressés en {month}"
        ", en {hours} en médiane.",
        "questions": "{rate} des questions des membres ont reçu une réponse.",
        "horizontality": "{rate} des échanges ont lieu entre membres, sans le compte.",
        "active": "{active} membres ont écrit en {month}, dont {new} nouveaux.",
        "retention": "{rate} des membres actifs le mois précédent sont revenus.",
        "trend_up": "{points} points de mieux qu'en {previous}",
        "trend_down": "{points} points de moins qu'en {previous}",
        "context": "Les mentions « J'aime » et les abonnés ne figurent pas ici : ils mesurent "
        "une audience, pas une conversation.",
        "generated": "Produit par lien le {date}.",
        "metric": "Indicateur",
    },
    "en": {
        "title": "Conversation report",
        "window": "From {since} to {until} (time zone {tz})",
        "listening": "Listening",
        "conversing": "Conversing",
        "belonging": "Belonging",
        "network": "The network",
        "method": "Method",
        "none": "—",
        "response": "You answered {rate} of the messages addressed to you in {month}, in "
        "{hours} (median).",
        "questions": "{rate} of members' questions got an answer.",
        "horizontality": "{rate} of exchanges are between members, without the account.",
        "active": "{active} members wrote in {month}, {new} of them new.",
        "retention": "{rate} of last month's active members came back.",
        "trend_up": "{points} points better than in {previous}",
        "trend_down": "{points} points lower than in {previous}",
        "context": "Likes and followers are not shown here: they measure an audience, not a "
        "conversation.",
        "generated": "Made by lien on {date}.",
        "metric": "Metric",
    },
}


@dataclass
class Report:
    path: Path
    document: dict[str, Any]


def _number(value: Any, unit: str, lang: str) -> str:
    if value is None:
        return TEXT[lang]["none"]
    if unit == "rate":
        text = f"{100 * value:.0f}\u202f%" if lang == "fr" else f"{100 * value:.0f}%"
    elif unit in ("hours", "ratio"):
        text = f"{value:.1f}"
        if lang == "fr":
            text = text.replace(".", ",")
        text += "\u202fh" if unit == "hours" else ""
    else:
        text = f"{value:,}".replace(",", "\u202f" if lang == "fr" else ",")
    return text


def _figure(key: str, value: Any, lang: str) -> str:
    """A figure carrying its raw value, so tests compare the report with the metrics."""
    raw = "" if value is None else repr(value)
    shown = _number(value, BY_KEY[key].unit, lang)
    return (
        f'<span class="figure" data-key="{html.escape(key)}" data-value="{html.escape(raw)}">'
        f"{html.escape(shown)}</span>"
    )


def _headlines(document: dict[str, Any], lang: str) -> list[str]:
    t = TEXT[lang]
    periods = [p for p in document["periods"] if p["member_messages"] or p["account_posts"]]
    if not periods:
        return []
    last = periods[-1]
    previous = periods[-2] if len(periods) > 1 else None
    month = html.escape(last["period"])

    def trend(key: str) -> str:
        if previous is None or last[key] is None or previous[key] is None:
            return ""
        points = round(100 * (last[key] - previous[key]))
        if points == 0:
            return ""
        template = t["trend_up"] if points > 0 else t["trend_down"]
        return " — " + html.escape(template.format(points=abs(points), previous=previous["period"]))

    lines = [
        t["response"].format(
            rate=_figure("response_rate", last["response_rate"], lang),
            month=month,
            hours=_figure("ttfr_median_h", last["ttfr_median_h"], lang),
        )
        + trend("response_rate"),
        t["questions"].format(
            rate=_figure("question_response_rate", last["question_response_rate"], lang)
        )
        + trend("question_response_rate"),
        t["horizontality"].format(rate=_figure("horizontality", last["horizontality"], lang))
        + trend("horizontality"),
        t["active"].format(
            active=_figure("active_members", last["active_members"], lang),
            new=_figure("new_members", last["new_members"], lang),
            month=month,
        ),
        t["retention"].format(rate=_figure("retention", last["retention"], lang))
        + trend("retention"),
    ]
    return lines


def _chart(document: dict[str, Any], keys: list[str], lang: str) -> str:
    """Lines of rates over the periods, as inline SVG, with a text alternative."""
    periods = document["periods"]
    width, height, pad = 640, 180, 30
    n = max(len(periods) - 1, 1)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="'
        + html.escape(", ".join(BY_KEY[k].title(lang) for k in keys))
        + '">'
    ]
    parts.append(
        f'<line x1="{pad}" y1="{height - pad}" x2="{width}" y2="{height - pad}" stroke="#999"/>'
    )
    for i, key in enumerate(keys):
        points = [
            f"{pad + (width - pad) * j / n:.1f},{(height - pad) * (1 - p[key]):.1f}"
            for j, p in enumerate(periods)
            if p[key] is not None
        ]
        if points:
            parts.append(
                f'<polyline class="mark" fill="none" stroke="{COLOURS[i % len(COLOURS)]}" '
                f'stroke-width="2" points="{" ".join(points)}"/>'
            )
    parts.append("</svg>")
    legend = " · ".join(
        f'<span style="color:{COLOURS[i % len(COLOURS)]}">■</span> '
        f"{html.escape(BY_KEY[k].title(lang))}"
        for i, k in enumerate(keys)
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def _table(document: dict[str, Any], area: str, lang: str) -> str:
    periods = document["periods"][-12:]
    head = "".join(f"<th>{html.escape(p['period'])}</th>" for p in periods)
    rows = []
    for m in METRICS:
        if m.area != area or m.scope != "period":
            continue
        cells = "".join(f"<td>{_figure(m.key, p[m.key], lang)}</td>" for p in periods)
        rows.append(f"<tr><th>{html.escape(m.title(lang))}</th>{cells}</tr>")
    return (
        f'<div class="scroll"><table><tr><th>{TEXT[lang]["metric"]}</th>{head}</tr>'
        + "".join(rows)
        + "</table></div>"
    )


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:60rem;padding:1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{border-bottom:2px solid #0072B2;padding-bottom:.2rem}
.headlines li{font-size:1.15rem;margin:.4rem 0}.figure{font-weight:600}
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85rem}
td,th{padding:.2rem .5rem;border-bottom:1px solid #ddd;text-align:right}
tr th:first-child{text-align:left}svg{width:100%;height:auto}
.context{background:#f4f4f4;padding:.6rem;border-left:4px solid #E69F00}
@media print{@page{size:A4;margin:15mm}section{page-break-before:always}}
"""


def render(document: dict[str, Any], lang: str, title: str) -> str:
    t = TEXT[lang]
    window = document["window"]
    sections = []
    charts = {
        "listening": ["response_rate", "question_response_rate"],
        "conversing": ["horizontality", "dialogue_rate"],
        "belonging": ["retention"],
    }
    for area in AREAS:
        sections.append(
            f'<section id="{area}"><h2>{t[area]}</h2>'
            + _chart(document, charts[area], lang)
            + _table(document, area, lang)
            + "</section>"
        )
    network_rows = "".join(
        f"<tr><th>{html.escape(BY_KEY[k].title(lang))}</th><td>{_figure(k, v, lang)}</td></tr>"
        for k, v in document["network"].items()
    )
    sections.append(
        f'<section id="network"><h2>{t["network"]}</h2><table>{network_rows}</table></section>'
    )
    method = "".join(
        f"<dt>{html.escape(m.title(lang))} (<code>{m.key}</code>)</dt>"
        f"<dd>{html.escape(m.definition_fr if lang == 'fr' else m.definition)}</dd>"
        for m in METRICS
    )
    sections.append(
        f'<section id="method"><h2>{t["method"]}</h2>'
        f'<p class="context">{html.escape(t["context"])}</p><dl>{method}</dl></section>'
    )
    headlines = "".join(f"<li>{line}</li>" for line in _headlines(document, lang))
    generated = t["generated"].format(date=datetime.now(UTC).date().isoformat())
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><p>"
        + html.escape(
            t["window"].format(
                since=window["since"], until=window["until"], tz=document["timezone"]
            )
        )
        + f'</p><ul class="headlines">{headlines}</ul>'
        + "".join(sections)
        + f"<footer><p>{html.escape(generated)}</p></footer></body></html>"
    )


def build_report(
    ws: Workspace,
    out: Path,
    lang: str | None = None,
    period: str = "month",
    since: str | None = None,
    until: str | None = None,
) -> Report:
    lang = lang or ws.lang
    document = compute(ws, period=period, since=since, until=until)
    title = TEXT[lang]["title"]
    accounts = ws.accounts()
    if accounts and accounts[0].get("name"):
        title = f"{title} — {accounts[0]['name']}"
    out.write_text(render(document, lang, title), encoding="utf-8")
    return Report(out, document)
