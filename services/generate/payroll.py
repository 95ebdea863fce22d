"""Semi-monthly payroll lines, and the monthly MD bonus that passes the premium through to workers.

The farm pays the bonus for premium month M (the month it received the remittances) with the pay of the
first half of M, so the first bonus falls within 15 days of the first premium (PT-1). Eligibility and shares
follow SPEC PT-3/PT-4 over the hours worked in M. A few farm-months go wrong on purpose: a shortfall, a
wrong label, a bonus paid a month late, wages paid late or below a newly raised minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from services.generate.calendar import Half, Month
from services.generate.emit import SMALL, Emitter, cents
from services.generate.farm import Farm, Worker
from services.generate.obligations import pay_extras
from services.generate.reference import Rates

LABELS = (
    "Milk with Dignity Bonus/Bono Leche con Dignidad", "MD Bonus/Bono LcD",
    "Milk with Dignity/Leche con Dignidad", "MD BONUS/BONO LCD",
)
WRONG_LABELS = ("Bonus", "Monthly bonus", "Dairy premium", "Incentive pay")
PAID_AT = 15 * 60  # payroll is posted at 15:00 on the day it is paid


@dataclass(slots=True)
class Line:
    worker: Worker
    half: Half
    paid_on: date
    hours: int
    """Hundredths of an hour."""
    wage: int
    other: int
    housing: int
    health: int
    base: int
    """Gross without the MD bonus, in cents."""
    bonus: int = 0
    label: str = ""
    bonus_period: str = ""
    extras: dict[str, Any] | None = None
    """Holiday, leave and payout fields (services/generate/obligations.py)."""


def run_payroll(farm: Farm, month: Month, rates: Rates, received: int, out: Emitter) -> None:
    """Every worker's lines for the month's two pay periods; `received` is the premium (cents) of month M."""
    lines = _lines(farm, month, rates)
    by_worker: dict[str, list[Line]] = {}
    for line in lines:
        by_worker.setdefault(line.worker.worker_id, []).append(line)
    _pay_late_bonuses(farm, by_worker)
    if received:
        _pay_bonus(farm, month, rates, received, by_worker)
    _emit_all(farm, lines, out)


def _lines(farm: Farm, month: Month, rates: Rates) -> list[Line]:
    rng = farm.rng
    lines: list[Line] = []
    late_line = 0.002 * farm.sloppy
    for half in month.halves:
        if half.start < farm.enrolled_on:
            continue  # payroll is reported from the first full pay period after enrolment
        run_paid = half.scheduled + timedelta(days=rng.randint(3, 8)) if farm.mistake(0.006) else half.scheduled
        floor = rates.minimum(farm.jurisdiction, half.scheduled)  # what was owed on the scheduled pay date
        full_days = (half.end - half.start).days + 1
        for worker in farm.workers:
            if worker.hired_on <= half.start and worker.separated_on is None:
                days = full_days  # the usual case: employed the whole period
            else:
                days = _days(worker, half)
                if days <= 0:
                    continue
            hours = int(worker.weekly * days * (0.92 + 0.16 * rng.random()) / 175 + 0.5) * 25  # quarter hours
            paid, roll = run_paid, rng.random()
            if roll < late_line:  # this one line paid late
                paid = half.scheduled + timedelta(days=rng.randint(3, 8))
            other = rng.randint(25, 100) * 100 if roll > 0.95 else 0  # an attendance or milk-quality bonus
            extras, extra = pay_extras(farm, worker, half, worker.wage)
            base = (hours * worker.wage + 50) // 100 + other + extra
            lines.append(Line(worker, half, paid, hours, worker.wage, other,
                              _housing(worker, hours, floor), worker.health, base, extras=extras or None))
    return lines


def _days(worker: Worker, half: Half) -> int:
    """Days of the period the worker was employed (a hire or separation inside it)."""
    first = max(half.start, worker.hired_on)
    last = min(half.end, worker.separated_on) if worker.separated_on else half.end
    return (last - first).days + 1


def _housing(worker: Worker, hours: int, floor: int) -> int:
    """A careful farm never lets housing push the hourly wage under the minimum (PT-7)."""
    if not worker.housing or worker.wage <= floor:
        return 0
    return min(worker.housing, (worker.wage - floor) * hours * 9 // 1000)


def _pay_late_bonuses(farm: Farm, by_worker: dict[str, list[Line]]) -> None:
    for worker_id, (period, amount, label) in farm.pending_bonus.items():
        lines = by_worker.get(worker_id)
        if lines and not lines[-1].bonus:
            lines[-1].bonus, lines[-1].label, lines[-1].bonus_period = amount, label, period
    farm.pending_bonus.clear()


def _eligible(lines: list[Line], month: Month, livable: int) -> int:
    """Hours in the month of a bonus-eligible worker (PT-3), or 0. The weekly average is over the days of
    the month the worker was employed (docs/decisions.md, pass-through)."""
    worker = lines[0].worker
    if not worker.qualifying:
        return 0
    first, last = max(month.first, worker.hired_on), min(month.last, worker.separated_on or month.last)
    days = (last - first).days + 1 if last >= first else month.days
    hours = sum(line.hours for line in lines)
    if hours * 7 < 3000 * days:  # averaged under 30 hours a week
        return 0
    net = sum(line.base - line.housing - line.health for line in lines)
    return hours if net * 100 < livable * hours else 0


def shares(received: int, share_pct: int, hours: dict[str, int]) -> dict[str, int]:
    """PT-4 as the rules compute it: pool = premium x share rounded half up to the cent, split by hours with
    the largest-remainder method (ties to the smaller worker id), so the cents add up to the pool."""
    pool = (2 * received * share_pct + 100) // 200
    total = sum(hours.values())
    base = {w: pool * h // total for w, h in hours.items()}
    left = pool - sum(base.values())
    for w in sorted(hours, key=lambda w: (-(pool * hours[w] % total), w))[:left]:
        base[w] += 1
    return base


def _pay_bonus(farm: Farm, month: Month, rates: Rates, received: int, by_worker: dict[str, list[Line]]) -> None:
    livable = rates.livable(month.last)
    eligible = {w: (lines, h) for w, lines in by_worker.items() if (h := _eligible(lines, month, livable))}
    if not eligible:
        return
    expected = shares(received, rates.share(month.first), {w: h for w, (_, h) in eligible.items()})
    rng = farm.rng
    mode = "short" if farm.mistake(0.03) else "label" if farm.mistake(0.01) else "late" if farm.mistake(0.015) else ""
    short = set(rng.sample(sorted(eligible), rng.randint(1, max(1, len(eligible) // 3)))) if mode == "short" else ()
    label = rng.choice(WRONG_LABELS) if mode == "label" else rng.choice(LABELS)
    for worker_id, (lines, _) in eligible.items():
        amount = expected[worker_id]
        if worker_id in short:
            amount = amount * rng.randint(50, 90) // 100
        if mode == "late":
            farm.pending_bonus[worker_id] = (month.period, amount, label)
            continue
        target = lines[0] if not lines[0].bonus else lines[-1]
        if amount and not target.bonus:
            target.bonus, target.label, target.bonus_period = amount, label, month.period


def _emit_all(farm: Farm, lines: list[Line], out: Emitter) -> None:
    """Post the lines on the day they were paid, one batch per pay day."""
    by_day: dict[date, list[dict[str, Any]]] = {}
    for line in lines:
        by_day.setdefault(line.paid_on, []).append(_data(line))
    for day, datas in by_day.items():
        out.emit_many(farm.rng, "PayrollLineRecorded", farm.farm_id, day, PAID_AT, farm.actor, datas)


def _data(line: Line) -> dict[str, Any]:
    # Hours (< 200), wages, housing, health and other bonuses are all below SMALL's $327.67: index it.
    worker, half = line.worker, line.half
    gross = line.base + line.bonus
    tax = (gross * worker.tax_pct + 50) // 100
    deductions = [{"kind": "tax", "amount": cents(tax), "consented": True}]
    if line.housing:
        deductions.append({"kind": "housing", "amount": SMALL[line.housing], "consented": worker.housing_consented})
    if line.health:
        deductions.append({"kind": "health_insurance", "amount": SMALL[line.health], "consented": True})
    paid = half.scheduled_s if line.paid_on == half.scheduled else line.paid_on.isoformat()
    data = {
        "worker_id": worker.worker_id, "period_start": half.start_s, "period_end": half.end_s,
        "scheduled_pay_date": half.scheduled_s, "paid_on": paid, "hours_worked": SMALL[line.hours],
        "hourly_wage": SMALL[line.wage], "md_bonus": cents(line.bonus) if line.bonus else "0.00",
        "other_bonuses": SMALL[line.other], "gross": cents(gross), "deductions": deductions,
        "net": cents(gross - tax - line.housing - line.health),
    }
    if line.bonus:
        data["md_bonus_label"], data["md_bonus_period"] = line.label, line.bonus_period
    if line.extras:
        data.update(line.extras)
    return data
