"""RR-1..RR-4: responsible recruitment (Stronger Together US; Clearview certification; employer pays)."""

from __future__ import annotations

from typing import Any

from services.ledger import kin_queries
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import event
from tests.unit.test_kin_common import (
    certification_ended,
    certified,
    contractor,
    farm,
    fee,
    hire_via,
    reimbursed,
    violation,
)
from tests.unit.test_pt_common import FARM, deadlines, end_of, findings, ok, setup


def contractors(ledger: EmbeddedLedger, as_of: str = "2099-12-31", cid: str | None = None) -> list[dict[str, Any]]:
    return kin_queries.contractors(ledger.engine, cid, end_of(as_of))


def test_rr1_hire_through_a_licensed_contractor_meets_the_rule(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, contractor("flc-1", "2024-01-01", "2024-12-31"), hire_via("w1", "2024-06-01", "flc-1"),
       hire_via("w2", "2024-12-31", "flc-1"), hire_via("w3", "2024-06-01", None))
    assert findings(ledger, "2025-12-31", "RR-1") == []


def test_rr1_hire_through_an_unregistered_or_expired_contractor_is_a_finding(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, contractor("flc-1", "2024-01-01", "2024-05-31"), contractor("flc-3", "2024-01-01", "2025-12-31",
                                                                          issued="2024-08-01"),
       hire_via("w1", "2024-06-01", "flc-1"), hire_via("w2", "2024-06-01", "flc-2"),
       hire_via("w3", "2024-07-01", "flc-3"))
    rows = {r["subject_id"]: r["detail"]["reason"] for r in findings(ledger, "2025-12-31", "RR-1")}
    assert rows == {"w1": "licence expired on 2024-05-31", "w2": "not registered",
                    "w3": "licence not yet in force on 2024-07-01"}


def test_rr1_a_renewal_puts_the_licence_back_in_force(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, contractor("flc-1", "2024-01-01", "2024-05-31"), contractor("flc-1", "2024-06-15", "2025-06-14"),
       hire_via("w1", "2024-06-10", "flc-1"), hire_via("w2", "2024-06-20", "flc-1"))
    assert [r["subject_id"] for r in findings(ledger, "2025-12-31", "RR-1")] == ["w1"]


def test_rr2_every_fee_a_worker_paid_is_a_finding(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, fee("fee-1", "w1", "350.00", "2024-03-01", "flc-1"))
    [row] = findings(ledger, "2024-12-31", "RR-2")
    assert (row["subject_id"], row["on"], row["detail"]["amount"], row["detail"]["contractor_id"]) == (
        "fee-1", "2024-03-01", "350.00", "flc-1")


def test_rr2_full_reimbursement_within_30_days_meets_the_deadline(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, fee("fee-1", "w1", "350.00", "2024-03-01"), reimbursed("fee-1", "200.00", "2024-03-10"),
       reimbursed("fee-1", "150.00", "2024-03-31"))
    [row] = deadlines(ledger, "2024-12-31", "RR-2")
    assert (row["subject_id"], row["due"], row["status"], row["met_on"]) == ("fee-1", "2024-03-31", "met", "2024-03-31")


def test_rr2_partial_or_late_reimbursement_misses_the_deadline(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, fee("fee-1", "w1", "350.00", "2024-03-01"), reimbursed("fee-1", "200.00", "2024-03-10"),
       fee("fee-2", "w2", "100.00", "2024-03-01"), reimbursed("fee-2", "100.00", "2024-04-01"))
    assert deadlines(ledger, "2024-03-31", "RR-2")[0]["status"] == "open"
    rows = {r["subject_id"]: (r["status"], r["met_on"]) for r in deadlines(ledger, "2024-12-31", "RR-2")}
    assert rows == {"fee-1": ("missed", None), "fee-2": ("missed", "2024-04-01")}


def test_rr3_a_contractor_with_a_fee_at_another_farm_is_flagged_on_later_hires(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, farm("farm-b"), contractor("flc-1", "2020-01-01", "2030-12-31"),
       fee("fee-1", "w9", "300.00", "2024-03-01", "flc-1", farm="farm-b"),
       hire_via("w1", "2024-02-01", "flc-1"), hire_via("w2", "2024-04-01", "flc-1"),
       hire_via("w3", "2029-03-01", "flc-1"))
    [row] = findings(ledger, "2030-12-31", "RR-3")
    assert (row["subject_id"], row["detail"]["flags"]) == (
        "w2", [{"kind": "fee", "farm_id": "farm-b", "on": "2024-03-01", "id": "fee-1"}])


def test_rr3_an_article_i_violation_naming_the_contractor_flags_it(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, farm("farm-b"), contractor("flc-1", "2020-01-01", "2030-12-31"),
       violation("v-1", "a", "2024-03-01", farm="farm-b", contractor_id="flc-1"),
       violation("v-2", "a", "2024-03-01", farm="farm-b"),
       hire_via("w2", "2024-04-01", "flc-1"), hire_via("w3", "2024-04-01", "flc-2"))
    assert [r["subject_id"] for r in findings(ledger, "2024-12-31", "RR-3")] == ["w2"]


def test_rr3_a_clean_contractor_is_not_flagged(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, contractor("flc-1", "2020-01-01", "2030-12-31"),
       violation("v-1", "f", "2024-03-01", contractor_id="flc-1", article="II"),
       hire_via("w2", "2024-04-01", "flc-1"))
    assert findings(ledger, "2024-12-31", "RR-3") == []
    assert contractors(ledger, cid="flc-1")[0]["flagged"] is False


def test_rr4_certification_in_force_is_shown_with_each_hire_and_uncertified_hires_counted(
        ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, farm("farm-b"), contractor("flc-1", "2020-01-01", "2030-12-31"),
       certified("flc-1", "2024-01-01", "2025-12-31"), certification_ended("flc-1", "2024-09-01"),
       hire_via("w1", "2024-06-01", "flc-1"), hire_via("w2", "2024-10-01", "flc-1"),
       hire_via("w3", "2023-06-01", "flc-1", farm="farm-b"))
    [row] = contractors(ledger, "2024-12-31")
    assert (row["contractor_id"], row["licence_in_force"], row["certified"], row["hires"],
            row["uncertified_hires"]) == ("flc-1", True, None, 3, 2)
    assert row["farms"] == [{"farm_id": "farm-b", "hires": 1, "uncertified_hires": 1},
                            {"farm_id": FARM, "hires": 2, "uncertified_hires": 1}]
    assert contractors(ledger, "2024-06-30")[0]["certified"] == "Clearview"
    assert findings(ledger, "2024-12-31", "RR-4") == []  # detail, never a finding


def test_rr4_reviews_are_sealed_and_shown_only_as_aggregates(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, contractor("flc-1", "2020-01-01", "2030-12-31"),
       event("RecruiterReviewed", FARM, "2024-05-01", {"review_id": "r-1", "contractor_id": "flc-1",
                                                       "worker_id": "w1", "rating": 2, "comment": "charged for rides"}),
       event("RecruiterReviewed", FARM, "2024-05-02", {"review_id": "r-2", "contractor_id": "flc-1",
                                                       "worker_id": "w2", "rating": 5}))
    from services.ledger.queries import farm_history

    body = [e for e in farm_history(ledger.engine, FARM, end_of("2099-12-31"), end_of("2099-12-31"))
            if e["type"] == "RecruiterReviewed"][0]
    assert "charged" not in str(body) and set(body["data"]["comment"]) == {"person_id", "sealed"}
    assert ledger.vault.unseal(body["data"]["comment"])["comment"] == "charged for rides"
    reviews = contractors(ledger, cid="flc-1")[0]["reviews"]
    assert (reviews["count"], reviews["mean_rating"], reviews["by_rating"]["2"]) == (2, "3.50", 1)
