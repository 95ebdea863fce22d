"""The feed: the derived events buyers and dashboards are told of, in a table with a global position.

The read models write derived events to `history` (per farm, `seq` order) and to `outbox` (no order) in
the same transaction. The feed copies the `StandingChanged` and `BuyerNotified` rows of each farm's
history past a per-farm cursor, in `seq` order, so feed positions keep every farm's order; webhooks, the
Kafka topic and SSE then each keep one cursor on the feed. Ids are stable: copying twice stores once, and
a rebuild of the read models (same ids, same order) adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, func, insert, select, update

from services.runner.read_models import HISTORY, upsert
from services.store.schema import delivery_cursors, feed, feed_cursors, history, projection_state

TYPES = ("StandingChanged", "BuyerNotified")


@dataclass(frozen=True, slots=True)
class FeedItem:
    position: int
    event_id: str
    farm_id: str
    type: str
    buyer_id: str | None
    body: dict[str, Any]


def sync(engine: Engine) -> int:
    """Copy what the read models derived since the last sync; returns how many rows were added."""
    added = 0
    with engine.begin() as conn:
        heads = {key: orjson.loads(raw)["seq"] for key, raw in conn.execute(
            select(projection_state.c.key, projection_state.c.state).where(projection_state.c.projection == HISTORY))}
        done = dict(conn.execute(select(feed_cursors.c.farm_id, feed_cursors.c.seq)).all())
        for farm, seq in sorted(heads.items()):
            if seq > done.get(farm, 0):
                added += _copy(conn, farm, done.get(farm, 0), seq)
    return added


def _copy(conn: Connection, farm: str, after: int, upto: int) -> int:
    rows = conn.execute(
        select(history.c.event_id, history.c.type, history.c.body)
        .where(history.c.farm_id == farm, history.c.seq > after, history.c.seq <= upto, history.c.type.in_(TYPES))
        .order_by(history.c.seq)
    ).all()
    ids = [r.event_id for r in rows]
    known = set(conn.execute(select(feed.c.event_id).where(feed.c.event_id.in_(ids))).scalars()) if ids else set()
    fresh = [r for r in rows if r.event_id not in known]
    for r in fresh:
        body = orjson.loads(r.body)
        buyer = body["data"].get("buyer_id") if r.type == "BuyerNotified" else None
        conn.execute(insert(feed).values(event_id=r.event_id, farm_id=farm, type=r.type, buyer_id=buyer, body=r.body))
    upsert(conn, feed_cursors, [{"farm_id": farm, "seq": upto}], ["farm_id"], [])
    conn.execute(update(feed_cursors).where(feed_cursors.c.farm_id == farm, feed_cursors.c.seq < upto)
                 .values(seq=upto))
    return len(fresh)


def read(engine: Engine, after: int, limit: int = 500, type_: str | None = None,
         buyer_id: str | None = None) -> list[FeedItem]:
    query = select(feed).where(feed.c.position > after).order_by(feed.c.position).limit(limit)
    if type_ is not None:
        query = query.where(feed.c.type == type_)
    if buyer_id is not None:
        query = query.where(feed.c.buyer_id == buyer_id)
    with engine.connect() as conn:
        return [FeedItem(r.position, r.event_id, r.farm_id, r.type, r.buyer_id, orjson.loads(r.body))
                for r in conn.execute(query)]


def last_position(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.max(feed.c.position))).scalar() or 0


# -- the cursors of the feed's consumers (a webhook subscription, the Kafka topic) -----------------------
def cursor(conn: Connection, name: str) -> int:
    return conn.execute(select(delivery_cursors.c.position).where(delivery_cursors.c.name == name)).scalar() or 0


def advance(conn: Connection, name: str, position: int) -> None:
    upsert(conn, delivery_cursors, [{"name": name, "position": position}], ["name"], [])
    conn.execute(update(delivery_cursors)
                 .where(delivery_cursors.c.name == name, delivery_cursors.c.position < position)
                 .values(position=position))


def notification(item: FeedItem) -> dict[str, Any]:
    """What a buyer receives for a `BuyerNotified`: the `dignity notifications` row, and where it came from."""
    d = item.body["data"]
    return {
        "notification_id": d["notification_id"], "buyer_id": d["buyer_id"], "farm_id": item.farm_id,
        "kind": d["kind"], "standing": d["standing"], "effective_on": str(d["effective_on"]),
        "occurred_at": item.body["occurred_at"], "standing_change_id": (item.body.get("causation_id") or [None])[0],
    }
