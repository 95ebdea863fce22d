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

NAME = "standing"


_KEPT = 4096
"""Farms whose last machine is kept (in memory, never stored): the next fact or query carries it on."""
_machines: OrderedDict[str, tuple[list[Fact], int, date, Machine]] = OrderedDict()
_lock = threading.Lock()


def replay(state: State, as_of: date) -> Machine:
    """The farm's machine run over every fact dated up to `as_of` (later facts are never read).

    The farm's last machine is kept: one query asks several rules about the same farm and date, and the
    fold asks again on each fact at a later watermark. Facts only ever grow (the state's list, in business-
    time order), so while the same list holds the same facts up to the last date, the machine is carried on
    from there over the facts dated after it instead of replaying from the first fact."""
    facts: list[Fact] = state.get("facts", [])
    farm = str(state.get("farm_id", ""))
    with _lock:
        kept = _machines.get(farm)
        if kept is not None and (kept[0] is facts or _same(kept, facts)):
            _, seen, until, machine = kept
            if seen == len(facts) and until == as_of:
                _machines.move_to_end(farm)
                return machine
            if as_of >= until and _later_only(facts, machine, until):
                day = as_of.isoformat()
                machine.resume([f for f in facts[machine.fed:] if f["on"] <= day], as_of)
                _keep(farm, (facts, len(facts), as_of, machine))
                return machine
        machine = Machine(list(facts)).run(as_of)
        _keep(farm, (facts, len(facts), as_of, machine))
        return machine


def _same(kept: tuple[list[Fact], int, date, Machine], facts: list[Fact]) -> bool:
    """A state read again (a query's own copy) holding exactly the facts the kept machine was given."""
    return kept[1] == len(facts) == len(kept[0]) and kept[0] == facts


def _later_only(facts: list[Fact], machine: Machine, until: date) -> bool:
    """No fact dated up to `until` was added since the machine ran to it (so it has applied all of them)."""
    fed = machine.fed
    day = until.isoformat()
    return fed <= len(facts) and (fed == 0 or facts[fed - 1]["on"] <= day) and (
        fed == len(facts) or facts[fed]["on"] > day)


def _keep(farm: str, entry: tuple[list[Fact], int, date, Machine]) -> None:
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
