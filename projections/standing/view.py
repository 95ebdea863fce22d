"""How the CO/AU/AP/PE rule queries read a farm: its conduct facts up to the date asked about, and the
standing machine on that date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from projections.compliance import FarmView
from projections.standing.conduct import view_facts
from projections.standing.facts import Fact
from projections.standing.machine import Machine
from projections.standing.query import NAME, replay
from projections.standing.snapshot import Past


def facts(view: FarmView, *types: str) -> list[Fact]:
    """The farm's facts of these types dated up to `view.as_of`, in business-time order (the `conduct`
    fold's: standing keeps only those after its snapshot)."""
    return view_facts(view, types)


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


def machine(view: FarmView) -> Machine | Past:
    return replay(view.state(NAME), view.as_of)
