"""PT-3: who is a Bonus Eligible Qualifying Worker in a premium month (App. A 11, 13).

Qualifying: not supervisory and not a relative of the owner. Eligible: qualifying, averaged >= 30 hours a
week in the month, and earned a net hourly wage below the livable wage in force, where
net = (gross - MD bonus - housing - health insurance deductions) / hours.
Weekly average = hours / (days / 7), over the days of the month the worker was employed (a new hire's
first month or a leaver's last counts only their days; docs/decisions.md). Arithmetic is exact (fractions,
summed as integers over a common denominator: the same rational numbers, without a Fraction per term), so
the answer does not depend on the order the lines are added in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import lcm
from typing import Any

from projections.calendar import month_bounds
from projections.passthrough.payroll import PayrollLine, touching
from projections.projection import State
from projections.reference.rates import Rate, livable_wage_on

MIN_WEEKLY_HOURS = 30
WAGE_DEDUCTIONS = ("housing", "health_insurance")


@dataclass(frozen=True, slots=True)
class WorkerMonth:
    worker_id: str
    period: str
    hours: Fraction
    """Hours attributed to the month (pay periods split by calendar days)."""
    days: int
    """Days of the month the worker was employed: the base of the weekly average."""
    wage_pay: Fraction
    """Pay attributed to the month, less the MD bonus and housing and health-insurance deductions."""
    qualifying: bool
    livable: Rate
    causes: tuple[str, ...]

    @property
    def weekly_average(self) -> Fraction:
        return self.hours * 7 / self.days

    @property
    def net_hourly(self) -> Fraction | None:
        return self.wage_pay / self.hours if self.hours else None

    @property
    def full_time(self) -> bool:
        """hours > 0 and weekly_average >= 30, compared in integers (days >= 1, denominators > 0)."""
        hours = self.hours
        return hours.numerator > 0 and hours.numerator * 7 >= MIN_WEEKLY_HOURS * self.days * hours.denominator

    @property
    def below_livable(self) -> bool:
        """net_hourly < the livable wage, compared in integers: wage_pay / hours < l  <=>  wage_pay < l * hours
        when hours > 0 (the inequality turns when hours < 0)."""
        hours, pay = self.hours, self.wage_pay
        if hours.numerator == 0:
            return False
        num, den = self.livable.value.as_integer_ratio()
        left, right = pay.numerator * hours.denominator * den, num * hours.numerator * pay.denominator
        return left < right if hours.numerator > 0 else left > right

    @property
    def eligible(self) -> bool:
        return self.qualifying and self.full_time and self.below_livable


def qualifying(worker: Mapping[str, Any] | None) -> bool:
    """A worker the farm never recorded as hired counts as qualifying: the flags default to false."""
    worker = worker or {}
    return not worker.get("supervisory", False) and not worker.get("relative_of_owner", False)


def employed_days(worker: Mapping[str, Any] | None, period: str) -> int:
    """Days of the month between hiring and separation (both inclusive); the whole month if unknown."""
    first, last = month_bounds(period)
    worker = worker or {}
    start = max(first, date.fromisoformat(worker["hired_on"])) if worker.get("hired_on") else first
    end = min(last, date.fromisoformat(worker["separated_on"])) if worker.get("separated_on") else last
    return (end - start).days + 1 if end >= start else (last - first).days + 1


def worker_month(worker_id: str, period: str, lines: Iterable[PayrollLine],
                 worker: Mapping[str, Any] | None, livable: Rate) -> WorkerMonth:
    """`lines` may hold other workers' lines too: only the worker's count. Each line counts its share of
    the month (days in it / days of its pay period) of its hours and of its wage pay, exactly: each sum is
    kept as integers over a common denominator, and is the Fraction the same terms add up to."""
    mine = [line for line in lines if line.worker_id == worker_id]
    first, last = month_bounds(period)
    h_num, h_den, p_num, p_den = 0, 1, 0, 1
    for line in mine:
        overlap = max((min(last, line.period_end) - max(first, line.period_start)).days + 1, 0)
        days = line.days
        if days < 0:  # Fraction(overlap, days) keeps its sign in the numerator
            overlap, days = -overlap, -days
        num, den = line.hours.as_integer_ratio()  # exact: what Fraction(Decimal) is made of
        common = lcm(h_den, days * den)
        h_num, h_den = h_num * (common // h_den) + overlap * num * (common // (days * den)), common
        wage = line.gross - line.md_bonus - line.deducted(*WAGE_DEDUCTIONS)
        num, den = wage.as_integer_ratio()
        common = lcm(p_den, days * den)
        p_num, p_den = p_num * (common // p_den) + overlap * num * (common // (days * den)), common
    return WorkerMonth(
        worker_id=worker_id, period=period, hours=Fraction(h_num, h_den), days=employed_days(worker, period),
        wage_pay=Fraction(p_num, p_den), qualifying=qualifying(worker), livable=livable,
        causes=tuple(sorted(line.event_id for line in mine)),
    )


def month_workers(lines: Iterable[PayrollLine], membership: State, reference: State,
                  period: str) -> list[WorkerMonth]:
    """Every worker with pay in the month, sorted by worker id. Raises RateMissing if no livable wage is in
    force on the month's last day (the rate in force at month end applies to the whole month)."""
    return workers_of_month(touching(lines, period), membership, reference, period)


def workers_of_month(month: list[PayrollLine], membership: State, reference: State,
                     period: str) -> list[WorkerMonth]:
    """`month_workers` given the lines that touch the month, in the books' order (`Books.touching`)."""
    if not month:
        return []
    livable = livable_wage_on(reference, month_bounds(period)[1])
    workers = membership.get("workers", {})
    by_worker: dict[str, list[PayrollLine]] = {}
    for line in month:  # one pass, not one scan of the month per worker
        by_worker.setdefault(line.worker_id, []).append(line)
    return [worker_month(w, period, by_worker[w], workers.get(w), livable) for w in sorted(by_worker)]
