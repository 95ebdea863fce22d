"""Pass-through per premium month (the farm page's chart, the compliance report): the workers' pool
against the bonus paid.

The numbers are `dignity passthrough`'s, month after month, from one reading of the farm's books.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from events.types import period_of
from projections.calendar import next_period
from projections.compliance import FarmView
from projections.passthrough.books import Books
from projections.passthrough.query import pass_through
from services.ledger.queries import stored_answer

KIND = "months"
"""The stored answer's kind (services/store/answers.py): one row per farm and day."""

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Month:
    period: str
    pool: Decimal | None
    """None when a rate the month needs is not set (the query's RateMissing)."""
    paid: Decimal
    shortfall: Decimal
    premium: Decimal
    note: str = ""


def months(engine: Engine, farm_id: str, as_of: datetime) -> list[Month]:
    """Every premium month from the farm's first premium (or its enrolment, before any) to the `as_of` month.
    Stored per farm and day as the deadlines are (`stored_answer`): a farm page asked again reads one row
    instead of running every month's pass-through since the farm's first premium (its cost grew with age)."""
    rows = stored_answer(engine, KIND, farm_id, as_of, lambda view: [_stored(m) for m in months_of(view)],
                         enrolled=False)
    return [_read(row) for row in rows]


def _stored(m: Month) -> dict[str, Any]:
    return {"period": m.period, "pool": None if m.pool is None else str(m.pool), "paid": str(m.paid),
            "shortfall": str(m.shortfall), "premium": str(m.premium), "note": m.note}


def _read(row: dict[str, Any]) -> Month:
    return Month(row["period"], None if row["pool"] is None else Decimal(row["pool"]), Decimal(row["paid"]),
                 Decimal(row["shortfall"]), Decimal(row["premium"]), row["note"])


def months_of(view: FarmView) -> list[Month]:
    """`months` folded from a farm's view."""
    books = Books.of(view)
    received = [r.premium_month for r in books.remittances if r.received_on <= view.as_of]
    enrolled = [period_of(books.enrolled_on)] if books.enrolled_on is not None else []
    first = received or enrolled
    if not first:
        return []
    out, period, last = [], min(first), period_of(view.as_of)
    while period <= last:
        out.append(_month(books, period))
        period = next_period(period)
    return out


def _month(books: Books, period: str) -> Month:
    try:
        answer = pass_through(books, period, books.as_of)
    except LookupError as exc:  # RateMissing: the program has not set a rate the month needs
        return Month(period, None, ZERO, ZERO, ZERO, str(exc.args[0] if exc.args else exc))
    paid = sum((w.paid for w in answer.workers), ZERO)
    short = sum((w.shortfall for w in answer.workers), ZERO)
    return Month(period, answer.pool.amount, paid, short, answer.pool.premium)
