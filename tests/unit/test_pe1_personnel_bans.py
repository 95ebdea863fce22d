"""PE-1: an Article I offender is terminated within 24 hours and banned from every participating farm for
five years, for life after a second Article I violation; hiring a banned person raises
`PersonnelBanViolated` (App. C IV.1-2)."""

from __future__ import annotations

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def hire(farm: Farm, person: str, on: str) -> None:
    farm.post("PersonnelHired", on, {"person_id": person, "role": "manager", "on": on}, role="farm")


def test_pe1_offender_terminated_within_24_hours(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    farm.violation("v-1", "2025-02-03", "I", "c", role="manager", person="p-1")
    farm.violation("v-2", "2025-02-03", "I", "c", role="worker", person="p-2")
    farm.post("OffenderTerminated", "2025-02-04", {"violation_id": "v-1", "person_id": "p-1",
                                                   "terminated_at": "2025-02-04T10:00:00-05:00"}, role="farm")
    rows = {r["subject_id"]: r for r in farm.deadlines("2025-02-06", "PE-1")}
    assert (rows["p-1"]["due"], rows["p-1"]["status"]) == ("2025-02-04", "met")
    assert rows["p-2"]["status"] == "missed"


def test_pe1_banned_person_hired_on_another_farm_within_five_years(ledger: EmbeddedLedger) -> None:
    origin, other = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2")
    origin.violation("v-1", "2025-02-03", "I", "c", role="supervisor", person="p-1")
    hire(other, "p-1", "2026-05-01")
    hire(other, "p-2", "2026-05-01")  # nobody banned
    [finding] = other.findings("2026-05-01", "PE-1")
    assert finding == {"rule": "PE-1", "farm_id": "farm-b", "subject_id": "p-1", "on": "2026-05-01",
                       "detail": {"banned_until": "2030-02-02", "violations": ["v-1"]}}
    [event] = other.derived("PersonnelBanViolated")
    assert event["data"] == {"person_id": "p-1", "banned_until": "2030-02-02", "hired_on": "2026-05-01"}


def test_pe1_ban_ends_after_five_years(ledger: EmbeddedLedger) -> None:
    origin, other = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2")
    origin.violation("v-1", "2025-02-03", "I", "a", role="manager", person="p-1")
    hire(other, "p-1", "2030-02-03")
    assert other.findings("2030-02-03", "PE-1") == []
    assert other.derived("PersonnelBanViolated") == []


def test_pe1_second_article_i_violation_bans_for_life(ledger: EmbeddedLedger) -> None:
    a, b, c = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2"), Farm(ledger, "farm-c", "o-3")
    a.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")
    b.violation("v-2", "2026-03-02", "I", "d", role="worker", person="p-1")
    hire(c, "p-1", "2040-01-02")
    [finding] = c.findings("2040-01-02", "PE-1")
    assert finding["detail"] == {"banned_until": "life", "violations": ["v-1", "v-2"]}
    assert c.derived("PersonnelBanViolated")[0]["data"]["banned_until"] is None


def test_pe1_a_termination_names_the_person_when_the_finding_did_not(ledger: EmbeddedLedger) -> None:
    origin, other = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2")
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker")
    origin.post("OffenderTerminated", "2025-02-03", {"violation_id": "v-1", "person_id": "p-9",
                                                     "terminated_at": "2025-02-03T16:00:00-05:00"}, role="farm")
    other.post("WorkerHired", "2025-06-02", {"worker_id": "p-9", "hired_on": "2025-06-02"}, role="farm")
    assert [f["subject_id"] for f in other.findings("2025-06-02", "PE-1")] == ["p-9"]


def test_pe1_article_ii_offenders_are_not_banned(ledger: EmbeddedLedger) -> None:
    origin, other = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2")
    origin.violation("v-1", "2025-02-03", "II", "b", role="worker", person="p-1")
    hire(other, "p-1", "2025-06-02")
    assert other.findings("2025-06-02", "PE-1") == []


def test_pe1_a_ban_starting_while_the_person_works_at_another_farm_is_flagged(ledger: EmbeddedLedger) -> None:
    origin, other = Farm(ledger, "farm-a", "o-1"), Farm(ledger, "farm-b", "o-2")
    other.post("WorkerHired", "2024-06-03", {"worker_id": "p-1", "hired_on": "2024-06-03"}, role="farm")
    other.post("WorkerHired", "2024-06-03", {"worker_id": "p-2", "hired_on": "2024-06-03"}, role="farm")
    other.post("WorkerSeparated", "2025-01-31", {"worker_id": "p-2", "on": "2025-01-31"}, role="farm")
    origin.violation("v-1", "2025-02-03", "I", "c", role="worker", person="p-1")  # also works at farm-b
    origin.violation("v-2", "2025-02-03", "I", "c", role="worker", person="p-2")  # left farm-b before
    assert other.findings("2025-02-02", "PE-1") == []
    [finding] = other.findings("2025-02-03", "PE-1")
    assert (finding["subject_id"], finding["on"]) == ("p-1", "2025-02-03")
    assert finding["detail"]["while_employed"] is True and finding["detail"]["banned_at"] == "farm-a"
    assert origin.findings("2025-02-03", "PE-1") == []  # its own offender: the 24-hour deadline instead
    [raised] = other.derived("PersonnelBanViolated")  # through the log, addressed to farm-b
    assert raised["data"] == {"person_id": "p-1", "banned_until": "2030-02-02", "hired_on": "2024-06-03"}
    assert raised["actor"]["role"] == "system"
    origin.post("OffenderTerminated", "2025-02-04", {"violation_id": "v-1", "person_id": "p-1",
                                                     "terminated_at": "2025-02-04T10:00:00-05:00"}, role="farm")
    assert len(other.derived("PersonnelBanViolated")) == 1  # raised once
