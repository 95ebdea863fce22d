"""PT-9 (App. C III last ¶; Part 3 premium: premium is for farms in good standing): a remittance for a sales
period in which the farm was suspended, on any day of that month, is premium not owed.

Suspension periods come from the standing projection (`suspension_spans`: start inclusive, end exclusive or
open). One finding per remittance, dated when both the remittance and the suspension were facts.
"""

from __future__ import annotations

from datetime import date, timedelta

from projections.calendar import month_bounds
from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.standing.spans import suspension_spans

Span = tuple[date, date | None]


def overlap(first: date, last: date, span: Span) -> tuple[date, date] | None:
    """The days of [first, last] inside a suspension span, if any."""
    start, end = span
    end_incl = last if end is None else min(last, end - timedelta(days=1))
    begin = max(first, start)
    return (begin, end_incl) if begin <= end_incl else None


def not_owed(view: FarmView) -> list[Finding]:
    books = Books.of(view)
    spans = suspension_spans(view)
    rows = []
    for r in books.remittances:
        if r.received_on > books.as_of:
            continue
        first, last = month_bounds(r.sales_period)
        hits = [(span, days) for span in spans if (days := overlap(first, last, span)) is not None]
        if not hits:
            continue
        span, days = hits[0]
        detail = {"sales_period": r.sales_period, "amount": str(r.amount), "payor_id": r.payor_id,
                  "suspended_from": span[0].isoformat(), "suspended_until": span[1].isoformat() if span[1] else None}
        rows.append(Finding("PT-9", books.farm_id, r.remittance_id, max(r.received_on, days[0]), detail,
                            (r.event_id,)))
    return rows
