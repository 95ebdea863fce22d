"""The delivery loop: copy new derived events into the feed, queue and send webhooks, feed the topic.

One pump works at a time (a lease); run it in the API process (`dignity serve`) or alone
(`dignity webhooks run`), in either mode: it reads only the read-model database.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from services.delivery import feed
from services.delivery.lease import Lease
from services.delivery.topic import StandingChangesTopic
from services.delivery.webhooks import Round, Webhooks
from services.store.wakeup import FeedWakeup

log = logging.getLogger("dignity.delivery")


@dataclass
class PumpRound:
    fed: int
    webhooks: Round
    published: int

    def as_json(self) -> dict[str, Any]:
        return {"fed": self.fed, **self.webhooks.as_json(), "published": self.published}


class Pump:
    def __init__(self, engine: Engine, webhooks: Webhooks | None = None,
                 topic: StandingChangesTopic | None = None, lease_ttl: float = 60.0) -> None:
        self.engine = engine
        self.webhooks = webhooks or Webhooks(engine)
        self.topic = topic
        self.lease = Lease(engine, "delivery-pump", lease_ttl)

    def run_once(self) -> PumpRound | None:
        """One round, or None when another pump holds the lease."""
        if not self.lease.acquire():
            return None
        fed = feed.sync(self.engine)
        enqueued = self.webhooks.enqueue()
        result = self.webhooks.dispatch()
        result.enqueued = enqueued
        published = self.topic.publish_pending() if self.topic is not None else 0
        return PumpRound(fed, result, published)

    def run(self, stop: threading.Event, interval: float = 1.0) -> None:
        """Rounds until `stop` is set; an error is logged and the next round tries again. A round starts
        every `interval` seconds, or as soon as a read-model commit announces derived events (PostgreSQL)."""
        wakeup = FeedWakeup(self.engine)
        try:
            while not stop.is_set():
                try:
                    self.run_once()
                except Exception:  # a broker or database outage must not end the loop
                    log.exception("delivery round failed")
                wakeup.wait(stop, interval)
        finally:
            wakeup.close()
            self.lease.release()
            if self.topic is not None:
                self.topic.close()

    def start(self, interval: float = 1.0) -> tuple[threading.Thread, threading.Event]:
        stop = threading.Event()
        thread = threading.Thread(target=self.run, args=(stop, interval), name="dignity-delivery", daemon=True)
        thread.start()
        return thread, stop
