"""PT-10 (Part 3 wages ¶8, Part 6 Art. II h): no sum is withheld from a worker's pay without the worker's
informed, signed consent unless the law requires it. Tax is what the law requires; any other deduction
with `consented: false` is a finding. One row per worker, dated by the first such line's pay date."""

from __future__ import annotations

from collections import defaultdict

from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

REQUIRED_BY_LAW = frozenset({"tax"})


def unconsented(line: PayrollLine) -> list[tuple[str, str]]:
    return [(kind, str(amount)) for kind, amount, consented in line.deduction_consents
            if not consented and kind not in REQUIRED_BY_LAW and amount > 0]


def consent_findings(view: FarmView) -> list[Finding]:
    books = Books.of(view)
    hits: dict[str, list[PayrollLine]] = defaultdict(list)
    for line in books.lines:
        if line.stub_date <= books.as_of and unconsented(line):
            hits[line.worker_id].append(line)
    rows = []
    for worker, lines in sorted(hits.items()):
        lines.sort(key=lambda x: (x.stub_date, x.event_id))
        first = lines[0]
        detail = {"pay_date": first.stub_date.isoformat(), "deductions": [list(d) for d in unconsented(first)],
                  "lines": len(lines)}
        rows.append(Finding("PT-10", books.farm_id, worker, first.stub_date, detail,
                            tuple(x.event_id for x in lines)))
    return rows
