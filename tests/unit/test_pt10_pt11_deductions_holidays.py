"""PT-10 (no deduction without signed consent unless the law requires it, Part 3 wages ¶8) and PT-11 (Paid
Holidays at 1.5 times the regular wage, Part 3 wages ¶9, App. A 8)."""

from __future__ import annotations

from typing import Any

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import findings, line, ok, setup


def with_(event: dict[str, Any], **data: Any) -> dict[str, Any]:
    event["data"].update(data)
    return event


def deduction(kind: str, amount: str, consented: bool) -> dict[str, Any]:
    return {"kind": kind, "amount": amount, "consented": consented}


def test_pt10_unconsented_housing_is_a_finding_consented_or_tax_is_not(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-ok", "w-tax", "w-bad")
    ok(ledger,
       with_(line("w-ok", "2024-03-01", "2024-03-15", "80"), deductions=[deduction("housing", "50.00", True)],
             net="1150.00"),
       with_(line("w-tax", "2024-03-01", "2024-03-15", "80"), deductions=[deduction("tax", "90.00", False)],
             net="1110.00"),
       with_(line("w-bad", "2024-03-01", "2024-03-15", "80"), deductions=[deduction("other", "20.00", False)],
             net="1180.00"),
       with_(line("w-bad", "2024-03-16", "2024-03-31", "80"), deductions=[deduction("housing", "50.00", False)],
             net="1150.00"))
    rows = findings(ledger, "2024-04-30", "PT-10")
    assert [r["subject_id"] for r in rows] == ["w-bad"]
    assert rows[0]["on"] == "2024-03-15"
    assert rows[0]["detail"]["deductions"] == [["other", "20.00"]] and rows[0]["detail"]["lines"] == 2
    assert findings(ledger, "2024-03-14", "PT-10") == []


def test_pt11_holiday_hours_at_1_5x_meet_it_below_is_a_finding(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-ok", "w-short", "w-unpriced")
    ok(ledger,  # Thanksgiving 2024 is Nov 28
       with_(line("w-ok", "2024-11-16", "2024-11-30", "80"), holiday_hours="8", holiday_hourly="22.50"),
       with_(line("w-short", "2024-11-16", "2024-11-30", "80"), holiday_hours="8", holiday_hourly="22.49"),
       with_(line("w-unpriced", "2024-12-16", "2024-12-31", "80"), holiday_hours="16"))
    rows = {r["subject_id"]: r for r in findings(ledger, "2025-01-31", "PT-11")}
    assert set(rows) == {"w-short", "w-unpriced"}
    assert rows["w-short"]["detail"]["holidays"] == ["2024-11-28"]
    assert rows["w-short"]["detail"]["required"] == "22.50"
    assert rows["w-unpriced"]["detail"]["holidays"] == ["2024-12-24", "2024-12-25"]


def test_pt11_a_holiday_on_a_weekend_is_the_day_itself_not_the_observed_monday(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-sun", "w-mon")
    ok(ledger,  # Dec 25 2022 is a Sunday; the federal holiday is observed on Monday Dec 26
       with_(line("w-sun", "2022-12-19", "2022-12-25", "48"), holiday_hours="8", holiday_hourly="15.00"),
       with_(line("w-mon", "2022-12-26", "2022-12-31", "40"), holiday_hours="8", holiday_hourly="15.00"))
    rows = findings(ledger, "2023-01-31", "PT-11")
    assert [(r["subject_id"], r["detail"]["holidays"]) for r in rows] == [("w-sun", ["2022-12-24", "2022-12-25"])]
