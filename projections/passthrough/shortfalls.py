"""PT-4 findings (App. B II.2, Art. II f): a worker paid more than a cent less than their expected share of a
premium month, once the month's pass-through is due (the end of the following month).

One row per worker (SPEC §4: one row per rule and subject), dated by the first short month's due date;
`detail` lists every short month as of the date asked about.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from projections.calendar import month_bounds, next_period
from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.query import WorkerShare, pass_through
from projections.passthrough.remittances import premium_months


def pass_through_due(period: str) -> date:
    return month_bounds(next_period(period))[1]


def shortfalls(view: FarmView) -> list[Finding]:
    books = Books.of(view)
    short: dict[str, list[tuple[str, WorkerShare, tuple[str, ...]]]] = defaultdict(list)
    for period in premium_months(books.remittances, books.as_of):
        if pass_through_due(period) > books.as_of:
            continue
        answer = pass_through(books, period, books.as_of)
        for share in answer.workers:
            if share.shortfall > 0:
                short[share.worker_id].append((period, share, answer.pool.causes))
    return [_finding(books.farm_id, worker, months) for worker, months in sorted(short.items())]


def _finding(farm_id: str, worker_id: str, months: list[tuple[str, WorkerShare, tuple[str, ...]]]) -> Finding:
    causes: list[str] = []
    for _, share, pool_causes in months:
        causes += [*pool_causes, *share.causes]
    total = sum((share.shortfall for _, share, _ in months), Decimal("0.00"))
    detail = {
        "months": {p: {"expected": str(s.expected), "paid": str(s.paid), "shortfall": str(s.shortfall)}
                   for p, s, _ in months},
        "shortfall": str(total),
    }
    return Finding("PT-4", farm_id, worker_id, pass_through_due(months[0][0]), detail, tuple(dict.fromkeys(causes)))
