"""The `education` fold: the farm's education sessions and handbook distributions, by worker.

State (JSON-native): {"farm_id", "sessions": {event_id: {"on", "hours", "worker_ids"}},
                      "handbooks": {event_id: {"on", "worker_ids"}}}
Filed by event id, so the state does not depend on arrival order.
"""

from __future__ import annotations

from typing import ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State

NAME = "education"


class Education:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = frozenset({"EducationSessionHeld", "HandbookDistributed"})

    def initial(self, key: str) -> State:
        return {"farm_id": key, "sessions": {}, "handbooks": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        if event.type == "EducationSessionHeld":
            state["sessions"][event.event_id] = {"on": d["on"], "hours": d["hours"],
                                                 "worker_ids": sorted(set(d["worker_ids"]))}
        elif event.type == "HandbookDistributed":
            state["handbooks"][event.event_id] = {"on": d["on"], "worker_ids": sorted(set(d["worker_ids"]))}
        return []
