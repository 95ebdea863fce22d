"""AP-1..AP-5: appeal windows, hearing and decision deadlines, the six-month bar, the arbitrator's fee."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def test_ap1_cap_window_is_14_days_and_a_late_appeal_is_recorded_and_rejected(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.post("CapProposed", "2025-03-03", {"cap_id": "cap-1", "final": True, "notice_on": "2025-03-03"})
    farm.appeal("ap-1", "cap", "cap-1", "2025-03-17")  # day 14
    assert farm.findings("2025-03-31", "AP-1") == []
    farm.post("CapProposed", "2025-04-01", {"cap_id": "cap-2", "final": True, "notice_on": "2025-04-01"})
    farm.appeal("ap-2", "cap", "cap-2", "2025-04-16")  # day 15
    [late] = farm.findings("2025-04-16", "AP-1")
    assert late == {"rule": "AP-1", "farm_id": "farm-1", "subject_id": "ap-2", "on": "2025-04-16",
                    "detail": {"subject": "cap", "subject_id": "cap-2", "window_end": "2025-04-15"}}


def test_ap1_cr_window_is_7_days_or_resolve_by_if_sooner(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.post("ResolutionProposed", "2025-03-03", {"cr_id": "cr-1", "complaint_id": "c-1", "final": True,
                                                   "notice_on": "2025-03-03", "resolve_by": "2025-03-06"})
    farm.appeal("ap-1", "cr", "cr-1", "2025-03-07")
    assert [f["detail"]["window_end"] for f in farm.findings("2025-03-07", "AP-1")] == ["2025-03-06"]
    farm.post("ResolutionProposed", "2025-03-03", {"cr_id": "cr-2", "complaint_id": "c-2", "final": True,
                                                   "notice_on": "2025-03-03"})
    farm.appeal("ap-2", "cr", "cr-2", "2025-03-10")  # day 7
    assert [f["subject_id"] for f in farm.findings("2025-03-10", "AP-1")] == ["ap-1"]


def test_ap1_suspension_window_ending_on_a_saturday_extends_to_monday(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-03-05")
    farm.appeal("ap-1", "suspension", "s-1", "2025-03-17")
    assert farm.findings("2025-03-17", "AP-1") == []
    farm.suspend("s-2", "2025-03-04")  # 10 days end Friday 14 March
    farm.appeal("ap-2", "suspension", "s-2", "2025-03-17")
    assert [f["subject_id"] for f in farm.findings("2025-03-17", "AP-1")] == ["ap-2"]


def test_ap1_nda_window_does_not_roll_past_a_weekend(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)  # the Code's V.1.5 extends only CAP, CR and suspension windows
    farm.appeal("ap-1", "nda", "nda-1", "2025-03-17", notice_on="2025-03-05")
    farm.appeal("ap-2", "nda", "nda-2", "2025-03-14", notice_on="2025-03-04")
    assert [f["subject_id"] for f in farm.findings("2025-03-17", "AP-1")] == ["ap-1"]


def test_ap2_hearing_no_later_than_15_days_after_the_availability_notice(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    for aid in ("ap-1", "ap-2"):
        farm.post("ArbitratorAvailabilityNoticed", "2025-03-03",
                  {"appeal_id": aid, "noticed_on": "2025-03-03", "hearing_on": "2025-03-14"})
    farm.post("HearingHeld", "2025-03-18", {"appeal_id": "ap-1", "on": "2025-03-18"}, role="arbitrator")
    farm.post("HearingHeld", "2025-03-19", {"appeal_id": "ap-2", "on": "2025-03-19"}, role="arbitrator")
    rows = {r["subject_id"]: r for r in farm.deadlines("2025-03-20", "AP-2")}
    assert (rows["ap-1"]["due"], rows["ap-1"]["status"]) == ("2025-03-18", "met")
    assert rows["ap-2"]["status"] == "missed"


def test_ap2_hearing_earlier_than_10_days_after_the_notice_is_missed(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    for aid in ("ap-4", "ap-9", "ap-10"):
        farm.post("ArbitratorAvailabilityNoticed", "2025-03-03",
                  {"appeal_id": aid, "noticed_on": "2025-03-03", "hearing_on": "2025-03-14"})
    for aid, on in (("ap-4", "2025-03-07"), ("ap-9", "2025-03-12"), ("ap-10", "2025-03-13")):
        farm.post("HearingHeld", on, {"appeal_id": aid, "on": on}, role="arbitrator")
    rows = {r["subject_id"]: r["status"] for r in farm.deadlines("2025-03-31", "AP-2")}
    assert rows == {"ap-4": "missed", "ap-9": "missed", "ap-10": "met"}  # the Code: no fewer than 10 days


def test_ap3_decision_by_the_second_business_day_after_the_hearing(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.post("HearingHeld", "2025-02-14", {"appeal_id": "ap-1", "on": "2025-02-14"}, role="arbitrator")
    assert farm.deadline("2025-02-14", "AP-3")["due"] == "2025-02-19"  # Fri, then Presidents' Day
    farm.decide("ap-1", "2025-02-19", "mdsc_adopted")
    assert farm.deadline("2025-02-20", "AP-3")["status"] == "met"
    farm.post("HearingHeld", "2025-03-03", {"appeal_id": "ap-2", "on": "2025-03-03"}, role="arbitrator")
    farm.decide("ap-2", "2025-03-06", "farm_adopted")
    assert [r["status"] for r in farm.deadlines("2025-03-06", "AP-3")] == ["met", "missed"]


def test_ap4_no_new_cap_or_cr_appeal_for_six_months_after_mdsc_adopted(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    for cap, on in (("cap-1", "2025-01-13"), ("cap-2", "2025-05-01"), ("cap-3", "2025-07-21")):
        farm.post("CapProposed", on, {"cap_id": cap, "final": True, "notice_on": on})
    farm.appeal("ap-1", "cap", "cap-1", "2025-01-20")
    farm.decide("ap-1", "2025-01-20", "mdsc_adopted")
    farm.appeal("ap-2", "cap", "cap-2", "2025-05-05")  # barred until 20 July
    farm.appeal("ap-3", "cap", "cap-3", "2025-07-22")  # allowed again
    [barred] = farm.findings("2025-08-01", "AP-4")
    assert (barred["subject_id"], barred["detail"]["barred_by"], barred["detail"]["barred_until"]) == (
        "ap-2", "ap-1", "2025-07-20")


def test_ap4_farm_adopted_does_not_bar(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    for cap, on in (("cap-1", "2025-01-13"), ("cap-2", "2025-05-01")):
        farm.post("CapProposed", on, {"cap_id": cap, "final": True, "notice_on": on})
    farm.appeal("ap-1", "cap", "cap-1", "2025-01-20")
    farm.decide("ap-1", "2025-01-30", "farm_adopted")
    farm.appeal("ap-2", "cap", "cap-2", "2025-05-05")
    assert farm.findings("2025-08-01", "AP-4") == []


def invoice(farm: Farm, on: str) -> None:
    farm.post("ArbitrationInvoiced", on, {"appeal_id": "ap-1", "invoiced_on": on, "farm_share": "750.00"})


def test_ap5_fee_paid_within_45_days(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    invoice(farm, "2025-03-03")
    farm.post("ArbitrationReimbursed", "2025-04-17", {"appeal_id": "ap-1", "on": "2025-04-17"}, role="farm")
    assert farm.deadline("2025-05-01", "AP-5") == {"rule": "AP-5", "farm_id": "farm-1", "subject_id": "ap-1",
                                                   "due": "2025-04-17", "status": "met", "met_on": "2025-04-17"}
    assert farm.is_("2025-06-01") == "good_standing"


def test_ap5_unpaid_fee_probation_then_suspension_when_probation_ends(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    invoice(farm, "2025-03-03")
    assert farm.is_("2025-04-17") == "good_standing"
    assert farm.is_("2025-04-18") == "probation"
    assert farm.is_("2025-05-18") == "probation"  # 30 days of probation
    answer = farm.standing("2025-05-19")
    assert (answer["standing"], answer["since"]) == ("suspended", "2025-05-19")


def test_ap5_paid_during_probation_or_mdsc_cure_by(ledger: EmbeddedLedger) -> None:
    paid, short = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    for farm in (paid, short):
        invoice(farm, "2025-03-03")
    paid.post("ArbitrationReimbursed", "2025-05-01", {"appeal_id": "ap-1", "on": "2025-05-01"}, role="farm")
    assert paid.is_("2025-05-01") == "good_standing"
    assert paid.is_("2025-06-01") == "good_standing"
    short.post("ProbationImposed", "2025-04-18", {"reason": "AP-5", "on": "2025-04-18", "cure_by": "2025-04-25",
                                                  "subject_id": "ap-1"})
    assert short.is_("2025-04-25") == "probation"
    assert short.is_("2025-04-26") == "suspended"
