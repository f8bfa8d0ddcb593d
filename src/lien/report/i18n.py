"""Report strings from gettext catalogues (Babel), numbers and dates per locale.

Catalogues are the `.po` files under lien/locale, compiled in memory when first used, so a
plain `pip install` (or a checkout) needs no build step. English is the source language.
"""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    po = resources.files("lien").joinpath("locale", lang, "LC_MESSAGES", "lien.po")
    if not po.is_file():
        return gettext.NullTranslations()
    catalog = read_po(io.StringIO(po.read_text(encoding="utf-8")), locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Locale:
    lang: str

    @property
    def babel(self) -> str:
        return LOCALES.get(self.lang, "en_GB")

    def gettext(self, message: str) -> str:
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations(self.lang).ngettext(singular, plural, n)

    def plural(self, singular: str, plural: str, shown: float) -> str:
        """The form of a message for a number as shown (CLDR rules: '1,5 point' in French,
        '1.5 pts' in English)."""
        number = int(shown) if float(shown).is_integer() else Decimal(str(shown))
        one = BabelLocale.parse(self.babel).plural_form(number) == "one"
        return self.ngettext(singular, plural, 1 if one else 2)

    def percent(self, value: float | None) -> str:
        return "—" if value is None else format_percent(value, locale=self.babel)

    def number(self, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, int):
            return format_decimal(value, locale=self.babel)
        return format_decimal(value, format="#,##0.0", locale=self.babel)

    def hours(self, value: float | None) -> str:
        if value is None:
            return "—"
        if value < 1:
            return f"{round(value * 60)} min"
        fmt = "#,##0" if value >= 10 else "#,##0.#"
        return f"{format_decimal(value, format=fmt, locale=self.babel)} h"

    def value(self, value: Any, unit: str) -> str:
        if unit == "rate":
            return self.percent(value)
        if unit == "hours":
            return self.hours(value)
        return self.number(value)

    def change(self, value: float | None, unit: str) -> str:
        """A signed difference: percentage points for rates ('−3 pts' / '−3,2 points'),
        hours (or minutes) for durations, a plain number otherwise; '—' when undefined."""
        if value is None or value != value:  # None or NaN
            return "—"
        sign = "+" if value > 0 else "−" if value < 0 else ""
        size = abs(value)
        if unit == "rate":
            points = 100 * size
            number = format_decimal(points, format="#,##0.#", locale=self.babel)
            if number == "0":
                sign = ""
            text = self.plural("{points} pt", "{points} pts", round(points, 1))
            return sign + text.format(points=number).replace(" ", "\u00a0")  # kept together
        if unit == "hours":
            return sign + self.hours(size).replace(" ", "\u00a0")
        number = format_decimal(size, format="#,##0.##", locale=self.babel)
        return ("" if number == "0" else sign) + number

    def day(self, iso: str | None, before: bool = False) -> str:
        """'2021-03-05' → '5 mars 2021' / '5 March 2021'; `before`: the day before (the last
        day of a window whose end is exclusive)."""
        if not iso:
            return "—"
        day = date.fromisoformat(iso) - timedelta(days=1 if before else 0)
        return format_date(day, format="long", locale=self.babel)

    def language(self, code: str | None) -> str:
        """'fr' → 'français' / 'French'; an unknown code is shown as it is."""
        if not code:
            return self.gettext("unknown")
        try:
            name = BabelLocale.parse(code).get_display_name(self.babel)
        except (ValueError, UnknownLocaleError):
            return code
        return name or code

    def period(self, label: str) -> str:
        """'2020-03' → 'mars 2020' / 'March 2020'; weeks stay as ISO labels."""
        if "-W" in label:
            return label
        return format_skeleton("yMMMM", date.fromisoformat(label + "-01"), locale=self.babel)
