"""Violations and what follows them: remedies, terminations of Article I offenders, referrals, bans."""

from __future__ import annotations

from datetime import date, timedelta

from services.generate.appeals import appeal
from services.generate.emit import stamp
from services.generate.farm import Farm
from services.generate.reference import MDSC
from services.generate.world import World

ARTICLE_II = "abcdefghijklmno"


def violation(farm: Farm, world: World, source_id: str, found_on: date, article: str, clause: str | None,
              offender: dict[str, str] | None = None) -> str:
    violation_id = farm.next_id("vio")
    world.out.emit(farm.rng, "ViolationFound", farm.farm_id, found_on, 14 * 60, MDSC, {
        "violation_id": violation_id, "source_id": source_id, "article": article, "clause": clause,
        "found_on": found_on.isoformat(), "offender": offender or {"role": "none"},
    })
    return violation_id


def minor(farm: Farm, world: World, source_id: str, found_on: date) -> str:
    """An Article II (or, for some complaints, Article III) violation with its designated remedy (AU-6)."""
    rng = farm.rng
    if rng.random() < 0.8:
        violation_id = violation(farm, world, source_id, found_on, "II", rng.choice(ARTICLE_II))
    else:
        violation_id = violation(farm, world, source_id, found_on, "III", None)
    remedy(farm, world, violation_id, found_on, rng.randint(30, 45))
    return violation_id


def remedy(farm: Farm, world: World, violation_id: str, found_on: date, days: int) -> bool:
    """Designate a remedy due `days` after the finding; mostly completed on time. True if on time."""
    rng = farm.rng
    due = found_on + timedelta(days=days)
    world.out.emit(rng, "RemedyDesignated", farm.farm_id, found_on, 14 * 60 + 30, MDSC,
                   {"violation_id": violation_id, "due_on": due.isoformat()})
    roll = rng.random()
    if roll < 0.03 * farm.sloppy:
        return False
    late = roll < 0.09 * farm.sloppy
    done = due + timedelta(days=rng.randint(3, 20)) if late else found_on + timedelta(days=rng.randint(3, days))
    world.out.emit(rng, "RemedyCompleted", farm.farm_id, done, 12 * 60, MDSC,
                   {"violation_id": violation_id, "on": done.isoformat()})
    return not late


def article_i(farm: Farm, world: World, source_id: str, found_on: date) -> None:
    """A rare Article I finding: referral, termination of the offender (usually in time), sometimes an appeal."""
    rng = farm.rng
    clause = rng.choices("abcde", weights=(2, 3, 45, 35, 15))[0]
    staff = [w for w in farm.workers if not w.relative and w.separated_on is None]
    offender = rng.choice(staff) if staff and rng.random() < 0.9 else None
    who = ({"role": "supervisor" if offender.supervisory else "worker", "person_id": offender.worker_id}
           if offender else {"role": "owner", "person_id": farm.owner_id})
    violation_id = violation(farm, world, source_id, found_on, "I", clause, who)
    suspended = offender is None or clause in "ab"
    if clause in "ab":  # AU-3: referred within 2 business days, now and then later
        referred = found_on + timedelta(days=rng.randint(4, 8) if farm.mistake(0.2) else 1)
        world.out.emit(rng, "LawEnforcementReferred", farm.farm_id, referred, 9 * 60, MDSC,
                       {"violation_id": violation_id, "on": referred.isoformat()})
    if clause == "e":
        suspended = not remedy(farm, world, violation_id, found_on, rng.randint(14, 30))
    elif offender is not None:
        suspended |= not _terminate(farm, world, violation_id, offender.worker_id, found_on)
    if suspended and rng.random() < 0.5:
        appeal(farm, "suspension", violation_id, found_on, world.out)


def _terminate(farm: Farm, world: World, violation_id: str, person_id: str, found_on: date) -> bool:
    """Fire the offender; in time means by the end of the day after the finding (AU-4). True if in time."""
    rng = farm.rng
    late = farm.mistake(0.2)
    day = found_on + timedelta(days=rng.randint(2, 5) if late else rng.randint(0, 1))
    minute = rng.randint(15 * 60, 18 * 60) if day == found_on else rng.randint(8 * 60, 17 * 60)
    world.out.emit(rng, "OffenderTerminated", farm.farm_id, day, minute, farm.actor,
                   {"violation_id": violation_id, "person_id": person_id, "terminated_at": stamp(day, minute)})
    for worker in farm.workers:
        if worker.worker_id == person_id:
            worker.separated_on = day
            world.out.emit(rng, "WorkerSeparated", farm.farm_id, day, minute + 1, farm.actor,
                           {"worker_id": person_id, "on": day.isoformat(), "by": "farm",
                            "housed": bool(worker.housing), "article_i_termination": True})
    world.banned.append((person_id, farm.farm_id, day))
    return not late
