"""The `dignity.standing-changes` topic on the real broker (BU-1, issue 5): every notification, keyed by
buyer, in order per farm within each buyer's partition, each once per publication.

Needs Kafka on 127.0.0.1 (`make test` starts it): marked `integration`, and a missing broker is a failure.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from services.delivery.pump import Pump
from services.delivery.topic import StandingChangesTopic
from services.ledger import queries
from services.ledger.embedded import EmbeddedLedger
from tests.unit.test_webhooks import per_farm, program

pytestmark = pytest.mark.integration
KAFKA = os.environ.get("DIGNITY_KAFKA", "127.0.0.1:9092")


@pytest.fixture
def prefix() -> Iterator[str]:
    host, _, port = KAFKA.split(",")[0].rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=3).close()
    except OSError:
        pytest.fail(f"Kafka is not reachable at {KAFKA}: start it with `bash infra/services.sh up`", pytrace=False)
    name = f"it-{uuid.uuid4().hex[:10]}."
    yield name
    admin = KafkaAdminClient(bootstrap_servers=KAFKA, client_id="dignity-tests")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(name)]
        if mine:
            admin.delete_topics(mine, raise_errors=False)
    finally:
        admin.close()


def consume(topic: str, expected: int, timeout: float = 60.0) -> list[tuple[str, dict[str, str], int]]:
    consumer = KafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        out: list[tuple[str, dict[str, str], int]] = []
        started = time.monotonic()
        while len(out) < expected and time.monotonic() - started < timeout:
            for batch in consumer.poll(timeout_ms=500).values():
                out.extend((r.key.decode(), orjson.loads(r.value), r.partition) for r in batch)
        time.sleep(1.0)  # anything beyond what was expected would show up now
        for batch in consumer.poll(timeout_ms=1000).values():
            out.extend((r.key.decode(), orjson.loads(r.value), r.partition) for r in batch)
        return out
    finally:
        consumer.close()


def test_bu1_standing_changes_topic_is_keyed_by_buyer_and_ordered_per_farm(ledger: EmbeddedLedger,
                                                                           prefix: str) -> None:
    program(ledger)
    topic = StandingChangesTopic(ledger.engine, KAFKA, prefix)
    try:
        pump = Pump(ledger.engine, topic=topic)
        first = pump.run_once()
        assert first is not None and first.published == 12  # 8 for buyer-1, 4 for buyer-2
        again = pump.run_once()
        assert again is not None and again.published == 0  # the cursor moved only after the broker's acks
    finally:
        topic.close()
    records = consume(topic.topic, 12)
    assert len(records) == 12
    for buyer in ("buyer-1", "buyer-2"):
        mine = [(value, partition) for key, value, partition in records if key == buyer]
        assert len({p for _, p in mine}) == 1  # one partition per buyer
        assert all(value["buyer_id"] == buyer for value, _ in mine)
        assert per_farm([v for v, _ in mine]) == per_farm(queries.notifications(ledger.engine, buyer))
