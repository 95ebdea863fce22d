"""The `conduct` fold: every conduct fact of a farm (what the CO/AU/AP/PE rules, PE-1's hires, the risk
evidence read), filed by id in one part per month of its business date.

Standing keeps only a snapshot and the facts after it (`projections.standing.projection`); the rule
queries read the facts here instead, and a fact recorded so late that it is dated before standing's
snapshot re-opens standing from these parts. A part is rewritten only when a fact dated in its month
arrives, so an old farm's batch never rewrites its history.

Part state: {"seq": n, "facts": {event_id: fact}}. A part does not know the farm's time zone: facts are
dated in the program's zone and keep the instant they are dated by (`at`), re-dated when read (`dated`);
`seq` numbers the part's own facts in log order, which orders the facts of one day as the farm's log does.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from events.recorded import RecordedEvent
from projections.compliance import FarmView
from projections.projection import Derived, State
from projections.standing.facts import BUSINESS_DATE, FACT_TYPES, Fact, dated, fact_of, fact_order, instant_of

NAME = "conduct"


class ConductFacts:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = FACT_TYPES

    def part(self, event: RecordedEvent) -> str:
        """The month of the fact's business date (in the program's zone: the part cannot know the farm's)."""
        return BUSINESS_DATE[event.type](event, None)[:7]

    def initial(self, key: str) -> State:
        return {"seq": 0, "facts": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        if event.event_id in state["facts"]:
            return []
        relayed = event.type == "SuspensionNoticed" and bool(event.data.get("cascade_of"))
        if not relayed:  # numbered as standing numbers them: a relay's place never depends on its arrival
            state["seq"] += 1
        fact = fact_of(event, 0 if relayed else state["seq"], None)
        at = instant_of(event)
        if at is not None:
            fact["at"] = at
        state["facts"][event.event_id] = fact
        return []


def all_facts(state: State, tz: str | None, until: date | None = None) -> list[Fact]:
    """The facts of a (merged) conduct state dated in the farm's zone, up to `until`, in business-time order."""
    facts = (dated(f, tz) for f in (state.get("facts") or {}).values())
    day = until.isoformat() if until is not None else None
    return sorted((f for f in facts if day is None or f["on"] <= day), key=fact_order)


def view_facts(view: FarmView, types: tuple[str, ...]) -> list[Fact]:
    """The farm's facts of these types (all, if none named) dated up to `view.as_of`, in order."""
    tz = view.state("membership").get("time_zone")
    found: dict[str, Any] = view.state(NAME).get("facts") or {}
    day = view.as_of.isoformat()
    picked = (dated(f, tz) for f in found.values() if not types or f["type"] in types)
    return sorted((f for f in picked if f["on"] <= day), key=fact_order)
