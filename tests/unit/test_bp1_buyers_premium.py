"""BP-1: buyers owe the premium per cwt of milk they buy (Code App. B I.1); remitted below owed by more than
$0.01 is a finding; no premium is owed for the days the farm was suspended (pro rata, App. C III)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from projections.reference.rates import RateMissing
from services.ledger import kin_queries
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import event
from tests.unit.test_kin_common import purchase, rate, remit_for
from tests.unit.test_pt_common import FARM, end_of, findings, ok, setup


def premium(ledger: EmbeddedLedger, buyer: str, period: str | None = None, as_of: str = "2099-12-31"
            ) -> list[dict[str, Any]]:
    return kin_queries.premium(ledger.engine, buyer, period, end_of(as_of))


def test_bp1_remitted_in_full_meets_the_rule(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-03", "20000"),
       remit_for("buyer-1", "2024-03", "1000.00", "2024-04-10"))
    [row] = premium(ledger, "buyer-1")
    assert row == {"farm_id": FARM, "buyer_id": "buyer-1", "period": "2024-03", "cwt": "20000", "rate": "0.05",
                   "owed": "1000.00", "remitted": "1000.00", "difference": "0.00", "suspended_days": 0}
    assert findings(ledger, "2024-12-31", "BP-1") == []


def test_bp1_underpayment_is_a_finding_named_buyer_and_month(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-03", "20000"),
       remit_for("buyer-1", "2024-03", "999.98", "2024-04-10"))
    [row] = findings(ledger, "2024-12-31", "BP-1")
    assert (row["subject_id"], row["on"], row["detail"]["difference"]) == ("buyer-1/2024-03", "2024-04-30", "-0.02")
    assert findings(ledger, "2024-04-29", "BP-1") == []  # the buyer has until the end of the next month


def test_bp1_one_cent_short_is_within_tolerance(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-03", "20000"),
       remit_for("buyer-1", "2024-03", "999.99", "2024-04-10"))
    assert findings(ledger, "2024-12-31", "BP-1") == []


def test_bp1_the_buyers_own_rate_beats_the_programs_and_the_first_day_decides(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), rate("0.06", "2024-03-01", buyer="buyer-1"),
       rate("0.07", "2024-03-02", buyer="buyer-1"), purchase("buyer-1", "2024-03", "1000"),
       purchase("buyer-1", "2024-03", "500"), purchase("buyer-2", "2024-03", "1000", via="coop-1"))
    rows = {r["farm_id"] + r["buyer_id"]: r for r in premium(ledger, "buyer-1") + premium(ledger, "buyer-2")}
    assert (rows[FARM + "buyer-1"]["rate"], rows[FARM + "buyer-1"]["owed"]) == ("0.06", "90.00")
    assert (rows[FARM + "buyer-2"]["rate"], rows[FARM + "buyer-2"]["owed"]) == ("0.05", "50.00")
    assert [f["subject_id"] for f in findings(ledger, "2024-12-31", "BP-1")] == ["buyer-1/2024-03", "buyer-2/2024-03"]


def test_bp1_remittances_for_another_buyer_or_month_do_not_count(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-03", "1000"),
       remit_for("buyer-2", "2024-03", "50.00", "2024-04-10"), remit_for("buyer-1", "2024-02", "50.00", "2024-04-10"))
    [row] = premium(ledger, "buyer-1", "2024-03")
    assert (row["owed"], row["remitted"]) == ("50.00", "0.00")


def test_bp1_suspended_days_are_excluded_pro_rata(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-04", "3000"),
       event("SuspensionNoticed", FARM, "2024-04-21",
             {"suspension_id": "s-1", "notice_on": "2024-04-21", "basis": "Article I (a)"}),
       remit_for("buyer-1", "2024-04", "100.00", "2024-05-10"))
    [row] = premium(ledger, "buyer-1")
    # Suspended from 21 April: 10 of 30 days; 3000 cwt x 0.05 x 20/30 = 100.00.
    assert (row["suspended_days"], row["owed"], row["difference"]) == (10, "100.00", "0.00")
    assert findings(ledger, "2024-12-31", "BP-1") == []


def test_bp1_no_rate_in_force_is_an_error_never_zero(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-05-01"), purchase("buyer-1", "2024-03", "1000"))
    with pytest.raises(RateMissing, match="PremiumRateSet"):
        premium(ledger, "buyer-1")
    errors: list[str] = []
    assert kin_queries.premium(ledger.engine, "buyer-1", None, end_of("2099-12-31"), errors) == []
    assert errors and FARM in errors[0]


def test_bp1_a_processor_line_posted_twice_counts_once(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"), purchase("buyer-1", "2024-03", "1000", purchase_id="L-1"),
       purchase("buyer-1", "2024-03", "1000", purchase_id="L-1"))
    [row] = premium(ledger, "buyer-1")
    assert Decimal(row["cwt"]) == 1000


def test_bp1_milk_template_reads_a_processors_purchase_report(ledger: EmbeddedLedger) -> None:
    import io

    from services.ledger.templates import parse_template

    setup(ledger)
    ok(ledger, rate("0.05", "2024-01-01"))
    csv = (b"Processor,Producer,Month,Pounds Shipped,Cwt,Cooperative,Line\n"
           b"buyer-1,farm-pt,2024-03,412500,,coop-1,PR-1\n"
           b"buyer-1,farm-pt,2024-03,,100.5,,PR-2\n"
           b"buyer-1,farm-pt,2024-03,,,,PR-3\n"
           b"buyer-1,farm-nope,2024-03,,1,,PR-4\n"
           b"buyer-1,farm-pt,2024-03,1200.5.1,,,PR-5\n"
           b"buyer-1,farm-pt,2024-03,412500,,coop-1,PR-1\n")
    report = ledger.ingest(parse_template("milk", io.BytesIO(csv), ledger)).as_json()
    assert (report["accepted"], report["duplicates"]) == (2, 1)
    assert [(r["line"], r["error"].split(":")[0]) for r in report["rejected"]] == [
        (3, "cwt"), (4, "farm"), (5, "pounds")]
    [row] = premium(ledger, "buyer-1")
    assert (row["cwt"], row["owed"]) == ("4225.5", "211.28")  # 4125 + 100.5 cwt x 0.05
