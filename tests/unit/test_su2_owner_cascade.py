"""SU-2: suspending a farm suspends every farm of the same owner for the same period, through the log
(a `SuspensionNoticed{cascade_of}` keyed by each sibling), never through shared memory."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def test_su2_siblings_are_suspended_for_the_same_period_other_owners_are_not(ledger: EmbeddedLedger) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    stranger = Farm(ledger, "farm-c", "owner-2")
    origin.violation("v-1", "2025-02-03", "I", "a")  # AU-3: forced labour
    notices = sibling.derived("SuspensionNoticed")
    assert [n["data"]["cascade_of"] for n in notices] == ["farm-a"]
    assert notices[0]["actor"]["role"] == "system" and notices[0]["farm_id"] == "farm-b"
    a, b = origin.standing("2025-02-03"), sibling.standing("2025-02-03")
    assert b["standing"] == "suspended" and b["suspended_until"] == a["suspended_until"] == "2025-03-05"
    assert stranger.is_("2025-02-03") == "good_standing"
    assert sibling.is_("2025-02-02") == "good_standing"


def test_su2_a_sibling_reenters_after_its_own_reentry_audit(ledger: EmbeddedLedger) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.violation("v-1", "2025-02-03", "I", "b")
    sibling.reentry("2025-03-06")
    assert sibling.is_("2025-03-06") == "good_standing"
    assert origin.is_("2025-03-06") == "suspended"


def test_su2_cascade_follows_the_stay_and_the_overturn(ledger: EmbeddedLedger) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.suspend("s-1", "2025-03-05")
    assert sibling.is_("2025-03-05") == "suspended"
    origin.appeal("ap-1", "suspension", "s-1", "2025-03-07")
    stayed = sibling.standing("2025-03-07")
    assert (stayed["standing"], stayed["stayed"], stayed["suspension_count"]) == ("good_standing", True, 0)
    origin.decide("ap-1", "2025-03-28", "overturned")
    after = sibling.standing("2025-03-28")
    assert (after["standing"], after["stayed"], after["suspension_count"]) == ("good_standing", False, 0)


def test_su2_a_suspension_brought_by_time_reaches_siblings_at_query_time_once(ledger: EmbeddedLedger) -> None:
    origin, sibling = Farm(ledger, "farm-a", "owner-1"), Farm(ledger, "farm-b", "owner-1")
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # AU-4, nobody terminated
    assert sibling.is_("2025-02-04") == "good_standing"
    assert sibling.standing("2025-02-05")["suspended_until"] == "2025-03-07"  # the timer's notice, at query time
    origin.post("OffenderTerminated", "2025-02-10", {"violation_id": "v-1", "person_id": "p-1",  # too late
                                                     "terminated_at": "2025-02-10T09:00:00-05:00"})
    assert len(sibling.derived("SuspensionNoticed")) == 1  # now on the log
    assert sibling.standing("2025-02-10")["suspension_count"] == 1  # counted once
