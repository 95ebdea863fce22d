"""Farms and their workers: who they are, enrolment, hires and separations, following the minimum wage.

Money is kept in integer cents and hours in hundredths of an hour while generating (fast and exact); the
events carry them as decimal strings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from projections.calendar import add_months
from services.generate import obligations
from services.generate.calendar import Month
from services.generate.emit import Emitter
from services.generate.names import BUYERS, COOPERATIVES, farm_name
from services.generate.reference import MDSC, MINIMUM, Rates


@dataclass(slots=True)
class Worker:
    worker_id: str
    hired_on: date
    weekly: int
    """Usual hours a week, in hundredths."""
    wage: int
    """Cents an hour."""
    supervisory: bool = False
    relative: bool = False
    housing: int = 0
    """Housing deduction per pay period, in cents (0: none)."""
    housing_consented: bool = True
    health: int = 0
    tax_pct: int = 8
    separated_on: date | None = None
    vacation: dict[int, int] = field(default_factory=dict)
    """LV-2: vacation hours taken per year, in hundredths."""
    paid_out: set[int] = field(default_factory=set)
    """LV-2: the years whose unused vacation was settled."""

    @property
    def qualifying(self) -> bool:
        """App. A 13: non-supervisory and not a relative of the owner."""
        return not (self.supervisory or self.relative)


@dataclass(slots=True)
class Farm:
    num: int
    farm_id: str
    owner_id: str
    name: str
    jurisdiction: str
    cooperative_id: str
    buyers: list[str]
    enrolled_on: date
    cows: int
    rng: random.Random
    sloppy: float
    """Multiplies the chance of every kind of mistake: most farms ~1, a few careless ones 3-5."""
    raise_lag: int
    """Months this farm takes to follow a minimum-wage raise (0 for most)."""
    audit_month: int
    education_on: date
    workers: list[Worker] = field(default_factory=list)
    pending_bonus: dict[str, tuple[str, int, str]] = field(default_factory=dict)
    """Bonuses a farm pays a month late: worker_id -> (premium month, cents, label)."""
    withdrawn_on: date | None = None
    controllers: list[str] = field(default_factory=list)
    """SU-2: operators in control besides the owner (`ControlRecorded`)."""
    educated: dict[int, set[str]] = field(default_factory=dict)
    """ED-1: the workers who had their two hours, per year."""
    _counters: dict[str, int] = field(default_factory=dict)

    @property
    def actor(self) -> tuple[str, str]:
        return ("farm", self.farm_id)

    def next_id(self, prefix: str) -> str:
        n = self._counters[prefix] = self._counters.get(prefix, 0) + 1
        return f"{prefix}-{self.num:05d}-{n}"

    def mistake(self, base: float) -> bool:
        return self.rng.random() < base * self.sloppy


def make_farms(count: int, start: date, months: int, rng: random.Random, rates: Rates) -> list[Farm]:
    """Farms in enrolment order. Owners sometimes own two or three farms, in the same state."""
    farms: list[Farm] = []
    owner, owned, jurisdiction = 0, 0, "VT"
    for num in range(1, count + 1):
        if farms and owned < 3 and rng.random() < 0.15:
            owned += 1
        else:
            owner, owned = owner + 1, 1
            jurisdiction = "VT" if rng.random() < 0.75 else "NY"
        farms.append(_farm(num, f"owner-{owner:05d}", jurisdiction, start, months, random.Random(rng.getrandbits(64))))
    farms.sort(key=lambda f: f.enrolled_on)
    for farm in farms:
        _staff(farm, rates)
    _share_operators(farms)
    return farms


def _share_operators(farms: list[Farm]) -> None:
    """SU-2: about one farm in ten shares an operator with a farm of another owner (App. C III)."""
    for i in range(0, len(farms) - 1, 10):
        a = farms[i]
        b = next((f for f in farms[i + 1:i + 10] if f.owner_id != a.owner_id), None)
        if b is not None:
            a.controllers.append(f"operator-{a.num:05d}")
            b.controllers.append(f"operator-{a.num:05d}")


def _farm(num: int, owner_id: str, jurisdiction: str, start: date, months: int, rng: random.Random) -> Farm:
    if rng.random() < 0.8:  # enrolled before the period; the rest join during its first third
        enrolled = start - timedelta(days=rng.randint(20, 365))
    else:
        enrolled = start + timedelta(days=rng.randrange(max(1, months * 30 // 3)))
    coops = COOPERATIVES[:2] if jurisdiction == "VT" else COOPERATIVES[2:]
    nbuyers = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.75 else 3)
    return Farm(
        num=num, farm_id=f"farm-{num:05d}", owner_id=owner_id, name=farm_name(rng), jurisdiction=jurisdiction,
        cooperative_id=rng.choice(coops), buyers=rng.sample(BUYERS, nbuyers), enrolled_on=enrolled,
        cows=0, rng=rng, sloppy=rng.choice((1.0,) * 8 + (3.0, 5.0)),
        raise_lag=rng.choice((1, 2)) if rng.random() < 0.06 else 0,
        audit_month=rng.randrange(12), education_on=max(enrolled, start) + timedelta(days=rng.randint(30, 150)),
    )


def _staff(farm: Farm, rates: Rates) -> None:
    rng = farm.rng
    size = int(rng.triangular(5, 41, 18))
    farm.cows = size * rng.randint(20, 32)
    supervisors = 1 + size // 12
    relatives = rng.choice((0, 0, 1, 1, 2))
    for i in range(size):
        kind = "supervisor" if i < supervisors else ("relative" if i < supervisors + relatives else "regular")
        hired = farm.enrolled_on - timedelta(days=rng.randint(30, 2500))
        farm.workers.append(new_worker(farm, hired, rates, kind))


def new_worker(farm: Farm, hired_on: date, rates: Rates, kind: str = "regular") -> Worker:
    rng = farm.rng
    top = rates.highest_minimum(farm.jurisdiction)
    worker = Worker(
        worker_id=farm.next_id("wk"), hired_on=hired_on, weekly=rng.randint(5500, 7000),
        wage=top + rng.randint(50, 350), tax_pct=rng.randint(6, 10),
        supervisory=kind == "supervisor", relative=kind == "relative",
    )
    if kind == "supervisor":
        worker.weekly, worker.wage = rng.randint(5000, 6000), top + rng.randint(500, 900)
    elif kind == "relative":
        worker.weekly, worker.wage = rng.randint(3000, 6000), top + rng.randint(100, 600)
    elif rng.random() < 0.1:  # part-time: below the 30 hours a week of a bonus-eligible worker
        worker.weekly = rng.randint(1500, 2800)
    elif rng.random() < 0.05:  # paid above the livable wage: not bonus-eligible
        worker.wage = rates.livable(hired_on) + rng.randint(50, 150)
    elif farm.raise_lag and hired_on < rates.raise_on and rng.random() < 0.3:
        worker.wage = MINIMUM[farm.jurisdiction][0] + rng.randint(10, 40)  # will fall below the raise
    if kind != "supervisor" and rng.random() < 0.6:
        worker.housing, worker.housing_consented = rng.randint(2000, 4500), rng.random() < 0.95
    if rng.random() < 0.2:
        worker.health = rng.randint(1500, 4000)
    return worker


def emit_enrolment(farm: Farm, out: Emitter) -> None:
    """FarmEnrolled, its cooperative and buyers, and the roster at enrolment, all posted that day."""
    rng, day, fid = farm.rng, farm.enrolled_on, farm.farm_id
    out.emit(rng, "FarmEnrolled", fid, day, 9 * 60, MDSC, {
        "owner_id": farm.owner_id, "name": farm.name, "jurisdiction": farm.jurisdiction,
        "enrolled_on": day.isoformat(), "time_zone": "America/New_York",
    }, schema_version=2)
    out.emit(rng, "CooperativeLinked", fid, day, 9 * 60 + 5, MDSC, {"cooperative_id": farm.cooperative_id})
    for buyer in farm.buyers:
        out.emit(rng, "BuyerLinked", fid, day, 9 * 60 + 10, MDSC, {"buyer_id": buyer, "since": day.isoformat()})
    for worker in farm.workers:
        emit_hire(farm, worker, out, day, 9 * 60 + 15)
    obligations.controls(farm, out)
    obligations.handbooks(farm, farm.workers, day, out)
    late = farm.mistake(0.06)
    oriented = day + timedelta(days=rng.randint(95, 140) if late else rng.randint(14, 80))
    out.emit(rng, "OrientationCompleted", fid, oriented, 10 * 60, MDSC, {"on": oriented.isoformat()})


def emit_hire(farm: Farm, worker: Worker, out: Emitter, posted: date, minute: int) -> None:
    out.emit(farm.rng, "WorkerHired", farm.farm_id, posted, minute, farm.actor, {
        "worker_id": worker.worker_id, "hired_on": worker.hired_on.isoformat(),
        "supervisory": worker.supervisory, "relative_of_owner": worker.relative,
    })


def turnover(farm: Farm, month: Month, rates: Rates, out: Emitter) -> None:
    """A few separations a year, most replaced within weeks; occasional growth."""
    rng = farm.rng
    for worker in list(farm.workers):
        if not worker.qualifying or worker.separated_on or rng.random() >= 0.015:
            continue
        worker.separated_on = max(month.day(rng), worker.hired_on + timedelta(days=1))
        out.emit(rng, "WorkerSeparated", farm.farm_id, worker.separated_on, 17 * 60, farm.actor,
                 {"worker_id": worker.worker_id, "on": worker.separated_on.isoformat(),
                  **obligations.separation(farm, worker)})
        if rng.random() < 0.85:
            hire(farm, worker.separated_on + timedelta(days=rng.randint(1, 20)), rates, out)
    if rng.random() < 0.03:
        hire(farm, month.day(rng), rates, out)


def hire(farm: Farm, day: date, rates: Rates, out: Emitter) -> Worker:
    worker = new_worker(farm, day, rates)
    farm.workers.append(worker)
    emit_hire(farm, worker, out, day, 8 * 60)
    obligations.handbooks(farm, [worker], day, out)
    return worker


def follow_raise(farm: Farm, month: Month, rates: Rates) -> None:
    """Wages below the minimum in force are brought up, by a lagging farm only `raise_lag` months late."""
    if month.first < add_months(rates.raise_on, farm.raise_lag):
        return
    floor = rates.minimum(farm.jurisdiction, month.first)
    for worker in farm.workers:
        if worker.wage < floor + 25:
            worker.wage = floor + farm.rng.randint(25, 60)


def drop_separated(farm: Farm, month: Month) -> None:
    farm.workers = [w for w in farm.workers if w.separated_on is None or w.separated_on > month.last]
