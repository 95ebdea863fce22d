"""SU-2 with overlapping suspensions (Part 7 ¶2, App. C III, V.10): each suspension cascades on its own, so
a second one that starts while the first runs extends the siblings too, and buyers hear of it; BU-1 / AU-8:
"arrange alternative supply" reaches buyers of a farm already on probation."""

from __future__ import annotations

from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.conftest import post
from tests.unit.test_pt_common import remit
from tests.unit.test_su_common import Farm


def link(farm: Farm, buyer: str) -> None:
    farm.post("BuyerLinked", "2025-01-06", {"buyer_id": buyer, "since": "2025-01-06"})



def test_su2_a_second_suspension_during_the_first_extends_the_sister_farm(ledger: EmbeddedLedger) -> None:
    origin, sister = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.suspend("s-1", "2025-02-03")  # first: 30 days, to 2025-03-05
    origin.suspend("s-2", "2025-02-13")  # second while the first runs: 90 days, to 2025-05-14
    assert origin.standing("2025-02-13")["suspended_until"] == "2025-05-14"
    assert sister.standing("2025-02-13")["suspended_until"] == "2025-05-14"
    sister.reentry("2025-03-06")
    assert sister.is_("2025-03-06") == "suspended"  # not reinstated when the first period ends
    assert sister.is_("2025-05-15") == "good_standing"  # its passed reentry audit, once the second is served


def test_su2_a_suspension_starting_the_day_another_ends_reaches_the_sister(ledger: EmbeddedLedger) -> None:
    origin, sister = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.suspend("s-1", "2025-02-03")  # last day 2025-03-05
    origin.suspend("s-2", "2025-03-05")
    sister.reentry("2025-03-06")
    assert sister.standing("2025-03-06")["suspended_until"] == "2025-06-03"
    assert sister.is_("2025-06-04") == "good_standing"
    cascaded = [n["data"]["suspension_id"] for n in sister.derived("SuspensionNoticed")]
    assert cascaded == ["s-1", "s-2"]


def test_su2_pt9_the_sisters_premium_in_the_second_period_is_not_owed(ledger: EmbeddedLedger) -> None:
    origin, sister = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.suspend("s-1", "2025-02-03")
    origin.suspend("s-2", "2025-02-13")
    sister.reentry("2025-03-06")
    assert not post(ledger, remit("100.00", "2025-04-10", sales_period="2025-04", farm="farm-b")).rejected
    assert [f["subject_id"] for f in sister.findings("2025-04-30", "PT-9")] == ["coop-1/chk-2025-04-10-100.00"]


def test_su2_bu1_a_late_recorded_second_violation_tells_the_farms_buyer(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger, "farm-a", "owner-1")
    link(farm, "b-1")
    farm.suspend("s-1", "2025-02-03")
    farm.post("BuyerUnlinked", "2025-12-31", {"buyer_id": "b-x", "on": "2025-12-31"})  # time moves on
    farm.violation("v-1", "2025-02-13", "I", "a")  # recorded late: a second suspension during the first
    kinds = [(n["kind"], n["standing"], n["effective_on"]) for n in queries.notifications(ledger.engine, "b-1")]
    assert ("suspension", "suspended", "2025-02-13") in kinds
    assert farm.standing("2025-03-10")["standing"] == "suspended"


def test_bu1_au8_a_farm_already_on_probation_failing_a_remedial_audit_is_told_alternative_supply(
        ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    link(farm, "b-1")
    farm.post("InvestigationImpeded", "2025-03-03", {"complaint_id": "c-1", "on": "2025-03-03"})  # CO-3
    farm.audit("r-1", "2025-04-01", "remedial", "fail", cap_id="cap-1")
    kinds = [(n["kind"], n["effective_on"]) for n in queries.notifications(ledger.engine, "b-1")]
    assert kinds[0] == ("probation", "2025-03-03")
    assert "arrange alternative supply" in kinds[1][0] and kinds[1][1] == "2025-04-01"
