"""The Code's revision-2 obligations as the generator makes them: handbooks at hire (ED-2), education hours
each year (ED-1), Paid Holidays (PT-11), sick and vacation leave with unused days paid out (LV-1, LV-2),
notice to vacate housing (HO-1), and operators who control farms of different owners (SU-2). Most farms
comply; `Farm.mistake` decides the few that do not, as for every other rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from projections.calendar import add_months
from projections.passthrough.holidays import paid_holidays
from services.generate.calendar import Half, Month
from services.generate.emit import Emitter, cents
from services.generate.reference import MDSC

if TYPE_CHECKING:  # farm.py calls in here
    from services.generate.farm import Farm, Worker

DAY = 800
"""A regular day: 8 hours, in hundredths."""


def handbooks(farm: Farm, workers: list[Worker], since: date, out: Emitter) -> None:
    """ED-2: the handbook within 7 days (a careless farm takes longer)."""
    people = [w.worker_id for w in workers if w.qualifying]
    if not people:
        return
    late = farm.mistake(0.05)
    on = since + timedelta(days=farm.rng.randint(9, 20) if late else farm.rng.randint(0, 6))
    out.emit(farm.rng, "HandbookDistributed", farm.farm_id, on, 11 * 60, farm.actor,
             {"worker_ids": people, "on": on.isoformat()})


def controls(farm: Farm, out: Emitter) -> None:
    """SU-2: the operators in control of the farm besides its owner, from its enrolment."""
    for controller in farm.controllers:
        out.emit(farm.rng, "ControlRecorded", farm.farm_id, farm.enrolled_on, 9 * 60 + 12, MDSC,
                 {"controller_id": controller, "role": "operator", "since": farm.enrolled_on.isoformat()})


def education(farm: Farm, month: Month, out: Emitter) -> None:
    """ED-1: a two-hour session on the farm's education day each year, and a make-up session in November
    for the qualifying workers who missed it (a careless farm skips it or holds a shorter one)."""
    rng, year = farm.rng, month.first.year
    day = farm.education_on.replace(year=year) if farm.education_on.month != 2 else farm.education_on.replace(
        year=year, day=min(farm.education_on.day, 28))
    seen = farm.educated.setdefault(year, set())
    sessions = [(day, "2.0")] if month.first <= day <= month.last and day >= farm.enrolled_on else []
    if month.first.month == 11 and month.first.replace(day=20) >= farm.enrolled_on:  # not before it joins
        sessions.append((month.first.replace(day=20), "2.0"))
    for on, hours in sessions:
        present = [w.worker_id for w in farm.workers if w.qualifying and w.worker_id not in seen
                   and w.hired_on <= on and (w.separated_on is None or w.separated_on > on)]
        if not present or farm.mistake(0.04):
            continue
        short = farm.mistake(0.04)
        out.emit(rng, "EducationSessionHeld", farm.farm_id, on, 10 * 60, MDSC,
                 {"on": on.isoformat(), "hours": "1.5" if short else hours, "worker_ids": present})
        if not short:
            seen.update(present)


def separation(farm: Farm, worker: Worker) -> dict[str, Any]:
    """HO-1: who ended it, and the notice to vacate a housed worker gets."""
    by_farm = farm.rng.random() < 0.4
    data: dict[str, Any] = {"by": "farm" if by_farm else "worker", "housed": bool(worker.housing)}
    if worker.housing and worker.separated_on:
        days = farm.rng.randint(5, 13) if by_farm and farm.mistake(0.1) else farm.rng.randint(14, 30)
        data["vacate_by"] = (worker.separated_on + timedelta(days=days)).isoformat()
    return data


def _whole_months(worker: Worker, year: int, end: date, enrolled_on: date) -> int:
    start = max(worker.hired_on, date(year, 1, 1), enrolled_on)
    months = 0
    while add_months(start, months + 1) <= end + timedelta(days=1):
        months += 1
    return months


def _payout(worker: Worker, half: Half, wage: int, enrolled_on: date) -> int:
    """LV-2 as the rule computes it: unused days of the prorated five, at the regular day and this wage."""
    year = half.start.year
    end = min(worker.separated_on or date(year, 12, 31), date(year, 12, 31))
    entitled = 500 * _whole_months(worker, year, end, enrolled_on) // 12 // 25 * 25  # hundredths of a day, quarter days
    left = max(entitled - worker.vacation.get(year, 0) * 100 // DAY, 0)
    return left * DAY * wage // 100 // 100


def pay_extras(farm: Farm, worker: Worker, half: Half, wage: int) -> tuple[dict[str, Any], int]:
    """A line's holiday, leave and payout fields, and the pay they add to its gross (cents)."""
    if not worker.qualifying:
        return {}, 0
    rng, extra = farm.rng, 0
    fields: dict[str, Any] = {}
    holidays = [d for d in paid_holidays(half.start.year) if half.start <= d <= half.end]
    if holidays and rng.random() < 0.6:
        worked = DAY * len(holidays)
        rate = wage if farm.mistake(0.05) else (3 * wage + 1) // 2
        fields["holiday_hours"], fields["holiday_hourly"] = cents(worked), cents(rate)
        extra += worked * (rate - wage) // 100
    if rng.random() < 0.04:
        taken = rng.choice((DAY // 2, DAY))
        fields["sick_hours_taken"] = cents(taken)
        fields["sick_hours_paid"] = cents(0 if farm.mistake(0.05) else taken)
    if half.start.month in (7, 8) and rng.random() < 0.15:
        taken = DAY * rng.randint(1, 3)
        worker.vacation[half.start.year] = worker.vacation.get(half.start.year, 0) + taken
        fields["vacation_hours_taken"] = fields["vacation_hours_paid"] = cents(taken)
    leaving = worker.separated_on is not None and half.start <= worker.separated_on <= half.end
    year_end = half.end.month == 12 and half.end.day == 31 and worker.separated_on is None
    if (leaving or year_end) and half.start.year not in worker.paid_out:
        worker.paid_out.add(half.start.year)
        owed = _payout(worker, half, wage, farm.enrolled_on)
        if owed and not farm.mistake(0.05):
            fields["vacation_payout"] = cents(owed)
            extra += owed
    return fields, extra


def before_the_sample(farm: Farm, first: date, out: Emitter) -> None:
    """ED-1 for a farm enrolled before the sample starts: its make-up sessions of the years before (its
    baseline audit is the caller's), so the sample does not open with obligations nobody could meet."""
    for year in range(farm.enrolled_on.year, first.year):
        on = date(year, 11, 20)
        present = [w.worker_id for w in farm.workers if w.qualifying and w.hired_on < date(year, 10, 1)]
        if present and farm.enrolled_on < date(year, 10, 1) and on < first:
            out.emit(farm.rng, "EducationSessionHeld", farm.farm_id, on, 10 * 60, MDSC,
                     {"on": on.isoformat(), "hours": "2.0", "worker_ids": present})
