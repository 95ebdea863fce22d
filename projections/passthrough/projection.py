"""The fold of a farm's premium and pay facts: remittances, monthly premium reports, payroll lines.

State (JSON-native, keyed by farm):
  {"farm_id", "remittances": {event_id: {...PremiumRemitted data, "event_id", "occurred_at"}},
   "reports": {sales_period: {event_id: submitted_on}},
   "lines": {event_id: {...PayrollLineRecorded data, "event_id", "occurred_at"}}}

The fold only files facts by id; duplicates (same payor and reference) and corrections (`corrects`) are
resolved when the rules read the state, so the answer never depends on arrival order. Ledger time
(`recorded_at`) is never stored: the two modes stamp it differently.
"""

from __future__ import annotations

from typing import ClassVar

from events.recorded import RecordedEvent
from projections.projection import Derived, State


class Passthrough:
    name: ClassVar[str] = "passthrough"
    types: ClassVar[frozenset[str]] = frozenset({"PremiumRemitted", "PremiumReportSubmitted", "PayrollLineRecorded"})

    def part(self, event: RecordedEvent) -> str:
        """Stored per premium month (the sales period, or the month a pay period starts): an old ledger's
        batch rewrites this month's books, not every month's."""
        d = event.data
        return str(d.get("sales_period") or str(d.get("period_start") or "")[:7] or event.occurred_at.date())[:7]

    def initial(self, key: str) -> State:
        return {"farm_id": key, "remittances": {}, "reports": {}, "lines": {}}

    def apply(self, state: State, event: RecordedEvent) -> list[Derived]:
        d = event.data
        match event.type:
            case "PremiumRemitted":
                state["remittances"][event.event_id] = _filed(event)
            case "PremiumReportSubmitted":
                state["reports"].setdefault(d["sales_period"], {})[event.event_id] = d["submitted_on"]
            case "PayrollLineRecorded":
                state["lines"][event.event_id] = _filed(event)
        return []


def _filed(event: RecordedEvent) -> dict[str, object]:
    return {**event.data, "event_id": event.event_id, "occurred_at": event.occurred_at.isoformat()}
