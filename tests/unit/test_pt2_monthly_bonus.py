"""PT-2: for every premium month, each eligible worker gets a bonus line paid by the end of the following
month (Part 3 premium ¶3)."""

from __future__ import annotations

from projections.compliance import Obligation
from projections.passthrough.deadlines import monthly_bonus_lines
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import deadlines, full_month, hire, line, ok, remit, setup, view


def bonus(worker: str, period: str, paid: str, amount: str = "20.00") -> dict[str, object]:
    return line(worker, paid, paid, "0", bonus=amount, bonus_period=period, gross=amount)


def test_pt2_january_bonus_paid_by_the_leap_day_is_met(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    ok(ledger, remit("100.00", "2024-01-10"), full_month("w1", "2024-01"), full_month("w2", "2024-01"),
       bonus("w1", "2024-01", "2024-02-29"), bonus("w2", "2024-01", "2024-03-01"))
    rows = {r["subject_id"]: r for r in deadlines(ledger, "2024-03-31", "PT-2")}
    assert rows["w1/2024-01"] == {"rule": "PT-2", "farm_id": "farm-pt", "subject_id": "w1/2024-01",
                                  "due": "2024-02-29", "status": "met", "met_on": "2024-02-29"}
    assert (rows["w2/2024-01"]["status"], rows["w2/2024-01"]["met_on"]) == ("missed", "2024-03-01")


def test_pt2_february_premium_is_due_by_the_31st_of_march_and_open_until_then(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2023-02-10"), full_month("w1", "2023-02"))
    assert [(r["due"], r["status"]) for r in deadlines(ledger, "2023-03-31", "PT-2")] == [("2023-03-31", "open")]
    assert deadlines(ledger, "2023-04-01", "PT-2")[0]["status"] == "missed"
    ok(ledger, bonus("w1", "2023-02", "2023-03-31"))
    assert deadlines(ledger, "2023-04-01", "PT-2")[0]["status"] == "met"


def test_pt2_only_eligible_workers_of_months_with_premium_are_owed_a_line(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "part")
    ok(ledger, hire("boss", supervisory=True))
    ok(ledger, remit("100.00", "2024-03-05"), *(full_month(w, "2024-03") for w in ("w1", "boss")),
       full_month("part", "2024-03", "20"), full_month("w1", "2024-04"))  # April: no premium
    assert [r["subject_id"] for r in deadlines(ledger, "2024-06-30", "PT-2")] == ["w1/2024-03"]


def test_pt2_a_bonus_for_another_month_does_not_meet_it(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    ok(ledger, remit("100.00", "2024-03-05"), full_month("w1", "2024-03"), bonus("w1", "2024-02", "2024-04-10"))
    obligations = monthly_bonus_lines(view(ledger, "2024-05-01"))
    assert len(obligations) == 1
    ob: Obligation = obligations[0]
    assert ob.status(view(ledger, "2024-05-01").as_of) == "missed" and ob.met_on is None
    assert ob.causes  # names the remittance and the worker's lines
