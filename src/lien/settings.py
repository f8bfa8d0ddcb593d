"""Workspace settings, declared once with their metadata; the CLI and the docs read this list."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import LienError


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise LienError(
            f"unknown time zone {value!r}: use an IANA name such as Europe/Paris or America/Montreal"
        ) from None
    return value


def _lang(value: str) -> str:
    if value not in ("fr", "en"):
        raise LienError(f"report language {value!r} is not supported: use fr or en")
    return value


_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _business_hours(value: str) -> str:
    m = _HOURS.match(value.strip())
    if not m or value.strip()[:5] >= value.strip()[6:]:
        raise LienError(f"business hours {value!r} must look like 09:00-18:00 (start before end)")
    return value.strip()


def _business_days(value: str) -> str:
    days = [d.strip().lower() for d in value.split(",") if d.strip()]
    if len(days) == 1 and "-" in days[0]:
        start, _, end = days[0].partition("-")
        if start in _DAYS and end in _DAYS and _DAYS.index(start) <= _DAYS.index(end):
            return ",".join(_DAYS[_DAYS.index(start) : _DAYS.index(end) + 1])
    if not days or any(d not in _DAYS for d in days):
        raise LienError(f"business days {value!r} must be like mon-fri or mon,tue,sat")
    return ",".join(sorted(set(days), key=_DAYS.index))


def _word_list(value: str) -> str:
    return ",".join(w.strip() for w in value.split(",") if w.strip())


def _months(value: str) -> str:
    if value.strip() == "":
        return ""
    if not value.strip().isdigit() or int(value) < 1:
        raise LienError(f"retention {value!r} must be a whole number of months (or empty for none)")
    return str(int(value))


@dataclass(frozen=True, slots=True)
class Setting:
    key: str
    title: str
    description: str
    default: Callable[[], str] | None
    parse: Callable[[str], str]
    secret: bool = False


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "timezone",
        "Time zone",
        "IANA time zone in which periods (months, weeks) and naive times are read.",
        lambda: "Europe/Paris",
        _timezone,
    ),
    Setting("lang", "Report language", "fr or en.", lambda: "fr", _lang),
    Setting(
        "business_hours",
        "Business hours",
        "Opening hours of the team (e.g. 09:00-18:00); when set, time to first response is "
        "also reported in business time.",
        None,
        _business_hours,
    ),
    Setting(
        "business_days",
        "Business days",
        "Days the team works (e.g. mon-fri).",
        lambda: "mon,tue,wed,thu,fri",
        _business_days,
    ),
    Setting(
        "bot_handles",
        "Bot handles",
        "Comma-separated author handles or ids treated as bots and left out of people metrics.",
        None,
        _word_list,
    ),
    Setting(
        "question_words",
        "Extra question words",
        "Comma-separated words that, as a message's first word, make it a question (added to "
        "the built-in French and English lists).",
        None,
        _word_list,
    ),
    Setting(
        "tone_model",
        "Tone model",
        "Optional: a sentiment model (id or local folder) scored with transformers instead of "
        "lien's word lists (pip install 'lien[models]'; docs/tone.md). Empty: the word lists.",
        None,
        lambda v: v.strip(),
    ),
    Setting(
        "retention_months",
        "Retention (months)",
        "When set, `lien retention apply` deletes messages older than this many months.",
        None,
        _months,
    ),
    Setting(
        "pseudonym_key",
        "Pseudonym key",
        "Secret key of the stable pseudonyms shown in shared outputs. Changing it changes every "
        "pseudonym.",
        lambda: secrets.token_hex(32),
        lambda v: v,
        secret=True,
    ),
)
BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def parse(key: str, value: str) -> str:
    setting = BY_KEY.get(key)
    if setting is None:
        raise LienError(f"unknown setting {key!r}; known settings: {', '.join(BY_KEY)}")
    return setting.parse(value)
