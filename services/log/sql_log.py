"""Embedded backend: an append-only `events` table through SQLAlchemy (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import orjson
from sqlalchemy import Connection, Engine, select

from events.recorded import RecordedEvent
from services.log.event_log import AppendOutcome, Candidate, sort_out
from services.store.database import utc_text
from services.store.schema import events

_CHUNK = 500  # ids per IN (...) lookup; below SQLite's variable limit


def known_digests(conn: Connection, table_id_col: object, table_digest_col: object, ids: list[str]) -> dict[str, str]:
    known: dict[str, str] = {}
    for i in range(0, len(ids), _CHUNK):
        rows = conn.execute(
            select(table_id_col, table_digest_col).where(table_id_col.in_(ids[i : i + _CHUNK]))  # type: ignore[attr-defined]
        )
        known.update({r[0]: r[1] for r in rows})
    return known


class SqlEventLog:
    """Single writer per database: the chain heads are cached in memory after the first read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._heads: dict[str, str] = {}

    def append_in(self, conn: Connection, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome:
        """Append inside the caller's transaction, so the log and the read models commit together."""
        ids = [c.body["event_id"] for c in candidates]
        fresh, outcome = sort_out(candidates, known_digests(conn, events.c.event_id, events.c.digest, ids))
        if not fresh:
            return outcome
        stamp = recorded_at.isoformat()
        stamp_key = utc_text(recorded_at)
        recorded = datetime.fromisoformat(stamp)  # what a reader of the stored body gets back
        rows = []
        for cand in fresh:
            body = {**cand.body, "recorded_at": stamp}
            raw = orjson.dumps(body)
            farm = body["farm_id"]
            chain = _link(self._head(conn, farm), raw)
            self._heads[farm] = chain
            occurred = datetime.fromisoformat(body["occurred_at"])
            rows.append(
                {
                    "event_id": body["event_id"], "type": body["type"], "farm_id": farm,
                    "occurred_at": utc_text(occurred), "recorded_at": stamp_key,
                    "digest": cand.digest, "chain": chain, "body": raw,
                }
            )
            outcome.accepted.append(RecordedEvent.of_current(body, occurred, recorded))
        conn.execute(events.insert(), rows)
        return outcome

    def append(self, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome:
        with self.engine.begin() as conn:
            return self.append_in(conn, candidates, recorded_at)

    def forget_heads(self) -> None:
        """After a rolled-back append the cached chain heads may name rows that were never written."""
        self._heads.clear()

    def _head(self, conn: Connection, farm: str) -> str:
        head = self._heads.get(farm)
        if head is None:
            row = conn.execute(
                select(events.c.chain).where(events.c.farm_id == farm).order_by(events.c.position.desc()).limit(1)
            ).first()
            head = row[0] if row else ""
        return head

    def read(
        self, after: int = 0, farm_id: str | None = None, known_at: datetime | None = None
    ) -> Iterator[RecordedEvent]:
        for _, body in self.read_raw(after, farm_id, known_at):
            yield RecordedEvent.from_wire(body)

    def read_raw(
        self, after: int = 0, farm_id: str | None = None, known_at: datetime | None = None, batch: int = 5000
    ) -> Iterator[tuple[int, bytes]]:
        """Positions and trusted bodies, in log order, streamed in pages."""
        query = select(events.c.position, events.c.body).where(events.c.position > after)
        if farm_id is not None:
            query = query.where(events.c.farm_id == farm_id)
        if known_at is not None:
            query = query.where(events.c.recorded_at <= utc_text(known_at))
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                query.order_by(events.c.position)
            )
            yield from _rows(result)

    def verify(self) -> Iterable[str]:
        """Recompute every farm's chain; yield the farms whose chain does not hold."""
        heads: dict[str, str] = {}
        broken: set[str] = set()
        with self.engine.connect() as conn:
            for farm, body, chain in conn.execute(
                select(events.c.farm_id, events.c.body, events.c.chain).order_by(events.c.position)
            ):
                if _link(heads.get(farm, ""), bytes(body)) != chain:
                    broken.add(farm)
                heads[farm] = chain
        return sorted(broken)


def _link(head: str, raw: bytes) -> str:
    """Each farm's events form a hash chain over the stored bytes: sealed data stays verifiable after erasure."""
    return hashlib.sha256(head.encode() + hashlib.sha256(raw).digest()).hexdigest()


def _rows(result: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    for position, body in result:
        yield position, bytes(body)
