"""AU-1, AU-2, AU-7, AU-8 and CAP actions: orientation, impeded audits, CAP approval, remedial audits."""

from __future__ import annotations

from datetime import date

from projections.audits.approval import cap_approved_on
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm, end_of


def test_au1_orientation_within_three_months_of_enrolment(ledger: EmbeddedLedger) -> None:
    kept, broke = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    kept.post("OrientationCompleted", "2025-04-06", {"on": "2025-04-06"})
    assert kept.deadline("2025-05-01", "AU-1") == {"rule": "AU-1", "farm_id": "farm-1", "subject_id": "farm-1",
                                                   "due": "2025-04-06", "status": "met", "met_on": "2025-04-06"}
    assert broke.deadline("2025-04-06", "AU-1")["status"] == "open"
    assert broke.deadline("2025-04-07", "AU-1")["status"] == "missed"


def test_au2_impeded_audit_is_raised_to_mdsc_and_probation_waits_for_mdsc(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.audit("a-1", "2025-02-03", "annual", "impeded")
    [finding] = farm.findings("2025-02-03", "AU-2")
    assert (finding["subject_id"], finding["on"], finding["detail"]["imposed"]) == ("a-1", "2025-02-03", False)
    assert farm.is_("2025-02-10") == "good_standing"  # MDSC *may* impose it: nothing automatic
    farm.post("ProbationImposed", "2025-02-10", {"reason": "AU-2 audit impeded", "on": "2025-02-10"})
    assert farm.is_("2025-02-10") == "probation"
    assert farm.findings("2025-02-10", "AU-2")[0]["detail"]["imposed"] is True
    assert farm.is_("2025-09-12") == "probation"  # no cure date: until MDSC lifts it (the Code sets no end)
    farm.post("ProbationLifted", "2025-09-15", {"on": "2025-09-15", "reason": "audit completed",
                                                "subject_id": "AU-2 audit impeded"})
    assert farm.is_("2025-09-15") == "good_standing"
    passing = Farm(ledger, "farm-2", "o-2")
    passing.audit("a-2", "2025-02-03", "annual", "pass")
    assert passing.findings("2025-02-03", "AU-2") == []


def propose(farm: Farm, cap: str, on: str, final: bool = True) -> None:
    farm.post("CapProposed", on, {"cap_id": cap, "violation_ids": ["v-1"], "final": final, "notice_on": on,
                                  "actions": [{"action_id": "act-1", "due_on": "2025-03-31"}]})


def view(farm: Farm, on: str) -> queries.FarmView:
    return queries.farm_view(farm.ledger.engine, farm.id, end_of(on))


def test_au7_cap_approved_when_agreed_or_not_appealed_within_14_days(ledger: EmbeddedLedger) -> None:
    agreed, silent = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    propose(agreed, "cap-1", "2025-03-03", final=False)
    agreed.post("CapAgreed", "2025-03-05", {"cap_id": "cap-1", "on": "2025-03-05"})
    assert cap_approved_on(view(agreed, "2025-03-05"), "cap-1") == date(2025, 3, 5)
    propose(silent, "cap-1", "2025-03-03")  # 14 days end Mon 17 March
    assert cap_approved_on(view(silent, "2025-03-17"), "cap-1") is None
    assert cap_approved_on(view(silent, "2025-03-18"), "cap-1") == date(2025, 3, 18)
    assert silent.deadlines("2025-03-17", "CAP") == []  # not approved yet: its actions are not due
    assert silent.deadline("2025-03-18", "CAP")["due"] == "2025-03-31"


def test_au7_cap_appealed_in_time_waits_for_the_arbitrator(ledger: EmbeddedLedger) -> None:
    adopted, rejected = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    for farm in (adopted, rejected):
        propose(farm, "cap-1", "2025-03-03")
        farm.appeal("ap-1", "cap", "cap-1", "2025-03-10")
    assert cap_approved_on(view(adopted, "2025-04-30"), "cap-1") is None  # pending appeal: not approved
    adopted.decide("ap-1", "2025-04-01", "mdsc_adopted")
    rejected.decide("ap-1", "2025-04-01", "farm_adopted")
    assert cap_approved_on(view(adopted, "2025-04-01"), "cap-1") == date(2025, 4, 1)
    assert adopted.deadline("2025-04-01", "CAP")["due"] == "2025-04-08"  # App. C V.10: within 7 days
    assert cap_approved_on(view(rejected, "2025-04-01"), "cap-1") is None
    assert rejected.deadlines("2025-04-30", "CAP") == []


def test_au7_a_late_appeal_does_not_hold_up_approval(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    propose(farm, "cap-1", "2025-03-03")
    farm.appeal("ap-1", "cap", "cap-1", "2025-03-18")
    assert cap_approved_on(view(farm, "2025-03-18"), "cap-1") == date(2025, 3, 18)


def test_cap_actions_met_or_missed(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    propose(farm, "cap-1", "2025-03-03", final=False)
    farm.post("CapProposed", "2025-03-04", {"cap_id": "cap-1", "final": False, "notice_on": "2025-03-04", "actions": [
        {"action_id": "act-1", "due_on": "2025-03-31"}, {"action_id": "act-2", "due_on": "2025-04-15"}]})
    farm.post("CapAgreed", "2025-03-05", {"cap_id": "cap-1", "on": "2025-03-05"})
    farm.post("CapActionCompleted", "2025-03-28", {"cap_id": "cap-1", "action_id": "act-1", "on": "2025-03-28"},
              role="farm")
    rows = farm.deadlines("2025-04-16", "CAP")
    assert [(r["subject_id"], r["due"], r["status"]) for r in rows] == [
        ("cap-1", "2025-03-31", "met"), ("cap-1", "2025-04-15", "missed")]


def test_au8_failed_remedial_audits_probation_then_suspension(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.audit("r-1", "2025-03-03", "remedial", "fail", cap_id="cap-1")
    assert farm.is_("2025-03-03") == "probation"
    assert farm.deadline("2025-03-03", "AU-8")["due"] == "2025-04-02"  # a 30-day cure period
    farm.audit("r-2", "2025-03-31", "remedial", "fail", cap_id="cap-1")
    answer = farm.standing("2025-03-31")
    assert (answer["standing"], answer["suspended_until"]) == ("suspended", "2025-04-30")
    assert farm.deadline("2025-04-03", "AU-8")["status"] == "missed"


def test_au8_cured_in_time_or_extended_when_likely_to_comply(ledger: EmbeddedLedger) -> None:
    cured, extended = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    cured.audit("r-1", "2025-03-03", "remedial", "fail", cap_id="cap-1", cure_by="2025-03-20")
    assert cured.deadline("2025-03-03", "AU-8")["due"] == "2025-03-20"  # MDSC's own cure period
    cured.audit("r-2", "2025-03-18", "remedial", "pass", cap_id="cap-1")
    assert cured.is_("2025-03-18") == "good_standing"
    assert cured.deadline("2025-03-18", "AU-8")["status"] == "met"
    extended.audit("r-1", "2025-03-03", "remedial", "fail", cap_id="cap-1")
    extended.audit("r-2", "2025-03-31", "remedial", "likely_to_comply", cap_id="cap-1")
    assert extended.is_("2025-04-15") == "probation"
    assert extended.deadline("2025-04-15", "AU-8")["due"] == "2025-04-30"
