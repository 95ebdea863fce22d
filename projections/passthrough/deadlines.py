"""Premium deadlines: PT-1 pass-through begins, PT-2 monthly bonus lines, PT-6 the monthly premium report."""

from __future__ import annotations

from datetime import date, timedelta

from projections.calendar import add_days, month_bounds, next_period
from projections.compliance import FarmView, Obligation
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine
from projections.passthrough.remittances import premium_months

FIRST_PASS_THROUGH_DAYS = 15
REPORT_DAY = 15


def _first_paid(lines: list[PayrollLine]) -> PayrollLine | None:
    paid = [line for line in lines if line.paid_on is not None]
    return min(paid, key=lambda x: (x.paid_on or date.max, x.event_id)) if paid else None


def _met(line: PayrollLine | None) -> tuple[date | None, tuple[str, ...]]:
    return (line.paid_on, (line.event_id,)) if line is not None else (None, ())


def first_pass_through(view: FarmView) -> list[Obligation]:
    """PT-1 (App. B II.1): the first bonus line is paid within 15 days of the farm's first premium payment.
    The pass-through is owed to bonus-eligible workers only: a premium month whose payroll shows none is
    passed over, and the clock starts at the first remittance of the first month that has one (a month
    with no payroll on record yet counts: nothing shows it has none). Raises RateMissing like PT-2."""
    books = Books.of(view)
    first = next((books.received_in(period, books.as_of)[0]
                  for period in premium_months(books.remittances, books.as_of) if _owed(books, period)), None)
    if first is None:
        return []
    met_on, met_by = _met(_first_paid([line for line in books.lines if line.md_bonus > 0]))
    return [Obligation("PT-1", books.farm_id, books.farm_id, add_days(first.received_on, FIRST_PASS_THROUGH_DAYS),
                       met_on, (first.event_id, *met_by))]


def _owed(books: Books, period: str) -> bool:
    months = books.month_workers(period)
    return not months or any(m.eligible for m in months)


def monthly_bonus_lines(view: FarmView) -> list[Obligation]:
    """PT-2 (Part 3 premium ¶3): every eligible worker of a premium month gets a bonus line for that month,
    paid by the end of the following month. Raises RateMissing without a livable wage for the month."""
    books = Books.of(view)
    rows: list[Obligation] = []
    for period in premium_months(books.remittances, books.as_of):
        due = month_bounds(next_period(period))[1]
        premium = tuple(r.event_id for r in books.received_in(period))
        bonus = books.bonus_lines(period)
        for month in books.month_workers(period):
            if not month.eligible:
                continue
            met_on, met_by = _met(_first_paid([line for line in bonus if line.worker_id == month.worker_id]))
            rows.append(Obligation("PT-2", books.farm_id, f"{month.worker_id}/{period}", due, met_on,
                                   (*premium, *month.causes, *met_by)))
    return rows


def premium_reports(view: FarmView) -> list[Obligation]:
    """PT-6 (App. B III.1.a): the premium report for sales month M is due by the 15th of month M+1."""
    books = Books.of(view)
    rows: list[Obligation] = []
    for period in sorted({r.sales_period for r in books.remittances}):
        report_month = month_bounds(next_period(period))[0]
        if report_month > books.as_of:
            continue  # owed once the sales month is over, whenever its premium arrives
        due = report_month + timedelta(days=REPORT_DAY - 1)
        reports = books.reports.get(period, {})
        first = min(reports.items(), key=lambda kv: (kv[1], kv[0])) if reports else None
        remitted = tuple(r.event_id for r in books.remittances if r.sales_period == period)
        rows.append(Obligation(
            "PT-6", books.farm_id, period, due,
            date.fromisoformat(first[1]) if first else None, (*remitted, *((first[0],) if first else ())),
        ))
    return rows
