"""A farm's premium books, read once from a FarmView: remittances, payroll lines in force, reports, and the
membership and program reference states the rules need.

The books are read once per view (`FarmView.remembered`), and what several rules ask of them (a worker's
lines, the lines of a month, the workers of a premium month) is indexed once per books: the rules of one
fold share one parse and one index, never one scan per month and worker."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from projections.compliance import FarmView, Finding
from projections.passthrough.payroll import PayrollLine, effective_lines
from projections.passthrough.remittances import Remittance, received_in, remittances
from projections.projection import State
from projections.reference.rates import Rate, minimum_wage_changes, minimum_wage_on

if TYPE_CHECKING:
    from projections.passthrough.eligibility import WorkerMonth

PROJECTION = "passthrough"
_UNSET = object()
T = TypeVar("T")


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
    _index: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    """What is derived from the (never changed) fields above, made once: see `_once`."""

    @classmethod
    def of(cls, view: FarmView) -> Books:
        """Read once per view: every rule of one fold reads the same books."""
        return view.remembered("books", lambda: cls._read(view))

    @classmethod
    def _read(cls, view: FarmView) -> Books:
        state = view.state(PROJECTION)
        return cls(
            farm_id=view.farm_id, as_of=view.as_of, remittances=remittances(state),
            lines=effective_lines(state), reports=state.get("reports", {}),
            membership=view.state("membership"), reference=view.program.get("reference") or {},
        )

    def _once(self, key: Any, make: Callable[[], T]) -> T:
        found = self._index.get(key, _UNSET)
        if found is _UNSET:
            found = self._index[key] = make()
        return found  # type: ignore[no-any-return]

    def worker_lines(self, worker_id: str) -> list[PayrollLine]:
        """The worker's lines, in the books' order (a new list: the caller may sort it)."""
        return list(self._once("by worker", self._by_worker).get(worker_id, ()))

    def _by_worker(self) -> dict[str, list[PayrollLine]]:
        index: dict[str, list[PayrollLine]] = defaultdict(list)
        for line in self.lines:
            index[line.worker_id].append(line)
        return index

    def touching(self, period: str) -> list[PayrollLine]:
        """`payroll.touching(self.lines, period)`: the lines with a day of their pay period in the month."""
        return list(self._once("by month", self._by_month).get(period, ()))

    def _by_month(self) -> dict[str, list[PayrollLine]]:
        index: dict[str, list[PayrollLine]] = defaultdict(list)
        for line in self.lines:  # every month from the period's first day's to its last day's
            start, end = line.period_start, line.period_end
            if (start.year, start.month) == (end.year, end.month):
                index[start.isoformat()[:7]].append(line)  # most pay periods: one month
                continue
            year, month = start.year, start.month
            while (year, month) <= (end.year, end.month):
                index[f"{year:04d}-{month:02d}"].append(line)
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return index

    def bonus_lines(self, period: str) -> list[PayrollLine]:
        """The lines that pass through the premium of `period` (their `md_bonus_period`) with a bonus on them,
        in the books' order."""
        return list(self._once("bonus by period", self._bonus_by_period).get(period, ()))

    def _bonus_by_period(self) -> dict[str | None, list[PayrollLine]]:
        index: dict[str | None, list[PayrollLine]] = defaultdict(list)
        for line in self.lines:
            if line.md_bonus > 0:
                index[line.md_bonus_period].append(line)
        return index

    def month_workers(self, period: str) -> list[WorkerMonth]:
        """`eligibility.month_workers` of these books, from the month's lines (`touching`). Made when asked,
        not kept: a fold asks for each month about once (PT-2, or PT-4), and a kept WorkerMonth (with its two
        Fractions) would be three more objects per worker and month for the collector to walk."""
        from projections.passthrough.eligibility import workers_of_month

        return workers_of_month(self.touching(period), self.membership, self.reference, period)

    def received_in(self, period: str, as_of: date | None = None) -> list[Remittance]:
        """`remittances.received_in(self.remittances, period, as_of)`, from the remittances filed by premium
        month once (PT-1, PT-2 and PT-4 ask for every month)."""
        index = self._once("remittances by month", self._remittances_by_month)
        return received_in(index.get(period, ()), period, as_of)

    def _remittances_by_month(self) -> dict[str, list[Remittance]]:
        index: dict[str, list[Remittance]] = defaultdict(list)
        for r in self.remittances:
            index[r.premium_month].append(r)
        return index

    def minimum_wage_on(self, day: date) -> Rate:
        """`rates.minimum_wage_on` for the farm's jurisdiction, once per day (a pay period's workers share
        its days). Raises RateMissing like it, each time it is asked."""
        return self._once(("minimum wage", day), lambda: minimum_wage_on(self.reference, self.jurisdiction, day))

    def minimum_wage_changes(self, first: date, last: date) -> list[date]:
        """`rates.minimum_wage_changes` for the farm's jurisdiction, once per pay period (a new list)."""
        return list(self._once(("minimum wage changes", first, last), lambda: minimum_wage_changes(
            self.reference, self.jurisdiction, first, last)))

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
