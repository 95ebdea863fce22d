"""After a read-model commit: produce the new derived events (to `dignity.derived`) and the events addressed
to other farms (to `dignity.events`), then mark them published. At least once: rows left unpublished by a
crash or a broker outage are sent again by `publish_pending`; their ids are stable, so receivers dedupe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Engine, select, update

from projections.projection import Derived
from services.log.kafka_log import KafkaEventLog
from services.store.schema import outbox, relay

_CHUNK = 500


class Publisher:
    def __init__(self, engine: Engine, log: KafkaEventLog) -> None:
        self.engine, self.log = engine, log

    def publish(self, derived: Sequence[Derived], relayed: Sequence[Derived]) -> None:
        if relayed:
            self.log.append_relayed(relayed)  # indexed and chained, as the ledger's own appends
            self._mark(relay, relayed)
        if derived:
            self.log.produce(derived, self.log.derived_topic)
            self._mark(outbox, derived)

    def publish_pending(self, limit: int = 5000) -> int:
        """Send what an earlier run committed but did not get to publish."""
        relayed, derived = self._unpublished(relay, limit), self._unpublished(outbox, limit)
        self.publish(derived, relayed)
        return len(derived) + len(relayed)

    def _unpublished(self, table: Any, limit: int) -> list[Derived]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(table.c.body).where(table.c.published == 0).limit(limit)).scalars()
            return [orjson.loads(body) for body in rows]

    def _mark(self, table: Any, bodies: Sequence[Derived]) -> None:
        ids = [b["event_id"] for b in bodies]
        with self.engine.begin() as conn:
            for i in range(0, len(ids), _CHUNK):
                conn.execute(update(table).where(table.c.event_id.in_(ids[i : i + _CHUNK])).values(published=1))
