"""Buyer webhook subscriptions: a URL and a secret per subscription (a buyer may have several)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Engine, insert, select, update

from services.delivery import feed
from services.delivery.rows import plain
from services.delivery.signing import check_secret, new_secret
from services.delivery.urls import check_url
from services.store.database import now, utc_text
from services.store.schema import webhook_subscriptions


def cursor_name(subscription_id: str) -> str:
    return f"webhook:{subscription_id}"


class Subscriptions:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, buyer_id: str, url: str, secret: str | None = None, from_now: bool = False) -> dict[str, Any]:
        """Subscribe; from the first notification the buyer ever had, unless `from_now`."""
        check_url(url)  # https to a public host, or named by the operator (RefusedUrl is a ValueError)
        if secret is not None:
            check_secret(secret)
        subscription_id = uuid.uuid4().hex[:16]
        row: dict[str, Any] = {"subscription_id": subscription_id, "buyer_id": buyer_id, "url": url,
               "secret": secret or new_secret(), "created_at": utc_text(now()), "active": 1}
        start = feed.last_position(self.engine) if from_now else 0
        with self.engine.begin() as conn:
            conn.execute(insert(webhook_subscriptions).values(**row))
            feed.advance(conn, cursor_name(subscription_id), start)
        return row

    def remove(self, subscription_id: str) -> bool:
        with self.engine.begin() as conn:
            done = conn.execute(update(webhook_subscriptions)
                                .where(webhook_subscriptions.c.subscription_id == subscription_id,
                                       webhook_subscriptions.c.active == 1).values(active=0))
        return bool(done.rowcount)

    def active(self) -> list[dict[str, Any]]:
        return self._list(select(webhook_subscriptions).where(webhook_subscriptions.c.active == 1))

    def all(self, buyer_id: str | None = None) -> list[dict[str, Any]]:
        query = select(webhook_subscriptions)
        if buyer_id is not None:
            query = query.where(webhook_subscriptions.c.buyer_id == buyer_id)
        return self._list(query)

    def get(self, subscription_id: str) -> dict[str, Any] | None:
        rows = self._list(select(webhook_subscriptions)
                          .where(webhook_subscriptions.c.subscription_id == subscription_id))
        return rows[0] if rows else None

    def _list(self, query: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return plain(conn.execute(query.order_by(webhook_subscriptions.c.created_at)).mappings())

    def rotate(self, subscription_id: str) -> str | None:
        """A new secret for an active subscription (every later try is signed with it); None if inactive."""
        secret = new_secret()
        with self.engine.begin() as conn:
            done = conn.execute(update(webhook_subscriptions)
                                .where(webhook_subscriptions.c.subscription_id == subscription_id,
                                       webhook_subscriptions.c.active == 1).values(secret=secret))
        return secret if done.rowcount else None
