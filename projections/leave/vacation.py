"""LV-2 (Schedules ¶4): five paid vacation days a year, prorated by whole months employed in the year and
rounded down to a quarter day; the days not taken are paid out, at the regular day and the worker's hourly
wage, by Jan 31 for the year before, or with the final pay on separation. Subject `WORKER/YYYY`.

Owed = days left × `regular_day_hours` × the hourly wage of the worker's last line of the year. A
`vacation_payout` on a line paid in January counts for the year before; any other counts for the year it is
paid in. The obligation stands once the year is over (or the worker has left) and something is owed; it is
met on the pay date when the payouts reach what is owed (docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from events.types import CENT
from projections.compliance import FarmView, Obligation
from projections.education.rules import workers
from projections.leave.days import day_hours, in_year, whole_months
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

VACATION_DAYS = Decimal(5)
QUARTER = Decimal("0.25")


def entitled_days(months: int) -> Decimal:
    raw = VACATION_DAYS * months / 12
    return (raw / QUARTER).to_integral_value(rounding=ROUND_FLOOR) * QUARTER


def payout_year(line: PayrollLine) -> int:
    return line.stub_date.year - 1 if line.stub_date.month == 1 else line.stub_date.year


def vacation_payouts(view: FarmView) -> list[Obligation]:
    books = Books.of(view)
    rows = []
    for worker_id, w in workers(view):
        hired = date.fromisoformat(w["hired_on"])
        left = date.fromisoformat(w["separated_on"]) if w.get("separated_on") else None
        last_year = min(books.as_of.year - 1 if left is None or left > books.as_of else left.year, books.as_of.year)
        for year in range(hired.year, last_year + 1):
            row = _year(books, worker_id, w, year, left)
            if row is not None:
                rows.append(row)
    return rows


def _year(books: Books, worker_id: str, w: Mapping[str, Any], year: int, left: date | None) -> Obligation | None:
    mine = books.worker_lines(worker_id)
    lines = in_year(mine, worker_id, year)
    if not lines:
        return None
    hours = day_hours(w)
    taken = sum((x.vacation_hours_taken for x in lines), Decimal(0)) / hours
    days_left = max(entitled_days(whole_months(w, year, books.enrolled_on)) - taken, Decimal(0))
    owed = (days_left * hours * lines[-1].hourly_wage).quantize(CENT)
    if owed <= 0:
        return None
    separated = left is not None and left.year == year
    due = (max((x.scheduled_pay_date for x in lines), default=left) if separated and left else date(year + 1, 1, 31))
    paid, met_on, causes = Decimal(0), None, [x.event_id for x in lines]
    payouts = sorted((x for x in mine if x.vacation_payout > 0
                      and payout_year(x) == year and x.stub_date <= books.as_of),
                     key=lambda x: (x.stub_date, x.event_id))
    for x in payouts:
        paid += x.vacation_payout
        causes.append(x.event_id)
        if paid >= owed:
            met_on = x.stub_date
            break
    return Obligation("LV-2", books.farm_id, f"{worker_id}/{year}", due, met_on, tuple(dict.fromkeys(causes)))


DEADLINES = [vacation_payouts]
