"""BP-1: for each farm, buyer and sales month, owed = Σ cwt bought × the rate per cwt in force on the month's
first day (the buyer's own, else the program's), less the days the farm was suspended (pro rata by days,
App. C III, PT-9); remitted = Σ remittances attributed to that buyer for that sales period. Remitted below
owed by more than $0.01 is a finding, dated the last day of the month after the sales month (the buyer's
month to pay it; docs/decisions.md), subject `BUYER/YYYY-MM`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from events.types import CENT
from projections.calendar import month_bounds, next_period
from projections.compliance import FarmView, Finding
from projections.passthrough.remittances import remittances
from projections.premium.projection import PURCHASES, RATES
from projections.reference.rates import Rate, RateMissing, in_force
from projections.standing.spans import Span, suspension_spans

TOLERANCE = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PremiumMonth:
    farm_id: str
    buyer_id: str
    period: str
    cwt: Decimal
    rate: Rate
    suspended_days: int
    days: int
    remitted: Decimal
    causes: tuple[str, ...]

    @property
    def owed(self) -> Decimal:
        owed = Fraction(self.cwt) * Fraction(self.rate.value) * Fraction(self.days - self.suspended_days, self.days)
        return money(owed)

    @property
    def difference(self) -> Decimal:
        return self.remitted - self.owed

    def as_json(self) -> dict[str, Any]:
        return {"farm_id": self.farm_id, "buyer_id": self.buyer_id, "period": self.period, "cwt": str(self.cwt),
                "rate": str(self.rate.value), "owed": str(self.owed), "remitted": str(self.remitted),
                "difference": str(self.difference), "suspended_days": self.suspended_days}


def money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_on(rates: dict[str, Any], buyer: str, day: date) -> Rate:
    """The buyer's own rate in force on `day`, else the program's; RateMissing when neither is."""
    rate = in_force(rates.get("buyers", {}).get(buyer, []), day) or in_force(rates.get("program", []), day)
    if rate is None:
        raise RateMissing("PremiumRateSet", day)
    return rate


def suspended_days(spans: Iterable[Span], period: str) -> int:
    first, last = month_bounds(period)
    days = 0
    for start, end in spans:
        lo = max(start, first)
        hi = last if end is None else min(last, date.fromordinal(end.toordinal() - 1))
        days += max(0, (hi - lo).days + 1)
    return days


def purchases_of(view: FarmView) -> list[dict[str, Any]]:
    """Each purchase once: a processor's line id posted twice (under two event ids) counts once."""
    kept: dict[str, dict[str, Any]] = {}
    for raw in sorted(view.state(PURCHASES).get("purchases", {}).values(),
                      key=lambda r: (datetime.fromisoformat(r["occurred_at"]), r["event_id"])):
        kept.setdefault(raw.get("purchase_id") or raw["event_id"], raw)
    return list(kept.values())


def premium_months(view: FarmView, buyer: str | None = None, period: str | None = None) -> list[PremiumMonth]:
    """Every (buyer, sales month) the farm sold milk in, up to the month of `view.as_of`."""
    bought: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for p in purchases_of(view):
        if (buyer is None or p["buyer_id"] == buyer) and (period is None or p["sales_period"] == period):
            bought.setdefault((p["buyer_id"], p["sales_period"]), []).append(p)
    asked = view.as_of.isoformat()[:7]
    rates = view.program.get(RATES) or {}
    paid = [r for r in remittances(view.state("passthrough")) if r.received_on <= view.as_of]
    spans = suspension_spans(view)
    out = []
    for (who, month), rows in sorted(bought.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if month > asked:
            continue
        first, last = month_bounds(month)
        mine = [r for r in paid if r.attributed_buyer_id == who and r.sales_period == month]
        out.append(PremiumMonth(
            farm_id=view.farm_id, buyer_id=who, period=month, cwt=sum((Decimal(r["cwt"]) for r in rows), Decimal(0)),
            rate=rate_on(rates, who, first), suspended_days=suspended_days(spans, month), days=last.day,
            remitted=sum((r.amount for r in mine), Decimal("0.00")),
            causes=tuple(r["event_id"] for r in rows) + tuple(r.event_id for r in mine),
        ))
    return out


def due_on(period: str) -> date:
    """The last day of the month after the sales month."""
    return month_bounds(next_period(period))[1]


def underpayments(view: FarmView) -> list[Finding]:
    out = []
    for m in premium_months(view):
        if m.difference < -TOLERANCE:
            detail = {k: v for k, v in m.as_json().items() if k not in ("farm_id", "period")}
            out.append(Finding("BP-1", view.farm_id, f"{m.buyer_id}/{m.period}", due_on(m.period), detail,
                               (*m.causes, m.rate.event_id)))
    return out
