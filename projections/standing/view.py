"""How the CO/AU/AP/PE rule queries read a farm: its conduct facts up to the date asked about."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from projections.compliance import FarmView
from projections.standing.facts import Fact, facts_until
from projections.standing.machine import Machine
from projections.standing.query import NAME, replay


def facts(view: FarmView, *types: str) -> list[Fact]:
    """The farm's facts of these types dated up to `view.as_of`, in business-time order."""
    return [f for f in facts_until(view.state(NAME).get("facts", []), view.as_of) if not types or f["type"] in types]


def first_on(view: FarmView, type_: str, **match: Any) -> tuple[date, str] | None:
    """The date and event id of the first fact of `type_` whose data has these values."""
    for f in facts(view, type_):
        if all(f["data"].get(k) == v for k, v in match.items()):
            return date.fromisoformat(f["on"]), f["event_id"]
    return None


def latest(view: FarmView, type_: str, key: str) -> Iterator[Fact]:
    """The last fact of `type_` per value of `key` (a re-proposed CAP replaces the earlier one)."""
    last: dict[str, Fact] = {}
    for f in facts(view, type_):
        last[f["data"][key]] = f
    return iter(last.values())


def machine(view: FarmView) -> Machine:
    return replay(view.state(NAME), view.as_of)
