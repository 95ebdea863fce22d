"""The Kafka log's chains and topic checkpoints without a broker: `KafkaEventLog.append` as it is, over a
topic kept in memory (the real broker: tests/integration/test_kafka_tamper.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, select, update

from services.log.kafka_chain import verify_topic, write_topic_checkpoint
from services.log.kafka_log import KafkaEventLog, LogRecord, partition_for
from services.log.signer import FileSigner
from services.store.database import connect
from services.store.schema import event_chains, event_index
from tests.unit.test_event_log import T0, candidate, enrol, hire


class MemoryTopic(KafkaEventLog):
    """The events topic as a list per partition; everything else is the real class."""

    def __init__(self, url: str) -> None:  # no broker: skip creating topics
        self.engine = connect(url)
        self.topic = "events"
        self.records: dict[int, list[LogRecord]] = {p: [] for p in range(3)}

    def partitions(self) -> int:
        return 3

    def produce(self, bodies: Sequence[dict[str, Any]], topic: str | None = None,
                raws: Sequence[bytes] | None = None) -> None:
        for body, raw in zip(bodies, raws or [orjson.dumps(b) for b in bodies], strict=True):
            rows = self.records[partition_for(body["farm_id"], 3)]
            rows.append(LogRecord(partition_for(body["farm_id"], 3), len(rows), orjson.loads(raw), raw))

    def _fetch(self, topic: str, after: int, farm_id: str | None) -> dict[int, list[LogRecord]]:
        return {p: list(rows) for p, rows in self.records.items()}


@pytest.fixture
def topic(tmp_path: Path) -> MemoryTopic:
    log = MemoryTopic(f"sqlite:///{tmp_path / 'index.db'}")
    log.append([candidate(enrol("farm-a")), candidate(enrol("farm-b")), candidate(hire("farm-a", "w1"))], T0)
    return log


def kinds(log: MemoryTopic, signer: FileSigner) -> set[str]:
    return {p.kind for p in verify_topic(log, log.engine, signer.public_key()).problems}


def test_a_signed_topic_verifies_and_so_do_later_appends(topic: MemoryTopic, tmp_path: Path) -> None:
    signer = FileSigner(tmp_path / "key.pem")
    assert kinds(topic, signer) == {"unsigned"}
    assert write_topic_checkpoint(topic, topic.engine, signer, T0).state["count"] == 3
    topic.append([candidate(hire("farm-b", "w2"))], T0 + timedelta(hours=1))
    assert kinds(topic, signer) == set()


def test_edits_of_the_topic_or_the_index_are_found(topic: MemoryTopic, tmp_path: Path) -> None:
    signer = FileSigner(tmp_path / "key.pem")
    write_topic_checkpoint(topic, topic.engine, signer, T0)
    farm_a = topic.records[partition_for("farm-a", 3)]
    first = farm_a[0]
    forged = first.body | {"data": {**first.body["data"], "name": "Other"}}
    farm_a[0] = LogRecord(first.partition, first.offset, forged, orjson.dumps(forged))  # an edited record
    assert {"digest", "farm_head", "merkle_root"} <= kinds(topic, signer)
    farm_a[0] = first
    del farm_a[1]  # a deleted record
    assert {"missing_on_topic", "farm_head", "truncated"} <= kinds(topic, signer)


def test_recomputed_heads_in_the_index_are_found(topic: MemoryTopic, tmp_path: Path) -> None:
    signer = FileSigner(tmp_path / "key.pem")
    write_topic_checkpoint(topic, topic.engine, signer, T0)
    with topic.engine.begin() as conn:
        conn.execute(update(event_chains).values(head="0" * 64))
    assert kinds(topic, signer) == {"farm_head"}
    with topic.engine.begin() as conn:
        conn.execute(delete(event_index).where(event_index.c.type == "WorkerHired"))
    assert "unindexed" in kinds(topic, signer)


def test_su2_notices_a_worker_relays_are_chained_and_checkpointed(tmp_path: Path) -> None:
    """A suspension on farm-a is relayed to farm-b (same owner) by the worker's publisher: the notice is
    indexed and on farm-b's chain, a checkpoint covers it, an edit of it is found by the chain as well as
    against its relay row, and relaying it again (at least once) adds nothing."""
    from services.runner.projector import Projector, Record
    from services.runner.publisher import Publisher
    from tests.conftest import event

    log = MemoryTopic(f"sqlite:///{tmp_path / 'index.db'}")
    farm_b = enrol("farm-b") | {"data": {**enrol("farm-b")["data"], "owner_id": "owner-farm-a"}}
    log.append([candidate(enrol("farm-a")), candidate(farm_b), candidate(event(
        "ProbationImposed", "farm-a", "2026-02-01", {"reason": "audit impeded", "on": "2026-02-01",
                                                     "cure_by": "2026-03-01"})), candidate(event(
        "SuspensionNoticed", "farm-a", "2026-03-02", {"suspension_id": "s-1", "notice_on": "2026-03-02",
                                                      "basis": "AU-3"}))], T0)
    on_topic = sorted((r for rows in log.records.values() for r in rows), key=lambda r: r.body["occurred_at"])
    outcome = Projector(log.engine).apply([Record("events", r.partition, r.offset, r.raw, r.body["farm_id"].encode())
                                           for r in on_topic])
    assert [d["farm_id"] for d in outcome.relay] == ["farm-b"]
    publisher = Publisher(log.engine, log)
    publisher.publish([], outcome.relay)
    notice = outcome.relay[0]["event_id"]
    with log.engine.connect() as conn:
        assert conn.execute(select(event_index.c.farm_id).where(event_index.c.event_id == notice)).scalar() == "farm-b"
        assert conn.execute(select(event_chains.c.count).where(event_chains.c.farm_id == "farm-b")).scalar() == 2
    signer = FileSigner(tmp_path / "key.pem")
    assert write_topic_checkpoint(log, log.engine, signer, T0).state["count"] == 5  # the notice is a leaf
    assert kinds(log, signer) == set()
    publisher.publish([], outcome.relay)  # sent again after a crash: a duplicate, not a second record
    assert sum(len(rows) for rows in log.records.values()) == 5 and kinds(log, signer) == set()
    rows = log.records[partition_for("farm-b", 3)]
    at = next(i for i, r in enumerate(rows) if r.body["event_id"] == notice)
    forged = rows[at].body | {"occurred_at": "2026-03-03T00:00:00+00:00"}
    rows[at] = LogRecord(rows[at].partition, rows[at].offset, forged, orjson.dumps(forged))
    assert {"relay", "digest", "farm_head"} <= kinds(log, signer)
