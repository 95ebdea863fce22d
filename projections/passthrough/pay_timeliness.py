"""PT-8 (Part 3 wages ¶5): wages are unpaid if not paid within one business day of the scheduled pay date,
and are paid at least twice a month.

Deadline: one row per payroll line in force, due the business day after its scheduled pay date.
Finding: a worker whose pay period is longer than half a month (16 days, the longest semi-monthly period)
is paid less than twice a month; one row per worker, dated by the first such line's pay date.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from projections.calendar import add_business_days
from projections.compliance import FarmView, Finding, Obligation
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

GRACE_BUSINESS_DAYS = 1
LONGEST_PERIOD_DAYS = 16


def pay_deadlines(view: FarmView) -> list[Obligation]:
    books = Books.of(view)
    due: dict[date, date] = {}  # a farm's workers share their pay dates: each one's business day once
    rows = []
    for line in books.lines:
        if line.period_start <= books.as_of:
            day = line.scheduled_pay_date
            if day not in due:
                due[day] = add_business_days(day, GRACE_BUSINESS_DAYS)
            rows.append(Obligation("PT-8", books.farm_id, line.worker_id, due[day], line.paid_on, (line.event_id,)))
    return rows


def pay_frequency_findings(view: FarmView) -> list[Finding]:
    books = Books.of(view)
    long_periods: dict[str, list[PayrollLine]] = defaultdict(list)
    for line in books.lines:
        if line.days > LONGEST_PERIOD_DAYS and line.hours > 0 and line.scheduled_pay_date <= books.as_of:
            long_periods[line.worker_id].append(line)
    rows = []
    for worker, lines in sorted(long_periods.items()):
        lines.sort(key=lambda x: (x.scheduled_pay_date, x.event_id))
        first = lines[0]
        detail = {"period_start": first.period_start.isoformat(), "period_end": first.period_end.isoformat(),
                  "days": first.days, "lines": len(lines), "problem": "paid less than twice a month"}
        rows.append(Finding("PT-8", books.farm_id, worker, first.scheduled_pay_date, detail,
                            tuple(x.event_id for x in lines)))
    return rows
