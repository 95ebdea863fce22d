"""The folds of BP-1: a farm's milk purchases (farm key) and the premium rates per cwt (key `program`).

States (JSON-native):
  purchases:     {"farm_id", "purchases": {event_id: {...MilkPurchased data, "event_id", "occurred_at"}}}
  premium_rates: {"program": [entry, ...], "buyers": {buyer_id: [entry, ...]}}  (entry as `reference`'s)
Which rate is in force is decided at query time, so arrival order never matters.
"""

from __future__ import annotations

from typing import ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State
from projections.reference.projection import _add as add_entry

PURCHASES = "purchases"
RATES = "premium_rates"


class Purchases:
    name: ClassVar[str] = PURCHASES
    types: ClassVar[frozenset[str]] = frozenset({"MilkPurchased"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "purchases": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        state["purchases"][event.event_id] = {**event.data, "event_id": event.event_id,
                                              "occurred_at": event.occurred_at.isoformat()}
        return []


class PremiumRates:
    name: ClassVar[str] = RATES
    types: ClassVar[frozenset[str]] = frozenset({"PremiumRateSet"})

    def initial(self, key: str) -> State:
        return {"program": [], "buyers": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        buyer = event.data.get("buyer_id")
        entries = state["buyers"].setdefault(buyer, []) if buyer else state["program"]
        add_entry(entries, event, event.data["per_cwt"])
        return []
