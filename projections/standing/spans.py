"""The farm's suspension periods, for rules that ask "was the farm suspended then?" (PT-9)."""

from __future__ import annotations

from datetime import date

from projections.compliance import FarmView
from projections.standing.query import NAME, replay

Span = tuple[date, date | None]


def suspension_spans(view: FarmView) -> list[Span]:
    """Effective suspension periods known as of `view.as_of`: start inclusive, end exclusive (the day the
    farm was reinstated or the suspension was stayed), None while still open. Stayed suspensions never
    took effect; overturned ones never happened (SU-3). Overlapping periods are merged."""
    machine = replay(view.state(NAME), view.as_of)
    periods = sorted(
        (p[0], p[1]) for s in machine.suspensions.values() if s.status != "void" for p in s.periods
        if p[0] is not None
    )
    merged: list[Span] = []
    for start, end in periods:
        if merged and (merged[-1][1] is None or start <= merged[-1][1]):
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, None if end is None or last_end is None else max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def suspended_on(view: FarmView, day: date) -> bool:
    return any(start <= day and (end is None or day < end) for start, end in suspension_spans(view))
