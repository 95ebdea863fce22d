"""The fold of program reference events: every rate ever set, with the date it takes effect.

State (JSON-native, keyed `program`):
  {"minimum_wage": {jurisdiction: [entry, ...]}, "livable_wage": [entry, ...], "worker_share": [entry, ...]}
  entry = {"effective_on", "value" (decimal string), "occurred_at", "event_id"}

Nothing is overwritten: which entry is in force on a day is decided at query time (`rates.py`), so the
answer never depends on the order the events arrived in.
"""

from __future__ import annotations

from typing import Any, ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State


class Reference:
    name: ClassVar[str] = "reference"
    types: ClassVar[frozenset[str]] = frozenset({"MinimumWageSet", "LivableWageSet", "BonusWorksheetSet"})

    def initial(self, key: str) -> State:
        return {"minimum_wage": {}, "livable_wage": [], "worker_share": []}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        match event.type:
            case "MinimumWageSet":
                _add(state["minimum_wage"].setdefault(d["jurisdiction"], []), event, d["hourly"])
            case "LivableWageSet":
                _add(state["livable_wage"], event, d["hourly"])
            case "BonusWorksheetSet":
                _add(state["worker_share"], event, d["worker_share"])
        return []


def _add(entries: list[dict[str, Any]], event: RecordedEvent, value: str) -> None:
    if any(e["event_id"] == event.event_id for e in entries):
        return  # a redelivery
    entries.append({
        "effective_on": event.data["effective_on"], "value": value,
        "occurred_at": event.occurred_at.isoformat(), "event_id": event.event_id,
    })
