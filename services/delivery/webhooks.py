"""Signed webhooks for buyer subscriptions: at least once, in order per farm, bounded retries, dead letters.

Each subscription has one queue per farm (`deliveries`, in feed order). Only the head of a queue is ever
sent; the next waits until the head is delivered, so a buyer never sees a farm's changes out of order.
A failed try waits by exponential backoff; after the last try the delivery is dead: a `dead_letters` row
says what and why, and the farm's queue for that subscription holds until someone asks for a redelivery
(`dignity webhooks redeliver ID`), so order still holds after an outage. Other farms' queues go on.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, insert, select, update

from services.delivery import feed
from services.delivery.backoff import Backoff
from services.delivery.rows import plain
from services.delivery.sender import HttpSender, Sender
from services.delivery.signing import headers
from services.delivery.subscriptions import Subscriptions, cursor_name
from services.store.database import now, utc_text
from services.store.schema import dead_letters, deliveries

NAMESPACE = uuid.UUID("6f1c3a8e-8d3b-4d8e-9a39-5b0f7c2e4a11")
OPEN = ("pending", "dead")
DRAIN_LIMIT = 500
"""Deliveries sent from one queue in one round, so every queue gets its turn."""


def delivery_id(subscription_id: str, notification_id: str) -> str:
    """Stable: the same notification for the same subscription is one delivery, however often it is sent."""
    return str(uuid.uuid5(NAMESPACE, f"{subscription_id}/{notification_id}"))


@dataclass
class Round:
    enqueued: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Round) -> None:
        self.delivered += other.delivered
        self.failed += other.failed
        self.dead += other.dead
        self.errors.extend(other.errors)

    def as_json(self) -> dict[str, Any]:
        return {"enqueued": self.enqueued, "delivered": self.delivered, "failed": self.failed, "dead": self.dead}


class Webhooks:
    def __init__(self, engine: Engine, backoff: Backoff | None = None, sender: Sender | None = None,
                 clock: Callable[[], datetime] = now, workers: int = 4) -> None:
        self.engine, self.backoff, self.clock = engine, backoff or Backoff(), clock
        self.sender: Sender = sender or HttpSender()
        self.workers = workers
        self.subscriptions = Subscriptions(engine)

    # -- from the feed to the queues ----------------------------------------------------------------------
    def enqueue(self) -> int:
        """Queue every notification each active subscription has not been given yet."""
        added = 0
        for sub in self.subscriptions.active():
            added += self._enqueue(sub)
        return added

    def _enqueue(self, sub: dict[str, Any]) -> int:
        name = cursor_name(sub["subscription_id"])
        with self.engine.connect() as conn:
            after = feed.cursor(conn, name)
        items = feed.read(self.engine, after, limit=5000, type_="BuyerNotified", buyer_id=sub["buyer_id"])
        if not items:
            return 0
        moment = utc_text(self.clock())
        with self.engine.begin() as conn:
            ids = [delivery_id(sub["subscription_id"], i.body["data"]["notification_id"]) for i in items]
            known = set(conn.execute(select(deliveries.c.delivery_id).where(deliveries.c.delivery_id.in_(ids)))
                        .scalars())
            rows = [{"delivery_id": d, "subscription_id": sub["subscription_id"],
                     "notification_id": i.body["data"]["notification_id"], "farm_id": i.farm_id,
                     "body": orjson.dumps({"delivery_id": d, **feed.notification(i)}), "status": "pending",
                     "attempts": 0, "next_at": moment, "last_error": None, "delivered_at": None}
                    for d, i in zip(ids, items, strict=True) if d not in known]
            if rows:
                conn.execute(insert(deliveries), rows)
            feed.advance(conn, name, items[-1].position)
        return len(rows)

    # -- sending ------------------------------------------------------------------------------------------
    def dispatch(self) -> Round:
        """One round: every queue whose head is due is drained until a try fails or the queue is empty."""
        subs = {s["subscription_id"]: s for s in self.subscriptions.active()}
        with self.engine.connect() as conn:
            heads = conn.execute(
                select(deliveries.c.subscription_id, deliveries.c.farm_id, func.min(deliveries.c.position))
                .where(deliveries.c.status.in_(OPEN)).group_by(deliveries.c.subscription_id, deliveries.c.farm_id)
            ).all()
        queues = [(subs[s], farm) for s, farm, _ in heads if s in subs]
        total = Round()
        if not queues:
            return total
        with ThreadPoolExecutor(max_workers=max(1, min(self.workers, len(queues)))) as pool:
            for result in pool.map(lambda q: self._drain(*q), queues):
                total.add(result)
        return total

    def _drain(self, sub: dict[str, Any], farm_id: str) -> Round:
        result = Round()
        for _ in range(DRAIN_LIMIT):
            head = self._head(sub["subscription_id"], farm_id)
            if head is None or head.status == "dead" or head.next_at > utc_text(self.clock()):
                break
            if not self._attempt(sub, head, result):
                break
        return result

    def _head(self, subscription_id: str, farm_id: str) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(
                select(deliveries).where(deliveries.c.subscription_id == subscription_id,
                                         deliveries.c.farm_id == farm_id, deliveries.c.status.in_(OPEN))
                .order_by(deliveries.c.position).limit(1)
            ).first()

    def _attempt(self, sub: dict[str, Any], row: Any, result: Round) -> bool:
        attempt = row.attempts + 1
        body = bytes(row.body)
        sent = self.sender(sub["url"], body, headers(body, sub["secret"], row.delivery_id, attempt, self.clock()))
        moment = self.clock()
        with self.engine.begin() as conn:
            where = deliveries.c.delivery_id == row.delivery_id
            if sent.ok:
                conn.execute(update(deliveries).where(where).values(
                    status="delivered", attempts=attempt, delivered_at=utc_text(moment), last_error=None))
                result.delivered += 1
                return True
            result.failed += 1
            result.errors.append(f"{row.delivery_id}: {sent.detail}")
            if self.backoff.exhausted(attempt):
                conn.execute(update(deliveries).where(where).values(
                    status="dead", attempts=attempt, last_error=sent.detail))
                conn.execute(insert(dead_letters).values(
                    delivery_id=row.delivery_id, subscription_id=row.subscription_id,
                    notification_id=row.notification_id, attempts=attempt, last_error=sent.detail,
                    at=utc_text(moment), redelivered_at=None))
                result.dead += 1
            else:
                conn.execute(update(deliveries).where(where).values(
                    attempts=attempt, last_error=sent.detail,
                    next_at=utc_text(moment + self.backoff.delay(attempt))))
        return False

    # -- asking again ---------------------------------------------------------------------------------------
    def redeliver(self, delivery_id: str) -> bool:
        """Send a delivery again, dead or delivered, with a fresh set of tries; it goes at its place in order."""
        moment = utc_text(self.clock())
        with self.engine.begin() as conn:
            done = conn.execute(update(deliveries).where(deliveries.c.delivery_id == delivery_id).values(
                status="pending", attempts=0, next_at=moment))
            conn.execute(update(dead_letters).where(dead_letters.c.delivery_id == delivery_id,
                                                    dead_letters.c.redelivered_at.is_(None))
                         .values(redelivered_at=moment))
        return bool(done.rowcount)

    def redeliver_dead(self, subscription_id: str | None = None) -> list[str]:
        query = select(deliveries.c.delivery_id).where(deliveries.c.status == "dead")
        if subscription_id is not None:
            query = query.where(deliveries.c.subscription_id == subscription_id)
        with self.engine.connect() as conn:
            ids = list(conn.execute(query.order_by(deliveries.c.position)).scalars())
        return [d for d in ids if self.redeliver(d)]

    # -- looking ------------------------------------------------------------------------------------------
    def deliveries(self, status: str | None = None, subscription_id: str | None = None, limit: int = 1000,
                   delivery_id: str | None = None, subscription_ids: list[str] | None = None) -> list[dict[str, Any]]:
        query = select(deliveries.c.delivery_id, deliveries.c.subscription_id, deliveries.c.notification_id,
                       deliveries.c.farm_id, deliveries.c.status, deliveries.c.attempts, deliveries.c.next_at,
                       deliveries.c.last_error, deliveries.c.delivered_at)
        for column, value in ((deliveries.c.status, status), (deliveries.c.subscription_id, subscription_id),
                              (deliveries.c.delivery_id, delivery_id)):
            if value is not None:
                query = query.where(column == value)
        if subscription_ids is not None:
            query = query.where(deliveries.c.subscription_id.in_(subscription_ids))
        with self.engine.connect() as conn:
            return plain(conn.execute(query.order_by(deliveries.c.position).limit(limit)).mappings())

    def dead_letters(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return plain(conn.execute(select(dead_letters).order_by(dead_letters.c.id)).mappings())
