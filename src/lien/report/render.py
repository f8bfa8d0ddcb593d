"""Lay out the gathered data with the Jinja2 templates (autoescaped: platform text is inert)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from ..metrics.registry import BY_KEY
from . import charts
from .gaps import describe
from .gather import ReportData
from .headlines import figure, headlines
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


WEB_SCHEMES = ("http", "https")
LINK_TEXT = 48  # characters of a link shown in the inbox; the whole of it is in its title


def css_string(text: str) -> Markup:
    """A quoted CSS string, every character but letters and digits escaped: safe inside a
    <style> element whatever the text (a catalogue's label)."""
    return Markup('"{}"').format(
        Markup("".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):x} " for c in text))
    )


def web_link(url: Any) -> str | None:
    """The URL when it is a plain web address (http or https, with a host): only those become
    links. Anything else (javascript:, data:, a relative path, one hiding spaces or control
    characters the browser would drop) stays text."""
    if not isinstance(url, str) or not url or url != url.strip():
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None


def link_text(url: str) -> Markup:
    """A web address as the inbox shows it: without its scheme and "www.", shortened, with
    a line-break opportunity after each slash (a long address wraps at its slashes)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    shown = host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    if len(shown) > LINK_TEXT:
        shown = shown[: LINK_TEXT - 1] + "…"
    return Markup("/<wbr>").join(escape(piece) for piece in shown.split("/"))


def compare_rows(document: dict[str, Any], loc: Locale) -> list[dict[str, Any]]:
    """The comparison's rates as the report shows them: A and B in the metric's unit, the
    difference and its interval as changes (points for rates, hours for durations), and why
    an interval is missing. Read defensively: an interval may be null, with or without a
    reason, and the document may carry keys the report does not know."""
    reasons = {
        "too_few_threads": loc.gettext("too few threads"),
        "not_a_sum_over_threads": loc.gettext("not a sum over threads"),
    }
    rows = []
    for r in document.get("rates") or []:
        key = r.get("key") or ""
        metric = BY_KEY.get(key)
        unit = metric.unit if metric else "ratio"
        interval = r.get("ci95")
        if isinstance(interval, list | tuple) and len(interval) == 2 and None not in interval:
            shown = loc.change(interval[0], unit) + " … " + loc.change(interval[1], unit)
            why = None
        else:
            why = r.get("reason")
            shown = reasons.get(why or "", "—")
        rows.append(
            {
                "title": metric.title(loc.lang) if metric else key,
                "a": loc.value(r.get("a"), unit),
                "b": loc.value(r.get("b"), unit),
                "difference": loc.change(r.get("difference"), unit),
                "interval": shown,
                "reason": why if why in reasons else None,
                "flagged": bool(r.get("flagged")) and why is None,
            }
        )
    return rows


def network_text(data: ReportData, loc: Locale) -> tuple[list[str], list[str]]:
    """The network picture's legend (one line per colour) and its text alternative: how many
    people and ties, the communities drawn and their sizes, each account's place."""
    picture, block = data.network, data.document["network"]
    if picture is None:
        return [], []
    g = loc.gettext
    words = {
        "blue": g("blue"),
        "orange": g("orange"),
        "green": g("green"),
        "pink": g("pink"),
        "sky blue": g("sky blue"),
        "grey": g("grey"),
    }
    legend, groups = [], []
    for c in picture.communities:
        if c.colour_name == "grey":
            text = loc.ngettext(
                "{shown} member of smaller communities, or tied to the account only",
                "{shown} members of smaller communities, or tied to the account only",
                c.shown,
            )
        else:
            text = loc.ngettext(
                "{shown} member drawn, of a community of {size}",
                "{shown} members drawn, of a community of {size}",
                c.shown,
            )
        said = text.format(shown=loc.number(c.shown), size=loc.number(c.size))
        legend.append(said)
        groups.append(g("{label}:").format(label=words[c.colour_name]) + " " + said)
    out = [
        g(
            "The picture draws {shown} of the {people} members active in the window (the most "
            "connected) and the account; {ties} ties link the people of the window in all."
        ).format(
            shown=loc.number(picture.members_shown),
            people=loc.number(block.get("people") if block.get("people") is not None else 0),
            ties=loc.number(block.get("ties") if block.get("ties") is not None else 0),
        )
    ]
    out += groups
    coloured = sum(1 for c in picture.communities if c.colour_name != "grey")
    for a in picture.accounts:
        out.append(
            g(
                "{account} has ties with {ties} people ({shown} of them drawn), in {communities} "
                "of the {coloured} coloured communities."
            ).format(
                account=a.label,
                ties=loc.number(a.ties),
                shown=loc.number(a.ties_shown),
                communities=loc.number(a.communities),
                coloured=loc.number(coloured),
            )
        )
    if block.get("account_tie_share") is not None:
        out.append(
            g("{share} of all ties include the account.").format(
                share=loc.percent(block["account_tie_share"])
            )
        )
    return legend, out


def render_html(data: ReportData) -> str:
    loc = Locale(data.lang)
    drawn = {
        name: (Markup(chart.svg()), chart.alt) for name, chart in build_charts(data, loc).items()
    }
    legend, description = network_text(data, loc)
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
        gaps=describe(data.gaps, loc) if data.gaps else [],
        compared=compare_rows(data.compare, loc) if data.compare else [],
        web_link=web_link,
        link_text=link_text,
        label=lambda text: loc.gettext("{label}:").format(label=text),
        css_string=css_string,
        legend=legend,
        network_description=description,
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
