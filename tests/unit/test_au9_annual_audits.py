"""AU-9: an audit at least once a year (App. C I.1-2), sooner (6 months) while RK-1 is high; and AU-3's
law-enforcement referral within 2 business days of the finding (App. C I.4, II.3)."""

from __future__ import annotations

from datetime import date

from projections.audits.annual import annual_audits
from projections.compliance import FarmView
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm, end_of


def test_au9_baseline_within_12_months_then_each_next_within_12_months(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)  # enrolled 2025-01-06
    farm.audit("a-base", "2026-01-06", "baseline", "pass")  # the last day: met
    farm.audit("a-next", "2027-01-07", "annual", "pass")  # a day late
    rows = farm.deadlines("2027-02-01", "AU-9")
    assert [(r["subject_id"], r["due"], r["status"], r["met_on"]) for r in rows] == [
        ("farm-1", "2026-01-06", "met", "2026-01-06"),
        ("farm-1", "2027-01-06", "missed", "2027-01-07"),
        ("farm-1", "2028-01-07", "open", None),
    ]


def test_au9_an_impeded_audit_does_not_count(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.audit("a-base", "2025-06-02", "baseline", "impeded")
    rows = farm.deadlines("2026-01-07", "AU-9")
    assert [(r["due"], r["status"]) for r in rows] == [("2026-01-06", "missed")]


def test_au9_high_risk_shortens_the_interval_to_6_months(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.audit("a-base", "2025-03-03", "baseline", "pass")
    view = queries.farm_view(ledger.engine, "farm-1", end_of("2025-12-01"))
    low = annual_audits(view)
    assert [r.due for r in low] == [date(2026, 1, 6), date(2026, 3, 3)]
    states = {**view.states, "audit_risk": {"levels": [["2025-05-01", "forced_labor", "high"]]}}
    high = annual_audits(FarmView(view.farm_id, states, view.program, view.as_of))
    assert [r.due for r in high] == [date(2026, 1, 6), date(2025, 9, 3)]
    assert high[1].status(view.as_of) == "missed"


def test_au3_referral_within_2_business_days_of_the_finding(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-met", "2025-02-07", "I", "a")  # a Friday: due Tuesday
    farm.violation("v-late", "2025-02-07", "I", "b")
    farm.violation("v-other", "2025-02-07", "I", "c", role="worker", person="p-1")
    farm.post("LawEnforcementReferred", "2025-02-11", {"violation_id": "v-met", "on": "2025-02-11"})
    farm.post("LawEnforcementReferred", "2025-02-12", {"violation_id": "v-late", "on": "2025-02-12"})
    rows = {r["subject_id"]: r for r in farm.deadlines("2025-02-20", "AU-3")}
    assert set(rows) == {"v-met", "v-late"}
    assert (rows["v-met"]["due"], rows["v-met"]["status"]) == ("2025-02-11", "met")
    assert (rows["v-late"]["status"], rows["v-late"]["met_on"]) == ("missed", "2025-02-12")
