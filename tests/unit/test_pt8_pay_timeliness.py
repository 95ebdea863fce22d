"""PT-8: wages are unpaid if paid later than one business day after the scheduled pay date, and are paid at
least twice a month (Part 3 wages ¶5). One deadline row per payroll line."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import deadlines, findings, line, ok, setup


def test_pt8_paid_the_next_business_day_is_met_a_day_later_is_missed(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1", "w2")
    # Friday 1 March 2024: the next business day is Monday 4 March.
    ok(ledger, line("w1", "2024-02-16", "2024-02-29", "80", scheduled="2024-03-01", paid="2024-03-04"),
       line("w2", "2024-02-16", "2024-02-29", "80", scheduled="2024-03-01", paid="2024-03-05"))
    rows = sorted(deadlines(ledger, "2024-03-31", "PT-8"), key=lambda r: r["subject_id"])
    assert rows == [
        {"rule": "PT-8", "farm_id": "farm-pt", "subject_id": "w1", "due": "2024-03-04", "status": "met",
         "met_on": "2024-03-04"},
        {"rule": "PT-8", "farm_id": "farm-pt", "subject_id": "w2", "due": "2024-03-04", "status": "missed",
         "met_on": "2024-03-05"},
    ]


def test_pt8_a_federal_holiday_is_not_a_business_day_and_unpaid_lines_go_missed(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    # Friday 24 May 2024; Monday 27 May is Memorial Day, so the line is due Tuesday 28 May.
    ok(ledger, line("w1", "2024-05-11", "2024-05-24", "80", scheduled="2024-05-24", paid=None))
    assert [(r["due"], r["status"]) for r in deadlines(ledger, "2024-05-28", "PT-8")] == [("2024-05-28", "open")]
    assert deadlines(ledger, "2024-05-29", "PT-8")[0]["status"] == "missed"


def test_pt8_one_row_per_payroll_line_and_a_correction_replaces_its_line(ledger: EmbeddedLedger) -> None:
    setup(ledger, "w1")
    late = line("w1", "2024-04-01", "2024-04-15", "80", scheduled="2024-04-15", paid="2024-04-19")
    ok(ledger, late, line("w1", "2024-04-16", "2024-04-30", "80", scheduled="2024-04-30"))
    assert sorted(r["status"] for r in deadlines(ledger, "2024-05-31", "PT-8")) == ["met", "missed"]
    # The farm corrects the record: the first line was paid on the 16th.
    ok(ledger, line("w1", "2024-04-01", "2024-04-15", "80", scheduled="2024-04-15", paid="2024-04-16",
                    corrects=late["event_id"]))
    assert [r["status"] for r in deadlines(ledger, "2024-05-31", "PT-8")] == ["met", "met"]


def test_pt8_paying_monthly_is_less_than_twice_a_month(ledger: EmbeddedLedger) -> None:
    setup(ledger, "semi", "monthly")
    ok(ledger, line("semi", "2024-03-16", "2024-03-31", "80"),  # 16 days: the longest semi-monthly period
       line("monthly", "2024-03-01", "2024-03-31", "170"))
    rows = findings(ledger, "2024-12-31", "PT-8")
    assert [(r["subject_id"], r["on"], r["detail"]["days"]) for r in rows] == [("monthly", "2024-03-31", 31)]
