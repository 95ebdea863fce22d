"""PE-1 as rule queries: the Article I offender's termination within 24 hours (a deadline), and the hire of
a person banned from participating farms (a finding, checked against the cross-farm `bans` directory)."""

from __future__ import annotations

from datetime import date, timedelta

from projections.compliance import FarmView, Finding, Obligation
from projections.personnel.bans import BANNABLE, ban_on
from projections.standing.view import facts, first_on

BANS = "bans"
"""The view's directory entry: {"rows": [ban rows of the people hired on this farm]} (the loader fills it)."""


def offender_terminated(view: FarmView) -> list[Obligation]:
    out = []
    for f in facts(view, "ViolationFound"):
        d = f["data"]
        offender = d.get("offender") or {}
        if d["article"] != "I" or offender.get("role") not in BANNABLE or not offender.get("person_id"):
            continue
        met = first_on(view, "OffenderTerminated", violation_id=d["violation_id"])
        out.append(Obligation("PE-1", view.farm_id, offender["person_id"],
                              date.fromisoformat(f["on"]) + timedelta(days=1), met[0] if met else None,
                              (f["event_id"], *([met[1]] if met else []))))
    return out


def banned_hires(view: FarmView) -> list[Finding]:
    rows = view.state(BANS).get("rows", [])
    out = []
    for f in facts(view, "PersonnelHired", "WorkerHired"):
        person = f["data"].get("person_id") or f["data"].get("worker_id")
        hired = date.fromisoformat(f["on"])
        ban = ban_on(rows, person, hired)
        if ban is None:
            continue
        last = ban.until - timedelta(days=1) if ban.until else None
        out.append(Finding("PE-1", view.farm_id, person, hired,
                           {"banned_until": last.isoformat() if last else "life",
                            "violations": list(ban.violation_ids)}, (f["event_id"],)))
    return out


DEADLINES = [offender_terminated]
FINDINGS = [banned_hires]
