"""PT-5: the MD bonus line carries one of the Code's labels, compared case-insensitively
(Part 3 premium ¶4, App. B II.1)."""

from __future__ import annotations

from projections.passthrough.labels import labelled
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import findings, line, ok, setup


def bonus(worker: str, label: str | None, paid: str = "2024-04-05", bonus: str = "20.00") -> dict[str, object]:
    return line(worker, paid, paid, "0", bonus=bonus, bonus_period="2024-03", gross=bonus, label=label)


def test_pt5_each_of_the_three_labels_in_any_case_passes(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2", "w3")
    ok(ledger, bonus("w1", "Milk with Dignity Bonus/Bono Leche con Dignidad"), bonus("w2", "md bonus / bono lcd"),
       bonus("w3", "MILK WITH DIGNITY/LECHE CON DIGNIDAD"))
    assert findings(ledger, "2024-12-31", "PT-5") == []


def test_pt5_other_or_missing_labels_are_one_finding_per_worker(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    first = bonus("w1", "Bonus", paid="2024-04-05")
    ok(ledger, first, bonus("w1", "MD Premium", paid="2024-05-03"), bonus("w2", None, paid="2024-05-10"),
       line("w2", "2024-05-01", "2024-05-15", "80"))  # no bonus on the line: no label needed
    rows = findings(ledger, "2024-12-31", "PT-5")
    assert [(r["subject_id"], r["on"], r["detail"]["label"], r["detail"]["lines"]) for r in rows] == [
        ("w1", "2024-04-05", "Bonus", 2), ("w2", "2024-05-10", None, 1)]
    assert findings(ledger, "2024-04-30", "PT-5")[0]["detail"]["lines"] == 1  # as of then, one bad line


def test_pt5_pure_label_check() -> None:
    assert labelled("  MD  Bonus/Bono  LcD ")
    assert not labelled("MD Bonus")
    assert not labelled(None)
