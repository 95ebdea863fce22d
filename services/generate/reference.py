"""Program reference data: minimum wages (VT, NY) with a raise mid-period, the livable wage, the worker share.

The figures are plausible, not official: Vermont and upstate New York minimums of 2025 and 2026, a rural
single-person livable wage, a bonus worksheet share of 80% raised to 85%.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from events.types import PROGRAM_KEY
from projections.calendar import add_months
from services.generate.emit import Emitter, cents

MDSC = ("mdsc", "mdsc")
MINIMUM = {"VT": (1401, 1442), "NY": (1550, 1600)}  # cents per hour: before and after the raise
LIVABLE = (1920, 2046)  # every two years
SHARE = (80, 85)  # percent of each remittance that is the workers' bonus pool


@dataclass(frozen=True, slots=True)
class Rates:
    """What the farms of the generated program see: their compliance decisions use these."""

    raise_on: date
    share_change_on: date
    livable_change_on: date

    def minimum(self, jurisdiction: str, day: date) -> int:
        before, after = MINIMUM[jurisdiction]
        return after if day >= self.raise_on else before

    def highest_minimum(self, jurisdiction: str) -> int:
        return MINIMUM[jurisdiction][1]

    def livable(self, day: date) -> int:
        return LIVABLE[1] if day >= self.livable_change_on else LIVABLE[0]

    def share(self, day: date) -> int:
        return SHARE[1] if day >= self.share_change_on else SHARE[0]


def program_rates(start: date, months: int) -> Rates:
    """Changes fall inside the generated period (a raise half-way, a new share two thirds in)."""
    return Rates(
        raise_on=add_months(start, max(1, months // 2)),
        share_change_on=add_months(start, max(1, 2 * months // 3)),
        livable_change_on=add_months(start, 24),
    )


def emit_reference(rates: Rates, start: date, published: date, rng: random.Random, out: Emitter) -> None:
    """Reference data keyed `program`, all published before any farm fact."""
    base = date(start.year, 1, 1)
    for jurisdiction, (before, after) in MINIMUM.items():
        _set(out, rng, published, "MinimumWageSet",
             {"jurisdiction": jurisdiction, "effective_on": base.isoformat(), "hourly": cents(before)})
        _set(out, rng, published, "MinimumWageSet",
             {"jurisdiction": jurisdiction, "effective_on": rates.raise_on.isoformat(), "hourly": cents(after)})
    _set(out, rng, published, "LivableWageSet", {"effective_on": base.isoformat(), "hourly": cents(LIVABLE[0])})
    _set(out, rng, published, "LivableWageSet",
         {"effective_on": rates.livable_change_on.isoformat(), "hourly": cents(LIVABLE[1])})
    _set(out, rng, published, "BonusWorksheetSet", {"effective_on": base.isoformat(), "worker_share": "0.80"})
    _set(out, rng, published, "BonusWorksheetSet",
         {"effective_on": rates.share_change_on.isoformat(), "worker_share": "0.85"})


def _set(out: Emitter, rng: random.Random, day: date, type_: str, data: dict[str, str]) -> None:
    out.emit(rng, type_, PROGRAM_KEY, day, 8 * 60, MDSC, data)


def published_on(start: date) -> date:
    """The day the program's rates are published: before the earliest enrolment the generator makes."""
    return start - timedelta(days=400)
