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
from operator import attrgetter
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
        total = ZERO  # the sum from ZERO, term by term in order (a loop: asked for every line and month)
        for kind, amount in self.deductions:
            if kind in kinds:
                total += amount
        return total

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


class _Amounts(dict[Any, Decimal]):
    """Decimal(text or 0) of an amount: the ones most lines carry (no bonus, no leave) shared, the others
    parsed when asked (and not kept: the table stays these four)."""

    def __missing__(self, text: Any) -> Decimal:
        return Decimal(text or 0)


_AMOUNT = _Amounts({"0": Decimal("0"), "0.00": Decimal("0.00"), None: Decimal(0), "": Decimal(0)})


def _line(raw: dict[str, Any]) -> PayrollLine:
    """One line of the fold's state as the rules read it, parsed once per books (`Books.of`). The fields
    are given in PayrollLine's order (positional: a fifth of the cost; tests/unit/test_pt_payroll_parse.py
    checks every field by name)."""
    get, day, amount = raw.get, date.fromisoformat, _AMOUNT
    paid_on, holiday_hourly, listed = get("paid_on"), get("holiday_hourly"), get("deductions")
    deductions: tuple[tuple[str, Decimal], ...] = ()
    consents: tuple[tuple[str, Decimal, bool], ...] = ()
    if listed:
        pairs, triples = [], []
        for d in listed:
            value = Decimal(d["amount"])
            pairs.append((d["kind"], value))
            triples.append((d["kind"], value, bool(d.get("consented", True))))
        deductions, consents = tuple(pairs), tuple(triples)
    return PayrollLine(
        raw["event_id"], datetime.fromisoformat(raw["occurred_at"]), raw["worker_id"], day(raw["period_start"]),
        day(raw["period_end"]), day(raw["scheduled_pay_date"]), day(paid_on) if paid_on else None,
        amount[get("hours_worked")], amount[get("hourly_wage")], amount[get("md_bonus")], get("md_bonus_label"),
        get("md_bonus_period"), amount[get("other_bonuses")], amount[get("gross")], deductions,
        amount[get("net")], get("corrects"), consents, amount[get("holiday_hours")],
        Decimal(holiday_hourly) if holiday_hourly is not None else None, amount[get("sick_hours_taken")],
        amount[get("sick_hours_paid")], amount[get("vacation_hours_taken")], amount[get("vacation_hours_paid")],
        amount[get("vacation_payout")],
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
    return sorted(kept, key=attrgetter("period_start", "worker_id", "event_id"))


def touching(lines: Iterable[PayrollLine], period: str) -> list[PayrollLine]:
    """Lines whose pay period has at least one day in the month."""
    first, last = month_bounds(period)
    return [line for line in lines if line.period_start <= last and line.period_end >= first]
