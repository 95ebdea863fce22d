"""The `dignity.standing-changes` Kafka topic: every buyer notification, keyed (and partitioned) by buyer.

Fed from the feed's `BuyerNotified` rows in feed order, so each buyer's partition holds its farms'
changes in order. The cursor advances only after the broker acknowledged every record: a crash in between
produces them again (at least once); the body's `notification_id` lets a consumer drop the copy.
"""

from __future__ import annotations

from typing import Any

import orjson
from kafka import KafkaProducer
from sqlalchemy import Engine

from services.delivery import feed
from services.log.kafka_log import bootstrap_servers, ensure_topics, new_producer, partition_for, topic_name

STANDING_CHANGES = "dignity.standing-changes"
BATCH = 2000


class StandingChangesTopic:
    def __init__(self, engine: Engine, bootstrap: str | None = None, prefix: str | None = None) -> None:
        self.engine = engine
        self.bootstrap = bootstrap_servers(bootstrap)
        self.topic = topic_name(STANDING_CHANGES, prefix)
        self.cursor_name = f"topic:{self.topic}"
        ensure_topics(self.bootstrap, [self.topic])
        self._producer: KafkaProducer | None = None
        self._partitions = 0

    def publish_pending(self) -> int:
        """Produce what the feed has past the cursor; returns how many records were acknowledged."""
        sent = 0
        while True:
            with self.engine.connect() as conn:
                after = feed.cursor(conn, self.cursor_name)
            items = feed.read(self.engine, after, limit=BATCH, type_="BuyerNotified")
            if not items:
                return sent
            self._produce([feed.notification(i) for i in items])
            with self.engine.begin() as conn:
                feed.advance(conn, self.cursor_name, items[-1].position)
            sent += len(items)

    def _produce(self, bodies: list[dict[str, Any]]) -> None:
        producer = self._producer or self._open()
        futures = [producer.send(self.topic, key=b["buyer_id"].encode(), value=orjson.dumps(b),
                                 partition=partition_for(b["buyer_id"], self._partitions)) for b in bodies]
        producer.flush()
        for future in futures:
            future.get(timeout=0)  # re-raises a delivery error: the cursor then stays where it was

    def _open(self) -> KafkaProducer:
        self._producer = new_producer(self.bootstrap)
        self._partitions = len(self._producer.partitions_for(self.topic))
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
            self._producer = None
