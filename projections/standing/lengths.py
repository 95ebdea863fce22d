"""SU-1: how long a suspension lasts (App. C III)."""

from __future__ import annotations

from datetime import date

from projections.calendar import add_days, add_years

FIRST_DAYS = 30
SECOND_DAYS = 90


def period_end(start: date, ordinal: int) -> date:
    """The last day of the farm's `ordinal`-th suspension (1-based) effective on `start`.

    "N days from the effective date" ends at the end of day start+N (SPEC §3 calendar); the third and
    later suspensions last one calendar year (29 Feb + 1 year = 28 Feb).
    """
    if ordinal <= 1:
        return add_days(start, FIRST_DAYS)
    if ordinal == 2:
        return add_days(start, SECOND_DAYS)
    return add_years(start, 1)
