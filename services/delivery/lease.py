"""One holder at a time for a named job (the webhook dispatcher): a row with a holder and an expiry."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, update

from services.runner.read_models import upsert
from services.store.database import now, utc_text
from services.store.schema import delivery_leases


class Lease:
    def __init__(self, engine: Engine, name: str, ttl: float = 30.0, clock: Callable[[], datetime] = now) -> None:
        self.engine, self.name, self.ttl, self.clock = engine, name, timedelta(seconds=ttl), clock
        self.holder = uuid.uuid4().hex[:16]

    def acquire(self) -> bool:
        """Take or renew the lease; False while another holder's lease runs."""
        moment = self.clock()
        until = utc_text(moment + self.ttl)
        with self.engine.begin() as conn:
            upsert(conn, delivery_leases, [{"name": self.name, "holder": self.holder, "until": until}], ["name"], [])
            taken = conn.execute(
                update(delivery_leases)
                .where(delivery_leases.c.name == self.name,
                       or_(delivery_leases.c.holder == self.holder, delivery_leases.c.until < utc_text(moment)))
                .values(holder=self.holder, until=until))
        return taken.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(delivery_leases)
                         .where(delivery_leases.c.name == self.name, delivery_leases.c.holder == self.holder)
                         .values(until=utc_text(self.clock() - timedelta(seconds=1))))
