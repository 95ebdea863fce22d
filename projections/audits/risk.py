"""The hook AU-9 reads RK-1 through: a farm's risk level per theme over time, folded from the derived
`RiskLevelChanged` events (written by the risk-map rules; a farm that has none is never high risk).

State (JSON-native): {"farm_id", "levels": [[on, theme, level], ...]} sorted, so arrival order is irrelevant.
"""

from __future__ import annotations

from bisect import insort
from datetime import date
from typing import ClassVar

from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.compliance import FarmView
from projections.projection import Derived, State

NAME = "audit_risk"
HIGH = frozenset({"high", "very_high", "very high"})


class RiskLevels:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = frozenset({"RiskLevelChanged"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "levels": []}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        level = d.get("level") or d.get("to")
        theme = d.get("theme")
        if level and theme:
            on = str(d.get("on") or local_date(event.occurred_at).isoformat())
            entry = [on, str(theme), str(level)]
            if entry not in state["levels"]:
                insort(state["levels"], entry)
        return []


def high_between(view: FarmView, first: date, last: date) -> bool:
    """Whether the farm's RK-1 level was high or very high in either theme on any day of [first, last]."""
    levels: dict[str, str] = {}
    for on, theme, level in view.state(NAME).get("levels", []):
        if on > last.isoformat():
            break
        if on > first.isoformat() and any(v in HIGH for v in levels.values()):
            return True
        levels[theme] = level
    return any(v in HIGH for v in levels.values())
