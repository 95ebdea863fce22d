"""A few scripted cases on top of the random program, so a small sample (the demo's 12 farms) shows every
rule, rare ones included, broken once: Article I (a) referred late (AU-3, SU-2 through owner and operator,
PT-9), a violent offender fired late (AU-4, PE-1) and hired by another farm, a ban that starts while the
person works elsewhere, a second suspension during the first, retaliation not remedied (AU-5), a failed
remedial audit (AU-8), an impeded audit and investigation (AU-2, CO-3, `ProbationLifted`), a late and a
barred appeal (AP-1, AP-4), and a hearing held too early (AP-2). Off unless asked for (`--showcase`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from services.generate.calendar import Month
from services.generate.emit import stamp
from services.generate.farm import Farm
from services.generate.reference import MDSC
from services.generate.world import World

MONTH = 2
"""The sample month (from 0) the cases start in."""


def showcase(world: World, everyone: list[Farm], index: int, month: Month) -> None:
    if index != MONTH:
        return
    farms = [f for f in everyone if f.enrolled_on < world.start and not f.withdrawn_on]
    cases: list[Callable[[World, Farm, date, list[Farm]], None]] = [
        _forced_labour, _violence_fired_late, _remedial_failed, _impeded, _appeals, _retaliation, _ban_elsewhere]
    for case, farm in zip(cases, farms, strict=False):
        case(world, farm, month.first, farms)


def _emit(world: World, farm: Farm, type_: str, on: date, data: dict[str, Any], actor: tuple[str, str] = MDSC,
          minute: int = 12 * 60) -> None:
    world.out.emit(farm.rng, type_, farm.farm_id, on, minute, actor, data)


def _violation(world: World, farm: Farm, on: date, clause: str, person: str | None, **extra: Any) -> str:
    vid = farm.next_id("vio")
    offender = {"role": "worker", "person_id": person} if person else {"role": "none"}
    _emit(world, farm, "ViolationFound", on, {"violation_id": vid, "source_id": farm.next_id("aud"), "article": "I",
                                              "clause": clause, "found_on": on.isoformat(), "offender": offender,
                                              **extra}, minute=14 * 60)
    return vid


def _staff(farm: Farm) -> str | None:
    staff = [w.worker_id for w in farm.workers if w.qualifying and w.separated_on is None]
    return staff[0] if staff else None


def _forced_labour(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    on = first + timedelta(days=3)
    vid = _violation(world, farm, on, "a", None)
    late = on + timedelta(days=6)
    _emit(world, farm, "LawEnforcementReferred", late, {"violation_id": vid, "on": late.isoformat()})


def _violence_fired_late(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    person = _staff(farm)
    if person is None:
        return
    on = first + timedelta(days=4)
    vid = _violation(world, farm, on, "c", person)
    fired = on + timedelta(days=3)
    _emit(world, farm, "OffenderTerminated", fired, {"violation_id": vid, "person_id": person,
                                                     "terminated_at": stamp(fired, 10 * 60)}, farm.actor)
    _emit(world, farm, "WorkerSeparated", fired, {"worker_id": person, "on": fired.isoformat(), "by": "farm",
                                                  "article_i_termination": True}, farm.actor, 10 * 60 + 1)
    for worker in farm.workers:
        if worker.worker_id == person:
            worker.separated_on = fired
    second = first + timedelta(days=20)  # a second suspension while the first runs
    _emit(world, farm, "SuspensionNoticed", second, {"suspension_id": farm.next_id("sus"),
                                                     "notice_on": second.isoformat(), "basis": "Art. II o"})
    host = next((f for f in farms if f.owner_id != farm.owner_id and f is not farm), None)
    if host is not None:
        hired = first + timedelta(days=40)
        _emit(world, host, "PersonnelHired", hired, {"person_id": person, "role": "milker", "on": hired.isoformat()},
              host.actor)


def _remedial_failed(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    on = first + timedelta(days=5)
    _emit(world, farm, "InvestigationImpeded", on, {"complaint_id": farm.next_id("cmp"), "on": on.isoformat()})
    fail = first + timedelta(days=12)  # already on probation: buyers still hear "arrange alternative supply"
    _emit(world, farm, "AuditConducted", fail, {"audit_id": farm.next_id("aud"), "kind": "remedial",
                                                "conducted_on": fail.isoformat(), "outcome": "fail",
                                                "cap_id": farm.next_id("cap")})


def _impeded(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    on = first + timedelta(days=6)
    audit_id = farm.next_id("aud")
    _emit(world, farm, "AuditConducted", on, {"audit_id": audit_id, "kind": "annual", "conducted_on": on.isoformat(),
                                              "outcome": "impeded"})
    imposed = on + timedelta(days=2)
    _emit(world, farm, "ProbationImposed", imposed, {"reason": f"audit {audit_id} impeded (AU-2)",
                                                     "on": imposed.isoformat(), "subject_id": audit_id})
    lifted = on + timedelta(days=50)
    _emit(world, farm, "ProbationLifted", lifted, {"on": lifted.isoformat(), "reason": "access given",
                                                   "subject_id": audit_id})


def _appeals(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    arbitrator = ("arbitrator", "arbitrator-01")
    cap1, cap2, cap3 = farm.next_id("cap"), farm.next_id("cap"), farm.next_id("cap")
    notice = first + timedelta(days=2)
    for cap in (cap1, cap3):
        _emit(world, farm, "CapProposed", notice, {"cap_id": cap, "final": True, "notice_on": notice.isoformat()})
    late = notice + timedelta(days=20)
    _emit(world, farm, "AppealFiled", late, {"appeal_id": farm.next_id("apl"), "subject": "cap", "subject_id": cap3,
                                             "filed_on": late.isoformat()}, farm.actor)
    aid = farm.next_id("apl")
    filed, noticed = notice + timedelta(days=5), notice + timedelta(days=7)
    hearing, decided = noticed + timedelta(days=6), noticed + timedelta(days=7)  # heard too early (AP-2)
    _emit(world, farm, "AppealFiled", filed, {"appeal_id": aid, "subject": "cap", "subject_id": cap1,
                                              "filed_on": filed.isoformat()}, farm.actor)
    _emit(world, farm, "ArbitratorAvailabilityNoticed", noticed, {"appeal_id": aid, "noticed_on": noticed.isoformat(),
                                                                  "hearing_on": hearing.isoformat()}, arbitrator)
    _emit(world, farm, "HearingHeld", hearing, {"appeal_id": aid, "on": hearing.isoformat()}, arbitrator)
    _emit(world, farm, "AppealDecided", decided, {"appeal_id": aid, "decided_on": decided.isoformat(),
                                                  "outcome": "mdsc_adopted"}, arbitrator)
    again = decided + timedelta(days=10)
    _emit(world, farm, "CapProposed", again, {"cap_id": cap2, "final": True, "notice_on": again.isoformat()})
    barred = again + timedelta(days=3)
    _emit(world, farm, "AppealFiled", barred, {"appeal_id": farm.next_id("apl"), "subject": "cap",
                                               "subject_id": cap2, "filed_on": barred.isoformat()}, farm.actor)


def _retaliation(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    on = first + timedelta(days=8)
    vid = _violation(world, farm, on, "e", None)
    _emit(world, farm, "RemedyDesignated", on, {"violation_id": vid, "due_on": (on + timedelta(days=21)).isoformat()},
          minute=14 * 60 + 30)


def _ban_elsewhere(world: World, farm: Farm, first: date, farms: list[Farm]) -> None:
    """A worker of this farm also works at another farm, where an Article I (c) finding names them."""
    other = next((f for f in reversed(farms) if f is not farm and f.owner_id != farm.owner_id), None)
    person = _staff(farm)
    if other is None or person is None:
        return
    hired = first + timedelta(days=1)
    _emit(world, other, "WorkerHired", hired, {"worker_id": person, "hired_on": hired.isoformat()}, other.actor)
    on = first + timedelta(days=9)
    vid = _violation(world, other, on, "c", person)
    _emit(world, other, "OffenderTerminated", on, {"violation_id": vid, "person_id": person,
                                                   "terminated_at": stamp(on, 16 * 60)}, other.actor)
