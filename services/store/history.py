"""Reading a farm's history: derived events from `history`, source events from the log they were folded from.

A source event's row in `history` names its `position` in the embedded log and holds no body (the log has
it); in distributed mode, where the log is Kafka, the row holds the body itself. Either way the history
answers in fold order (`seq`), filtered by business time and ledger time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import orjson
from sqlalchemy import Connection, Select, func, select

from events.upcasting import upcast
from services.store.bodies import unpack
from services.store.database import utc_text
from services.store.schema import events, history


def _joined() -> tuple[Select[tuple[str, int, bytes, bool]], object, object]:
    source = history.c.body.is_(None)
    query = select(
        history.c.farm_id, history.c.seq, func.coalesce(history.c.body, events.c.body), source
    ).select_from(history.outerjoin(events, events.c.position == history.c.position))
    occurred = func.coalesce(history.c.occurred_at, events.c.occurred_at)
    recorded = func.coalesce(history.c.recorded_at, events.c.recorded_at)
    return query, occurred, recorded


def history_rows(conn: Connection, farm_id: str | None = None, as_of: datetime | None = None,
                 known_at: datetime | None = None) -> Iterator[tuple[str, int, bytes, bool]]:
    """(farm_id, seq, body, from_log) in (farm, seq) order; `from_log` bodies are the log's JSON as appended
    (not upcast, keys as appended), the others are canonical (upcast, sorted keys)."""
    query, occurred, recorded = _joined()
    if farm_id is not None:
        query = query.where(history.c.farm_id == farm_id)
    if as_of is not None:
        query = query.where(occurred <= utc_text(as_of))  # type: ignore[operator]
    if known_at is not None:
        query = query.where(recorded <= utc_text(known_at))  # type: ignore[operator]
    for farm, seq, body, from_log in conn.execute(query.order_by(history.c.farm_id, history.c.seq)):
        yield farm, seq, unpack(body) if from_log else bytes(body), bool(from_log)


def canonical(body: bytes, from_log: bool) -> bytes:
    """The body as the history shows it: upcast, keys sorted (what a derived row already holds)."""
    if not from_log:
        return body
    return orjson.dumps(upcast(orjson.loads(body)), option=orjson.OPT_SORT_KEYS)


def history_bodies(conn: Connection, farm_id: str | None = None, as_of: datetime | None = None,
                   known_at: datetime | None = None) -> Iterator[tuple[str, int, bytes]]:
    """(farm_id, seq, canonical body) in (farm, seq) order."""
    for farm, seq, body, from_log in history_rows(conn, farm_id, as_of, known_at):
        yield farm, seq, canonical(body, from_log)


def bodies_by_id(conn: Connection, farm_ids: list[str], ids: list[str]) -> dict[str, bytes]:
    """The bodies of these events in these farms' histories, wherever they are kept (a history row, the log)."""
    found = {event_id: bytes(body) for event_id, body in conn.execute(
        select(history.c.event_id, history.c.body).where(
            history.c.farm_id.in_(farm_ids), history.c.event_id.in_(ids), history.c.body.is_not(None)))}
    missing = [i for i in ids if i not in found]
    if missing:
        found.update({event_id: unpack(body) for event_id, body in conn.execute(
            select(events.c.event_id, events.c.body).where(
                events.c.event_id.in_(missing), events.c.farm_id.in_(farm_ids)))})
    return found
