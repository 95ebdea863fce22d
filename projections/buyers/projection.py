"""BU-1: each `StandingChanged` of a farm becomes one `BuyerNotified` per buyer linked to it on that date.

State (JSON-native): {"farm_id", "time_zone", "buyers": {buyer_id: [[since, until|None], ...]}, "seen": [ids]}.
The notification id is the derived event's id, made from the change's id and the buyer: stable across
redeliveries and replays, so a receiver can drop duplicates. Order per farm is the order of the changes.
"""

from __future__ import annotations

from bisect import insort
from typing import ClassVar

from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.derive import derive, derived_id
from projections.membership.projection import Membership, buyers_on
from projections.projection import Derived, State

NAME = "buyers"


class BuyerNotifications:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = frozenset({"FarmEnrolled", "BuyerLinked", "BuyerUnlinked", "StandingChanged",
                                                 "RiskLevelChanged"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "time_zone": None, "buyers": {}, "seen": []}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        if event.type == "FarmEnrolled":
            state["time_zone"] = event.data.get("time_zone")
            return []
        if event.type not in ("StandingChanged", "RiskLevelChanged"):
            Membership().apply(state, event)  # the same buyer spans the directory keeps
            return []
        if event.event_id in state["seen"]:
            return []
        insort(state["seen"], event.event_id)  # sorted: the state does not depend on arrival order
        on = local_date(event.occurred_at, state["time_zone"]).isoformat()
        return [notification(state["farm_id"], event, buyer, on) for buyer in buyers_on(state, on)]


def notification(farm_id: str, change: RecordedEvent, buyer: str, on: str) -> Derived:
    key = f"{change.event_id}/{buyer}"
    if change.type == "RiskLevelChanged":  # RK-1: kind `risk_forced_labor` / `risk_child_labor`, the level
        kind, standing = f"risk_{change.data['theme']}", change.data["level"]
    else:
        kind, standing = change.data.get("kind") or change.data["standing"], change.data["standing"]
    data = {
        "notification_id": derived_id("BuyerNotified", farm_id, key), "buyer_id": buyer,
        "kind": kind, "standing": standing, "effective_on": on,
    }
    return derive("BuyerNotified", farm_id, change.occurred_at, data, [change], key)


def notification_row(event: RecordedEvent) -> dict[str, str]:
    """The `notifications` directory row of a `BuyerNotified` event (what `dignity notifications` reads)."""
    d = event.data
    return {"notification_id": d["notification_id"], "buyer_id": d["buyer_id"], "farm_id": event.farm_id,
            "kind": d["kind"], "standing": d["standing"], "effective_on": str(d["effective_on"])}
