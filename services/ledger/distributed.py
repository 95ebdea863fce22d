"""The distributed mode: the same ingest as the embedded mode, appended to Kafka instead of a table.

Ingest returns once the broker acknowledged the events and the event-id index holds them; the Faust
workers (`services/runner/faust_app.py`) apply them to the read models afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy import Engine, select

from events.catalogue import Event
from events.codec import EventRejected
from services.ledger.ingest import Ingestor, IngestReport
from services.log.kafka_log import KafkaEventLog
from services.sealing.vault import KeyVault
from services.store.database import connect, now
from services.store.schema import event_index


class DistributedLedger:
    def __init__(self, url: str | None = None, bootstrap: str | None = None, engine: Engine | None = None,
                 clock: Callable[[], datetime] = now, prefix: str | None = None) -> None:
        self.engine = engine or connect(url)
        self.log = KafkaEventLog(self.engine, bootstrap, prefix)
        self.vault = KeyVault(self.engine)
        self.clock = clock

    def ingest(
        self, parsed: Iterable[tuple[int, Event | EventRejected]], progress: Callable[[int], None] | None = None
    ) -> IngestReport:
        return Ingestor(self.log.append, self.enrolled_farms(), self.vault, self.clock,
                        self.enrolled_farms).run(parsed, progress)

    def enrolled_farms(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(
                select(event_index.c.farm_id).where(event_index.c.type == "FarmEnrolled").distinct()
            ).scalars())

    def close(self) -> None:
        self.log.close()
