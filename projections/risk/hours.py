"""RK-2 (seed 004): forced-labour risk hours. FL = CF(level) × worker hours, in medium-risk-hours equivalent
(mrh-eq), CF: very high 10, high 5, medium 1, low 0.01, very low 0.001. Worker hours are the period's
payroll hours (a pay period spanning two months is split by calendar days). A buyer's portfolio: Σ over its
farms of FL × its share of the farm's milk that period (its cwt ÷ all buyers' cwt); hotspots are its farms
ranked by their part of that sum, with the cumulative share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from projections.calendar import month_bounds
from projections.compliance import FarmView
from projections.passthrough.payroll import effective_lines, touching
from projections.premium.owed import purchases_of
from projections.risk.method import decimal_text

CF: Mapping[str, Fraction] = {"very_high": Fraction(10), "high": Fraction(5), "medium": Fraction(1),
                              "low": Fraction(1, 100), "very_low": Fraction(1, 1000)}
"""The seed's characterisation factors. RK-1 has no very-low level; the factor is kept for completeness."""


def worker_hours(view: FarmView, period: str) -> tuple[Fraction, tuple[str, ...]]:
    first, last = (d.isoformat() for d in month_bounds(period))
    # Only the month's lines (and every correction, whichever period it names) are read: a farm's books
    # hold years of lines.
    raw = {k: v for k, v in view.state("passthrough").get("lines", {}).items()
           if v.get("corrects") or (v["period_start"] <= last and v["period_end"] >= first)}
    lines = touching(effective_lines({"lines": raw}), period)
    hours = sum((line.in_month(period) * Fraction(line.hours) for line in lines), Fraction(0))
    return hours, tuple(sorted(line.event_id for line in lines))


def risk_hours(level: str | None, hours: Fraction) -> Fraction | None:
    return None if level is None else CF[level] * hours


def milk_share(view: FarmView, buyer: str, period: str) -> Fraction:
    """The buyer's share of the farm's milk in the period (0 when the farm sold none)."""
    month = [p for p in purchases_of(view) if p["sales_period"] == period]
    total = sum((Fraction(p["cwt"]) for p in month), Fraction(0))
    mine = sum((Fraction(p["cwt"]) for p in month if p["buyer_id"] == buyer), Fraction(0))
    return mine / total if total else Fraction(0)


@dataclass(frozen=True, slots=True)
class FarmPart:
    farm_id: str
    mrh_eq: Fraction
    """FL × the buyer's share: the farm's part of the buyer's sum."""
    level: str | None
    share_of_milk: Fraction


def hotspots(parts: Iterable[FarmPart]) -> tuple[Fraction, list[dict[str, Any]]]:
    """The buyer's sum and its farms, largest part first, with share and cumulative share (0-1; all 0 when
    the sum is 0)."""
    ranked = sorted(parts, key=lambda p: (-p.mrh_eq, p.farm_id))
    total = sum((p.mrh_eq for p in ranked), Fraction(0))
    out, cumulative = [], Fraction(0)
    for p in ranked:
        share = p.mrh_eq / total if total else Fraction(0)
        cumulative += share
        out.append({"farm_id": p.farm_id, "mrh_eq": decimal_text(p.mrh_eq), "share": decimal_text(share),
                    "cumulative_share": decimal_text(cumulative), "level": p.level,
                    "share_of_milk": decimal_text(p.share_of_milk)})
    return total, out
