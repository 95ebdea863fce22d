"""Complaints: received by the workers' organisation, the farm or MDSC; reported and shared (mostly in
time, CO-1/CO-2); some investigated into a violation and a complaint resolution (CR)."""

from __future__ import annotations

from datetime import date, timedelta

from projections.calendar import add_business_days
from services.generate.appeals import appeal
from services.generate.calendar import Month
from services.generate.emit import stamp
from services.generate.farm import Farm
from services.generate.names import complainant
from services.generate.reference import MDSC
from services.generate.violations import minor
from services.generate.world import World

WORKER_ORG = ("worker_org", "migrant-justice")
CATEGORIES = ("wages", "hours", "housing", "health_safety", "schedule", "harassment", "retaliation", "discrimination")


def complaint(farm: Farm, world: World, month: Month) -> None:
    rng, out, fid = farm.rng, world.out, farm.farm_id
    roll = rng.random()
    by, actor = ("worker_org", WORKER_ORG) if roll < 0.6 else ("farm", farm.actor) if roll < 0.85 else ("mdsc", MDSC)
    day, minute = month.day(rng), rng.randint(7 * 60, 19 * 60)
    complaint_id = farm.next_id("cmp")
    conflict = rng.random() < 0.1
    out.emit(rng, "ComplaintReceived", fid, day, minute, actor, {
        "complaint_id": complaint_id, "received_by": by, "received_at": stamp(day, minute),
        "confidential": rng.random() < 0.3, "conflict_of_interest": conflict,
        "categories": rng.sample(CATEGORIES, rng.randint(1, 2)), "complainant": complainant(rng),
    })
    if by != "mdsc":
        day, minute = _later(farm, day, minute, late=rng.random() < 0.06)
        out.emit(rng, "ComplaintReportedToMDSC", fid, day, minute, actor,
                 {"complaint_id": complaint_id, "reported_at": stamp(day, minute)})
    if not conflict:  # a conflicted farm contact is not told (CO-2)
        day, minute = _later(farm, day, minute, late=rng.random() < 0.05, same_day=False)
        out.emit(rng, "ComplaintSharedWithFarm", fid, day, minute, MDSC,
                 {"complaint_id": complaint_id, "shared_at": stamp(day, minute)})
    if farm.mistake(0.02):
        on = day + timedelta(days=rng.randint(10, 20))
        out.emit(rng, "InvestigationImpeded", fid, on, 12 * 60, MDSC,
                 {"complaint_id": complaint_id, "on": on.isoformat()})
    elif rng.random() < 0.3:
        found = day + timedelta(days=rng.randint(15, 40))
        minor(farm, world, complaint_id, found)
        _resolution(farm, world, complaint_id, found)


def _later(farm: Farm, day: date, minute: int, late: bool, same_day: bool = True) -> tuple[date, int]:
    """A moment 0-2 working days later (3-6 when late)."""
    rng = farm.rng
    days = rng.randint(3, 6) if late else rng.randint(0 if same_day else 1, 2)
    if days == 0:
        return day, minute + 60
    return add_business_days(day, days), rng.randint(8 * 60, 17 * 60)


def _resolution(farm: Farm, world: World, complaint_id: str, found: date) -> None:
    rng = farm.rng
    cr_id = farm.next_id("cr")
    notice = found + timedelta(days=rng.randint(3, 7))
    world.out.emit(rng, "ResolutionProposed", farm.farm_id, notice, 10 * 60, MDSC, {
        "cr_id": cr_id, "complaint_id": complaint_id, "final": True, "notice_on": notice.isoformat(),
        "resolve_by": (notice + timedelta(days=rng.randint(20, 40))).isoformat(),
    })
    if rng.random() < 0.1:
        appeal(farm, "cr", cr_id, notice, world.out)
        return
    agreed = notice + timedelta(days=rng.randint(1, 6))
    world.out.emit(rng, "ResolutionAgreed", farm.farm_id, agreed, 15 * 60, farm.actor,
                   {"cr_id": cr_id, "on": agreed.isoformat()})
