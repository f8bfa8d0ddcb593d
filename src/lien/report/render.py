"""Lay out the gathered data with the Jinja2 templates (autoescaped: platform text is inert)."""

from __future__ import annotations

import base64
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..metrics.registry import BY_KEY
from . import charts
from .gather import ReportData
from .i18n import Locale

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("lien.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def figure(key: str, value: Any, loc: Locale, unit: str | None = None, **about: Any) -> Markup:
    """A figure carrying its raw value, so a test can compare the report with the metrics.

    `key` is a metric key (its unit from the registry) or, with `unit`, the name of another
    measure; `about` adds data-* attributes saying which cell it is (cohort, period, term)."""
    raw = "" if value is None else repr(value)
    shown = loc.value(value, unit or BY_KEY[key].unit)
    extra = Markup("").join(
        Markup(' data-{}="{}"').format(name.replace("_", "-"), v) for name, v in about.items()
    )
    return Markup('<span class="figure" data-key="{}"{} data-value="{}">{}</span>').format(
        key, extra, raw, shown
    )


def _trend(key: str, data: ReportData, loc: Locale) -> Markup:
    latest, previous = data.latest, data.previous
    if not latest or not previous or latest[key] is None or previous[key] is None:
        return Markup("")
    points = round(100 * (latest[key] - previous[key]))
    period = loc.period(previous["period"])
    if points > 0:
        text = loc.ngettext(
            "{points} point better than in {previous}",
            "{points} points better than in {previous}",
            abs(points),
        )
    elif points < 0:
        text = loc.ngettext(
            "{points} point lower than in {previous}",
            "{points} points lower than in {previous}",
            abs(points),
        )
    else:
        text = loc.gettext("as in {previous}")
    return Markup(" — ") + escape(text.format(points=abs(points), previous=period))


def headlines(data: ReportData, loc: Locale) -> list[Markup]:
    p = data.latest
    if p is None:
        return []
    period = escape(loc.period(p["period"]))
    g = loc.gettext
    out = []
    if p["addressed"]:
        out.append(
            Markup(
                escape(
                    g(
                        "You answered {rate} of the messages addressed to you in {period}, in {hours} (median)."
                    )
                )
            ).format(
                rate=figure("response_rate", p["response_rate"], loc),
                period=period,
                hours=figure("ttfr_median_h", p["ttfr_median_h"], loc),
            )
            + _trend("response_rate", data, loc)
        )
    if p["questions"]:
        out.append(
            Markup(escape(g("{rate} of members' questions got an answer."))).format(
                rate=figure("question_response_rate", p["question_response_rate"], loc)
            )
            + _trend("question_response_rate", data, loc)
        )
    if p["horizontality"] is not None:
        out.append(
            Markup(
                escape(g("{rate} of exchanges were between members, without the account."))
            ).format(rate=figure("horizontality", p["horizontality"], loc))
            + _trend("horizontality", data, loc)
        )
    out.append(
        Markup(
            escape(g("{active} members wrote in {period}, {new} of them for the first time."))
        ).format(
            active=figure("active_members", p["active_members"], loc),
            new=figure("new_members", p["new_members"], loc),
            period=period,
        )
    )
    if p.get("positive_share") is not None:
        out.append(
            Markup(
                escape(
                    g("{positive} of members' messages were positive; {thanks} thanked someone.")
                )
            ).format(
                positive=figure("positive_share", p["positive_share"], loc),
                thanks=figure("gratitude_share", p["gratitude_share"], loc),
            )
            + _trend("positive_share", data, loc)
        )
    if p["retention"] is not None:
        out.append(
            Markup(escape(g("{rate} of the previous period's active members came back."))).format(
                rate=figure("retention", p["retention"], loc)
            )
            + _trend("retention", data, loc)
        )
    return out


def build_charts(data: ReportData, loc: Locale) -> dict[str, charts.Chart]:
    rows = data.document["periods"]
    lang = loc.lang
    title = lambda key: BY_KEY[key].title(loc.lang)  # noqa: E731
    out = {
        "listening": charts.lines(
            rows,
            {
                "response_rate": title("response_rate"),
                "question_response_rate": title("question_response_rate"),
            },
            "",
            True,
            loc.percent,
            lang,
        ),
        "ttfr": charts.lines(
            rows,
            {
                "ttfr_median_h": loc.gettext("Median, calendar time"),
                "ttfr_business_median_h": loc.gettext("Median, business hours"),
            },
            "h",
            False,
            loc.hours,
            lang,
        ),
        "conversing": charts.lines(
            rows,
            {
                "horizontality": title("horizontality"),
                "dialogue_rate": title("dialogue_rate"),
                "community_started_share": title("community_started_share"),
            },
            "",
            True,
            loc.percent,
            lang,
        ),
        "members": charts.lines(
            rows,
            {
                "active_members": title("active_members"),
                "new_members": title("new_members"),
                "returning_members": title("returning_members"),
            },
            "",
            False,
            loc.number,
            lang,
        ),
        "retention": charts.lines(
            rows, {"retention": title("retention")}, "", True, loc.percent, lang
        ),
        "cohorts": charts.cohort_grid(
            data.cohorts,
            loc.gettext("Periods after the first message"),
            loc.gettext("First message"),
            loc.percent,
            lang,
        ),
        "tone": charts.lines(
            rows,
            {key: title(key) for key in ("positive_share", "negative_share", "gratitude_share")},
            "",
            True,
            loc.percent,
            lang,
        ),
        "waiting": charts.bars(
            [loc.gettext(label) for label, _ in data.waiting_by_age],
            [count for _, count in data.waiting_by_age],
            "",
            lang,
        ),
    }
    return out


def render_html(data: ReportData) -> str:
    loc = Locale(data.lang)
    drawn = {
        name: (Markup(chart.svg()), chart.alt) for name, chart in build_charts(data, loc).items()
    }
    template = _environment().get_template("report.html.j2")
    return template.render(
        data=data,
        loc=loc,
        _=loc.gettext,
        csp=CSP,
        headlines=headlines(data, loc),
        charts=drawn,
        figure=lambda key, value, unit=None, **about: figure(key, value, loc, unit, **about),
        metric_title=lambda key: BY_KEY[key].title(loc.lang),
        unit=lambda key: BY_KEY[key].unit,
    )


def render_email(data: ReportData) -> str:
    """A light HTML body: inline styles, headline sentences, two small PNG charts."""
    loc = Locale(data.lang)
    built = build_charts(data, loc)
    images = {
        name: (
            "data:image/png;base64," + base64.b64encode(built[name].png(scale=1)).decode(),
            built[name].alt,
        )
        for name in ("listening", "conversing")
        if not built[name].empty
    }
    template = _environment().get_template("email.html.j2")
    return template.render(
        data=data, loc=loc, _=loc.gettext, headlines=headlines(data, loc), images=images
    )
