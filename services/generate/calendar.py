"""The generator's months: semi-monthly pay periods (1–15, 16–end) and their pay dates."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from projections.calendar import add_months, roll_forward
from services.generate.emit import month_key

PAY_LAG = 5  # days from the end of a pay period to its scheduled pay date (then the next business day)


@dataclass(frozen=True, slots=True)
class Half:
    """One semi-monthly pay period; the ISO strings are made once and shared by every line of it."""

    start: date
    end: date
    scheduled: date
    start_s: str
    end_s: str
    scheduled_s: str

    @classmethod
    def of(cls, start: date, end: date) -> Half:
        scheduled = roll_forward(end + timedelta(days=PAY_LAG))
        return cls(start, end, scheduled, start.isoformat(), end.isoformat(), scheduled.isoformat())


@dataclass(frozen=True, slots=True)
class Month:
    key: int
    period: str
    first: date
    last: date
    days: int
    halves: tuple[Half, Half]

    @classmethod
    def of(cls, first: date) -> Month:
        last = add_months(first, 1) - timedelta(days=1)
        mid = first.replace(day=15)
        halves = (Half.of(first, mid), Half.of(mid + timedelta(days=1), last))
        return cls(month_key(first), f"{first.year:04d}-{first.month:02d}", first, last, last.day, halves)

    def previous_period(self) -> str:
        prev = add_months(self.first, -1)
        return f"{prev.year:04d}-{prev.month:02d}"

    def day(self, rng: random.Random, low: int = 1, high: int | None = None) -> date:
        """A random day of the month between `low` and `high` (inclusive, clamped to the month)."""
        return self.first.replace(day=rng.randint(low, min(high or self.days, self.days)))


def parse_month(text: str) -> date:
    """'2025-01' -> date(2025, 1, 1)."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)
