"""SPEC §4 `dignity risk FARM [--as-of] [--period]` and `dignity risk --buyer B --period M`, as pure
functions of farm views. The risk hours of a period use the forced-labour level at the end of that period
(or at the date asked about, if earlier)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from fractions import Fraction
from typing import Any

from events.types import period_of
from projections.calendar import month_bounds
from projections.compliance import FarmView
from projections.risk.hours import FarmPart, hotspots, milk_share, risk_hours, worker_hours
from projections.risk.method import decimal_text
from projections.risk.score import theme_score


def at_period_end(view: FarmView, period: str) -> FarmView:
    end = month_bounds(period)[1]
    return view if view.as_of <= end else replace(view, as_of=end)


def farm_risk(view: FarmView, period: str | None = None) -> dict[str, Any]:
    period = period or period_of(view.as_of)
    fl, cl = theme_score(view, "forced_labor"), theme_score(view, "child_labor")
    then = at_period_end(view, period)
    level = fl.level if then is view else theme_score(then, "forced_labor").level
    hours, lines = worker_hours(view, period)
    mrh = risk_hours(level, hours)
    return {
        "farm_id": view.farm_id, "as_of": view.as_of.isoformat(), "forced_labor": fl.as_json(),
        "child_labor": cl.as_json(),
        "risk_hours": {"period": period, "hours": decimal_text(hours, 2),
                       "mrh_eq": decimal_text(mrh) if mrh is not None else None, "level": level,
                       "payroll_lines": len(lines)},
    }


def farm_part(view: FarmView, buyer: str, period: str) -> FarmPart:
    then = at_period_end(view, period)
    level = theme_score(then, "forced_labor").level
    hours, _ = worker_hours(view, period)
    share = milk_share(view, buyer, period)
    fl = risk_hours(level, hours)
    return FarmPart(view.farm_id, (fl or 0) * share, level, share)


def buyer_risk(buyer: str, period: str, views: Iterable[FarmView]) -> dict[str, Any]:
    return buyer_risk_of([farm_part(v, buyer, period) for v in views], buyer, period)


def part_json(part: FarmPart) -> list[Any]:
    """A farm's part, exactly (fractions as numerator and denominator), for a store to keep."""
    return [part.farm_id, part.mrh_eq.numerator, part.mrh_eq.denominator, part.level,
            part.share_of_milk.numerator, part.share_of_milk.denominator]


def part_of(row: list[Any]) -> FarmPart:
    farm, num, den, level, share_num, share_den = row
    return FarmPart(farm, Fraction(num, den), level, Fraction(share_num, share_den))


def buyer_risk_of(parts: list[FarmPart], buyer: str, period: str) -> dict[str, Any]:
    """The buyer's mrh-eq and hotspots from its farms' parts (`farm_part`)."""
    scored = [p for p in parts if p.level is not None]
    total, spots = hotspots(scored)
    return {"buyer_id": buyer, "period": period, "mrh_eq": decimal_text(total), "hotspots": spots,
            "unscored": sorted(p.farm_id for p in parts if p.level is None)}
