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


def banned_while_employed(view: FarmView) -> list[Finding]:
    """App. C IV.1: a person banned for a violation at another participating farm while already employed
    here (hired before the ban started, not separated before it) may not keep working here: a finding on
    the day the ban starts. (A ban for this farm's own violation is the termination deadline above.)"""
    rows = [r for r in view.state(BANS).get("rows", []) if r["farm_id"] != view.farm_id]
    workers = view.state("membership").get("workers", {})
    out = []
    for f in facts(view, "PersonnelHired", "WorkerHired"):
        person = f["data"].get("person_id") or f["data"].get("worker_id")
        left = (workers.get(person) or {}).get("separated_on") if f["type"] == "WorkerHired" else None
        today = view.as_of.isoformat()
        starts = sorted((r for r in rows if r["person_id"] == person and f["on"] < r["from_on"] <= today
                         and (left is None or left >= r["from_on"])), key=lambda r: (r["from_on"], r["violation_id"]))
        if not starts:
            continue
        first = starts[0]
        ban = ban_on(rows, person, date.fromisoformat(first["from_on"]))
        last = ban.until - timedelta(days=1) if ban and ban.until else None
        out.append(Finding("PE-1", view.farm_id, person, date.fromisoformat(first["from_on"]),
                           {"banned_until": last.isoformat() if last else "life", "while_employed": True,
                            "banned_at": first["farm_id"], "violations": [first["violation_id"]]},
                           (f["event_id"],)))
    return out


DEADLINES = [offender_terminated]
FINDINGS = [banned_hires, banned_while_employed]
