"""AU-1..AU-8 and CAP actions as rule queries (deadlines), and AU-2 (a finding for MDSC to act on)."""

from __future__ import annotations

from datetime import date, timedelta

from projections.appeals.checks import AppealCheck, appeal_checks
from projections.audits.approval import cap_approved_on
from projections.calendar import add_months
from projections.compliance import FarmView, Finding, Obligation
from projections.standing.facts import Fact
from projections.standing.view import facts, first_on, latest, machine

ORIENTATION_MONTHS = 3
IMPLEMENT_DAYS = 7


def _met(hit: tuple[date, str] | None) -> tuple[date | None, tuple[str, ...]]:
    return (hit[0], (hit[1],)) if hit else (None, ())


def orientation(view: FarmView) -> list[Obligation]:
    """AU-1: orientation within 3 months of enrolment (Part 2 ¶1)."""
    enrolled = facts(view, "FarmEnrolled")
    if not enrolled:
        return []
    met, by = _met(first_on(view, "OrientationCompleted"))
    start = date.fromisoformat(enrolled[0]["on"])
    return [Obligation("AU-1", view.farm_id, view.farm_id, add_months(start, ORIENTATION_MONTHS), met,
                       (enrolled[0]["event_id"], *by))]


def _contact_violence(d: dict[str, object]) -> bool:
    clause = d.get("clause")
    return d["article"] == "I" and (clause == "c" or (clause == "d" and bool(d.get("with_contact", True))))


def offender_terminated(view: FarmView) -> list[Obligation]:
    """AU-4: violence or sexual harassment with contact: the offender is terminated by the end of the day
    after the finding, or the farm is suspended. An owner offender means suspension: nothing to meet."""
    out = []
    for f in facts(view, "ViolationFound"):
        d = f["data"]
        if not _contact_violence(d) or (d.get("offender") or {}).get("role") == "owner":
            continue
        met, by = _met(first_on(view, "OffenderTerminated", violation_id=d["violation_id"]))
        out.append(Obligation("AU-4", view.farm_id, d["violation_id"],
                              date.fromisoformat(f["on"]) + timedelta(days=1), met, (f["event_id"], *by)))
    return out


def _remedies(view: FarmView, rule: str, wanted: set[tuple[str, str | None]]) -> list[Obligation]:
    found = {f["data"]["violation_id"]: f for f in facts(view, "ViolationFound")}
    out = []
    for f in latest(view, "RemedyDesignated", "violation_id"):
        vid = f["data"]["violation_id"]
        violation = found.get(vid)
        if violation is None or (violation["data"]["article"], violation["data"].get("clause")) not in wanted:
            continue
        met, by = _met(first_on(view, "RemedyCompleted", violation_id=vid))
        out.append(Obligation(rule, view.farm_id, vid, date.fromisoformat(f["data"]["due_on"]), met,
                              (violation["event_id"], f["event_id"], *by)))
    return out


def retaliation_remedied(view: FarmView) -> list[Obligation]:
    """AU-5: retaliation (Article I e): the designated remedy by its due date, or suspension."""
    return _remedies(view, "AU-5", {("I", "e")})


def article_ii_remedied(view: FarmView) -> list[Obligation]:
    """AU-6: an Article II violation's remedy by the date MDSC designates, or probation."""
    return _remedies(view, "AU-6", {("II", c) for c in "abcdefghijklmno"})


def cure_period(view: FarmView) -> list[Obligation]:
    """AU-8: after a failed remedial audit the farm cures by the end of the cure period, shown by a passed
    remedial audit (a failed one suspends the farm; `likely_to_comply` extends the period)."""
    return [Obligation("AU-8", view.farm_id, p.subject_id, p.cure_end,
                       p.ended_on if p.ended_by == "cure" else None, p.causes)
            for p in machine(view).probations.values() if p.rule == "AU-8" and p.cure_end is not None]


def cap_actions(view: FarmView) -> list[Obligation]:
    """CAP actions of an approved CAP (AU-7), each by its due date; a CAP adopted on appeal is implemented
    within 7 days of the decision unless the CAP gives longer (App. C V.10). One row per action."""
    checks = appeal_checks(view)
    out = []
    for f in latest(view, "CapProposed", "cap_id"):
        cap = f["data"]["cap_id"]
        approved = cap_approved_on(view, cap, checks)
        if approved is None:
            continue
        adopted = _adopted_on(view, cap, checks)
        for action in f["data"].get("actions", []):
            due = date.fromisoformat(action["due_on"])
            if adopted is not None:
                due = max(due, adopted + timedelta(days=IMPLEMENT_DAYS))
            met, by = _met(first_on(view, "CapActionCompleted", cap_id=cap, action_id=action["action_id"]))
            out.append(Obligation("CAP", view.farm_id, cap, due, met, (f["event_id"], *by)))
    return out


def _adopted_on(view: FarmView, cap: str, checks: list[AppealCheck]) -> date | None:
    ours = {c.appeal_id for c in checks if c.subject == "cap" and c.subject_id == cap and c.valid}
    for f in facts(view, "AppealDecided"):
        if f["data"]["outcome"] == "mdsc_adopted" and f["data"]["appeal_id"] in ours:
            return date.fromisoformat(f["on"])
    return None


def impeded_audits(view: FarmView) -> list[Finding]:
    """AU-2: an impeded audit is grounds for immediate probation; MDSC decides (`ProbationImposed`)."""
    out = []
    for f in facts(view, "AuditConducted"):
        d = f["data"]
        if d["outcome"] == "impeded":
            out.append(Finding("AU-2", view.farm_id, d["audit_id"], date.fromisoformat(f["on"]),
                               {"kind": d["kind"], "grounds": "probation", "imposed": _imposed(view, f)},
                               (f["event_id"],)))
    return out


def _imposed(view: FarmView, audit: Fact) -> bool:
    return any(p["on"] >= audit["on"] for p in facts(view, "ProbationImposed"))


DEADLINES = [orientation, offender_terminated, retaliation_remedied, article_ii_remedied, cure_period, cap_actions]
FINDINGS = [impeded_audits]
