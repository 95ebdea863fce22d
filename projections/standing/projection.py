"""The `standing` fold: the standing machine of each farm as a snapshot plus the facts after it, and the
`StandingChanged` events as they happen.

State (JSON-native): {"farm_id", "time_zone", "seq", "watermark", "first", "snapshot", "facts", "emitted"}.
`snapshot` is the machine at the end of a settled date (`{"on", "machine", "last"}`, `projections.standing.
snapshot`: the timeline of intervals so far, each suspension and probation with its cause, stay and end, and
what the rules still need to go on); `facts` are only the facts dated after it, in business-time order, with
no data where the machine reads none; `emitted` the keys of the changes made into events, sorted. The
snapshot settles `HORIZON_DAYS` behind the latest business date seen (the watermark), at a month's end, so
its size follows what is open, not the farm's age. A fact dated after the snapshot (late or not) is run
from the snapshot with the others; one dated on or before it re-opens the snapshot from the `conduct`
fold's months (`history_wanted`, `reopen`), so every answer is the one a replay from the first fact gives.

On each fact the machine is carried on up to the watermark; changes up to it that were not emitted yet
become `StandingChanged` events with deterministic ids. Changes that happen purely by time after the
watermark are answered at query time, and written by a tick (`tick`: `dignity tick` in the embedded mode,
the worker's timer in the distributed mode) — the same ids, so whichever of the tick and the farm's next
fact comes first wins and the other is a duplicate. Ledger time (`recorded_at`) never enters the state.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from events.recorded import RecordedEvent
from projections.calendar import add_months, local_date, zone
from projections.derive import derive
from projections.projection import Derived, State
from projections.standing import conduct
from projections.standing.facts import BUSINESS_DATE, FACT_TYPES, Fact, dated, fact_of, fact_order
from projections.standing.machine import Change, Machine
from projections.standing.query import NAME, settling, standing_changes
from projections.standing.query import settled as settled_machine
from projections.standing.snapshot import dump

_QUIET = frozenset({
    "OrientationCompleted", "PersonnelHired", "WorkerHired", "ComplaintReceived", "ComplaintReportedToMDSC",
    "ComplaintSharedWithFarm", "LawEnforcementReferred", "CapActionCompleted", "HearingHeld",
    "ArbitratorAvailabilityNoticed",
})
"""Facts that never change standing: folded, but no replay unless they move the watermark."""

HORIZON_DAYS = 92
"""How far behind the watermark the snapshot settles: a fact recorded up to about a quarter after its date
is run from the snapshot with the facts after it; one later than that re-opens the snapshot."""

_READ = frozenset(t for t in FACT_TYPES if hasattr(Machine, f"_fact_{t}"))
"""The facts whose data the machine reads; the others keep only their date and id (a tick's cause)."""


class StandingProjection:
    name: ClassVar[str] = NAME
    types: ClassVar[frozenset[str]] = FACT_TYPES | {"StandingChanged"}

    def initial(self, key: str) -> State:
        return {"farm_id": key, "time_zone": None, "seq": 0, "watermark": None, "first": None, "snapshot": None,
                "facts": [], "emitted": []}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        if event.type == "StandingChanged":  # ours folded back, or the timer's: never emit it again
            on = local_date(event.occurred_at, state["time_zone"])
            key = change_key(on, event.data)
            if key not in state["emitted"]:
                insort(state["emitted"], key)
            return []
        if event.type == "FarmEnrolled":
            state["time_zone"] = event.data.get("time_zone")
        fact = slim(fact_of(event, self._seq(state, event), state["time_zone"]))
        if state.get("first") is None or fact["on"] < state["first"]:
            state["first"] = fact["on"]
        snap = state.get("snapshot")
        if snap is not None and fact["on"] <= snap["on"] and fact["type"] not in _READ:
            _behind(snap, fact)  # the machine reads nothing of it: no need to re-open
            return []
        insort(state["facts"], fact, key=fact_order)
        moved = state["watermark"] is None or fact["on"] > state["watermark"]
        if moved:
            state["watermark"] = fact["on"]
        settle(state)
        if not moved and event.type in _QUIET:
            return []
        return self._emit(state, event)

    def history_wanted(self, state: State, event: RecordedEvent) -> tuple[str, list[str]] | None:
        """A fact dated on or before the snapshot needs the facts the snapshot was made of: the `conduct`
        parts (months) from the farm's first fact to the snapshot, a month more either side (a part is
        dated in the program's zone, the fact in the farm's)."""
        snap = state.get("snapshot")
        if snap is None or event.type not in _READ:
            return None
        if BUSINESS_DATE[event.type](event, state.get("time_zone")) > snap["on"]:
            return None
        first = date.fromisoformat(min(state.get("first") or snap["on"], snap["on"]))
        return conduct.NAME, _months(add_months(first, -1), add_months(date.fromisoformat(snap["on"]), 1))

    def reopen(self, state: State, event: RecordedEvent, parts: list[State]) -> None:
        """Put back the facts dated up to the snapshot (from `history_wanted`'s parts) and drop the
        snapshot: `apply` then files the late fact among them and settles again from the first fact."""
        day, tz = state["snapshot"]["on"], state.get("time_zone")
        earlier = [slim(dated(f, tz)) for part in parts for f in part.get("facts", {}).values()
                   if f["event_id"] != event.event_id]
        state["facts"] = sorted([*(f for f in earlier if f["on"] <= day), *state["facts"]], key=fact_order)
        state["snapshot"] = None

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


def slim(fact: Fact) -> Fact:
    """A fact as standing keeps it: without data the machine never reads, without a part's instant."""
    if fact["type"] in _READ and "at" not in fact:
        return fact
    return {"type": fact["type"], "on": fact["on"], "seq": fact["seq"], "event_id": fact["event_id"],
            "data": fact["data"] if fact["type"] in _READ else {}}


def _behind(snap: State, fact: Fact) -> None:
    """A fact the machine never reads, dated before the snapshot: it only may be the snapshot's last fact
    (what a tick names as the cause of a change that has none)."""
    last = snap.get("last")
    if last is None or fact_order(fact) > fact_order(last):
        snap["last"] = {k: fact[k] for k in ("type", "on", "seq", "event_id")}


def settled(watermark: date) -> date:
    """The date the snapshot settles on: the end of the month before the one `HORIZON_DAYS` back."""
    return (watermark - timedelta(days=HORIZON_DAYS)).replace(day=1) - timedelta(days=1)


def settle(state: State) -> None:
    """Move the snapshot to `settled(watermark)` when that is later: the machine run there from the last
    snapshot, and the facts dated up to it dropped (a pure function of the facts and the watermark, so
    both modes store the same state whenever a relayed notice arrives)."""
    if state["watermark"] is None:
        return
    target = settled(date.fromisoformat(state["watermark"])).isoformat()
    snap = state.get("snapshot")
    if snap is not None and target <= snap["on"]:
        return
    facts: list[Fact] = state["facts"]
    farm = str(state.get("farm_id", ""))
    machine = settling(farm, snap, facts).run(date.fromisoformat(target))
    machine.today = date.fromisoformat(target)  # run through that day (whichever fact was its last)
    done = [f for f in facts if f["on"] <= target]
    last = max(done, key=fact_order) if done else (snap or {}).get("last")
    state["snapshot"] = {"on": target, "machine": dump(machine),
                         "last": {k: last[k] for k in ("type", "on", "seq", "event_id")} if last else None}
    state["facts"] = [f for f in facts if f["on"] > target]
    settled_machine(farm, (snap, facts), state["snapshot"], state["facts"], machine)


def upgraded(old: State) -> tuple[State, dict[str, State]]:
    """A standing state of the earlier shape (every fact of the farm, no snapshot) as this one, and the
    `conduct` parts of its facts (the migration on first start)."""
    facts = sorted(old.get("facts", []), key=fact_order)
    state = {**old, "first": facts[0]["on"] if facts else None, "snapshot": None, "facts": [slim(f) for f in facts]}
    settle(state)
    return state, conduct.upgraded(facts)


def _months(first: date, last: date) -> list[str]:
    out, day = [], first.replace(day=1)
    while day <= last:
        out.append(day.isoformat()[:7])
        day = add_months(day, 1)
    return out


def violation_of(state: State, violation_id: str) -> Mapping[str, Any] | None:
    """A violation found on this farm (its `ViolationFound` data), from the facts or the snapshot."""
    for fact in state.get("facts", []):
        if fact["type"] == "ViolationFound" and fact["data"]["violation_id"] == violation_id:
            data: Mapping[str, Any] = fact["data"]
            return data
    kept = ((state.get("snapshot") or {}).get("machine") or {}).get("violations", {}).get(violation_id)
    return kept[0] if kept else None


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
    if not state or not (state.get("facts") or state.get("snapshot")):
        return []
    out = []
    for change in standing_changes(state, day):
        if change.key() not in state["emitted"]:
            out.append(change_event(state, change, _as_known(state, change.on, at)))
    return out


def _as_known(state: State, on: date, at: datetime) -> RecordedEvent:
    """The farm's last fact dated up to `on` (the snapshot's last one if none after it is), as the tick
    knows it at `at` (what `derive` dates and names a derived event by)."""
    day = on.isoformat()
    known = [f for f in state["facts"] if f["on"] <= day]
    last = max(known, key=fact_order) if known else (state.get("snapshot") or {}).get("last") or state["facts"][0]
    return RecordedEvent(last["event_id"], last["type"], state["farm_id"], at, at, "system", {})
