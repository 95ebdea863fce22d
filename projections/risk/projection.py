"""The folds of the risk maps: indicator values (key `program`) and each farm's risk answers and the levels
already announced (farm key).

States (JSON-native):
  risk_indicators: {"indicators": {jurisdiction: {theme: {indicator: [entry, ...]}}}}
                   entry = {...RiskIndicatorSet data, "event_id", "occurred_at"}
  risk:            {"farm_id", "answers": {event_id: {...RiskAnswerRecorded data, "occurred_at"}},
                    "levels": {theme: {on: [level, event_id]}}}   (the RiskLevelChanged folded back)
"""

from __future__ import annotations

from typing import ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State

INDICATORS = "risk_indicators"
RISK = "risk"


class RiskIndicators:
    name: ClassVar[str] = INDICATORS
    types: ClassVar[frozenset[str]] = frozenset({"RiskIndicatorSet"})

    def initial(self, key: str) -> State:
        return {"indicators": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        entries = state["indicators"].setdefault(d["jurisdiction"], {}).setdefault(d["theme"], {}).setdefault(
            d["indicator"], [])
        if all(e["event_id"] != event.event_id for e in entries):
            entries.append({**d, "event_id": event.event_id, "occurred_at": event.occurred_at.isoformat()})
        return []


class Risk:
    name: ClassVar[str] = RISK
    types: ClassVar[frozenset[str]] = frozenset({"RiskAnswerRecorded", "RiskLevelChanged"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "answers": {}, "levels": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        if event.type == "RiskAnswerRecorded":
            state["answers"][event.event_id] = {**d, "occurred_at": event.occurred_at.isoformat()}
        else:
            state["levels"].setdefault(d["theme"], {})[str(d["on"])] = [d["level"], event.event_id]
        return []
