"""MDSC audits: a baseline after enrolment, then annual ones. Most pass; a few fail and get a CAP and a
remedial audit; a rare one is impeded (MDSC imposes probation) or uncovers an Article I violation."""

from __future__ import annotations

from datetime import date, timedelta

from services.generate.appeals import appeal
from services.generate.farm import Farm
from services.generate.reference import MDSC
from services.generate.violations import article_i, minor
from services.generate.world import World


def audit(farm: Farm, world: World, day: date, kind: str, remedial_round: int = 0, cap: str | None = None) -> None:
    """An audit on `day`; a remedial audit checks the CAP `cap` (round 1, and round 2 after a failure)."""
    rng = farm.rng
    audit_id = farm.next_id("aud")
    outcome = _outcome(farm, kind)
    cap_id = cap or (farm.next_id("cap") if outcome == "fail" else None)
    data = {"audit_id": audit_id, "kind": kind, "conducted_on": day.isoformat(), "outcome": outcome}
    if cap_id:
        data["cap_id"] = cap_id
    world.out.emit(rng, "AuditConducted", farm.farm_id, day, 13 * 60, MDSC, data)
    if outcome == "impeded":
        on = day + timedelta(days=rng.randint(3, 10))
        world.out.emit(rng, "ProbationImposed", farm.farm_id, on, 11 * 60, MDSC, {
            "reason": f"audit {audit_id} impeded (AU-2)", "on": on.isoformat(),
            "cure_by": (on + timedelta(days=30)).isoformat(),
        })
    elif outcome == "fail" and kind != "remedial" and cap_id:
        found = day + timedelta(days=rng.randint(0, 3))
        violations = [minor(farm, world, audit_id, found) for _ in range(rng.randint(1, 2))]
        _cap(farm, world, cap_id, violations, found)
    elif outcome in ("fail", "likely_to_comply") and remedial_round == 1:
        audit(farm, world, day + timedelta(days=rng.randint(40, 70)), "remedial", 2, cap_id)
    if kind != "remedial" and rng.random() < 0.015:
        article_i(farm, world, audit_id, day + timedelta(days=rng.randint(0, 3)))


def _outcome(farm: Farm, kind: str) -> str:
    roll = farm.rng.random() / farm.sloppy
    if kind == "remedial":
        return "fail" if roll < 0.1 else "likely_to_comply" if roll < 0.18 else "pass"
    return "impeded" if roll < 0.01 else "fail" if roll < 0.15 else "pass"


def _cap(farm: Farm, world: World, cap_id: str, violation_ids: list[str], found: date) -> None:
    """A final CAP: agreed, appealed, or left to approve itself after 14 days (AU-7); then its actions."""
    rng, out = farm.rng, world.out
    notice = found + timedelta(days=rng.randint(5, 10))
    dues = sorted(notice + timedelta(days=rng.randint(20, 60)) for _ in range(rng.randint(1, 3)))
    actions = [{"action_id": f"{cap_id}-a{i}", "due_on": due.isoformat()} for i, due in enumerate(dues, 1)]
    out.emit(rng, "CapProposed", farm.farm_id, notice, 10 * 60, MDSC, {
        "cap_id": cap_id, "violation_ids": violation_ids, "final": True, "notice_on": notice.isoformat(),
        "actions": actions,
    })
    roll = rng.random()
    if roll < 0.2:
        appeal(farm, "cap", cap_id, notice, out)
    elif roll < 0.85:
        agreed = notice + timedelta(days=rng.randint(2, 12))
        out.emit(rng, "CapAgreed", farm.farm_id, agreed, 15 * 60, farm.actor,
                 {"cap_id": cap_id, "on": agreed.isoformat()})
    for action, due in zip(actions, dues, strict=True):
        roll = rng.random()
        if roll < 0.05 * farm.sloppy:
            continue
        done = (due + timedelta(days=rng.randint(2, 15)) if roll < 0.15 * farm.sloppy
                else notice + timedelta(days=rng.randint(5, (due - notice).days)))
        out.emit(rng, "CapActionCompleted", farm.farm_id, done, 12 * 60, farm.actor,
                 {"cap_id": cap_id, "action_id": action["action_id"], "on": done.isoformat()})
    audit(farm, world, dues[-1] + timedelta(days=rng.randint(10, 30)), "remedial", 1, cap_id)
