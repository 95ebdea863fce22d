"""Which rate is in force on a day. No rate in force is an error (`RateMissing`), never a silent zero."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from projections.projection import State

FEDERAL = "US"
"""A MinimumWageSet for jurisdiction "US" is the federal floor; it applies to every farm (Part 3 housing ¶1e)."""


class RateMissing(LookupError):
    """The program has not recorded the rate a computation needs for that day."""

    def __init__(self, kind: str, day: date, jurisdiction: str | None = None) -> None:
        where = f" for jurisdiction {jurisdiction!r}" if jurisdiction else ""
        self.kind, self.day = kind, day
        super().__init__(f"no {kind} in force{where} on {day.isoformat()}: record one before this date")


@dataclass(frozen=True, slots=True)
class Rate:
    value: Decimal
    effective_on: date
    event_id: str


def in_force(entries: Sequence[Mapping[str, Any]], day: date) -> Rate | None:
    """The latest entry effective on or before `day`; for two entries of one date, the later-occurring one."""
    iso = day.isoformat()
    live = [e for e in entries if e["effective_on"] <= iso]
    if not live:
        return None
    best = max(live, key=lambda e: (e["effective_on"], datetime.fromisoformat(e["occurred_at"]), e["event_id"]))
    return Rate(Decimal(best["value"]), date.fromisoformat(best["effective_on"]), best["event_id"])


def _required(rate: Rate | None, kind: str, day: date, jurisdiction: str | None = None) -> Rate:
    if rate is None:
        raise RateMissing(kind, day, jurisdiction)
    return rate


def livable_wage_on(reference: State, day: date) -> Rate:
    return _required(in_force(reference.get("livable_wage", []), day), "LivableWageSet", day)


def worker_share_on(reference: State, day: date) -> Rate:
    return _required(in_force(reference.get("worker_share", []), day), "BonusWorksheetSet", day)


def minimum_wage_on(reference: State, jurisdiction: str, day: date) -> Rate:
    """The prevailing minimum wage: the highest of the farm's jurisdiction and the federal rate in force."""
    table = reference.get("minimum_wage", {})
    found = [r for j in {jurisdiction, FEDERAL} if (r := in_force(table.get(j, []), day)) is not None]
    if not found:
        raise RateMissing("MinimumWageSet", day, jurisdiction)
    return max(found, key=lambda r: (r.value, r.event_id))


def minimum_wage_changes(reference: State, jurisdiction: str, first: date, last: date) -> list[date]:
    """The days of [first, last] on which the prevailing minimum wage may differ from the day before:
    `first` itself and every effective date after it (the farm's jurisdiction's or the federal one)."""
    table = reference.get("minimum_wage", {})
    after = {date.fromisoformat(e["effective_on"]) for j in {jurisdiction, FEDERAL} for e in table.get(j, [])}
    return [first, *sorted(d for d in after if first < d <= last)]
