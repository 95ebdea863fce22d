"""PT-11 (Part 3 wages ¶9, App. A 8): hours worked on a Paid Holiday (Thanksgiving, December 24 and 25)
are paid at no less than 1.5 times the regular hourly wage.

The Paid Holidays are the days themselves: December 25 on a Sunday is still the holiday, and the federal
Monday it is observed on is not (docs/decisions.md). A line's `holiday_hours` are judged only when its pay
period contains a Paid Holiday; `holiday_hourly` missing means they were paid at the regular wage. One row
per worker, dated by the first short line's pay date.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

PREMIUM = Decimal("1.5")
THURSDAY = 3


@lru_cache(maxsize=64)
def paid_holidays(year: int) -> tuple[date, ...]:
    """Thanksgiving (the fourth Thursday of November), December 24 and December 25."""
    first = date(year, 11, 1)
    thanksgiving = first + timedelta(days=(THURSDAY - first.weekday()) % 7 + 21)
    return thanksgiving, date(year, 12, 24), date(year, 12, 25)


def holidays_in(line: PayrollLine) -> list[date]:
    years = range(line.period_start.year, line.period_end.year + 1)
    return [d for y in years for d in paid_holidays(y) if line.period_start <= d <= line.period_end]


def short(line: PayrollLine) -> bool:
    if line.holiday_hours <= 0 or not holidays_in(line):
        return False
    paid = line.holiday_hourly if line.holiday_hourly is not None else line.hourly_wage
    return paid < PREMIUM * line.hourly_wage


def holiday_findings(view: FarmView) -> list[Finding]:
    def detail(first: PayrollLine, n: int) -> dict[str, Any]:
        paid = first.holiday_hourly if first.holiday_hourly is not None else first.hourly_wage
        return {"holidays": [d.isoformat() for d in holidays_in(first)], "holiday_hours": str(first.holiday_hours),
                "holiday_hourly": str(paid),
                "required": str((PREMIUM * first.hourly_wage).quantize(Decimal("0.01"))), "lines": n}

    return Books.of(view).line_findings("PT-11", short, detail)
