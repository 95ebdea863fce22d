"""PT-5 (Part 3 premium ¶4, App. B II.1): the MD bonus is a pay-stub line labelled with one of the Code's labels.

Compared case-insensitively, with runs of spaces and the spaces around "/" ignored. One finding per worker,
dated by the first mislabelled line's pay date.
"""

from __future__ import annotations

import re

from projections.compliance import FarmView, Finding
from projections.passthrough.books import Books
from projections.passthrough.payroll import PayrollLine

LABELS = (
    "Milk with Dignity Bonus/Bono Leche con Dignidad",
    "MD Bonus/Bono LcD",
    "Milk with Dignity/Leche con Dignidad",
)


def normal(label: str) -> str:
    return re.sub(r"\s*/\s*", "/", re.sub(r"\s+", " ", label.strip())).casefold()


ACCEPTED = frozenset(normal(label) for label in LABELS)


def labelled(label: str | None) -> bool:
    return label is not None and normal(label) in ACCEPTED


def label_findings(view: FarmView) -> list[Finding]:
    def offends(line: PayrollLine) -> bool:
        return line.md_bonus > 0 and not labelled(line.md_bonus_label)

    return Books.of(view).line_findings("PT-5", offends, lambda first, n: {
        "label": first.md_bonus_label, "lines": n, "expected_one_of": list(LABELS)})
