"""The business calendar of SPEC §3: Monday–Friday except US federal holidays as observed (`holidays`).

"Within N days of X" ends at the end of day X+N in the farm's time zone; the farm's dates are computed by
`local_date`. Everything here is pure: the holiday table is data, not I/O.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from events.types import DEFAULT_TZ


@lru_cache(maxsize=256)
def _federal(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("US", years=year, observed=True))


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _federal(day.year)


def add_business_days(start: date, n: int) -> date:
    """The n-th business day after `start` (n >= 1); `start` itself does not count."""
    day = start
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def roll_forward(day: date) -> date:
    """A window ending on a weekend or federal holiday extends to the next business day (AP-1)."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def add_days(start: date, n: int) -> date:
    return start + timedelta(days=n)


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if name else DEFAULT_TZ


def local_date(moment: datetime, tz: str | None = None) -> date:
    """The calendar date of a moment in the farm's time zone."""
    return moment.astimezone(zone(tz)).date()


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def add_years(day: date, years: int) -> date:
    """Same date `years` later; 29 Feb becomes 28 Feb in a common year."""
    return add_months(day, 12 * years)


@lru_cache(maxsize=4096)  # pure and asked for once per line and month by the pay rules
def month_bounds(period: str) -> tuple[date, date]:
    """First and last day of a YYYY-MM month."""
    first = date(int(period[:4]), int(period[5:7]), 1)
    return first, add_months(first, 1) - timedelta(days=1)


def next_period(period: str) -> str:
    nxt = add_months(date(int(period[:4]), int(period[5:7]), 1), 1)
    return f"{nxt.year:04d}-{nxt.month:02d}"
