"""SU-3: the four standings; a pending suspension appeal stays the suspension; upheld, it takes effect on
the decision date; overturned, it never happened (App. C V.5, V.10)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def test_su3_good_standing_from_enrolment_and_withdrawn(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    assert farm.standing("2025-01-05")["standing"] is None  # not enrolled yet
    assert farm.standing("2025-01-06") == {"farm_id": "farm-1", "standing": "good_standing", "since": "2025-01-06",
                                           "stayed": False, "suspension_count": 0, "suspended_until": None}
    farm.post("FarmWithdrawn", "2025-06-30", {"on": "2025-06-30"})
    assert farm.is_("2025-06-29") == "good_standing"
    assert farm.standing("2025-06-30")["standing"] == "withdrawn"
    farm.reentry("2025-09-01")  # Part 7 ¶3: back after a passed reentry audit
    assert farm.is_("2025-09-01") == "good_standing"


def test_su3_timely_appeal_stays_then_upheld_counts_from_the_decision(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-03-05")
    farm.appeal("ap-1", "suspension", "s-1", "2025-03-17")  # window ends Sat 15 March: Monday is in time
    stayed = farm.standing("2025-03-17")
    assert (stayed["standing"], stayed["stayed"], stayed["suspension_count"]) == ("good_standing", True, 0)
    assert stayed["suspended_until"] is None
    farm.decide("ap-1", "2025-04-01", "upheld")
    assert farm.standing("2025-04-01") == {"farm_id": "farm-1", "standing": "suspended", "since": "2025-04-01",
                                           "stayed": False, "suspension_count": 1, "suspended_until": "2025-05-01"}
    assert farm.is_("2025-03-20") == "good_standing"  # during the stay


def test_su3_overturned_never_happened_and_does_not_count(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-03-05")
    farm.appeal("ap-1", "suspension", "s-1", "2025-03-06")
    farm.decide("ap-1", "2025-04-01", "overturned")
    after = farm.standing("2025-04-01")
    assert (after["standing"], after["stayed"], after["suspension_count"]) == ("good_standing", False, 0)
    farm.suspend("s-2", "2025-06-02")
    assert farm.standing("2025-06-02")["suspended_until"] == "2025-07-02"  # a first suspension: 30 days


def test_su3_late_appeal_stays_nothing(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.suspend("s-1", "2025-03-05")
    farm.appeal("ap-1", "suspension", "s-1", "2025-03-18")
    late = farm.standing("2025-03-18")
    assert (late["standing"], late["stayed"]) == ("suspended", False)


def test_su3_a_derived_suspension_is_appealed_by_its_trigger_id(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-9", "2025-03-03", "I", "c", role="owner")  # AU-4: the owner himself
    assert farm.is_("2025-03-03") == "suspended"
    farm.appeal("ap-1", "suspension", "v-9", "2025-03-05")
    assert farm.standing("2025-03-05")["stayed"] is True
    assert farm.is_("2025-03-05") == "good_standing"


def test_su3_probation_and_suspension_together_show_the_stronger(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.post("ProbationImposed", "2025-02-03", {"reason": "AU-2", "on": "2025-02-03", "cure_by": "2025-04-30"})
    assert farm.is_("2025-02-03") == "probation"
    farm.suspend("s-1", "2025-02-10")
    assert farm.is_("2025-02-10") == "suspended"
    farm.reentry("2025-03-13")  # reinstated to good standing: the probation ends with the suspension
    assert farm.is_("2025-03-13") == "good_standing"
