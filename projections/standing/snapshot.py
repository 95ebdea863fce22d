"""The standing machine as stored: a snapshot at a date (JSON-native), and the machine as it stood on any
earlier date, read from the snapshot's timeline of intervals instead of a replay.

The machine never looks ahead (a day's end depends on the facts dated up to it), so the run to a date
before the snapshot is the snapshot's own past: the answer timeline, the changes dated up to it, and each
suspension and probation interval in its version of that day.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from projections.standing.facts import Fact
from projections.standing.machine import Answer, Change, Machine, Probation, Suspension

Json = dict[str, Any]


def _d(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _days(values: dict[str, str]) -> dict[str, date]:
    return {k: date.fromisoformat(v) for k, v in values.items()}


def _isos(values: dict[str, date]) -> dict[str, str]:
    return {k: v.isoformat() for k, v in values.items()}


_DATES = {"notice_on", "planned", "fixed_until", "start", "until", "cure_end", "ended_on"}


def _record(rec: Suspension | Probation) -> Json:
    out: Json = {}
    for f in fields(rec):
        value = getattr(rec, f.name)
        if f.name in _DATES:
            value = _d(value)
        elif f.name == "periods":
            value = [[_d(a), _d(b)] for a, b in value]
        elif f.name == "causes":
            value = list(value)
        out[f.name] = value
    return out


def _unrecord(data: Json) -> Suspension | Probation:
    values: dict[str, Any] = {k: (_day(v) if k in _DATES else v) for k, v in data.items()}
    values["causes"] = tuple(data["causes"])
    if "periods" in data:
        values["periods"] = [[_day(a), _day(b)] for a, b in data["periods"]]
        return Suspension(**values)
    return Probation(**values)


def _versions(kept: list[tuple[date, Suspension | Probation]]) -> list[list[Any]]:
    """An interval's versions: the first whole, each later one as the fields it changed."""
    out: list[list[Any]] = []
    before: Json = {}
    for on, rec in kept:
        now = _record(rec)
        out.append([_d(on), {k: v for k, v in now.items() if before.get(k, ...) != v}])
        before = now
    return out


def _unversions(stored: list[list[Any]]) -> list[tuple[date, Suspension | Probation]]:
    out: list[tuple[date, Suspension | Probation]] = []
    whole: Json = {}
    for on, changed in stored:
        whole = {**whole, **changed}
        out.append((date.fromisoformat(on), _unrecord(whole)))
    return out


def _change(c: Change) -> list[Any]:
    return [_d(c.on), c.standing, c.stayed, _d(c.since), c.kind, c.rule, c.subject_id, c.suspension_id,
            _d(c.until), c.cascade_of, list(c.causes)]


def _unchange(v: list[Any]) -> Change:
    on, standing, stayed, since, kind, rule, subject, sid, until, cascade_of, causes = v
    return Change(date.fromisoformat(on), standing, stayed, date.fromisoformat(since), kind, rule, subject, sid,
                  _day(until), cascade_of, tuple(causes))


def dump(m: Machine) -> Json:
    """The machine at the end of its last day, JSON-native. Its current intervals are the last versions of
    the timeline, so they are not stored twice."""
    return {
        "today": _d(m.today) if m.today != date.min else None,
        "timers": [[_d(on), n, name, key, _d(stamp)] for on, n, name, key, stamp in m._timers],
        "tick": m._tick, "enrolled_on": _d(m.enrolled_on), "withdrawn": m.withdrawn,
        "violations": {k: [d, _d(on), cause] for k, (d, on, cause) in m.violations.items()},
        "terminated": _isos(m.terminated), "remedy_due": _isos(m.remedy_due), "remedy_done": _isos(m.remedy_done),
        "reentry": [_d(r) for r in m.reentry],
        "appeals": {k: {**a, "filed": _d(a["filed"])} for k, a in m.appeals.items()},
        "appeal_of": dict(m.appeal_of), "fee_due": _isos(m.fee_due), "fee_paid": _isos(m.fee_paid),
        "cure_by": _isos(m.cure_by), "changes": [_change(c) for c in m.changes],
        "last": list(m._last), "since": _d(m._since),
        "answers": [[_d(on), s, stayed, _d(since), n, _d(until)] for on, s, stayed, since, n, until in m.answers],
        "versions": {k: _versions(v) for k, v in m.versions.items()},
    }


def load(data: Json, facts: list[Fact]) -> Machine:
    """A machine carried on from a snapshot: `facts` (all dated after it) are the ones it runs next."""
    m = Machine(facts)
    m.today = _day(data["today"]) or date.min
    m._timers = [(date.fromisoformat(on), n, name, key, date.fromisoformat(stamp))
                 for on, n, name, key, stamp in data["timers"]]
    heapq.heapify(m._timers)
    m._tick, m.enrolled_on, m.withdrawn = data["tick"], _day(data["enrolled_on"]), data["withdrawn"]
    m.violations = {k: (d, date.fromisoformat(on), cause) for k, (d, on, cause) in data["violations"].items()}
    m.terminated, m.remedy_due, m.remedy_done = (_days(data["terminated"]), _days(data["remedy_due"]),
                                                 _days(data["remedy_done"]))
    m.reentry = [date.fromisoformat(r) for r in data["reentry"]]
    m.appeals = {k: {**a, "filed": date.fromisoformat(a["filed"])} for k, a in data["appeals"].items()}
    m.appeal_of, m.fee_due, m.fee_paid = dict(data["appeal_of"]), _days(data["fee_due"]), _days(data["fee_paid"])
    m.cure_by, m.changes = _days(data["cure_by"]), [_unchange(c) for c in data["changes"]]
    m._last, m._since = (data["last"][0], data["last"][1]), _day(data["since"])
    m.answers = [(date.fromisoformat(on), s, stayed, _day(since), n, _day(until))
                 for on, s, stayed, since, n, until in data["answers"]]
    m.versions = {k: _unversions(v) for k, v in data["versions"].items()}
    for key, kept in m.versions.items():  # the current intervals: each one's last version, as its own copy
        current = _unrecord(_record(kept[-1][1]))
        if key.startswith("s:"):
            m.suspensions[key[2:]] = current  # type: ignore[assignment]
        else:
            m.probations[key[2:]] = current  # type: ignore[assignment]
    return m


@dataclass
class Past:
    """The machine as it stood at the end of a day before its snapshot: what the queries read of it."""

    suspensions: dict[str, Suspension]
    probations: dict[str, Probation]
    changes: list[Change]
    answer: Answer | None

    def standing(self) -> str | None:
        return self.answer[1] if self.answer else None

    def stayed(self) -> bool:
        return self.answer[2] if self.answer else False

    def since(self) -> date | None:
        return self.answer[3] if self.answer else None

    def suspension_count(self) -> int:
        return self.answer[4] if self.answer else 0

    def suspended_until(self) -> date | None:
        return self.answer[5] if self.answer else None


def past(m: Machine, on: date) -> Past:
    """`m` (run to a later date) as a run to `on` would have left it."""
    suspensions: dict[str, Suspension] = {}
    probations: dict[str, Probation] = {}
    for key, kept in m.versions.items():
        version = next((r for d, r in reversed(kept) if d <= on), None)
        if isinstance(version, Suspension):
            suspensions[key[2:]] = version
        elif isinstance(version, Probation):
            probations[key[2:]] = version
    answer = next((a for a in reversed(m.answers) if a[0] <= on), None)
    return Past(suspensions, probations, [c for c in m.changes if c.on <= on], answer)
