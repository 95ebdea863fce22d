"""A case page: one complaint or one violation, with every event about it and the deadlines it opened.

A case gathers its own ids as it reads the farm's history in order: a complaint's resolution (`cr_id`)
once a ResolutionProposed names the complaint, a violation's plan (`cap_id`) once a CapProposed lists it,
and any appeal filed against one of them. Events are shown as the principal may see them (CO-4: a farm
never sees a confidential complainant); the deadlines are `dignity deadlines` rows whose subject is one of
the case's ids, open ones first by due date (what is due next).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from services.auth import policy
from services.auth.roles import Principal
from services.dashboard import timeline
from services.ledger import queries
from services.store.database import now

KINDS = {"complaint": "complaint_id", "violation": "violation_id"}
_LINKS = (("cr_id", "complaint_id"), ("cap_id", "violation_ids"), ("cap_id", "violation_id"))
_ABOUT = ("complaint_id", "violation_id", "cr_id", "cap_id", "subject_id", "appeal_id", "source_id")
KEYS = frozenset({*_ABOUT, "violation_ids"})
"""The data fields that tie an event to a case."""
NAMING_A_SUBJECT = frozenset({"DeadlineMissed", "PassThroughDiscrepancy"})
"""The derived events that may be about a case: their `subject_id`, in the body alone, tells which. Still read
(the sweep publishes them to the derived topic, not the history, so today a history holds none of them)."""
NEVER_SHOWN = timeline.OTHER_LANES | (timeline.DERIVED - NAMING_A_SUBJECT)
"""Left out in SQL: pay and membership events and the other derived ones carry none of `KEYS`
(tests/unit/test_dashboard_bounded_reads.py checks the catalogue), so a case never shows one, and years
of payroll lines are never read to find it."""


@dataclass
class Case:
    kind: str
    case_id: str
    farm_id: str
    ids: set[str]
    events: list[dict[str, Any]]
    deadlines: list[dict[str, Any]]

    @property
    def due_next(self) -> dict[str, Any] | None:
        open_ = [d for d in self.deadlines if d["status"] == "open"]
        return open_[0] if open_ else None


def _about(data: dict[str, Any], ids: set[str]) -> bool:
    for key in _ABOUT:
        if data.get(key) in ids:
            return True
    return any(v in ids for v in data.get("violation_ids") or [])


def case(engine: Engine, who: Principal, farm_id: str, kind: str, case_id: str, as_of: datetime) -> Case:
    """LookupError when the farm's history has no event about the case."""
    key = KINDS[kind]
    ids = {case_id}
    events: list[dict[str, Any]] = []
    for body in queries.farm_history(engine, farm_id, as_of, now(), exclude=NEVER_SHOWN):
        data = body.get("data") or {}
        if data.get(key) == case_id or _about(data, ids):
            for own, link in _LINKS:  # the plan or resolution of this case, then appeals against them
                linked = data.get(link)
                if own in data and (linked == case_id or (isinstance(linked, list) and case_id in linked)):
                    ids.add(data[own])
            if body["type"] == "AppealFiled" and data.get("subject_id") in ids:
                ids.add(data["appeal_id"])
            if body["type"] == "DeadlineMissed" and data.get("subject_id") not in ids:
                continue
            events.append(policy.visible(who, body))
    if not any((e.get("data") or {}).get(key) == case_id for e in events):
        raise LookupError(f"no {kind} {case_id!r} on farm {farm_id!r}")
    rows = [d for d in queries.deadlines(engine, farm_id, as_of, []) if d["subject_id"] in ids]
    order = {"open": 0, "missed": 1, "met": 2}
    rows.sort(key=lambda d: (order.get(d["status"], 3), d["due"], d["rule"]))
    return Case(kind, case_id, farm_id, ids, events, rows)


def cases_of(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """The (kind, id) of every complaint and violation among a farm's events, in order of first mention."""
    seen: dict[tuple[str, str], None] = {}
    for body in rows:
        data = body.get("data") or {}
        if body["type"] == "ComplaintReceived":
            seen.setdefault(("complaint", data["complaint_id"]), None)
        elif body["type"] == "ViolationFound":
            seen.setdefault(("violation", data["violation_id"]), None)
    return list(seen)
