"""What the leave rules share: a worker's regular day, the lines of a calendar year, employment in it.

A line belongs to the year its pay period starts in (docs/decisions.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from projections.calendar import add_months
from projections.passthrough.payroll import PayrollLine

DEFAULT_DAY_HOURS = Decimal(8)


def day_hours(worker: Mapping[str, Any] | None) -> Decimal:
    return Decimal(str((worker or {}).get("regular_day_hours") or DEFAULT_DAY_HOURS))


def in_year(lines: Iterable[PayrollLine], worker_id: str, year: int) -> list[PayrollLine]:
    return sorted((x for x in lines if x.worker_id == worker_id and x.period_start.year == year),
                  key=lambda x: (x.period_start, x.event_id))


def whole_months(worker: Mapping[str, Any], year: int, enrolled_on: date | None = None) -> int:
    """Whole months employed in the year under the Code: counted from the latest of hire, Jan 1 and the
    farm's enrolment."""
    hired = date.fromisoformat(worker["hired_on"])
    start = max(hired, date(year, 1, 1), enrolled_on or date.min)
    left = worker.get("separated_on")
    end = min(date.fromisoformat(left), date(year, 12, 31)) if left else date(year, 12, 31)
    months = 0
    while add_months(start, months + 1) <= end + timedelta(days=1):
        months += 1
    return months
