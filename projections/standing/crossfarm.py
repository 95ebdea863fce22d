"""The cross-farm rules, without shared memory: what each event writes to the insert-only directories
(`owners`, `bans`, `notifications`), and what the process managers derive from an event plus a directory
lookup (SU-2 cascade, PE-1 banned hire). The runner supplies the lookup; everything here is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any, Protocol

from events.recorded import RecordedEvent
from projections.buyers.projection import notification_row
from projections.derive import derive
from projections.personnel.bans import ban_on, ban_row, violation_data
from projections.projection import Derived, State
from projections.standing.cascade import cascade

Row = tuple[str, dict[str, Any]]
"""(directory table, row)."""

TYPES = frozenset({"FarmEnrolled", "ViolationFound", "OffenderTerminated", "BuyerNotified", "StandingChanged",
                   "PersonnelHired", "WorkerHired"})


class Directory(Protocol):
    def farms_of_owner(self, farm_id: str) -> list[str]:
        """Every farm of the owner of `farm_id` (itself included)."""
        ...

    def bans_of(self, person_id: str) -> list[dict[str, Any]]: ...


def directory_rows(event: RecordedEvent, states: Mapping[str, State]) -> list[Row]:
    d = event.data
    match event.type:
        case "FarmEnrolled":
            return [("owners", {"owner_id": d["owner_id"], "farm_id": event.farm_id})]
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
    tz = (states.get("membership") or {}).get("time_zone")
    if event.type == "StandingChanged":
        return cascade(event, directory.farms_of_owner(event.farm_id), tz)
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
