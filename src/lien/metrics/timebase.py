"""Periods in the workspace time zone, computed without the engine's time-zone support.

Both Ibis backends pin their session to UTC and differ in how they convert zones, so the
conversion is done here: the zone's UTC offsets over the data's range become a CASE
expression (a handful of DST transitions per year), added to the UTC timestamps. Months and
ISO weeks are then truncated on local wall-clock time, identically on DuckDB and Spark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

PeriodKind = Literal["month", "week"]


def _offset(zone: ZoneInfo, utc: datetime) -> int:
    delta = utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta else 0


@lru_cache(maxsize=32)
def offset_segments(
    timezone: str, first_year: int, last_year: int
) -> tuple[tuple[datetime, int], ...]:
    """(naive UTC start, offset seconds) of each constant-offset stretch of the years given."""
    zone = ZoneInfo(timezone)
    moment = datetime(first_year, 1, 1)
    end = datetime(last_year + 1, 1, 1)
    segments = [(moment, _offset(zone, moment))]
    step = timedelta(hours=6)
    while moment < end:
        later = moment + step
        if _offset(zone, later) != segments[-1][1]:
            low, high = moment, later  # the change happens in (low, high]: find the second
            while (high - low) > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == segments[-1][1]:
                    low = middle
                else:
                    high = middle
            high = high.replace(microsecond=0)
            segments.append((high, _offset(zone, high)))
        moment = later
    return tuple(segments)


def local_time(
    utc: ir.TimestampValue, timezone: str, first_year: int, last_year: int
) -> ir.TimestampValue:
    """Wall-clock time in `timezone` of naive UTC timestamps (years outside the range clamp)."""
    segments = offset_segments(timezone, first_year, last_year)
    if len(segments) == 1:
        offset: ir.IntegerValue = ibis.literal(segments[0][1])
    else:
        branches = [(utc >= ibis.literal(start), off) for start, off in reversed(segments[1:])]
        offset = ibis.cases(*branches, else_=segments[0][1])
    return utc + offset.as_interval("s")


def period_start(local: ir.TimestampValue, kind: PeriodKind) -> ir.TimestampValue:
    return local.truncate("M" if kind == "month" else "W")


def label(start: date, kind: PeriodKind) -> str:
    if kind == "month":
        return f"{start.year:04d}-{start.month:02d}"
    year, week, _ = start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def first_day(day: date, kind: PeriodKind) -> date:
    if kind == "month":
        return day.replace(day=1)
    return day - timedelta(days=day.weekday())


def next_start(start: date, kind: PeriodKind) -> date:
    if kind == "month":
        return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start + timedelta(days=7)


def previous_start(start: date, kind: PeriodKind) -> date:
    if kind == "month":
        return date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    return start - timedelta(days=7)


def periods(since: date, until: date, kind: PeriodKind) -> list[date]:
    """Starts of every period from the one holding `since` to the one holding `until - 1 day`."""
    out = []
    current = first_day(since, kind)
    while current < until:
        out.append(current)
        current = next_start(current, kind)
    return out


def to_utc(day: date, timezone: str) -> datetime:
    """Naive UTC instant of local midnight starting `day`."""
    local = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone))
    return local.astimezone(UTC).replace(tzinfo=None)


def to_local_date(utc: datetime, timezone: str) -> date:
    return utc.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True)
class Window:
    """[since, until) in local days, with its UTC bounds."""

    since: date
    until: date
    since_utc: datetime
    until_utc: datetime
