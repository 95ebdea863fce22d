"""Distributed backend: the topic `dignity.events`, keyed by farm_id, with the event-id index in SQL.

Appending checks the index (duplicates and conflicts), produces, waits for the broker's acks and only then
writes the index rows: a crash in between leaves events on the topic without index rows, so a resend
produces them again and consumers drop the second copy by event_id. Nothing is ever indexed unproduced.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

import orjson
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner.default import murmur2
from sqlalchemy import Connection, Engine, text

from events.codec import content_digest
from events.recorded import RecordedEvent
from services.log.event_log import AppendOutcome, Candidate, sort_out
from services.log.kafka_chain import chain_records, save_heads
from services.log.sql_log import known_digests
from services.settings import settings
from services.store.database import utc_text
from services.store.schema import event_index

EVENTS = "dignity.events"
DERIVED = "dignity.derived"
PARTITIONS = 6
DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
_INDEX_LOCK = 0x6469676E  # "dign": one appender at a time checks and extends the index (PostgreSQL)


def bootstrap_servers(value: str | None = None) -> str:
    return value or settings().kafka or DEFAULT_BOOTSTRAP


def topic_name(base: str, prefix: str | None = None) -> str:
    """`DIGNITY_TOPIC_PREFIX` lets a test run (or a second program) use its own topics on a shared broker."""
    return (settings().topic_prefix if prefix is None else prefix) + base


def partition_for(key: str, partitions: int) -> int:
    """Kafka's default (murmur2) partitioner, chosen explicitly so every producer puts a farm in one place."""
    return int(murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def ensure_topics(bootstrap: str, names: Sequence[str], partitions: int = PARTITIONS) -> None:
    """Create the topics if missing (an existing topic is left as it is) and wait until they have leaders."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="dignity-admin")
    try:
        spec = {n: {"num_partitions": partitions, "replication_factor": 1} for n in names}
        result = admin.create_topics(spec, raise_errors=False)
        for topic in result["topics"]:
            code = topic["error_code"]
            if code not in (0, TopicAlreadyExistsError.errno):
                raise RuntimeError(f"cannot create topic {topic['name']}: error {code} {topic.get('error_message')}")
        admin.wait_for_topics(list(names))
    finally:
        admin.close()


def new_producer(bootstrap: str) -> KafkaProducer:
    """acks=all, unlimited retries, idempotence: a retried batch is written once and in order
    (the broker checks sequence numbers, so up to 5 requests in flight keep per-partition order)."""
    return KafkaProducer(
        bootstrap_servers=bootstrap, client_id="dignity-ledger", acks="all", enable_idempotence=True,
        max_in_flight_requests_per_connection=5, linger_ms=5, batch_size=256 * 1024,
        compression_type=None, delivery_timeout_ms=120_000,
    )


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One record of the events topic, as read back."""

    partition: int
    offset: int
    body: dict[str, Any]
    raw: bytes = b""  # the value as produced: what the farm's chain is over


class KafkaEventLog:
    """The `EventLog` interface on Kafka. `engine` holds the event-id index (PostgreSQL in production)."""

    def __init__(self, engine: Engine, bootstrap: str | None = None, prefix: str | None = None,
                 read_timeout: float = 60.0) -> None:
        self.engine = engine
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topic = topic_name(EVENTS, prefix)
        self.derived_topic = topic_name(DERIVED, prefix)
        self.read_timeout = read_timeout
        ensure_topics(self.bootstrap, [self.topic, self.derived_topic])
        self._producer: KafkaProducer | None = None
        self._partitions = 0

    # -- writing ---------------------------------------------------------------------------------
    def append(self, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome:
        ids = [c.body["event_id"] for c in candidates]
        with self.engine.begin() as conn:
            _lock_index(conn)
            known = known_digests(conn, event_index.c.event_id, event_index.c.digest, ids)
            fresh, outcome = sort_out(candidates, known)
            if not fresh:
                return outcome
            stamp, stamp_key = recorded_at.isoformat(), utc_text(recorded_at)
            bodies = [{**c.body, "recorded_at": stamp} for c in fresh]
            raws = [orjson.dumps(b) for b in bodies]
            heads = chain_records(conn, bodies, raws)  # each farm's chain over the exact bytes produced
            self.produce(bodies, raws=raws)  # raises unless every record was acknowledged: nothing is indexed
            save_heads(conn, heads)
            conn.execute(event_index.insert(), [
                {"event_id": b["event_id"], "type": b["type"], "farm_id": b["farm_id"], "digest": c.digest,
                 "recorded_at": stamp_key}
                for b, c in zip(bodies, fresh, strict=True)
            ])
            outcome.accepted.extend(RecordedEvent.from_wire(b) for b in bodies)
        return outcome

    def append_relayed(self, relayed: Sequence[dict[str, Any]]) -> AppendOutcome:
        """Events a worker addresses to other farms (SU-2 notices, RK-1 changes), appended as the ledger's own:
        indexed and chained like any other, so a checkpoint covers them and `verify --kafka` checks them. Each
        keeps the ledger time the fold gave it; sent again (after a crash), they are duplicates."""
        outcome = AppendOutcome()
        for stamp, run in groupby(relayed, key=lambda d: str(d["recorded_at"])):
            bodies = [{k: v for k, v in d.items() if k != "recorded_at"} for d in run]
            done = self.append([Candidate(None, b, content_digest(b)) for b in bodies], datetime.fromisoformat(stamp))
            outcome.accepted += done.accepted
            outcome.duplicates += done.duplicates
            outcome.rejected += done.rejected
        return outcome

    def produce(self, bodies: Sequence[dict[str, Any]], topic: str | None = None,
                raws: Sequence[bytes] | None = None) -> None:
        """Send bodies (as `raws` when given) keyed by farm_id and block until the broker acknowledged all."""
        producer = self.producer()
        target = topic or self.topic
        values = raws if raws is not None else [orjson.dumps(b) for b in bodies]
        futures = [
            producer.send(target, key=b["farm_id"].encode(), value=raw,
                          partition=partition_for(b["farm_id"], self.partitions()))
            for b, raw in zip(bodies, values, strict=True)
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=0)  # re-raises the delivery error, if any

    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = new_producer(self.bootstrap)
        return self._producer

    def partitions(self) -> int:
        if not self._partitions:
            found = self.producer().partitions_for(self.topic)
            self._partitions = len(found)
        return self._partitions

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None

    # -- reading ---------------------------------------------------------------------------------
    def read(
        self, after: int = 0, farm_id: str | None = None, known_at: datetime | None = None
    ) -> Iterator[RecordedEvent]:
        """Events as the log holds them, each event_id once (the first copy wins).

        A position on Kafka is per partition: `after=n` skips the first n records of each partition
        (offsets below n), which for one farm is exactly "after its n-th record". Partitions are merged
        by recorded_at; within a partition (so within a farm) the topic order is kept.
        """
        seen: set[str] = set()
        for record in self.read_records(after, farm_id):
            body = record.body
            if farm_id is not None and body["farm_id"] != farm_id:
                continue
            if known_at is not None and datetime.fromisoformat(body["recorded_at"]) > known_at:
                continue
            if body["event_id"] in seen:
                continue
            seen.add(body["event_id"])
            yield RecordedEvent.from_wire(body)

    def read_records(self, after: int = 0, farm_id: str | None = None, topic: str | None = None) -> Iterator[LogRecord]:
        """Every record (of the events topic, or `topic`) up to the end offsets taken at the start,
        partitions merged by recorded_at."""
        per_partition = self._fetch(topic or self.topic, after, farm_id)
        streams = [
            ((utc_text(datetime.fromisoformat(r.body["recorded_at"])), r.partition, r.offset, r) for r in rows)
            for rows in per_partition.values()
        ]
        for *_, record in heapq.merge(*streams, key=lambda item: item[:3]):
            yield record

    def _fetch(self, topic: str, after: int, farm_id: str | None) -> dict[int, list[LogRecord]]:
        consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False,
                                 client_id="dignity-reader")
        try:
            count = len(consumer.partitions_for_topic(topic) or ())
            wanted = [partition_for(farm_id, count)] if farm_id is not None else range(count)
            tps = [TopicPartition(topic, p) for p in wanted]
            consumer.assign(tps)
            start, end = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
            for tp in tps:
                consumer.seek(tp, max(after, start[tp]))
            return _poll_until(consumer, end, self.read_timeout)
        finally:
            consumer.close()


def _poll_until(consumer: KafkaConsumer, end: dict[TopicPartition, int], timeout: float) -> dict[int, list[LogRecord]]:
    """Bounded in time: poll until every partition reached the end offset taken before reading."""
    out: dict[int, list[LogRecord]] = {tp.partition: [] for tp in end}
    pending = {tp for tp in end if consumer.position(tp) < end[tp]}
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"reading {sorted(tp.partition for tp in pending)} did not reach the end offsets")
        for tp, records in consumer.poll(timeout_ms=500, max_records=5000).items():
            out[tp.partition].extend(
                LogRecord(tp.partition, r.offset, orjson.loads(r.value), r.value) for r in records if r.offset < end[tp]
            )
            if consumer.position(tp) >= end[tp]:
                pending.discard(tp)
    return out


def _lock_index(conn: Connection) -> None:
    """Two ingests at once must not both accept one event_id (or both produce a conflicting pair)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _INDEX_LOCK})
