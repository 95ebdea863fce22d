"""AP-1 appeal windows, counted from the final notice (App. C V.1)."""

from __future__ import annotations

from datetime import date

from projections.calendar import add_days, roll_forward

WINDOW_DAYS = {"cap": 14, "cr": 7, "suspension": 10, "nda": 10}
ROLLS_FORWARD = frozenset({"cap", "cr", "suspension"})
"""App. C V.1.5 extends only CAP, CR and suspension windows past a weekend or holiday (not NDA disputes)."""


def window_end(subject: str, notice_on: date, resolve_by: date | None = None) -> date:
    """The last day an appeal of `subject` may be filed."""
    last = add_days(notice_on, WINDOW_DAYS[subject])
    if subject == "cr" and resolve_by is not None:
        last = min(last, resolve_by)
    return roll_forward(last) if subject in ROLLS_FORWARD else last
