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

from datetime import date, datetime
from typing import Any, ClassVar

from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.compliance import FarmView
from projections.projection import Derived, State
from projections.standing.facts import BUSINESS_DATE, FACT_TYPES, INSTANT, Fact, dated, fact_of, fact_order, instant_of

NAME = "conduct"
_INSTANT_FIELD = {t: f for t, f in INSTANT.items() if f}


class ConductFacts:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = FACT_TYPES

    def part(self, event: RecordedEvent) -> str:
        """The month of the fact's business date (in the program's zone: the part cannot know the farm's)."""
        return BUSINESS_DATE[event.type](event, None)[:7]

    def initial(self, key: str) -> State:
        return {"seq": 0, "facts": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        if event.event_id not in state["facts"]:
            fact = fact_of(event, 0, None)
            at = instant_of(event)
            file(state, {**fact, "at": at} if at is not None else fact)
        return []


def file(state: State, fact: Fact) -> None:
    """File a fact in its part, numbered as standing numbers them (a relayed SU-2 notice is not, so its
    place never depends on when it arrived)."""
    if not (fact["type"] == "SuspensionNoticed" and fact["data"].get("cascade_of")):
        state["seq"] += 1
        fact = {**fact, "seq": state["seq"]}
    state["facts"][fact["event_id"]] = fact


def upgraded(facts: list[Fact]) -> dict[str, State]:
    """The parts of a standing state's facts as an earlier version kept them (every fact, dated in the
    farm's zone): an instant's fact is re-dated in the program's zone and keeps its instant."""
    parts: dict[str, State] = {}
    for fact in sorted(facts, key=fact_order):
        name = _INSTANT_FIELD.get(fact["type"])
        at = fact["data"].get(name) if name else None
        moved = {**fact, "on": local_date(datetime.fromisoformat(at), None).isoformat(), "at": at} if at else fact
        file(parts.setdefault(moved["on"][:7], {"seq": 0, "facts": {}}), moved)
    return parts


def all_facts(state: State, tz: str | None, until: date | None = None) -> list[Fact]:
    """The facts of a (merged) conduct state dated in the farm's zone, up to `until`, in business-time order."""
    facts = (dated(f, tz) for f in (state.get("facts") or {}).values())
    day = until.isoformat() if until is not None else None
    return sorted((f for f in facts if day is None or f["on"] <= day), key=fact_order)


def view_facts(view: FarmView, types: tuple[str, ...]) -> list[Fact]:
    """The farm's facts of these types (all, if none named) dated up to `view.as_of`, in order: dated and
    sorted once per view (the CO/AU/AP/PE/ED rules ask many times, e.g. once per complaint or hire)."""
    every = view.remembered(("conduct facts", NAME), lambda: _view_facts(view))
    if not types:
        return list(every)
    return list(view.remembered(("conduct facts", NAME, types), lambda: [f for f in every if f["type"] in types]))


def _view_facts(view: FarmView) -> list[Fact]:
    tz = view.state("membership").get("time_zone")
    found: dict[str, Any] = view.state(NAME).get("facts") or {}
    day = view.as_of.isoformat()
    return sorted((f for f in (dated(f, tz) for f in found.values()) if f["on"] <= day), key=fact_order)
