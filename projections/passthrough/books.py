"""A farm's premium books, read once from a FarmView: remittances, payroll lines in force, reports, and the
membership and program reference states the rules need."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from projections.compliance import FarmView
from projections.passthrough.payroll import PayrollLine, effective_lines
from projections.passthrough.remittances import Remittance, remittances
from projections.projection import State

PROJECTION = "passthrough"
_memo = threading.local()


@dataclass(frozen=True)
class Books:
    farm_id: str
    as_of: date
    remittances: list[Remittance]
    lines: list[PayrollLine]
    reports: dict[str, dict[str, str]]
    """sales_period -> {event_id: submitted_on}"""
    membership: State
    reference: State

    @classmethod
    def of(cls, view: FarmView) -> Books:
        """Memoised on the thread's last view: every PT rule of one query reads the same books."""
        last: tuple[FarmView, Books] | None = getattr(_memo, "last", None)
        if last is not None and last[0] is view:
            return last[1]
        books = cls._read(view)
        _memo.last = (view, books)
        return books

    @classmethod
    def _read(cls, view: FarmView) -> Books:
        state = view.state(PROJECTION)
        return cls(
            farm_id=view.farm_id, as_of=view.as_of, remittances=remittances(state),
            lines=effective_lines(state), reports=state.get("reports", {}),
            membership=view.state("membership"), reference=view.program.get("reference") or {},
        )

    @property
    def enrolled_on(self) -> date | None:
        day = self.membership.get("enrolled_on")
        return date.fromisoformat(day) if day else None

    @property
    def jurisdiction(self) -> str:
        return str(self.membership.get("jurisdiction", ""))
