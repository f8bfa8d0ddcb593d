"""The first screen: four to six headline figures as plain sentences, each with its trend
against the previous period with activity.

Trends are written in the unit a reader expects: points for rates ("11 points better than in
February"), hours or minutes for durations ("36 min faster"), a percentage for counts ("12 %
more than in February", the count itself when the previous period had none). Each trend is a
`<span class="trend">` carrying the change it states (`data-change`, in the metric's unit:
a rate's difference as a fraction, hours, a count) and the two periods it compares, so a test
can check it against the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .gather import ReportData
from .i18n import Locale


@dataclass
class Headline:
    sentence: Markup
    trend: Markup | None = None  # None: no previous period to compare with


def figure(key: str, value: Any, loc: Locale, unit: str | None = None, **about: Any) -> Markup:
    """A figure carrying its raw value, so a test can compare the report with the metrics.

    `key` is a metric key (its unit from the registry) or, with `unit`, the name of another
    measure; `about` adds data-* attributes saying which cell it is (period, cohort, term)."""
    from ..metrics.registry import BY_KEY

    raw = "" if value is None else repr(value)
    shown = loc.value(value, unit or BY_KEY[key].unit)
    extra = Markup("").join(
        Markup(' data-{}="{}"').format(name.replace("_", "-"), v) for name, v in about.items()
    )
    return Markup('<span class="figure" data-key="{}"{} data-value="{}">{}</span>').format(
        key, extra, raw, shown
    )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


class Trends:
    """The trends of the latest period against the previous one, in the report's language."""

    def __init__(self, latest: dict[str, Any], previous: dict[str, Any], loc: Locale):
        self.latest, self.previous, self.loc = latest, previous, loc
        self.when = loc.period(previous["period"])

    def _values(self, key: str) -> tuple[Any, Any]:
        return self.latest[key], self.previous[key]

    def missing(self) -> str:
        return self.loc.gettext("no comparable figure in {previous}").format(previous=self.when)

    def rate(self, key: str) -> str | None:
        """Points: '11 points better than in February'."""
        now, before = self._values(key)
        if now is None or before is None:
            return None
        points = round(100 * (now - before))
        if points > 0:
            text = self.loc.ngettext(
                "{points} point better than in {previous}",
                "{points} points better than in {previous}",
                points,
            )
        elif points < 0:
            text = self.loc.ngettext(
                "{points} point lower than in {previous}",
                "{points} points lower than in {previous}",
                -points,
            )
        else:
            text = self.loc.gettext("about the same as in {previous}")
        return text.format(points=abs(points), previous=self.when)

    def hours(self, key: str, short: bool = False) -> str | None:
        """Hours (minutes under one): '36 min faster than in February'; `short` leaves the
        period out (it follows a rate's trend that names it)."""
        now, before = self._values(key)
        if now is None or before is None:
            return None
        g = self.loc.gettext
        if self.loc.hours(now) == self.loc.hours(before):
            text = g("about as fast") if short else g("about as fast as in {previous}")
        elif now < before:
            text = g("{delta} faster") if short else g("{delta} faster than in {previous}")
        else:
            text = g("{delta} slower") if short else g("{delta} slower than in {previous}")
        return text.format(delta=self.loc.hours(abs(now - before)), previous=self.when)

    def count(self, key: str) -> str | None:
        """A percentage of the previous count ('12 % more than in February'), or the
        difference itself when the previous count is 0 or the percentage rounds to 0."""
        now, before = self._values(key)
        if now is None or before is None:
            return None
        if now == before:
            return self.loc.gettext("as many as in {previous}").format(previous=self.when)
        change = self.loc.number(abs(now - before))
        if before:
            share = self.loc.percent(abs(now - before) / before)
            if share != self.loc.percent(0):
                change = share
        text = (
            self.loc.gettext("{change} more than in {previous}")
            if now > before
            else self.loc.gettext("{change} fewer than in {previous}")
        )
        return text.format(change=change, previous=self.when)

    def span(self, keys: tuple[str, ...], parts: list[str | None]) -> Markup:
        """The trend of a headline: its parts (None where a figure is missing) joined."""
        said = [p for p in parts if p]
        text = ", ".join(said) if said else self.missing()
        changes = ";".join(
            ""
            if self.latest[k] is None or self.previous[k] is None
            else repr(self.latest[k] - self.previous[k])
            for k in keys
        )
        return Markup(
            '<span class="trend" data-trend="{}" data-period="{}" data-previous="{}" '
            'data-change="{}">{}</span>'
        ).format(
            " ".join(keys),
            self.latest["period"],
            self.previous["period"],
            changes,
            escape(_capital(text)),
        )


def headlines(data: ReportData, loc: Locale) -> list[Headline]:
    p = data.latest
    if p is None:
        return []
    period = escape(loc.period(p["period"]))
    g = loc.gettext
    trends = Trends(p, data.previous, loc) if data.previous is not None else None

    def fig(key: str) -> Markup:
        return figure(key, p[key], loc, period=p["period"])

    def line(sentence: str, trend: tuple[tuple[str, ...], list[str | None]], **values: Any):
        text = Markup(escape(sentence)).format(**values)
        return Headline(text, trends.span(*trend) if trends else None)

    def rate(key: str) -> str | None:
        return trends.rate(key) if trends else None

    def count(key: str) -> str | None:
        return trends.count(key) if trends else None

    out = []
    if p["addressed"]:
        response = rate("response_rate")
        if p["ttfr_median_h"] is not None:
            # The time's trend names the previous period only when the rate's does not.
            time = trends.hours("ttfr_median_h", short=response is not None) if trends else None
            out.append(
                line(
                    g(
                        "You answered {rate} of the messages addressed to you in {period}, "
                        "in {hours} (median)."
                    ),
                    (("response_rate", "ttfr_median_h"), [response, time]),
                    rate=fig("response_rate"),
                    period=period,
                    hours=fig("ttfr_median_h"),
                )
            )
        else:
            out.append(
                line(
                    g("You answered {rate} of the messages addressed to you in {period}."),
                    (("response_rate",), [response]),
                    rate=fig("response_rate"),
                    period=period,
                )
            )
    if p["questions"]:
        out.append(
            line(
                g("{rate} of members' questions got an answer."),
                (("question_response_rate",), [rate("question_response_rate")]),
                rate=fig("question_response_rate"),
            )
        )
    if p["horizontality"] is not None:
        out.append(
            line(
                g("{rate} of exchanges were between members, without the account."),
                (("horizontality",), [rate("horizontality")]),
                rate=fig("horizontality"),
            )
        )
    out.append(
        line(
            g("{active} members wrote in {period}, {new} of them for the first time."),
            (("active_members",), [count("active_members")]),
            active=fig("active_members"),
            new=fig("new_members"),
            period=period,
        )
    )
    if p.get("positive_share") is not None:
        out.append(
            line(
                g("{positive} of members' messages were positive; {thanks} thanked someone."),
                (("positive_share",), [rate("positive_share")]),
                positive=fig("positive_share"),
                thanks=fig("gratitude_share"),
            )
        )
    if p["retention"] is not None:
        out.append(
            line(
                g("{rate} of the previous period's active members came back."),
                (("retention",), [rate("retention")]),
                rate=fig("retention"),
            )
        )
    return out
