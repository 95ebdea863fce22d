"""What the kin pages show, from the SPEC §4 queries (`risk`, `premium`, `contractors`): the same answers as
the CLI's `--json`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy import Engine

from events.types import period_of
from projections.calendar import local_date
from projections.premium.owed import TOLERANCE
from services.dashboard.kin_charts import pareto_svg, premium_svg, risk_bars_svg
from services.ledger import kin_queries, queries


@dataclass
class RiskPage:
    farm_id: str
    name: str
    risk: dict[str, Any]
    chart: Markup


def risk_page(engine: Engine, farm_id: str, as_of: datetime, period: str | None) -> RiskPage:
    risk = kin_queries.risk(engine, farm_id, as_of, period)
    member = queries.load_state(engine, "membership", farm_id) or {}
    return RiskPage(farm_id, member.get("name", farm_id), risk, risk_bars_svg(risk))


@dataclass
class BuyerPage:
    buyer_id: str
    as_of: str
    period: str
    portfolio: dict[str, Any]
    pareto: Markup
    months: list[dict[str, Any]]
    premium_chart: Markup
    rows: list[dict[str, Any]]
    not_evaluated: list[str]


def buyer_page(engine: Engine, buyer_id: str, as_of: datetime, period: str | None) -> BuyerPage:
    day = local_date(as_of)
    errors: list[str] = []
    rows = kin_queries.premium(engine, buyer_id, None, as_of, errors)
    months: dict[str, dict[str, Any]] = {}
    for r in rows:
        m = months.setdefault(r["period"], {"period": r["period"], "owed": Decimal(0), "remitted": Decimal(0),
                                            "short": 0})
        m["owed"] += Decimal(r["owed"])
        m["remitted"] += Decimal(r["remitted"])
        m["short"] += Decimal(r["difference"]) < -TOLERANCE
    chosen = period or (max(months) if months else period_of(day))
    portfolio = kin_queries.buyer_portfolio(engine, buyer_id, chosen, as_of)
    ordered = [months[p] for p in sorted(months)]
    return BuyerPage(buyer_id, day.isoformat(), chosen, portfolio, pareto_svg(portfolio["hotspots"]), ordered,
                     premium_svg(ordered), rows, sorted(set(errors)))


def contractor_rows(engine: Engine, as_of: datetime, contractor_id: str | None = None) -> list[dict[str, Any]]:
    return kin_queries.contractors(engine, contractor_id, as_of)
