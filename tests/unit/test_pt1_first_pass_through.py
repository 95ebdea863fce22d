"""PT-1: pass-through begins within 15 days of the farm's first premium payment (App. B II.1)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import FARM, deadlines, full_month, line, ok, remit, setup


def bonus_paid(on: str) -> dict[str, object]:
    return line("w1", "2024-03-01", "2024-03-15", "0", bonus="20.00", bonus_period="2024-03", gross="20.00",
                scheduled=on)


def test_pt1_first_bonus_paid_on_the_15th_day_is_met(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05"), remit("90.00", "2024-04-05"), full_month("w1", "2024-03"),
       bonus_paid("2024-03-20"))
    rows = deadlines(ledger, "2024-04-30", "PT-1")
    assert rows == [{"rule": "PT-1", "farm_id": FARM, "subject_id": FARM, "due": "2024-03-20",
                     "status": "met", "met_on": "2024-03-20"}]


def test_pt1_first_bonus_paid_a_day_late_is_missed(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05"), full_month("w1", "2024-03"), bonus_paid("2024-03-21"))
    assert deadlines(ledger, "2024-03-19", "PT-1")[0]["status"] == "open"
    row = deadlines(ledger, "2024-04-30", "PT-1")[0]
    assert (row["status"], row["met_on"]) == ("missed", "2024-03-21")


def test_pt1_no_bonus_at_all_is_open_then_missed_and_no_premium_means_no_deadline(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, full_month("w1", "2024-02"))
    assert deadlines(ledger, "2024-12-31", "PT-1") == []
    ok(ledger, remit("100.00", "2024-02-20"))  # 20 Feb + 15 days crosses the leap day: due 6 March
    assert deadlines(ledger, "2024-02-19", "PT-1") == []  # before the premium arrived
    assert [(r["due"], r["status"]) for r in deadlines(ledger, "2024-03-06", "PT-1")] == [("2024-03-06", "open")]
    assert deadlines(ledger, "2024-03-07", "PT-1")[0]["status"] == "missed"


def test_pt1_waits_for_the_first_month_with_a_bonus_eligible_worker(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05"), full_month("w1", "2024-03", wage="20.00"),  # above the livable wage
       remit("90.00", "2024-04-08"), full_month("w1", "2024-04"))
    assert deadlines(ledger, "2024-03-31", "PT-1") == []  # March owes nobody a bonus: not missed
    [row] = deadlines(ledger, "2024-04-30", "PT-1")
    assert (row["due"], row["status"]) == ("2024-04-23", "missed")  # April's first remittance + 15 days
