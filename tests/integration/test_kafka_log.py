"""The Kafka event log on the real broker, with its event-id index in real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from services.cli.main import app
from services.log.kafka_log import KafkaEventLog, new_producer
from services.runner.projector import Projector, Record
from services.store.database import connect
from services.store.schema import applied, event_index, history
from tests.integration.workers import counts
from tests.unit.test_event_log import T0, candidate, enrol, hire


@pytest.fixture
def log(kafka: str, pg_url: str, topic_prefix: str) -> Iterator[KafkaEventLog]:
    kafka_log = KafkaEventLog(connect(pg_url), kafka, topic_prefix, read_timeout=30)
    yield kafka_log
    kafka_log.close()
    kafka_log.engine.dispose()


def test_the_producer_waits_for_all_replicas_retries_and_is_idempotent(kafka: str) -> None:
    producer = new_producer(kafka)
    try:
        config = producer.config
        assert config["acks"] in (-1, "all") and config["enable_idempotence"] is True
        assert config["retries"] > 0 and config["max_in_flight_requests_per_connection"] <= 5
    finally:
        producer.close()


def test_the_same_event_twice_is_appended_once_and_other_content_is_rejected(log: KafkaEventLog) -> None:
    first = candidate(enrol("farm-a"), 1)
    out = log.append([first, candidate(hire("farm-a", "w1"), 2)], T0)
    again = log.append([first], T0 + timedelta(hours=1))
    changed = {**first.body, "data": {**first.body["data"], "name": "Someone Else"}}
    conflict = log.append([candidate(changed, 5)], T0 + timedelta(hours=2))

    assert len(out.accepted) == 2 and (again.accepted, again.duplicates) == ([], [1])
    assert conflict.accepted == [] and conflict.rejected == [
        (5, f"event_id: {first.body['event_id']} was already recorded with different content")]
    assert len(list(log.read_records())) == 2  # neither the duplicate nor the conflict reached the topic
    assert [e.data.get("name") for e in log.read(farm_id="farm-a")] == ["farm-a", None]
    with log.engine.connect() as conn:
        assert set(conn.execute(select(event_index.c.type)).scalars()) == {"FarmEnrolled", "WorkerHired"}


def test_read_after_a_position_by_farm_and_as_known_at_a_ledger_time(log: KafkaEventLog) -> None:
    log.append([candidate(enrol("farm-a")), candidate(enrol("farm-b"))], T0)
    log.append([candidate(hire("farm-a", "w1")), candidate(hire("farm-b", "w2"))], T0 + timedelta(days=1))
    log.append([candidate(hire("farm-a", "w3"))], T0 + timedelta(days=2))

    assert [e.data.get("worker_id") for e in log.read(farm_id="farm-a")] == [None, "w1", "w3"]
    assert [e.data.get("worker_id") for e in log.read(farm_id="farm-b")] == [None, "w2"]
    assert [e.data.get("worker_id") for e in log.read(after=1, farm_id="farm-a")] == ["w1", "w3"]
    assert [e.recorded_at for e in log.read()] == [T0] * 2 + [T0 + timedelta(days=1)] * 2 + [T0 + timedelta(days=2)]
    known = list(log.read(known_at=T0 + timedelta(days=1)))
    assert sorted((e.farm_id, e.type) for e in known) == [
        ("farm-a", "FarmEnrolled"), ("farm-a", "WorkerHired"), ("farm-b", "FarmEnrolled"), ("farm-b", "WorkerHired")]
    assert list(log.read(known_at=T0 - timedelta(seconds=1))) == []


def test_an_event_on_the_topic_twice_after_a_producer_retry_is_read_and_applied_once(log: KafkaEventLog) -> None:
    out = log.append([candidate(enrol("farm-a")), candidate(hire("farm-a", "w1"))], T0)
    retried = out.accepted[1].raw
    log.produce([retried])  # what a retry without idempotence (or a crash before indexing) leaves behind

    records = list(log.read_records())
    assert [r.body["event_id"] for r in records].count(retried["event_id"]) == 2
    assert [e.event_id for e in log.read()] == [e.event_id for e in out.accepted]

    projector = Projector(log.engine)
    outcome = projector.apply([Record(log.topic, r.partition, r.offset, orjson.dumps(r.body)) for r in records])
    assert (outcome.applied, outcome.skipped) == (2, 1)
    assert counts(log.engine, history, applied) == (2, 2)


def test_dignity_ingest_with_kafka_appends_to_the_topic_and_a_resend_is_all_duplicates(
    kafka: str, pg_url: str, topic_prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIGNITY_TOPIC_PREFIX", topic_prefix)
    lines = [enrol("farm-a"), hire("farm-a", "w1"), hire("farm-x", "w2")]
    upload = tmp_path / "events.jsonl"
    upload.write_bytes(b"\n".join(orjson.dumps(e) for e in lines))
    command = ["ingest", str(upload), "--kafka", kafka, "--db", pg_url, "--json"]

    first, again = CliRunner().invoke(app, command), CliRunner().invoke(app, command)

    assert first.exit_code == 1  # the unknown farm's line is rejected, the others go on
    assert orjson.loads(first.stdout) == {"accepted": 2, "duplicates": 0, "rejected": [
        {"line": 3, "error": "farm_id: unknown farm 'farm-x' (no FarmEnrolled recorded)"}]}
    assert orjson.loads(again.stdout)["duplicates"] == 2
    kafka_log = KafkaEventLog(connect(pg_url), kafka, topic_prefix)
    assert [e.type for e in kafka_log.read()] == ["FarmEnrolled", "WorkerHired"]
    kafka_log.close()
