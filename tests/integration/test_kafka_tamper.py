"""Tamper evidence on the Kafka log (real broker, real PostgreSQL): chains over the records the ledger
produced, signed checkpoints of the topic, and what verify finds when the topic or the index is edited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from kafka import KafkaAdminClient, TopicPartition
from sqlalchemy import update

from services.log.kafka_chain import verify_topic, write_topic_checkpoint
from services.log.kafka_log import KafkaEventLog, partition_for
from services.log.signer import FileSigner
from services.store.database import connect
from services.store.schema import event_chains, event_index, signed_checkpoints
from tests.unit.test_event_log import T0, candidate, enrol, hire


@pytest.fixture
def log(kafka: str, pg_url: str, topic_prefix: str) -> Iterator[KafkaEventLog]:
    kafka_log = KafkaEventLog(connect(pg_url), kafka, topic_prefix, read_timeout=30)
    kafka_log.append([candidate(enrol("farm-a")), candidate(enrol("farm-b")), candidate(hire("farm-a", "w1")),
                      candidate(hire("farm-b", "w2"))], T0)
    yield kafka_log
    kafka_log.close()
    kafka_log.engine.dispose()


@pytest.fixture
def signer(tmp_path: Path) -> FileSigner:
    return FileSigner(tmp_path / "signing-key.pem")


def kinds(log: KafkaEventLog, signer: FileSigner) -> set[str]:
    return {p.kind for p in verify_topic(log, log.engine, signer.public_key()).problems}


def test_a_signed_topic_verifies_and_later_appends_too(log: KafkaEventLog, signer: FileSigner) -> None:
    assert kinds(log, signer) == {"unsigned"}
    signed = write_topic_checkpoint(log, log.engine, signer, T0)
    assert signed.state["count"] == 4 and set(signed.state["farms"]) == {"farm-a", "farm-b"}
    log.append([candidate(hire("farm-a", "w3"))], T0 + timedelta(hours=1))
    assert kinds(log, signer) == set()


def test_a_record_produced_behind_the_ledgers_back_is_found(log: KafkaEventLog, signer: FileSigner) -> None:
    write_topic_checkpoint(log, log.engine, signer, T0)
    forged = candidate(hire("farm-a", "w9")).body | {"recorded_at": T0.isoformat()}
    log.produce([forged])
    assert kinds(log, signer) == {"unindexed"}


def test_an_edited_index_or_recomputed_heads_are_found(log: KafkaEventLog, signer: FileSigner) -> None:
    write_topic_checkpoint(log, log.engine, signer, T0)
    with log.engine.begin() as conn:
        conn.execute(update(event_chains).where(event_chains.c.farm_id == "farm-b").values(head="0" * 64))
    assert kinds(log, signer) == {"farm_head"}
    with log.engine.begin() as conn:
        conn.execute(update(event_index).where(event_index.c.type == "WorkerHired").values(digest="0" * 64))
    assert {"digest", "farm_head"} <= kinds(log, signer)


def test_records_deleted_from_a_partition_are_found(log: KafkaEventLog, signer: FileSigner, kafka: str) -> None:
    write_topic_checkpoint(log, log.engine, signer, T0)
    admin = KafkaAdminClient(bootstrap_servers=kafka, client_id="dignity-tests")
    try:
        partition = partition_for("farm-a", log.partitions())
        admin.delete_records({TopicPartition(log.topic, partition): 1})  # the farm's first record
    finally:
        admin.close()
    found = kinds(log, signer)
    assert {"missing_on_topic", "truncated", "farm_head"} <= found


def test_deleted_checkpoint_rows_are_seen_from_the_copy_outside(log: KafkaEventLog, signer: FileSigner,
                                                                tmp_path: Path) -> None:
    copy = tmp_path / "checkpoint.json"
    write_topic_checkpoint(log, log.engine, signer, T0, copy)
    assert verify_topic(log, log.engine, signer.public_key(), copy).problems == []
    with log.engine.begin() as conn:
        conn.execute(signed_checkpoints.delete())
    assert {p.kind for p in verify_topic(log, log.engine, signer.public_key(), copy).problems} == {
        "checkpoint_missing"}


def test_a_checkpoint_signed_with_another_key_is_refused(log: KafkaEventLog, signer: FileSigner,
                                                         tmp_path: Path) -> None:
    write_topic_checkpoint(log, log.engine, FileSigner(tmp_path / "someone-else.pem"), T0)
    assert kinds(log, signer) == {"signature"}
