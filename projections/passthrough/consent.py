"""PT-10 (Part 3 wages ¶8, Part 6 Art. II h): no sum is withheld from a worker's pay without the worker's
informed, signed consent unless the law requires it. Tax is what the law requires; any other deduction
with `consented: false` is a finding. One row per worker, dated by the first such line's pay date."""

from __future__ import annotations

from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

REQUIRED_BY_LAW = frozenset({"tax"})


def unconsented(line: PayrollLine) -> list[tuple[str, str]]:
    return [(kind, str(amount)) for kind, amount, consented in line.deduction_consents
            if not consented and kind not in REQUIRED_BY_LAW and amount > 0]


def consent_findings(view: FarmView) -> list[Finding]:
    return Books.of(view).line_findings("PT-10", lambda line: bool(unconsented(line)), lambda first, n: {
        "pay_date": first.stub_date.isoformat(), "deductions": [list(d) for d in unconsented(first)], "lines": n})
