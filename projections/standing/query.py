"""Pure queries over the standing projection's state: the answer of `dignity standing`, the changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.projection import State
from projections.standing.facts import Fact
from projections.standing.machine import Change, Machine

NAME = "standing"


_last: tuple[list[Fact], int, date, Machine] | None = None


def replay(state: State, as_of: date) -> Machine:
    """The farm's machine run over every fact dated up to `as_of` (later facts are never read).

    The last answer is kept: one query asks several rules about the same farm and date. Facts only ever
    grow, so the same list object with the same length is the same facts."""
    global _last
    facts: list[Fact] = state.get("facts", [])
    last = _last
    if last is not None and last[0] is facts and last[1] == len(facts) and last[2] == as_of:
        return last[3]
    machine = Machine(list(facts)).run(as_of)
    _last = (facts, len(facts), as_of, machine)
    return machine


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
    return replay(state, up_to).changes
