"""Events to publish after the commit (`outbox`: derived events; `relay`: events for other farms' streams),
written in the read-model transaction with stable ids, so a retry stores each once."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection

from services.store.upsert import upsert


def pending(conn: Connection, table: Any, bodies: list[dict[str, Any]]) -> None:
    rows = [{"event_id": b["event_id"], "farm_id": b["farm_id"], "body": orjson.dumps(b), "published": 0}
            for b in bodies]
    upsert(conn, table, rows, ["event_id"], [])
