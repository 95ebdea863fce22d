"""Premium remittances as the rules read them: one per payor and reference, dated by when they were received."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from events.types import period_of
from projections.projection import State


@dataclass(frozen=True, slots=True)
class Remittance:
    event_id: str
    remittance_id: str
    payor_id: str
    attributed_buyer_id: str
    sales_period: str
    amount: Decimal
    received_on: date
    reference: str

    @property
    def premium_month(self) -> str:
        """SPEC §3: the premium month of a remittance is the calendar month it was received in."""
        return period_of(self.received_on)


def _order(raw: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(raw["occurred_at"]), raw["event_id"]


def remittances(state: State) -> list[Remittance]:
    """Every distinct remittance, sorted by date received. The same payor and reference posted twice (even
    under two event ids) is one remittance: the earliest-occurring post is kept."""
    kept: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in sorted(state.get("remittances", {}).values(), key=_order):
        kept.setdefault((raw["payor_id"], raw["reference"]), raw)
    rows = [
        Remittance(
            event_id=r["event_id"], remittance_id=r["remittance_id"], payor_id=r["payor_id"],
            attributed_buyer_id=r["attributed_buyer_id"], sales_period=r["sales_period"],
            amount=Decimal(r["amount"]), received_on=date.fromisoformat(r["received_on"]), reference=r["reference"],
        )
        for r in kept.values()
    ]
    return sorted(rows, key=lambda r: (r.received_on, r.event_id))


def received_in(rows: Iterable[Remittance], period: str, as_of: date | None = None) -> list[Remittance]:
    """The remittances of one premium month (received by `as_of`, when given)."""
    return [r for r in rows if r.premium_month == period and (as_of is None or r.received_on <= as_of)]


def premium_months(rows: Iterable[Remittance], as_of: date) -> list[str]:
    return sorted({r.premium_month for r in rows if r.received_on <= as_of})
