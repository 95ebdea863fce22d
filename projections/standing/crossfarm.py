"""The cross-farm rules, without shared memory: what each event writes to the insert-only directories
(`owners`, `enrolments`, `cascades`, `bans`, `notifications`), and what the process managers derive from
an event plus a directory lookup (SU-2 cascade, PE-1 banned hire). The runner supplies the lookup and
serialises the events of one owner (`owner_scope`); everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Protocol

from events.recorded import RecordedEvent
from projections.buyers.projection import notification_row
from projections.calendar import local_date
from projections.derive import derive
from projections.personnel.bans import ban_on, ban_row, violation_data
from projections.projection import Derived, State
from projections.standing.cascade import cascade, catch_up, notice

Row = tuple[str, dict[str, Any]]
"""(directory table, row)."""

TYPES = frozenset({"FarmEnrolled", "ViolationFound", "OffenderTerminated", "BuyerNotified", "StandingChanged",
                   "PersonnelHired", "WorkerHired"})


class Directory(Protocol):
    def enrolments(self, owner_id: str) -> dict[str, str]:
        """Every farm of the owner, with its enrolment date."""
        ...

    def cascades(self, owner_id: str, origin: str | None = None, suspension_id: str | None = None
                 ) -> list[dict[str, Any]]:
        """The `cascades` rows of the owner's farms (of one origin and suspension), in the order derived."""
        ...

    def bans_of(self, person_id: str) -> list[dict[str, Any]]: ...


def owner_scope(event: RecordedEvent, states: Mapping[str, State]) -> str | None:
    """The owner whose SU-2 directories this event reads and writes: the runner holds a lock per owner
    around them, so a farm's enrolment and its sibling's suspension never miss each other."""
    if event.type == "FarmEnrolled":
        return str(event.data["owner_id"])
    if event.type == "StandingChanged" and notice(event.farm_id, event.data, "") is not None:
        return _owner(states)
    return None


def directory_rows(event: RecordedEvent, states: Mapping[str, State]) -> list[Row]:
    d = event.data
    match event.type:
        case "FarmEnrolled":
            return [("owners", {"owner_id": d["owner_id"], "farm_id": event.farm_id}),
                    ("enrolments", {"farm_id": event.farm_id, "owner_id": d["owner_id"],
                                    "enrolled_on": str(d["enrolled_on"])})]
        case "StandingChanged":
            owner, on = _owner(states), _local_day(event, states)
            made = notice(event.farm_id, d, on)
            if made is None or owner is None:
                return []
            return [("cascades", {"notice_key": made[0], "owner_id": owner, "origin": event.farm_id,
                                  "suspension_id": d["suspension_id"], "on": on, "change": event.raw})]
        case "ViolationFound":
            row = ban_row(event.farm_id, d)
            return [("bans", row)] if row else []
        case "OffenderTerminated":
            violation = violation_data(states.get("standing") or {}, d["violation_id"])
            row = ban_row(event.farm_id, violation, d["person_id"]) if violation else None
            return [("bans", row)] if row else []
        case "BuyerNotified":
            return [("notifications", notification_row(event))]
    return []


def react(event: RecordedEvent, states: Mapping[str, State], directory: Directory) -> list[Derived]:
    if event.type == "StandingChanged":
        owner = owner_scope(event, states)
        if owner is None:
            return []
        return cascade(event, _local_day(event, states), directory.enrolments(owner),
                       directory.cascades(owner, event.farm_id, event.data["suspension_id"]))
    if event.type == "FarmEnrolled":
        owner = str(event.data["owner_id"])
        return catch_up(event.farm_id, str(event.data["enrolled_on"]), directory.cascades(owner))
    if event.type in ("PersonnelHired", "WorkerHired"):
        person = event.data.get("person_id") or event.data["worker_id"]
        hired = date.fromisoformat(str(event.data.get("on") or event.data["hired_on"]))
        ban = ban_on(directory.bans_of(person), person, hired)
        if ban is None:
            return []
        last = ban.until - timedelta(days=1) if ban.until else None
        data = {"person_id": person, "banned_until": last.isoformat() if last else None,
                "hired_on": hired.isoformat()}
        return [derive("PersonnelBanViolated", event.farm_id, event.occurred_at, data, [event],
                       f"{person}/{hired.isoformat()}")]
    return []


def _owner(states: Mapping[str, State]) -> str | None:
    owner = (states.get("membership") or {}).get("owner_id")
    return str(owner) if owner is not None else None


def _local_day(event: RecordedEvent, states: Mapping[str, State]) -> str:
    return local_date(event.occurred_at, (states.get("membership") or {}).get("time_zone")).isoformat()
