"""PE-1: Article I offenders are banned from every participating farm for five years, for life after a
second Article I violation (App. C IV.1-2). The registry is the insert-only `bans` directory, one row per
(person, violation), shared by all farms; a hire is checked against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.calendar import add_years
from projections.projection import State

BAN_YEARS = 5
BANNABLE = frozenset({"worker", "manager", "supervisor"})
"""App. C IV.1 names a worker, manager or other supervisory person; an owner's farm is suspended instead."""


def ban_row(farm_id: str, violation: Mapping[str, Any], person_id: str | None = None) -> dict[str, Any] | None:
    """The ban an Article I violation's data imposes, if it names a bannable person."""
    offender = violation.get("offender") or {}
    person = person_id or offender.get("person_id")
    if violation.get("article") != "I" or not person or offender.get("role") == "owner":
        return None
    start = date.fromisoformat(str(violation["found_on"]))
    return {"person_id": person, "violation_id": violation["violation_id"], "farm_id": farm_id,
            "from_on": start.isoformat(), "until": add_years(start, BAN_YEARS).isoformat()}


def violation_data(standing: State, violation_id: str) -> Mapping[str, Any] | None:
    """A violation found on this farm, from the standing state (for a termination naming the person)."""
    from projections.standing.projection import violation_of

    return violation_of(standing, violation_id)


@dataclass(frozen=True, slots=True)
class Ban:
    person_id: str
    until: date | None  # exclusive; None = for life
    violation_ids: tuple[str, ...]


def ban_on(rows: Iterable[Mapping[str, Any]], person_id: str, day: date) -> Ban | None:
    """The ban in force on `day`: five years from each violation, for life from the second one."""
    mine = sorted((r for r in rows if r["person_id"] == person_id and date.fromisoformat(r["from_on"]) <= day),
                  key=lambda r: (r["from_on"], r["violation_id"]))
    if len(mine) >= 2:
        return Ban(person_id, None, tuple(r["violation_id"] for r in mine))
    if mine and day < date.fromisoformat(mine[0]["until"]):
        return Ban(person_id, date.fromisoformat(mine[0]["until"]), (mine[0]["violation_id"],))
    return None
