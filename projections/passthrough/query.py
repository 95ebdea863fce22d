"""The pass-through answer for one farm and premium month (SPEC §4 `dignity passthrough`).

Premium received, the workers' pool, and for every worker with pay in the month or a bonus for it:
eligible (PT-3), hours, expected share (PT-4), bonus paid for that premium month, and the shortfall when
paid is more than a cent below expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from events.types import CENT
from projections.passthrough.books import Books
from projections.passthrough.eligibility import WorkerMonth
from projections.passthrough.payroll import PayrollLine
from projections.passthrough.pool import ZERO, Pool, bonus_pool, paid_by, split

TOLERANCE = CENT
"""PT-4: paid minus expected below -$0.01 is a shortfall; a cent of rounding is not."""


def decimal_of(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class WorkerShare:
    worker_id: str
    eligible: bool
    hours: Fraction
    expected: Decimal
    month: WorkerMonth | None
    bonus: tuple[PayrollLine, ...]
    """The bonus lines paid for this premium month."""

    @property
    def paid(self) -> Decimal:
        return sum((line.md_bonus for line in self.bonus), ZERO)

    @property
    def causes(self) -> tuple[str, ...]:
        return (*(self.month.causes if self.month else ()), *(line.event_id for line in self.bonus))

    @property
    def shortfall(self) -> Decimal:
        gap = self.expected - self.paid
        return gap if gap > TOLERANCE else ZERO

    def as_json(self) -> dict[str, Any]:
        return {"worker_id": self.worker_id, "eligible": self.eligible, "hours": str(decimal_of(self.hours)),
                "expected": str(self.expected), "paid": str(self.paid), "shortfall": str(self.shortfall)}


@dataclass(frozen=True, slots=True)
class PassThrough:
    farm_id: str
    period: str
    pool: Pool
    workers: list[WorkerShare]

    def as_json(self) -> dict[str, Any]:
        return {"farm_id": self.farm_id, "period": self.period, "premium_received": str(self.pool.premium),
                "bonus_pool": str(self.pool.amount), "workers": [w.as_json() for w in self.workers]}


def pass_through(books: Books, period: str, as_of: date | None = None) -> PassThrough:
    """Premium counted if received by `as_of`, bonus if paid by `as_of` (both: everything when None).
    Raises RateMissing when the month needs a rate the program has not set."""
    pool = bonus_pool(books.received_in(period, as_of), books.reference)
    months = {m.worker_id: m for m in books.month_workers(period)}
    expected = split(pool.amount, {w: m.hours for w, m in months.items() if m.eligible})
    paid: dict[str, list[PayrollLine]] = {}
    for line in paid_by(books.bonus_lines(period), as_of):  # each worker's, in the books' order
        paid.setdefault(line.worker_id, []).append(line)
    rows = [
        WorkerShare(
            worker_id=w, eligible=w in months and months[w].eligible,
            hours=months[w].hours if w in months else Fraction(0), expected=expected.get(w, ZERO),
            month=months.get(w), bonus=tuple(paid.get(w, ())),
        )
        for w in sorted(set(months) | set(paid))
    ]
    return PassThrough(books.farm_id, period, pool, rows)
