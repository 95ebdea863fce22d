"""AU-3..AU-6: the automatic consequences of violations (Part 7 ¶1-2, App. C I.4, IV.1)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def terminate(farm: Farm, vid: str, person: str, instant: str) -> None:
    farm.post("OffenderTerminated", instant[:10], {"violation_id": vid, "person_id": person, "terminated_at": instant},
              role="farm")


def test_au3_forced_or_child_labour_suspends_automatically(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "b")
    answer = farm.standing("2025-02-03")
    assert (answer["standing"], answer["since"], answer["suspended_until"]) == ("suspended", "2025-02-03",
                                                                               "2025-03-05")
    other = Farm(ledger, "farm-2", "owner-2")
    other.violation("v-2", "2025-02-03", "II", "a")  # discrimination: not Article I
    assert other.is_("2025-02-03") == "good_standing"


def test_au4_offender_terminated_by_the_end_of_the_next_day_avoids_suspension(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "c", role="supervisor", person="p-1")
    terminate(farm, "v-1", "p-1", "2025-02-04T23:30:00-05:00")
    assert farm.deadline("2025-02-10", "AU-4") == {"rule": "AU-4", "farm_id": "farm-1", "subject_id": "v-1",
                                                   "due": "2025-02-04", "status": "met", "met_on": "2025-02-04"}
    assert farm.is_("2025-02-10") == "good_standing"


def test_au4_offender_kept_on_suspends_the_farm_the_day_after_the_deadline(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "d", role="worker", person="p-1")
    assert farm.deadline("2025-02-04", "AU-4")["status"] == "open"
    assert farm.is_("2025-02-04") == "good_standing"
    assert farm.deadline("2025-02-05", "AU-4")["status"] == "missed"
    assert farm.standing("2025-02-05")["since"] == "2025-02-05"
    terminate(farm, "v-1", "p-1", "2025-02-05T08:00:00-05:00")  # too late: still suspended
    assert farm.is_("2025-02-06") == "suspended"


def test_au4_the_owner_as_offender_always_suspends(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "c", role="owner", person="owner-1")
    assert farm.is_("2025-02-03") == "suspended"
    assert farm.deadlines("2025-02-10", "AU-4") == []  # nothing the farm could meet


def test_au4_sexual_harassment_without_contact_is_not_article_i_d(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "d", role="worker", person="p-1", with_contact=False)
    assert farm.is_("2025-02-10") == "good_standing"


def test_au5_retaliation_remedied_by_its_due_date_or_suspension(ledger: EmbeddedLedger) -> None:
    kept, broke = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    for farm in (kept, broke):
        farm.violation("v-1", "2025-02-03", "I", "e")
        farm.post("RemedyDesignated", "2025-02-03", {"violation_id": "v-1", "due_on": "2025-02-21"})
    kept.post("RemedyCompleted", "2025-02-21", {"violation_id": "v-1", "on": "2025-02-21"}, role="farm")
    assert kept.deadline("2025-03-01", "AU-5")["status"] == "met"
    assert kept.is_("2025-03-01") == "good_standing"
    assert broke.deadline("2025-03-01", "AU-5")["status"] == "missed"
    assert broke.is_("2025-02-21") == "good_standing"
    assert broke.standing("2025-02-22")["standing"] == "suspended"


def test_au6_article_ii_remedy_missed_means_probation_until_done(ledger: EmbeddedLedger) -> None:
    kept, broke = Farm(ledger, "farm-1", "o-1"), Farm(ledger, "farm-2", "o-2")
    for farm in (kept, broke):
        farm.violation("v-1", "2025-02-03", "II", "h")
        farm.post("RemedyDesignated", "2025-02-03", {"violation_id": "v-1", "due_on": "2025-03-03"})
    kept.post("RemedyCompleted", "2025-03-03", {"violation_id": "v-1", "on": "2025-03-03"}, role="farm")
    assert kept.deadline("2025-03-10", "AU-6")["status"] == "met"
    assert kept.is_("2025-03-10") == "good_standing"
    assert broke.is_("2025-03-04") == "probation"
    assert broke.deadline("2025-03-10", "AU-6") == {"rule": "AU-6", "farm_id": "farm-2", "subject_id": "v-1",
                                                    "due": "2025-03-03", "status": "missed", "met_on": None}
    broke.post("RemedyCompleted", "2025-03-20", {"violation_id": "v-1", "on": "2025-03-20"}, role="farm")
    assert broke.is_("2025-03-19") == "probation"
    assert broke.is_("2025-03-20") == "good_standing"
