"""The farm page's timeline: standing bands over time, the farm's events on the line, deadlines met and missed.

Pure: built from the standing query's changes, the farm's history rows and `dignity deadlines` rows, so
the page shows what the CLI answers. Many marks on one day (a payroll run, PT-8's one row per pay line)
are drawn once with a count.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from projections.calendar import local_date
from projections.standing.machine import Change

LANES = ("conduct", "membership", "pay", "deadlines")
LANE_TITLES = {"conduct": "complaints, audits…", "membership": "membership", "pay": "premium & payroll",
               "deadlines": "deadlines"}
PAY = frozenset({"PremiumRemitted", "PremiumReportSubmitted", "PayrollLineRecorded"})
MEMBERSHIP = frozenset({
    "FarmEnrolled", "FarmWithdrawn", "BuyerLinked", "BuyerUnlinked", "CooperativeLinked", "OrientationCompleted",
    "EducationSessionHeld", "WorkerHired", "WorkerSeparated", "PersonnelHired", "HandbookDistributed",
    "ControlRecorded",
})
DERIVED = frozenset({"DeadlineMissed", "PassThroughDiscrepancy", "StandingChanged", "BuyerNotified",
                     "PersonnelBanViolated"})
"""Derived events are shown by what they mean (bands, deadline marks), not as dots of their own."""
OTHER_LANES = PAY | MEMBERSHIP
"""Every type `lane_of` puts outside the conduct lane: every other type is conduct."""
NOT_CONDUCT = OTHER_LANES | DERIVED
"""What the farm page's conduct list leaves out: the other lanes and the derived events."""
MIN_SPAN = timedelta(days=60)
WINDOW = timedelta(days=366)
"""The timeline shows the year up to `as of` (an earlier `as of` shows earlier years), so recent months
stay readable for a farm enrolled long ago."""


@dataclass(frozen=True, slots=True)
class Band:
    start: date
    end: date
    standing: str
    stayed: bool
    label: str


@dataclass(frozen=True, slots=True)
class Mark:
    on: date
    lane: str
    kind: str
    """The event type, or a deadline's status (met, missed, open)."""
    label: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class Timeline:
    start: date
    end: date
    as_of: date
    bands: list[Band]
    marks: list[Mark]


def build(enrolled_on: date, as_of: date, changes: Sequence[Change], history_rows: Iterable[dict[str, Any]],
          deadline_rows: Iterable[dict[str, Any]], time_zone: str | None) -> Timeline:
    start = window_start(enrolled_on, as_of)
    end = max(as_of, start + MIN_SPAN)
    marks = [m for m in (*event_marks(history_rows, time_zone, as_of), *deadline_marks(deadline_rows, end))
             if m.on >= start]
    shown = [Band(max(b.start, start), b.end, b.standing, b.stayed, b.label)
             for b in bands(min(enrolled_on, as_of), as_of, changes) if b.end > start]
    return Timeline(start, end, as_of, shown, marks)


def window_start(enrolled_on: date, as_of: date) -> date:
    """The first day the timeline shows: nothing before it is marked."""
    return max(min(enrolled_on, as_of), as_of - WINDOW)


def marked_since(enrolled_on: date, as_of: date) -> datetime:
    """The earliest moment an event marked on the timeline may have occurred: the window's first day a day
    early, in UTC (a farm's local date is never a whole day off UTC), so the reader may leave out the rest."""
    return datetime.combine(window_start(enrolled_on, as_of) - timedelta(days=1), time.min, UTC)


def bands(enrolled_on: date, as_of: date, changes: Sequence[Change]) -> list[Band]:
    """Good standing from enrolment (SU-3), then one band per change, up to `as_of`."""
    out: list[Band] = []
    current = Band(enrolled_on, as_of, "good_standing", False, "good standing since enrolment")
    for change in changes:
        if change.on > as_of:
            break
        if change.on > current.start:
            out.append(Band(current.start, change.on, current.standing, current.stayed, current.label))
        current = Band(change.on, as_of, change.standing, change.stayed, describe(change))
    if as_of >= current.start:
        out.append(Band(current.start, as_of, current.standing, current.stayed, current.label))
    return out


def describe(change: Change) -> str:
    text = f"{change.standing.replace('_', ' ')} since {change.on.isoformat()}"
    if change.stayed:
        text += " (suspension stayed by a pending appeal)"
    why = f"{change.kind.replace('_', ' ')}: {change.rule} {change.subject_id}".strip()
    if change.until is not None:
        why += f", period ends {change.until.isoformat()}"
    return f"{text} — {why}"


def lane_of(event_type: str) -> str:
    if event_type in PAY:
        return "pay"
    if event_type in MEMBERSHIP:
        return "membership"
    return "conduct"


def event_marks(rows: Iterable[dict[str, Any]], time_zone: str | None, as_of: date) -> list[Mark]:
    per_day: Counter[tuple[date, str, str]] = Counter()
    first: dict[tuple[date, str, str], str] = {}
    for body in rows:
        if body["type"] in DERIVED:
            continue
        on = local_date(datetime.fromisoformat(body["occurred_at"]), time_zone)
        if on > as_of:
            continue
        key = (on, lane_of(body["type"]), body["type"])
        per_day[key] += 1
        if key not in first:  # a label for the first alone: a payroll run is hundreds of rows
            first[key] = summary(body)
    return [Mark(on, lane, kind, first[(on, lane, kind)] if n == 1 else f"{n} × {kind}", n)
            for (on, lane, kind), n in sorted(per_day.items())]


def summary(body: dict[str, Any]) -> str:
    """A one-line label for an event: its type and the ids or values that name it."""
    data = body.get("data") or {}
    keys = ("complaint_id", "audit_id", "violation_id", "cap_id", "cr_id", "appeal_id", "suspension_id",
            "buyer_id", "worker_id", "remittance_id", "outcome", "article", "clause", "amount", "reason")
    parts = [f"{k}={data[k]}" for k in keys if data.get(k) not in (None, "", [], {})]
    return f"{body['type']} " + ", ".join(parts[:4])


def deadline_marks(rows: Iterable[dict[str, Any]], end: date) -> list[Mark]:
    """One mark per due day and status (missed, met, or still open), naming the rules with their counts."""
    per_rule: Counter[tuple[date, str, str]] = Counter()
    for r in rows:
        due = date.fromisoformat(r["due"])
        if due <= end:
            per_rule[(due, r["status"], r["rule"])] += 1
    grouped: dict[tuple[date, str], list[tuple[str, int]]] = {}
    for (due, status, rule), n in sorted(per_rule.items()):
        grouped.setdefault((due, status), []).append((rule, n))
    return [Mark(due, "deadlines", status,
                 f"due {due.isoformat()}, {status}: " + ", ".join(r if n == 1 else f"{n} × {r}" for r, n in rules),
                 sum(n for _, n in rules))
            for (due, status), rules in sorted(grouped.items())]
