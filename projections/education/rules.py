"""ED-1 and ED-2 (Code Part 2 ¶2, ¶4) as deadlines, for every Qualifying Worker (App. A 13).

ED-1: a QW employed on Dec 31 of a year and hired before Oct 1 of it attends sessions totalling at least
two hours that calendar year; due Dec 31, met on the day the hours reach two; subject `WORKER/YYYY`.
ED-2: the handbook reaches a QW within 7 days of hire; a QW already employed when the farm enrolled,
within 7 days of the enrolment; subject the worker id.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from projections.calendar import add_days
from projections.compliance import FarmView, Obligation
from projections.education.projection import NAME
from projections.passthrough.eligibility import qualifying
from projections.standing.view import first_on

HOURS_A_YEAR = Decimal(2)
HANDBOOK_DAYS = 7
CUTOFF = (10, 1)
"""ED-1 concerns workers hired before Oct 1 of the year (docs/decisions.md)."""


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def workers(view: FarmView) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The farm's qualifying workers with a hire date, by id."""
    for worker_id, w in sorted(view.state("membership").get("workers", {}).items()):
        if qualifying(w) and w.get("hired_on"):
            yield worker_id, w


def _employed_on(w: Mapping[str, Any], day: date) -> bool:
    """Hired by `day` and not separated before it (the separation date is the last day employed)."""
    left = _iso(w.get("separated_on"))
    return date.fromisoformat(w["hired_on"]) <= day and (left is None or left >= day)


def education_hours(view: FarmView) -> list[Obligation]:
    enrolled = _iso(view.state("membership").get("enrolled_on"))
    if enrolled is None:
        return []
    sessions = sorted(view.state(NAME).get("sessions", {}).items(), key=lambda kv: (kv[1]["on"], kv[0]))
    first_year = enrolled.year if enrolled < date(enrolled.year, *CUTOFF) else enrolled.year + 1
    rows = []
    for year in range(first_year, view.as_of.year + 1):
        cutoff, due = date(year, *CUTOFF), date(year, 12, 31)
        for worker_id, w in workers(view):
            if date.fromisoformat(w["hired_on"]) >= cutoff or not _employed_on(w, min(due, view.as_of)):
                continue
            if view.as_of < cutoff and not _employed_on(w, view.as_of):
                continue
            met_on, causes = _two_hours(sessions, worker_id, year)
            rows.append(Obligation("ED-1", view.farm_id, f"{worker_id}/{year}", due, met_on,
                                   (*_hire(view, worker_id), *causes)))
    return rows


def _hire(view: FarmView, worker_id: str) -> tuple[str, ...]:
    """The hire's event id: what an obligation about a worker rests on."""
    hit = first_on(view, "WorkerHired", worker_id=worker_id)
    return (hit[1],) if hit else ()


def _two_hours(sessions: list[tuple[str, Mapping[str, Any]]], worker_id: str, year: int
               ) -> tuple[date | None, tuple[str, ...]]:
    total, causes = Decimal(0), []
    for event_id, s in sessions:
        if worker_id in s["worker_ids"] and s["on"][:4] == str(year):
            total += Decimal(s["hours"])
            causes.append(event_id)
            if total >= HOURS_A_YEAR:
                return date.fromisoformat(s["on"]), tuple(causes)
    return None, tuple(causes)


def handbooks(view: FarmView) -> list[Obligation]:
    enrolled = _iso(view.state("membership").get("enrolled_on"))
    if enrolled is None:
        return []
    given = sorted(view.state(NAME).get("handbooks", {}).items(), key=lambda kv: (kv[1]["on"], kv[0]))
    rows = []
    for worker_id, w in workers(view):
        hired = date.fromisoformat(w["hired_on"])
        left = _iso(w.get("separated_on"))
        if left is not None and left < enrolled:
            continue  # gone before the farm joined the program
        start = max(hired, enrolled)
        if start > view.as_of:
            continue
        first = next(((on, eid) for eid, h in given if worker_id in h["worker_ids"]
                      and (on := date.fromisoformat(h["on"])) >= hired), None)
        rows.append(Obligation("ED-2", view.farm_id, worker_id, add_days(start, HANDBOOK_DAYS),
                               first[0] if first else None, (*_hire(view, worker_id), *((first[1],) if first else ()))))
    return rows


DEADLINES = [education_hours, handbooks]
