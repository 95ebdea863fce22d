"""Embedded backend: an append-only `events` table through SQLAlchemy (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, cast

import orjson
from sqlalchemy import Connection, Engine, func, select

from events.recorded import RecordedEvent, moment_of
from services.log.audit import scan, stored_rows
from services.log.event_log import AppendOutcome, Candidate, sort_out
from services.log.integrity import COLUMNS, Tally, link, row_hash, utc_of
from services.log.migrate import migrate_log_format
from services.store.bodies import pack, unpack
from services.store.database import utc_text
from services.store.schema import events
from services.store.upsert import insert_rows

_CHUNK = 500  # ids per IN (...) lookup; below SQLite's variable limit


def known_digests(conn: Connection, table_id_col: object, table_digest_col: object, ids: list[str]) -> dict[str, str]:
    """The digests these event ids are recorded with (an id not recorded is absent)."""
    if not ids:
        return {}
    if conn.dialect.name == "postgresql":  # one array parameter: no statement of 500 bound values to build
        column, digest = cast(Any, table_id_col), cast(Any, table_digest_col)
        sql = (f'SELECT "{column.name}", "{digest.name}" FROM "{column.table.name}" '
               f'WHERE "{column.name}" = ANY(%s::text[])')
        return dict(conn.exec_driver_sql(sql, ([*ids],)).all())
    known: dict[str, str] = {}
    if conn.dialect.name == "sqlite":  # every id of every batch is looked up: through the driver, as tuples
        table, id_col, digest_col = (table_id_col.table.name, table_id_col.name,  # type: ignore[attr-defined]
                                     table_digest_col.name)  # type: ignore[attr-defined]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            for i in range(0, len(ids), _CHUNK):
                chunk = ids[i : i + _CHUNK]
                cursor.execute(f'SELECT "{id_col}", "{digest_col}" FROM "{table}" WHERE "{id_col}" IN '
                               f"({', '.join('?' * len(chunk))})", chunk)
                known.update(cursor.fetchall())
        finally:
            cursor.close()
        return known
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
        self._heads: dict[str, tuple[int, str]] = {}
        self.written: dict[str, str] | None = None
        """With a dict (a ledger that signs what it appends): each appended event's link, by event id, until
        the next checkpoint checks them (`audit.check_row`)."""
        self.migrated = migrate_log_format(engine)  # a log of an older format: rewritten once, then signed
        # Set by the ledger: is this stored body (sealed before deterministic sealing) the candidate as sent?
        self.legacy_match: Callable[[dict[str, Any], Candidate], bool] | None = None

    def _recognise_legacy(self, conn: Connection, candidates: Sequence[Candidate], known: dict[str, str]) -> None:
        """A resend of an event whose personal data was sealed by an older version (random nonce, random
        person id) seals differently now; it is still the same event if the stored data unseals to what was
        sent. Only candidates with personal data whose digest differs are looked at."""
        for cand in candidates:
            event_id = cand.body["event_id"]
            seen = known.get(event_id)
            if cand.clear is None or seen is None or seen == cand.digest:
                continue
            raw = conn.execute(select(events.c.body).where(events.c.event_id == event_id)).scalar()
            if raw is not None and self.legacy_match is not None and self.legacy_match(orjson.loads(unpack(raw)), cand):
                known[event_id] = cand.digest

    def append_in(self, conn: Connection, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome:
        """Append inside the caller's transaction, so the log and the read models commit together."""
        ids = [c.body["event_id"] for c in candidates]
        known = known_digests(conn, events.c.event_id, events.c.digest, ids)
        if self.legacy_match is not None:
            self._recognise_legacy(conn, candidates, known)
        fresh, outcome = sort_out(candidates, known)
        if not fresh:
            return outcome
        stamp = recorded_at.isoformat()
        stamp_key = utc_text(recorded_at)
        recorded = datetime.fromisoformat(stamp)  # what a reader of the stored body gets back
        self._load_heads(conn, {c.body["farm_id"] for c in fresh})
        rows = []
        for cand in fresh:
            body = {**cand.body, "recorded_at": stamp}
            raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)  # canonical: history passes it on as it is
            farm = body["farm_id"]
            occurred = moment_of(body["occurred_at"])
            row = {
                "event_id": body["event_id"], "type": body["type"], "farm_id": farm,
                "occurred_at": utc_of(body["occurred_at"]), "recorded_at": stamp_key,
                "digest": cand.digest,  # the digest the candidate carries: over this body
                "body": pack(raw, sorted_keys=True),
            }
            seq, head = self._head(conn, farm)
            row["chain"] = link(head, seq + 1, row_hash(*(row[c] for c in COLUMNS), raw))
            self._heads[farm] = (seq + 1, row["chain"])
            if self.written is not None:
                self.written[body["event_id"]] = row["chain"]
            rows.append(row)
            # the fold reads the body as a replay will read it from the log: keys sorted, so a state's bytes
            # do not depend on whether its events were folded live or replayed
            outcome.accepted.append(RecordedEvent.of_current(orjson.loads(raw), occurred, recorded))
        insert_rows(conn, events, rows)
        return outcome

    def append(self, candidates: Sequence[Candidate], recorded_at: datetime) -> AppendOutcome:
        with self.engine.begin() as conn:
            return self.append_in(conn, candidates, recorded_at)

    def forget_heads(self) -> None:
        """After a rolled-back append the cached chain heads may name rows that were never written."""
        self._heads.clear()
        if self.written is not None:
            self.written.clear()

    def _head(self, conn: Connection, farm: str) -> tuple[int, str]:
        """The farm's event count and last link."""
        head = self._heads.get(farm)
        if head is None:
            row = conn.execute(
                select(events.c.chain).where(events.c.farm_id == farm).order_by(events.c.position.desc()).limit(1)
            ).first()
            count = conn.execute(select(func.count()).where(events.c.farm_id == farm)).scalar() or 0
            head = (count, row[0] if row else "")
        return head

    def _load_heads(self, conn: Connection, farms: set[str]) -> None:
        """The heads of the farms not cached yet, in two queries for all of them (not two per farm)."""
        missing = sorted(f for f in farms if f not in self._heads)
        for i in range(0, len(missing), _CHUNK):
            counts = {farm: (n, last) for farm, n, last in conn.execute(
                select(events.c.farm_id, func.count(), func.max(events.c.position))
                .where(events.c.farm_id.in_(missing[i : i + _CHUNK])).group_by(events.c.farm_id))}
            links = dict(conn.execute(select(events.c.position, events.c.chain).where(
                events.c.position.in_([last for _, last in counts.values()]))).all()) if counts else {}
            for farm in missing[i : i + _CHUNK]:
                n, last = counts.get(farm, (0, None))
                self._heads[farm] = (int(n), links[last] if last is not None else "")

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
            if conn.dialect.name == "sqlite":  # a replay reads every row: the driver's own cursor, no Row objects
                yield from _sqlite_rows(conn, after, farm_id, known_at, batch)
                return
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                query.order_by(events.c.position)
            )
            yield from _rows(result)

    def verify(self) -> Iterable[str]:
        """The farms whose rows do not hold by themselves (columns, digest, chain). `dignity verify` also
        checks the log against the latest signed checkpoint (services/log/verify.py)."""
        with self.engine.connect() as conn:
            problems = scan(stored_rows(conn), Tally())
        return sorted({p.farm_id for p in problems if p.farm_id})


def _sqlite_rows(conn: Connection, after: int, farm_id: str | None, known_at: datetime | None,
                 batch: int) -> Iterator[tuple[int, bytes]]:
    """`read_raw`'s query through the SQLite driver itself: SQLAlchemy's result rows cost more per row than
    the select (measured on a replay: ~1.5 us of ~3 per row read and decompressed)."""
    sql = "SELECT position, body FROM events WHERE position > ?"
    params: list[Any] = [after]
    if farm_id is not None:
        sql += " AND farm_id = ?"
        params.append(farm_id)
    if known_at is not None:
        sql += " AND recorded_at <= ?"
        params.append(utc_text(known_at))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql + " ORDER BY position", params)
        while rows := cursor.fetchmany(batch):
            for position, body in rows:
                yield position, unpack(body)
    finally:
        cursor.close()


def _rows(result: Iterable[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
    for position, body in result:
        yield position, unpack(body)
