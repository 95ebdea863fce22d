"""LV-1 (Health and Safety ¶9): at least five paid sick days a year, available from the first day of
employment (not prorated), a day being the worker's regular workday (`regular_day_hours`).

Within each calendar year the lines are read in pay-period order: a line's `sick_hours_taken` are owed pay
up to what is left of the year's five days, and `sick_hours_paid` must cover that. One finding per worker,
dated by the first short line's pay date."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from projections.compliance import FarmView, Finding
from projections.education.rules import workers
from projections.leave.days import day_hours, in_year
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

SICK_DAYS = 5


def sick_findings(view: FarmView) -> list[Finding]:
    books = Books.of(view)
    rows = []
    for worker_id, w in workers(view):
        allowance = SICK_DAYS * day_hours(w)
        short: list[tuple[PayrollLine, Decimal]] = []
        by_year: dict[int, list[PayrollLine]] = defaultdict(list)
        for line in books.worker_lines(worker_id):
            if line.stub_date <= books.as_of:
                by_year[line.period_start.year].append(line)
        for year in sorted(by_year):
            left = allowance
            for line in in_year(by_year[year], worker_id, year):
                owed = min(line.sick_hours_taken, left)
                left -= owed
                if line.sick_hours_paid < owed:
                    short.append((line, owed))
        if short:
            first, owed = min(short, key=lambda s: (s[0].stub_date, s[0].event_id))
            detail = {"pay_date": first.stub_date.isoformat(), "sick_hours_taken": str(first.sick_hours_taken),
                      "sick_hours_paid": str(first.sick_hours_paid), "owed_hours": str(owed), "lines": len(short)}
            rows.append(Finding("LV-1", books.farm_id, worker_id, first.stub_date, detail,
                                tuple(s[0].event_id for s in short)))
    return rows


FINDINGS = [sick_findings]
