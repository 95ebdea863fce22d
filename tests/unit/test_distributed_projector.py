"""The distributed runner's transaction (services/runner/projector.py), fed records by hand on SQLite:
applied once whatever is redelivered, resumes at the stored offset, keeps failures, relays other farms'
events. The same code runs under Faust on PostgreSQL in tests/integration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from events.codec import content_digest, to_json, validate
from services.cli.main import app
from services.runner.projector import Projector, Record
from services.store.database import connect
from services.store.schema import applied, event_index, failures, history, outbox, partition_offsets, relay
from tests.conftest import event

TOPIC = "dignity.events"
STAMP = "2026-03-01T12:00:00+00:00"


def recorded(raw: dict[str, Any]) -> bytes:
    return orjson.dumps(to_json(validate(raw)) | {"recorded_at": STAMP})


def enrol(farm: str, owner: str = "owner-1") -> dict[str, Any]:
    return event("FarmEnrolled", farm, "2026-01-02", {"owner_id": owner, "name": farm, "jurisdiction": "VT",
                                                      "enrolled_on": "2026-01-02", "time_zone": "America/New_York"})


def hire(farm: str, worker: str) -> dict[str, Any]:
    return event("WorkerHired", farm, "2026-01-05", {"worker_id": worker, "hired_on": "2026-01-05"}, role="farm")


def records(*bodies: bytes, partition: int = 0, first: int = 0) -> list[Record]:
    return [Record(TOPIC, partition, first + i, body) for i, body in enumerate(bodies)]


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return connect(f"sqlite:///{tmp_path / 'read_models.db'}")


def test_a_record_produced_twice_or_delivered_again_is_applied_once(engine: Engine) -> None:
    body = recorded(enrol("farm-a"))
    projector = Projector(engine)
    first = projector.apply(records(body, body, recorded(hire("farm-a", "w1"))))  # a producer retry: two copies
    again = projector.apply(records(body, partition=3))  # the same event at another place in the log
    assert (first.applied, first.skipped) == (2, 1)
    assert (again.applied, again.skipped) == (0, 1)
    assert count(engine, history) == 2 and count(engine, applied) == 2


def test_a_restarted_worker_skips_offsets_already_committed_with_the_read_models(engine: Engine) -> None:
    projector = Projector(engine)
    projector.apply(records(recorded(enrol("farm-a")), recorded(hire("farm-a", "w1"))))
    redelivered = projector.apply(records(recorded(hire("farm-a", "w2")), first=1))  # offset 1 is done
    later = projector.apply(records(recorded(hire("farm-a", "w3")), first=2))
    assert (redelivered.applied, redelivered.skipped, later.applied) == (0, 1, 1)
    with engine.connect() as conn:
        assert conn.execute(select(partition_offsets.c.offset)).scalar_one() == 2
        workers = [orjson.loads(b)["data"].get("worker_id") for b in conn.execute(select(history.c.body)).scalars()]
    assert sorted(w for w in workers if w) == ["w1", "w3"]


def test_an_event_that_cannot_be_applied_is_kept_in_failures_and_the_partition_goes_on(engine: Engine) -> None:
    broken = b'{"event_id": "e-broken", "type": "WorkerHired"}'  # no farm_id, no dates: cannot be read
    batch = records(recorded(enrol("farm-a")), broken, recorded(hire("farm-a", "w1")))
    projector = Projector(engine)
    outcome = projector.apply(batch)
    assert (outcome.applied, outcome.failed) == (2, 1)
    assert projector.apply(batch).failed == 0  # redelivered: recorded once, not again
    with engine.connect() as conn:
        row = conn.execute(select(failures)).one()
        assert conn.execute(select(partition_offsets.c.offset)).scalar_one() == 2
    assert (row.event_id, row.where, bytes(row.body)) == ("e-broken", f"{TOPIC}[0]@1", broken)
    assert row.error.startswith(("event_id:", "farm_id:"))  # the first thing wrong with it, by field
    listed = CliRunner().invoke(app, ["failures", "--db", str(engine.url), "--json"])
    assert [(f["event_id"], f["where"]) for f in orjson.loads(listed.stdout)] == [("e-broken", f"{TOPIC}[0]@1")]


def test_events_for_other_farms_are_relayed_and_derived_events_wait_in_the_outbox(engine: Engine) -> None:
    probation = event("ProbationImposed", "farm-a", "2026-02-01",
                      {"reason": "audit impeded", "on": "2026-02-01", "cure_by": "2026-03-01"})
    suspension = event("SuspensionNoticed", "farm-a", "2026-03-02",
                       {"suspension_id": "s-1", "notice_on": "2026-03-02", "basis": "AU-3"})
    projector = Projector(engine)
    projector.apply(records(recorded(enrol("farm-b")), partition=1))
    outcome = projector.apply(records(*(recorded(e) for e in (enrol("farm-a"), probation, suspension))))
    assert {d["farm_id"] for d in outcome.relay} == {"farm-b"}  # SU-2: the owner's other farm
    assert outcome.derived and {d["farm_id"] for d in outcome.derived} == {"farm-a"}
    with engine.connect() as conn:
        relayed = conn.execute(select(relay.c.event_id, relay.c.published)).all()
        queued = set(conn.execute(select(outbox.c.event_id).where(outbox.c.published == 0)).scalars())
    assert relayed == [(d["event_id"], 0) for d in outcome.relay]
    assert queued == {d["event_id"] for d in outcome.derived}


def test_trust_a_topic_record_with_a_key_written_twice_goes_to_failures(engine: Engine) -> None:
    """The doors reject `farm_id` twice (the last one would win); the worker reading the topic does too."""
    good = recorded(hire("farm-a", "w1"))
    twice = good.replace(b'"farm_id":"farm-a"', b'"farm_id":"farm-a","farm_id":"farm-b"', 1)
    nested = good.replace(b'"worker_id":"w1"', b'"worker_id":"w1","worker_id":"w9"', 1)
    assert twice != good and nested != good and orjson.loads(twice)["farm_id"] == "farm-b"
    projector = Projector(engine)
    outcome = projector.apply(records(recorded(enrol("farm-a")), recorded(enrol("farm-b")), twice, nested, good))
    assert (outcome.applied, outcome.failed) == (3, 2)
    with engine.connect() as conn:
        rows = conn.execute(select(failures.c.where, failures.c.error).order_by(failures.c.where)).all()
    assert [w for w, _ in rows] == [f"{TOPIC}[0]@2", f"{TOPIC}[0]@3"]
    assert all("a key is written twice" in error for _, error in rows)


def _indexed(engine: Engine, *bodies: bytes) -> None:
    """What the distributed ingest writes once the broker has the records: each id with its content digest."""
    with engine.begin() as conn:
        conn.execute(insert(event_index), [{
            "event_id": (raw := orjson.loads(body))["event_id"], "type": raw["type"], "farm_id": raw["farm_id"],
            "digest": content_digest(raw), "recorded_at": STAMP} for body in bodies])


def test_trust_a_record_a_door_accepted_is_not_validated_again_and_any_other_is(
        engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    import services.runner.records as records_module

    validated: list[str] = []

    def counting(raw: dict[str, Any], line: int | None = None) -> Any:
        validated.append(raw["event_id"])
        return validate(raw, line)

    monkeypatch.setattr(records_module, "validate", counting)
    enrolment, accepted, unindexed = recorded(enrol("farm-a")), recorded(hire("farm-a", "w1")), recorded(
        hire("farm-a", "w2"))
    _indexed(engine, enrolment, accepted)
    outcome = Projector(engine).apply(records(enrolment, accepted, unindexed))
    assert outcome.applied == 3
    assert validated == [orjson.loads(unindexed)["event_id"]]  # only the record no door accepted


def test_trust_a_record_under_an_accepted_id_with_other_content_is_validated_and_refused(engine: Engine) -> None:
    enrolment, accepted = recorded(enrol("farm-a")), recorded(hire("farm-a", "w1"))
    _indexed(engine, enrolment, accepted)
    raw = orjson.loads(accepted)
    forged = orjson.dumps({**raw, "data": {**raw["data"], "hired_on": "someday"}})  # same id, other content
    outcome = Projector(engine).apply(records(enrolment, forged))
    assert (outcome.applied, outcome.failed) == (1, 1)
    with engine.connect() as conn:
        (where, error), = conn.execute(select(failures.c.where, failures.c.error)).all()
    assert where == f"{TOPIC}[0]@1" and "hired_on" in error
