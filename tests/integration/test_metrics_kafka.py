"""Consumer lag on /metrics against the real broker (issue 12): the end offset of each partition of the
events topic, less what the workers applied (partition_offsets), per partition."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaProducer
from sqlalchemy import insert

from services.api.metrics import LedgerCollector
from services.log.kafka_log import EVENTS, PARTITIONS, ensure_topics, topic_name
from services.store.database import connect
from services.store.schema import partition_offsets


def test_consumer_lag_per_partition_from_the_broker(kafka: str, topic_prefix: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGNITY_TOPIC_PREFIX", topic_prefix)
    topic = topic_name(EVENTS)
    assert topic.startswith(topic_prefix)
    ensure_topics(kafka, [topic])
    producer = KafkaProducer(bootstrap_servers=kafka, client_id="dignity-tests")
    try:
        for partition, count in ((0, 4), (1, 2)):
            for _ in range(count):
                producer.send(topic, key=b"k", value=b"{}", partition=partition).get(timeout=30)
    finally:
        producer.close()
    engine = connect(f"sqlite:///{tmp_path / 'read-models.db'}")
    with engine.begin() as conn:  # the workers applied offset 0 of partition 0, nothing else yet
        conn.execute(insert(partition_offsets), [{"topic": topic, "partition": 0, "offset": 0}])
    samples = {(s.name, s.labels.get("partition")): s.value for m in LedgerCollector(engine, kafka)._lag()
               for s in m.samples}
    assert samples[("dignity_kafka_up", None)] == 1
    lag = {int(p): v for (name, p), v in samples.items() if name == "dignity_consumer_lag"}
    assert lag == {0: 3, 1: 2, **{p: 0 for p in range(2, PARTITIONS)}}
    assert samples[("dignity_consumer_applied_offset", "0")] == 0
    engine.dispose()
