"""PT-6: the monthly premium report for sales month M is due by the 15th of month M+1 (App. B III.1.a)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_pt_common import deadlines, ok, remit, report, setup


def test_pt6_report_on_the_15th_is_met_on_the_16th_is_missed(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, remit("100.00", "2024-02-10", sales_period="2024-01"), remit("80.00", "2024-03-08", "2024-02"),
       report("2024-01", "2024-02-15"), report("2024-02", "2024-03-16"))
    rows = {r["subject_id"]: r for r in deadlines(ledger, "2024-04-01", "PT-6")}
    assert rows["2024-01"] == {"rule": "PT-6", "farm_id": "farm-pt", "subject_id": "2024-01", "due": "2024-02-15",
                               "status": "met", "met_on": "2024-02-15"}
    assert (rows["2024-02"]["due"], rows["2024-02"]["status"]) == ("2024-03-15", "missed")


def test_pt6_no_report_is_open_until_the_15th_then_missed(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, remit("100.00", "2024-01-25", sales_period="2023-12"), remit("50.00", "2024-01-26", "2023-12"))
    assert deadlines(ledger, "2023-12-31", "PT-6") == []  # the sales month is not over yet
    assert [(r["subject_id"], r["due"], r["status"]) for r in deadlines(ledger, "2024-01-15", "PT-6")] == [
        ("2023-12", "2024-01-15", "open")]
    assert deadlines(ledger, "2024-01-31", "PT-6")[0]["status"] == "missed"
    ok(ledger, report("2023-12", "2024-02-01"))
    row = deadlines(ledger, "2024-02-01", "PT-6")[0]
    assert (row["status"], row["met_on"]) == ("missed", "2024-02-01")
