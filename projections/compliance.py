"""What the rule queries answer (SPEC §4 `deadlines` and `findings`), and what they are given.

A rule module exposes `deadlines(view)` and/or `findings(view)`: pure functions of a farm's states, the
program's reference states and the date asked about. The embedded mode calls them at query time; the
distributed timer calls the same functions to emit `DeadlineMissed` and `PassThroughDiscrepancy`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, TypeVar

from projections.projection import State

Status = Literal["open", "met", "missed"]
T = TypeVar("T")
_UNSET = object()


@dataclass(frozen=True, slots=True)
class Obligation:
    """Something due by the end of `due` (farm time); `met_on` is when the event that satisfies it happened."""

    rule: str
    farm_id: str
    subject_id: str
    due: date
    met_on: date | None = None
    causes: tuple[str, ...] = ()
    """event_ids that opened (and met) it: the causation of a derived DeadlineMissed."""
    not_before: date | None = None
    """A window's first day: met earlier than this is missed too (AP-2: no hearing under 10 days)."""

    def status(self, as_of: date) -> Status:
        if self.met_on is not None and self.met_on <= as_of:
            early = self.not_before is not None and self.met_on < self.not_before
            return "met" if self.met_on <= self.due and not early else "missed"
        return "missed" if as_of > self.due else "open"

    def as_json(self, as_of: date) -> dict[str, Any]:
        met = self.met_on if self.met_on is not None and self.met_on <= as_of else None
        return {
            "rule": self.rule, "farm_id": self.farm_id, "subject_id": self.subject_id,
            "due": self.due.isoformat(), "status": self.status(as_of),
            "met_on": met.isoformat() if met else None,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """A compliance finding that is not a deadline, dated by the business date it concerns."""

    rule: str
    farm_id: str
    subject_id: str
    on: date
    detail: Mapping[str, Any] = field(default_factory=dict)
    causes: tuple[str, ...] = ()
    """event_ids the finding rests on: the causation of a derived event."""

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "farm_id": self.farm_id, "subject_id": self.subject_id,
                "on": self.on.isoformat(), "detail": dict(self.detail)}


@dataclass(frozen=True)
class FarmView:
    """Everything a rule query may read about one farm, as of a farm-local date."""

    farm_id: str
    states: Mapping[str, State]
    program: Mapping[str, State]
    as_of: date
    _memo: dict[Hashable, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What the rule queries read from these states, made once per view (`remembered`). A view is made for
    one question and its states are not changed after: a new question (or `dataclasses.replace`) is a new
    view with an empty memo, so nothing read here outlives the states it was read from."""

    def state(self, projection: str) -> State:
        return self.states.get(projection) or {}

    def remembered(self, key: Hashable, make: Callable[[], T]) -> T:
        """`make()`, once per view and key: every rule query of one fold reads the same parse of the states
        (the payroll books, the conduct facts). What `make` raises is raised again on the next ask."""
        found = self._memo.get(key, _UNSET)
        if found is _UNSET:
            found = self._memo[key] = make()
        return found  # type: ignore[no-any-return]


DeadlineQuery = Callable[[FarmView], list[Obligation]]
FindingQuery = Callable[[FarmView], list[Finding]]


def ordered(rows: list[Obligation]) -> list[Obligation]:
    return sorted(rows, key=lambda o: (o.due, o.rule, o.subject_id))
