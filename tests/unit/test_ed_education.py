"""ED-1 (two hours of MD education a year, Code Part 2 ¶2) and ED-2 (the handbook at hire, Part 2 ¶4)."""

from __future__ import annotations

from typing import Any

from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_su_common import Farm


def hire(farm: Farm, worker: str, on: str, **flags: Any) -> None:
    farm.post("WorkerHired", on, {"worker_id": worker, "hired_on": on, **flags}, role="farm")


def session(farm: Farm, on: str, hours: str, *workers: str) -> None:
    farm.post("EducationSessionHeld", on, {"on": on, "hours": hours, "worker_ids": list(workers)})


def handbook(farm: Farm, on: str, *workers: str) -> None:
    farm.post("HandbookDistributed", on, {"on": on, "worker_ids": list(workers)}, role="farm")


def row(farm: Farm, on: str, rule: str, subject: str) -> dict[str, Any]:
    rows = [r for r in farm.deadlines(on, rule) if r["subject_id"] == subject]
    assert len(rows) == 1, rows
    return rows[0]


def test_ed1_two_hours_in_the_year_meet_it_and_one_and_a_half_miss_it(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)  # enrolled 2025-01-06
    hire(farm, "w-1", "2025-02-01")
    hire(farm, "w-2", "2025-02-01")
    session(farm, "2025-04-10", "1.5", "w-1", "w-2")
    session(farm, "2025-11-20", "0.5", "w-1")
    met = row(farm, "2026-01-05", "ED-1", "w-1/2025")
    assert (met["due"], met["status"], met["met_on"]) == ("2025-12-31", "met", "2025-11-20")
    short = row(farm, "2026-01-05", "ED-1", "w-2/2025")
    assert (short["status"], short["met_on"]) == ("missed", None)
    assert row(farm, "2025-12-31", "ED-1", "w-2/2025")["status"] == "open"


def test_ed1_a_worker_hired_on_oct_1_is_not_owed_that_year_one_hired_sep_30_is(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    hire(farm, "w-oct", "2025-10-01")
    hire(farm, "w-sep", "2025-09-30")
    subjects = {r["subject_id"] for r in farm.deadlines("2026-01-05", "ED-1")}
    assert "w-sep/2025" in subjects and "w-oct/2025" not in subjects
    assert "w-oct/2026" in subjects  # the next year is owed to both


def test_ed1_only_workers_employed_on_dec_31_and_qualifying(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    hire(farm, "w-left", "2025-02-01")
    hire(farm, "w-boss", "2025-02-01", supervisory=True)
    hire(farm, "w-stay", "2025-02-01")
    farm.post("WorkerSeparated", "2025-12-30", {"worker_id": "w-left", "on": "2025-12-30"}, role="farm")
    subjects = {r["subject_id"] for r in farm.deadlines("2026-01-05", "ED-1")}
    assert subjects == {"w-stay/2025", "w-stay/2026"}


def test_ed2_handbook_on_day_7_meets_it_day_8_misses_it(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger)
    hire(farm, "w-1", "2025-03-03")
    hire(farm, "w-2", "2025-03-03")
    handbook(farm, "2025-03-10", "w-1")
    handbook(farm, "2025-03-11", "w-2")
    one, two = row(farm, "2025-04-01", "ED-2", "w-1"), row(farm, "2025-04-01", "ED-2", "w-2")
    assert (one["due"], one["status"]) == ("2025-03-10", "met")
    assert (two["due"], two["status"], two["met_on"]) == ("2025-03-10", "missed", "2025-03-11")


def test_ed2_workers_employed_at_enrolment_count_from_the_enrolment(ledger: EmbeddedLedger) -> None:
    farm = Farm(ledger, enrolled="2025-01-06")
    hire(farm, "w-old", "2019-05-01")
    assert row(farm, "2025-01-10", "ED-2", "w-old")["status"] == "open"
    missed = row(farm, "2025-01-14", "ED-2", "w-old")
    assert (missed["due"], missed["status"]) == ("2025-01-13", "missed")
