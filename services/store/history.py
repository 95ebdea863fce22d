"""Reading a farm's history: derived events from `history`, source events from the log they were folded from.

A source event's row in `history` names its `position` in the embedded log and holds no body (the log has
it); in distributed mode, where the log is Kafka, the row holds the body itself. Either way the history
answers in fold order (`seq`), filtered by business time and ledger time, each body canonical (upcast, keys
sorted): a derived row holds that already, and so does a log body the ledger wrote sorted (`bodies.pack`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import datetime

import orjson
from sqlalchemy import Connection, Select, func, select

from events.upcasting import may_upcast, upcast
from services.store.bodies import unpack, unpacked_many
from services.store.database import utc_text
from services.store.schema import events, history

_PAGE = 2000
"""History rows read (and their bodies decompressed) at a time."""


def _joined() -> tuple[Select[tuple[str, int, str, bytes, bool]], object, object]:
    source = history.c.body.is_(None)
    query = select(
        history.c.farm_id, history.c.seq, func.coalesce(history.c.type, events.c.type),
        func.coalesce(history.c.body, events.c.body), source
    ).select_from(history.outerjoin(events, events.c.position == history.c.position))
    occurred = func.coalesce(history.c.occurred_at, events.c.occurred_at)
    recorded = func.coalesce(history.c.recorded_at, events.c.recorded_at)
    return query, occurred, recorded


def history_rows(conn: Connection, farm_id: str | None = None, as_of: datetime | None = None,
                 known_at: datetime | None = None, after: int | None = None,
                 limit: int | None = None, *, since: datetime | None = None,
                 exclude: Collection[str] = ()) -> Iterator[tuple[str, int, str, bytes]]:
    """(farm_id, seq, type, canonical body) in (farm, seq) order; of one farm, `after` a seq and at most
    `limit` rows: a page, read through the primary key whatever the farm's age. `since` (business time) and
    `exclude` (event types) leave rows out in SQL, before their bodies are read and decompressed."""
    query, occurred, recorded = _joined()
    if farm_id is not None:
        query = query.where(history.c.farm_id == farm_id)
    if after is not None:
        query = query.where(history.c.seq > after)
    if as_of is not None:
        query = query.where(occurred <= utc_text(as_of))  # type: ignore[operator]
    if known_at is not None:
        query = query.where(recorded <= utc_text(known_at))  # type: ignore[operator]
    if since is not None:
        query = query.where(occurred >= utc_text(since))  # type: ignore[operator]
    if exclude:
        query = query.where(func.coalesce(history.c.type, events.c.type).not_in(sorted(exclude)))
    query = query.order_by(history.c.farm_id, history.c.seq)
    if limit is not None:
        query = query.limit(limit)
    for rows in conn.execute(query).partitions(_PAGE):
        logged = iter(unpacked_many([body for *_, body, from_log in rows if from_log]))
        for farm, seq, event_type, body, from_log in rows:
            yield farm, seq, event_type, canonical(*next(logged), event_type) if from_log else bytes(body)


def canonical(plain: bytes, sorted_keys: bool, event_type: str) -> bytes:
    """A log body (`bodies.unpacked`) as the history shows it: upcast, keys sorted (what a derived row already
    holds). A body the ledger wrote sorted, of a type no upcaster rewrites, is that already: it passes on
    undecoded."""
    if sorted_keys and not may_upcast(event_type):
        return plain
    return orjson.dumps(upcast(orjson.loads(plain)), option=orjson.OPT_SORT_KEYS)


def history_bodies(conn: Connection, farm_id: str | None = None, as_of: datetime | None = None,
                   known_at: datetime | None = None) -> Iterator[tuple[str, int, bytes]]:
    """(farm_id, seq, canonical body) in (farm, seq) order."""
    for farm, seq, _, body in history_rows(conn, farm_id, as_of, known_at):
        yield farm, seq, body


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
