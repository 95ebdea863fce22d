"""A farm's premium books, read once from a FarmView: remittances, payroll lines in force, reports, and the
membership and program reference states the rules need."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from projections.compliance import FarmView, Finding
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

    def line_findings(self, rule: str, offends: Callable[[PayrollLine], bool],
                      detail: Callable[[PayrollLine, int], dict[str, Any]]) -> list[Finding]:
        """One finding per worker whose lines paid by as-of offend `rule`: dated by the first such line,
        its detail read from that line and the count of lines (PT-5, PT-10, PT-11)."""
        hits: dict[str, list[PayrollLine]] = defaultdict(list)
        for line in self.lines:
            if line.stub_date <= self.as_of and offends(line):
                hits[line.worker_id].append(line)
        rows = []
        for worker, lines in sorted(hits.items()):
            lines.sort(key=lambda x: (x.stub_date, x.event_id))
            first = lines[0]
            rows.append(Finding(rule, self.farm_id, worker, first.stub_date, detail(first, len(lines)),
                                tuple(x.event_id for x in lines)))
        return rows
