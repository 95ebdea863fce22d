"""HO-1 (14 days' notice to vacate farm housing, Housing ¶4), LV-1 (five paid sick days a year, Health and
Safety ¶9), LV-2 (five paid vacation days a year, prorated, unused days paid out, Schedules ¶4)."""

from __future__ import annotations

from typing import Any

from services.ledger.embedded import EmbeddedLedger
from tests.conftest import event
from tests.unit.test_pt_common import FARM, deadlines, findings, hire, line, ok, setup


def separate(worker: str, on: str, **data: Any) -> dict[str, Any]:
    return event("WorkerSeparated", FARM, on, {"worker_id": worker, "on": on, **data}, role="farm")


def with_(ev: dict[str, Any], **data: Any) -> dict[str, Any]:
    ev["data"].update(data)
    return ev


def test_ho1_a_vacate_date_of_exactly_14_days_meets_it_13_days_breaks_it(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-14", "w-13", "w-none", "w-quit", "w-art1")
    ok(ledger,
       separate("w-14", "2024-03-01", by="farm", housed=True, vacate_by="2024-03-15"),
       separate("w-13", "2024-03-01", by="farm", housed=True, vacate_by="2024-03-14"),
       separate("w-none", "2024-03-01", by="farm", housed=True),
       separate("w-quit", "2024-03-01", by="worker", housed=True, vacate_by="2024-03-02"),
       separate("w-art1", "2024-03-01", by="farm", housed=True, vacate_by="2024-03-02", article_i_termination=True))
    rows = {r["subject_id"]: r for r in findings(ledger, "2024-03-31", "HO-1")}
    assert set(rows) == {"w-13", "w-none"}
    assert rows["w-13"]["detail"]["days"] == 13 and rows["w-13"]["on"] == "2024-03-01"
    assert rows["w-none"]["detail"]["vacate_by"] is None


def test_lv1_sick_hours_paid_up_to_five_days_a_year(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-ok", "w-short")
    ok(ledger,
       hire("w-ten", "2024-01-02"), with_(hire("w-ten2", "2024-01-02"), regular_day_hours="10"),
       # 6 days taken, 5 paid: the sixth is beyond the year's allowance
       with_(line("w-ok", "2024-03-01", "2024-03-15", "40"), sick_hours_taken="48", sick_hours_paid="40"),
       with_(line("w-short", "2024-03-01", "2024-03-15", "72"), sick_hours_taken="8", sick_hours_paid="4"),
       # a 10-hour regular day: 5 days are 50 hours
       with_(line("w-ten2", "2024-03-01", "2024-03-15", "40"), sick_hours_taken="50", sick_hours_paid="40"),
       # a new year starts a new allowance
       with_(line("w-ok", "2025-01-01", "2025-01-15", "80"), sick_hours_taken="8", sick_hours_paid="8"))
    rows = {r["subject_id"]: r for r in findings(ledger, "2025-02-28", "LV-1")}
    assert set(rows) == {"w-short", "w-ten2"}
    assert rows["w-short"]["detail"]["owed_hours"] == "8" and rows["w-ten2"]["detail"]["owed_hours"] == "50"


def test_lv2_unused_days_paid_out_by_jan_31(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w-paid", "w-late")  # hired 2022-01-03: 11 whole months of 2022 -> 4.5 days
    ok(ledger,
       with_(line("w-paid", "2022-06-01", "2022-06-15", "80"), vacation_hours_taken="16"),
       with_(line("w-late", "2022-06-01", "2022-06-15", "80"), vacation_hours_taken="16"),
       # 4.5 - 2 = 2.5 days x 8 h x 15.00 = 300.00
       with_(line("w-paid", "2023-01-01", "2023-01-15", "80"), vacation_payout="300.00"),
       with_(line("w-late", "2023-02-01", "2023-02-15", "80"), vacation_payout="300.00"))
    rows = {r["subject_id"]: r for r in deadlines(ledger, "2023-03-01", "LV-2")}
    assert set(rows) == {"w-paid/2022", "w-late/2022"}
    assert (rows["w-paid/2022"]["due"], rows["w-paid/2022"]["status"]) == ("2023-01-31", "met")
    assert rows["w-late/2022"]["status"] == "missed"  # paid in February: too late, and counted for 2023


def test_lv2_prorated_on_separation_and_due_with_the_final_pay(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, hire("w-1", "2023-04-10"),  # whole months to Jul 9: 3 -> 1.25 days
       with_(line("w-1", "2023-07-01", "2023-07-15", "80", scheduled="2023-07-20"), vacation_payout="149.99"),
       separate("w-1", "2023-07-12", by="worker"))
    row = deadlines(ledger, "2023-08-01", "LV-2")
    assert [(r["subject_id"], r["due"], r["status"]) for r in row] == [("w-1/2023", "2023-07-20", "missed")]


def test_lv2_the_full_payout_with_the_final_pay_meets_it(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, hire("w-1", "2023-04-10"),
       with_(line("w-1", "2023-07-01", "2023-07-15", "80", scheduled="2023-07-20"), vacation_payout="150.00"),
       separate("w-1", "2023-07-12", by="worker"))
    row = deadlines(ledger, "2023-08-01", "LV-2")
    assert [(r["subject_id"], r["status"], r["met_on"]) for r in row] == [("w-1/2023", "met", "2023-07-20")]


def test_lv2_the_enrolment_year_counts_from_the_enrolment(ledger: EmbeddedLedger) -> None:
    from tests.unit.test_pt_common import enrol, rates

    ok(ledger, enrol(enrolled_on="2022-07-01"), *rates(), hire("w-1", "2020-01-06"),
       line("w-1", "2022-07-01", "2022-07-15", "80"))
    [row] = deadlines(ledger, "2023-01-01", "LV-2")  # 6 whole months -> 2.5 days x 8 h x 15.00
    assert row["subject_id"] == "w-1/2022"
    ok(ledger, with_(line("w-1", "2022-12-01", "2022-12-15", "80"), vacation_payout="299.99"))
    assert deadlines(ledger, "2023-01-01", "LV-2")[0]["status"] == "open"  # a cent short (of 300.00, not 600.00)
    ok(ledger, with_(line("w-1", "2022-12-16", "2022-12-31", "80"), vacation_payout="0.01"))
    assert deadlines(ledger, "2023-01-01", "LV-2")[0]["status"] == "met"
