"""PT-9: a remittance for a sales period in which the farm was suspended is premium not owed (App. C III)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.conftest import event
from tests.unit.test_pt_common import FARM, findings, ok, remit, setup


def suspension(notice_on: str, sid: str = "susp-1", effective_on: str | None = None) -> dict[str, object]:
    return event("SuspensionNoticed", FARM, notice_on,
                 {"suspension_id": sid, "notice_on": notice_on, "basis": "Article I (a)",
                  "effective_on": effective_on or notice_on})


def reentry_passed(on: str) -> dict[str, object]:
    return event("AuditConducted", FARM, on,
                 {"audit_id": "reentry-1", "kind": "reentry", "conducted_on": on, "outcome": "pass"})


def test_pt9_premium_for_a_month_with_a_suspended_day_is_not_owed(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, remit("100.00", "2024-03-10", "2024-02", reference="feb"), suspension("2024-03-20"),
       remit("90.00", "2024-04-10", "2024-03", reference="mar"))
    rows = findings(ledger, "2024-12-31", "PT-9")
    assert [(r["subject_id"], r["on"], r["detail"]["sales_period"], r["detail"]["suspended_from"]) for r in rows] == [
        ("coop-1/mar", "2024-04-10", "2024-03", "2024-03-20")]


def test_pt9_after_reinstatement_premium_is_owed_again(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, suspension("2024-03-20"), reentry_passed("2024-05-02"),
       remit("90.00", "2024-05-10", "2024-04", reference="apr"),
       remit("80.00", "2024-06-10", "2024-05", reference="may"),
       remit("70.00", "2024-07-10", "2024-06", reference="jun"))
    subjects = [r["subject_id"] for r in findings(ledger, "2024-12-31", "PT-9")]
    assert "coop-1/apr" in subjects and "coop-1/may" in subjects  # suspended on some day of April and of May
    assert "coop-1/jun" not in subjects


def test_pt9_a_suspension_stayed_before_it_took_effect_never_happened(ledger: EmbeddedLedger) -> None:
    setup(ledger)
    ok(ledger, suspension("2024-03-20", effective_on="2024-03-30"),
       event("AppealFiled", FARM, "2024-03-25",
             {"appeal_id": "ap-1", "subject": "suspension", "subject_id": "susp-1", "filed_on": "2024-03-25"},
             role="farm"),
       remit("90.00", "2024-04-10", "2024-03", reference="mar"),
       remit("90.00", "2024-05-10", "2024-04", reference="apr"))
    assert findings(ledger, "2024-12-31", "PT-9") == []
