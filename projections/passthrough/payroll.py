"""Payroll lines as the rules read them: corrections applied, and hours attributed to calendar months.

A line with `corrects: <event_id>` supersedes that line whole (it is the corrected line, not a delta). When
two lines correct the same line, the later-occurring one wins (then the larger event id), so the result
never depends on arrival order. A pay period that spans two months is split between them by calendar
days (docs/decisions.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from projections.calendar import month_bounds
from projections.projection import State

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class PayrollLine:
    event_id: str
    occurred_at: datetime
    worker_id: str
    period_start: date
    period_end: date
    scheduled_pay_date: date
    paid_on: date | None
    hours: Decimal
    hourly_wage: Decimal
    md_bonus: Decimal
    md_bonus_label: str | None
    md_bonus_period: str | None
    other_bonuses: Decimal
    gross: Decimal
    deductions: tuple[tuple[str, Decimal], ...]
    net: Decimal
    corrects: str | None
    deduction_consents: tuple[tuple[str, Decimal, bool], ...] = ()
    """(kind, amount, consented) of each deduction (PT-10)."""
    holiday_hours: Decimal = ZERO
    holiday_hourly: Decimal | None = None
    sick_hours_taken: Decimal = ZERO
    sick_hours_paid: Decimal = ZERO
    vacation_hours_taken: Decimal = ZERO
    vacation_hours_paid: Decimal = ZERO
    vacation_payout: Decimal = ZERO

    def deducted(self, *kinds: str) -> Decimal:
        return sum((amount for kind, amount in self.deductions if kind in kinds), ZERO)

    @property
    def days(self) -> int:
        return (self.period_end - self.period_start).days + 1

    def share_of(self, first: date, last: date) -> Fraction:
        """The part of this pay period that falls between two dates (inclusive), by calendar days."""
        start, end = max(first, self.period_start), min(last, self.period_end)
        overlap = (end - start).days + 1
        return Fraction(max(overlap, 0), self.days)

    def in_month(self, period: str) -> Fraction:
        return self.share_of(*month_bounds(period))

    @property
    def stub_date(self) -> date:
        """The date the pay stub speaks for: paid on, or else the scheduled pay date."""
        return self.paid_on or self.scheduled_pay_date


_COMMON = {"0": Decimal("0"), "0.00": Decimal("0.00"), None: Decimal(0), "": Decimal(0)}
"""The amounts most lines carry (no bonus, no leave): one shared Decimal each, what `Decimal(text or 0)` gives."""


def _money(value: Any) -> Decimal:
    found = _COMMON.get(value)
    return Decimal(value or 0) if found is None else found


def _line(raw: dict[str, Any]) -> PayrollLine:
    """One line of the fold's state as the rules read it (parsed once per books: `Books.of`)."""
    get, day = raw.get, date.fromisoformat
    paid_on, holiday_hourly = get("paid_on"), get("holiday_hourly")
    deductions, consents = [], []
    for d in get("deductions") or ():
        amount = Decimal(d["amount"])
        deductions.append((d["kind"], amount))
        consents.append((d["kind"], amount, bool(d.get("consented", True))))
    return PayrollLine(
        event_id=raw["event_id"], occurred_at=datetime.fromisoformat(raw["occurred_at"]),
        worker_id=raw["worker_id"], period_start=day(raw["period_start"]), period_end=day(raw["period_end"]),
        scheduled_pay_date=day(raw["scheduled_pay_date"]), paid_on=day(paid_on) if paid_on else None,
        hours=_money(get("hours_worked")), hourly_wage=_money(get("hourly_wage")), md_bonus=_money(get("md_bonus")),
        md_bonus_label=get("md_bonus_label"), md_bonus_period=get("md_bonus_period"),
        other_bonuses=_money(get("other_bonuses")), gross=_money(get("gross")), deductions=tuple(deductions),
        net=_money(get("net")), corrects=get("corrects"), deduction_consents=tuple(consents),
        holiday_hours=_money(get("holiday_hours")),
        holiday_hourly=Decimal(holiday_hourly) if holiday_hourly is not None else None,
        sick_hours_taken=_money(get("sick_hours_taken")), sick_hours_paid=_money(get("sick_hours_paid")),
        vacation_hours_taken=_money(get("vacation_hours_taken")),
        vacation_hours_paid=_money(get("vacation_hours_paid")), vacation_payout=_money(get("vacation_payout")),
    )


def superseded(lines: Iterable[PayrollLine]) -> set[str]:
    """Ids of lines replaced by a correction, including corrections overtaken by a later one."""
    by_target: dict[str, list[PayrollLine]] = defaultdict(list)
    for line in lines:
        if line.corrects is not None:
            by_target[line.corrects].append(line)
    gone = set(by_target)
    for fixes in by_target.values():
        latest = max(fixes, key=lambda f: (f.occurred_at, f.event_id))
        gone.update(f.event_id for f in fixes if f is not latest)
    return gone


def effective_lines(state: State) -> list[PayrollLine]:
    """The lines in force after corrections, in a stable order (pay period, worker, id)."""
    every = [_line(raw) for raw in state.get("lines", {}).values()]
    gone = superseded(every)
    kept = [line for line in every if line.event_id not in gone]
    return sorted(kept, key=lambda x: (x.period_start, x.worker_id, x.event_id))


def touching(lines: Iterable[PayrollLine], period: str) -> list[PayrollLine]:
    """Lines whose pay period has at least one day in the month."""
    first, last = month_bounds(period)
    return [line for line in lines if line.period_start <= last and line.period_end >= first]
