"""The `standing` fold: records each farm's conduct facts, and emits `StandingChanged` as they happen.

State (JSON-native): {"farm_id", "time_zone", "seq", "watermark", "facts": [...], "emitted": [change keys]};
facts are kept in business-time order and emitted keys sorted, so the state does not depend on when a
relayed notice arrived.
On each fact the machine is replayed up to the latest business date seen (the watermark); changes up to
it that were not emitted yet become `StandingChanged` events with deterministic ids. Changes that happen
purely by time after the watermark are answered at query time, and written by a tick (`tick`: `dignity
tick` in the embedded mode, the worker's timer in the distributed mode) — the same ids, so whichever of the
tick and the farm's next fact comes first wins and the other is a duplicate. Ledger time (`recorded_at`)
never enters the state.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import ClassVar

from events.recorded import RecordedEvent
from projections.calendar import local_date, zone
from projections.derive import derive
from projections.projection import Derived, State
from projections.standing.facts import FACT_TYPES, fact_of, fact_order
from projections.standing.machine import Change
from projections.standing.query import NAME, standing_changes

_QUIET = frozenset({
    "OrientationCompleted", "PersonnelHired", "WorkerHired", "ComplaintReceived", "ComplaintReportedToMDSC",
    "ComplaintSharedWithFarm", "LawEnforcementReferred", "CapActionCompleted", "HearingHeld",
    "ArbitratorAvailabilityNoticed",
})
"""Facts that never change standing: folded, but no replay unless they move the watermark."""


class StandingProjection:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = FACT_TYPES | {"StandingChanged"}

    def initial(self, key: str) -> State:
        return {"farm_id": key, "time_zone": None, "seq": 0, "watermark": None, "facts": [], "emitted": []}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        if event.type == "StandingChanged":  # ours folded back, or the timer's: never emit it again
            on = local_date(event.occurred_at, state["time_zone"])
            key = change_key(on, event.data)
            if key not in state["emitted"]:
                insort(state["emitted"], key)
            return []
        if event.type == "FarmEnrolled":
            state["time_zone"] = event.data.get("time_zone")
        fact = fact_of(event, self._seq(state, event), state["time_zone"])
        insort(state["facts"], fact, key=fact_order)
        moved = state["watermark"] is None or fact["on"] > state["watermark"]
        if moved:
            state["watermark"] = fact["on"]
        if not moved and event.type in _QUIET:
            return []
        return self._emit(state, event)

    def _emit(self, state: State, event: RecordedEvent) -> list[Derived]:
        out: list[Derived] = []
        for change in standing_changes(state, date.fromisoformat(state["watermark"])):
            key = change.key()
            if key in state["emitted"]:
                continue
            insort(state["emitted"], key)
            out.append(change_event(state, change, event))
        return out

    @staticmethod
    def _seq(state: State, event: RecordedEvent) -> int:
        """The farm's own facts are numbered in log order; a notice relayed from a sibling farm (SU-2) is
        not, so the state is the same whenever the relay arrives (embedded: at once; distributed: later)."""
        if event.type == "SuspensionNoticed" and event.data.get("cascade_of"):
            return 0
        state["seq"] += 1
        seq: int = state["seq"]
        return seq


def change_key(on: date, data: dict[str, object]) -> str:
    """The key of a `StandingChanged` event's change, as `Change.key` makes it."""
    return f"{on}/{data['standing']}/{int(bool(data.get('stayed')))}/{data.get('kind', '')}/" \
           f"{data.get('suspension_id') or ''}"


def change_event(state: State, change: Change, cause: RecordedEvent) -> Derived:
    """The `StandingChanged` event of a change; `cause` supplies the ledger time (the event being applied,
    or for a tick the fact the change rests on as known at the tick)."""
    tz = state.get("time_zone")
    at = datetime.combine(change.on, time.min, zone(tz))
    made = derive("StandingChanged", state["farm_id"], at, change.as_data(), [cause], change.key())
    made["causation_id"] = list(change.causes) or [cause.event_id]
    return made


def tick(states: Mapping[str, State], day: date, at: datetime) -> list[Derived]:
    """The `StandingChanged` events a farm owes by the end of `day` (its local date) that no fact has
    brought yet: changes brought by time alone (a period served with the reentry audit already passed, a
    cure period over, a termination deadline passed). `at` is the ledger time of the tick, their
    `recorded_at`. A change the machine names no cause for rests on the farm's last fact dated up to it.
    The ids are the fold's: a second tick, or the farm's next fact, adds nothing."""
    state = states.get(NAME)
    if not state or not state.get("facts"):
        return []
    out = []
    for change in standing_changes(state, day):
        if change.key() not in state["emitted"]:
            out.append(change_event(state, change, _as_known(state, change.on, at)))
    return out


def _as_known(state: State, on: date, at: datetime) -> RecordedEvent:
    """The farm's last fact dated up to `on`, as the tick knows it at `at` (what `derive` dates and names
    a derived event by)."""
    day = on.isoformat()
    last = max((f for f in state["facts"] if f["on"] <= day), key=fact_order, default=state["facts"][0])
    return RecordedEvent(last["event_id"], last["type"], state["farm_id"], at, at, "system", {})
