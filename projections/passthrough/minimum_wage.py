"""PT-7: wages excluding the MD bonus and net of housing deductions reach the prevailing minimum wage.

hourly = (gross - MD bonus - housing deductions) / hours, against the highest minimum wage (the farm's
jurisdiction or federal) in force on each day worked (Part 3 wages ¶7: comply "by the date that the new wage
level takes effect"; housing ¶1e, App. B II.1): a pay period that spans a change is judged day by day, and
the detail names the first day that falls short. The line's hours are taken as spread evenly over its
period, so its one hourly figure is compared with each day's minimum.
The Code (Part 3 wages ¶7) gives a farm its first year of enrolment to bring the wage itself up to the
minimum under a time-bound plan; housing may never push pay below it (housing ¶1e has no such grace). So in
that first year only a line whose wage met the minimum before housing was deducted is a finding
(docs/decisions.md: the SPEC does not carry the grace year, the Code wins).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from projections.calendar import add_years
from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine
from projections.passthrough.query import decimal_of
from projections.reference.rates import Rate


@dataclass(frozen=True, slots=True)
class WageCheck:
    line: PayrollLine
    minimum: Rate
    before_housing: Fraction
    net_of_housing: Fraction
    day: date
    """The first day worked this check judges (from it up to the next change)."""

    @property
    def cause(self) -> str:
        return "housing" if self.before_housing >= Fraction(self.minimum.value) else "wage"

    def breaks(self, grace_until: date | None) -> bool:
        """Below the minimum; during the grace year only when housing is what took it below."""
        if self.net_of_housing >= Fraction(self.minimum.value):
            return False
        in_grace = grace_until is not None and self.day < grace_until
        return not in_grace or self.cause == "housing"


def wage_check(line: PayrollLine, minimum: Rate, day: date) -> WageCheck:
    wage = Fraction(line.gross - line.md_bonus)
    return WageCheck(line, minimum, wage / Fraction(line.hours),
                     (wage - Fraction(line.deducted("housing"))) / Fraction(line.hours), day)


def meets(line: PayrollLine, minimum: Rate) -> bool:
    """`wage_check(line, minimum, day).net_of_housing >= minimum`, for a line with hours > 0, in integers:
    (w - h) / hours >= m  <=>  (w - h) * m_den >= m_num * hours, every denominator being positive."""
    w_num, w_den = (line.gross - line.md_bonus).as_integer_ratio()
    h_num, h_den = line.deducted("housing").as_integer_ratio()
    t_num, t_den = line.hours.as_integer_ratio()
    m_num, m_den = minimum.value.as_integer_ratio()
    return (w_num * h_den - h_num * w_den) * t_den * m_den >= m_num * w_den * h_den * t_num


def first_short_day(books: Books, line: PayrollLine, grace_until: date | None) -> WageCheck | None:
    """The check of the first day worked whose minimum the line's pay falls short of, if any."""
    days = books.minimum_wage_changes(line.period_start, line.period_end)
    if grace_until is not None and line.period_start < grace_until <= line.period_end:
        days = sorted({*days, grace_until})
    for day in days:
        minimum = books.minimum_wage_on(day)
        if line.hours > 0 and meets(line, minimum):
            continue  # WageCheck.breaks would say no: not below the minimum
        check = wage_check(line, minimum, day)
        if check.breaks(grace_until):
            return check
    return None


def minimum_wage_findings(view: FarmView) -> list[Finding]:
    """Raises RateMissing when a pay date has no minimum wage in force for the farm's jurisdiction."""
    books = Books.of(view)
    grace_until = add_years(books.enrolled_on, 1) if books.enrolled_on else None
    below: dict[str, list[WageCheck]] = defaultdict(list)
    for line in books.lines:
        if line.hours <= 0 or line.scheduled_pay_date > books.as_of:
            continue
        check = first_short_day(books, line, grace_until)
        if check is not None:
            below[line.worker_id].append(check)
    return [_finding(books.farm_id, worker, checks) for worker, checks in sorted(below.items())]


def _finding(farm_id: str, worker_id: str, checks: list[WageCheck]) -> Finding:
    checks.sort(key=lambda c: (c.line.scheduled_pay_date, c.line.event_id))
    first = checks[0]
    detail = {"pay_date": first.line.scheduled_pay_date.isoformat(), "day": first.day.isoformat(),
              "hourly": str(decimal_of(first.net_of_housing)),
              "minimum": str(first.minimum.value), "cause": first.cause, "lines": len(checks)}
    causes = [x for c in checks for x in (c.line.event_id, c.minimum.event_id)]
    return Finding("PT-7", farm_id, worker_id, first.line.scheduled_pay_date, detail, tuple(dict.fromkeys(causes)))
