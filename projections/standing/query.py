"""Pure queries over the standing projection's state: the answer of `dignity standing`, the changes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.projection import State
from projections.standing.facts import Fact
from projections.standing.machine import Change, Machine
from projections.standing.snapshot import Past, load, past

NAME = "standing"


_KEPT = 4096
"""Farms whose last machine is kept (in memory, never stored): the next fact or query carries it on."""
_Kept = tuple[list[Fact], int, date, Machine, object]
_machines: OrderedDict[str, _Kept] = OrderedDict()
_pasts: OrderedDict[str, tuple[object, Machine]] = OrderedDict()
_settled: OrderedDict[str, tuple[object, Machine]] = OrderedDict()
"""Each farm's machine as its last settle left it (at the snapshot's date, with the dump it was stored as):
the next settle runs it on instead of decoding the snapshot."""
_lock = threading.Lock()


def replay(state: State, as_of: date) -> Machine | Past:
    """The farm's machine at the end of `as_of`: its snapshot (the machine at the snapshot's date) carried
    on over the facts dated after it up to `as_of` (later facts are never read), or for a date before the
    snapshot, the snapshot's own past (`snapshot.past`). Never a replay from the first fact.

    The farm's last machine is kept: one query asks several rules about the same farm and date, and the
    fold asks again on each fact at a later watermark. While the state holds the same snapshot (the same
    dict, or an equal one: a re-opened snapshot settles again on the same date with other contents) and
    the same facts up to the last date, the machine is carried on from there over the facts after it."""
    snap = state.get("snapshot")
    farm = str(state.get("farm_id", ""))
    if snap is not None and as_of.isoformat() < snap["on"]:
        return past(_snapshot_machine(farm, snap), as_of)
    facts: list[Fact] = state.get("facts", [])
    with _lock:
        kept = _machines.get(farm)
        if kept is not None and (kept[4] is snap or kept[4] == snap) and (kept[0] is facts or _same(kept, facts)):
            _, seen, until, machine, _ = kept
            if seen == len(facts) and until == as_of:
                _machines.move_to_end(farm)
                return machine
            if as_of >= until and _later_only(facts, machine, until):
                day = as_of.isoformat()
                machine.resume([f for f in facts[machine.fed:] if f["on"] <= day], as_of)
                _keep(farm, (facts, len(facts), as_of, machine, snap))
                return machine
        machine = (load(snap["machine"], list(facts)) if snap is not None else Machine(list(facts))).run(as_of)
        _keep(farm, (facts, len(facts), as_of, machine, snap))
        return machine


def settling(farm: str, snap: State | None, facts: list[Fact]) -> Machine:
    """The machine at the snapshot's date, to be run over `facts` (all dated after it) to the next one: the
    one the farm's last settle made while the snapshot is still its dump (equal, whatever the dict), else
    the snapshot decoded. Handed out once: the settle runs it on."""
    if snap is None:
        return Machine(facts)
    with _lock:
        kept = _settled.pop(str(farm), None)
    if kept is not None and (kept[0] is snap["machine"] or kept[0] == snap["machine"]):
        return kept[1].refeed(facts)
    return load(snap["machine"], facts)


def settled(farm: str, before: tuple[State | None, list[Fact]], snap: State, facts: list[Fact],
            machine: Machine) -> None:
    """A settle moved the farm's snapshot from `before` (snapshot, facts) to `snap` over `facts`, `machine`
    being the one it dumped. Keep that machine for the next settle, and carry the kept machine of
    `replay` (run past the new snapshot's date from the old one, over the same facts) over to the new
    state: it is the one a run from the new snapshot gives, so the next fact resumes it instead of
    decoding the snapshot and running the months after it again."""
    farm, on = str(farm), date.fromisoformat(snap["on"])
    with _lock:
        _settled[farm] = (snap["machine"], machine)
        _settled.move_to_end(farm)
        while len(_settled) > _KEPT:
            _settled.popitem(last=False)
        kept = _machines.get(farm)
        if kept is None:
            return
        old_facts, _, until, running, old_snap = kept
        if old_facts is not before[1] or not (old_snap is before[0] or old_snap == before[0]) \
                or not _later_only(old_facts, running, until):
            return
        if until < on:  # it had not run that far yet: on to the new snapshot's date first
            day = on.isoformat()
            running.resume([f for f in old_facts[running.fed:] if f["on"] <= day], on)
            until = on
        running.rebase(facts, on)
        _keep(farm, (facts, -1, until, running, snap))  # -1: resumed (over nothing new, if so) on its next use


def _snapshot_machine(farm: str, snap: State) -> Machine:
    """The snapshot's machine, decoded once while the state holds it (read only: its past is asked)."""
    with _lock:
        kept = _pasts.get(farm)
        if kept is not None and (kept[0] is snap or kept[0] == snap):
            _pasts.move_to_end(farm)
            return kept[1]
        machine = load(snap["machine"], [])
        _pasts[farm] = (snap, machine)
        while len(_pasts) > _KEPT // 4:
            _pasts.popitem(last=False)
        return machine


def _same(kept: _Kept, facts: list[Fact]) -> bool:
    """A state read again (a query's own copy) holding exactly the facts the kept machine was given."""
    return kept[1] == len(facts) == len(kept[0]) and kept[0] == facts


def _later_only(facts: list[Fact], machine: Machine, until: date) -> bool:
    """No fact dated up to `until` was added since the machine ran to it (so it has applied all of them)."""
    fed = machine.fed
    day = until.isoformat()
    return fed <= len(facts) and (fed == 0 or facts[fed - 1]["on"] <= day) and (
        fed == len(facts) or facts[fed]["on"] > day)


def _keep(farm: str, entry: _Kept) -> None:
    _machines[farm] = entry
    _machines.move_to_end(farm)
    while len(_machines) > _KEPT:
        _machines.popitem(last=False)


@dataclass(frozen=True, slots=True)
class StandingAnswer:
    farm_id: str
    standing: str | None
    since: date | None
    stayed: bool
    suspension_count: int
    suspended_until: date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "farm_id": self.farm_id, "standing": self.standing,
            "since": self.since.isoformat() if self.since else None, "stayed": self.stayed,
            "suspension_count": self.suspension_count,
            "suspended_until": self.suspended_until.isoformat() if self.suspended_until else None,
        }


def standing_as_of(state: State, as_of: date) -> StandingAnswer:
    """SPEC §4 `dignity standing FARM --as-of DATE`: the end-of-day standing on a farm-local date."""
    m = replay(state, as_of)
    return StandingAnswer(state.get("farm_id", ""), m.standing(), m.since(), m.stayed(),
                          m.suspension_count(), m.suspended_until())


def standing_changes(state: State, up_to: date) -> list[Change]:
    """Every standing change dated up to `up_to`, in order: what the distributed timer turns into
    `StandingChanged` events (with `projections.standing.projection.change_event`)."""
    return list(replay(state, up_to).changes)
