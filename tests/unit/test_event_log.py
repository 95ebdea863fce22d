"""The SQL event log (embedded backend): idempotent append, conflicts, reads by position, farm and ledger time.

The Kafka backend passes the same checks against the real broker in tests/integration/test_kafka_log.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from events.codec import content_digest, to_json, validate
from services.log.event_log import Candidate
from services.log.sql_log import SqlEventLog
from services.store.database import connect
from tests.conftest import event

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def candidate(raw: dict[str, Any], line: int | None = None) -> Candidate:
    body = to_json(validate(raw, line))
    del body["recorded_at"]
    return Candidate(line, body, content_digest(body))


def enrol(farm: str) -> dict[str, Any]:
    return event("FarmEnrolled", farm, "2026-01-02", {"owner_id": f"owner-{farm}", "name": farm, "jurisdiction": "VT",
                                                      "enrolled_on": "2026-01-02", "time_zone": "America/New_York"})


def hire(farm: str, worker: str) -> dict[str, Any]:
    return event("WorkerHired", farm, "2026-01-05", {"worker_id": worker, "hired_on": "2026-01-05"}, role="farm")


@pytest.fixture
def log(tmp_path: Path) -> SqlEventLog:
    return SqlEventLog(connect(f"sqlite:///{tmp_path / 'log.db'}"))


def test_the_same_event_twice_is_stored_once(log: SqlEventLog) -> None:
    first = candidate(enrol("farm-a"), 1)
    out = log.append([first, candidate(hire("farm-a", "w1"), 2)], T0)
    again = log.append([first], T0 + timedelta(hours=1))
    assert len(out.accepted) == 2 and out.duplicates == []
    assert (again.accepted, again.duplicates, again.rejected) == ([], [1], [])
    assert [e.event_id for e in log.read()] == [first.body["event_id"], out.accepted[1].event_id]


def test_a_repeat_inside_one_batch_is_a_duplicate(log: SqlEventLog) -> None:
    one = candidate(enrol("farm-a"), 1)
    out = log.append([one, Candidate(2, one.body, one.digest)], T0)
    assert len(out.accepted) == 1 and out.duplicates == [2]


def test_the_same_id_with_other_content_is_rejected_and_the_first_stays(log: SqlEventLog) -> None:
    original = enrol("farm-a")
    log.append([candidate(original, 1)], T0)
    changed = {**original, "data": {**original["data"], "name": "Someone Else"}}
    out = log.append([candidate(changed, 4)], T0 + timedelta(hours=1))
    assert out.accepted == [] and out.rejected == [
        (4, f"event_id: {original['event_id']} was already recorded with different content")]
    assert [e.data["name"] for e in log.read()] == ["farm-a"]


def test_recorded_at_is_the_ledgers_time_not_the_senders(log: SqlEventLog) -> None:
    out = log.append([candidate(enrol("farm-a"))], T0)
    assert out.accepted[0].recorded_at == T0
    assert next(log.read()).recorded_at == T0


def test_read_after_a_position_by_farm_and_as_known_at_a_ledger_time(log: SqlEventLog) -> None:
    log.append([candidate(enrol("farm-a")), candidate(enrol("farm-b"))], T0)
    log.append([candidate(hire("farm-a", "w1")), candidate(hire("farm-b", "w2"))], T0 + timedelta(days=1))
    log.append([candidate(hire("farm-a", "w3"))], T0 + timedelta(days=2))

    everything = list(log.read())
    assert [(e.farm_id, e.type) for e in everything] == [
        ("farm-a", "FarmEnrolled"), ("farm-b", "FarmEnrolled"), ("farm-a", "WorkerHired"),
        ("farm-b", "WorkerHired"), ("farm-a", "WorkerHired")]
    assert list(log.read(after=3)) == everything[3:]
    assert [e.data.get("worker_id") for e in log.read(farm_id="farm-a")] == [None, "w1", "w3"]
    assert list(log.read(known_at=T0 + timedelta(days=1))) == everything[:4]
    assert list(log.read(known_at=T0 - timedelta(seconds=1))) == []
    assert [e.data["worker_id"] for e in log.read(after=1, farm_id="farm-a", known_at=T0 + timedelta(days=1))] == ["w1"]
