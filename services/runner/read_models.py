"""Applies events to the read models inside the caller's transaction. Shared by both runners.

Per batch: load the states of the farms it touches, fold every event (and the derived events it causes)
through the projections, then write the changed states, the history rows and the outbox in one go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from events.recorded import RecordedEvent
from projections.projection import Derived, Projection, State
from projections.standing import crossfarm
from services.store.database import utc_text
from services.store.schema import bans, history, notifications, outbox, owners, projection_state

HISTORY = "history"  # state row holding each farm's history length (the next seq)
_CHUNK = 500
DIRECTORIES: dict[str, tuple[Any, list[str]]] = {
    "owners": (owners, ["owner_id", "farm_id"]), "bans": (bans, ["person_id", "violation_id"]),
    "notifications": (notifications, ["notification_id"]),
}


def upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    """INSERT .. ON CONFLICT for SQLite and PostgreSQL alike (update=[] means DO NOTHING)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


class SqlDirectory:
    """The cross-farm directories as the process managers read them, inside the writer's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def farms_of_owner(self, farm_id: str) -> list[str]:
        owner = select(owners.c.owner_id).where(owners.c.farm_id == farm_id)
        return list(self.conn.execute(select(owners.c.farm_id).where(owners.c.owner_id.in_(owner))).scalars())

    def bans_of(self, person_id: str) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(bans).where(bans.c.person_id == person_id)).mappings()
        return [dict(r) for r in rows]


class ReadModelWriter:
    """Folds events into read models. With `keep_cache`, states stay in memory between batches
    (safe only for a single writer, as in the embedded mode)."""

    def __init__(self, projections: Sequence[Projection], keep_cache: bool = False) -> None:
        self.projections = list(projections)
        self.keep_cache = keep_cache
        self._states: dict[tuple[str, str], State] = {}
        self._by_type: dict[str, list[Projection]] = {}
        for p in self.projections:
            for t in p.types:
                self._by_type.setdefault(t, []).append(p)

    def forget_cache(self) -> None:
        self._states.clear()

    def apply(self, conn: Connection, batch: Sequence[RecordedEvent]) -> tuple[list[Derived], list[Derived]]:
        """Apply a batch; returns (derived events of these farms, events to append for other farms)."""
        if not self.keep_cache:
            self._states.clear()
        self._load(conn, {e.farm_id for e in batch})
        self._conn = conn
        dirty: set[tuple[str, str]] = set()
        rows: list[dict[str, Any]] = []
        derived: list[Derived] = []
        elsewhere: list[Derived] = []
        for event in batch:
            self._fold(event, dirty, rows, derived, elsewhere)
        self._save(conn, dirty, rows, derived)
        return derived, elsewhere

    def _fold(
        self,
        event: RecordedEvent,
        dirty: set[tuple[str, str]],
        rows: list[dict[str, Any]],
        derived: list[Derived],
        elsewhere: list[Derived],
    ) -> None:
        farm = event.farm_id
        rows.append(self._history_row(event, dirty))
        for projection in self._by_type.get(event.type, ()):
            key = (projection.name, farm)
            state = self._states.get(key)
            if state is None:
                state = self._states[key] = projection.initial(farm)
            made = projection.apply(state, event)
            dirty.add(key)
            self._route(farm, made, dirty, rows, derived, elsewhere)
        if event.type in crossfarm.TYPES:
            self._route(farm, self._cross_farm(event), dirty, rows, derived, elsewhere)

    def _route(self, farm: str, made: list[Derived], dirty: set[tuple[str, str]], rows: list[dict[str, Any]],
               derived: list[Derived], elsewhere: list[Derived]) -> None:
        for d in made:
            if d["farm_id"] != farm:
                elsewhere.append(d)
                continue
            derived.append(d)
            self._fold(RecordedEvent.from_wire(d), dirty, rows, derived, elsewhere)

    def _cross_farm(self, event: RecordedEvent) -> list[Derived]:
        """Write the directories an event feeds, then run the process managers that read them."""
        states = {p.name: self._states.get((p.name, event.farm_id)) or {} for p in self.projections}
        for table, row in crossfarm.directory_rows(event, states):
            target, keys = DIRECTORIES[table]
            upsert(self._conn, target, [row], keys, [])
        return crossfarm.react(event, states, SqlDirectory(self._conn))

    def _history_row(self, event: RecordedEvent, dirty: set[tuple[str, str]]) -> dict[str, Any]:
        key = (HISTORY, event.farm_id)
        head = self._states.setdefault(key, {"seq": 0})
        head["seq"] += 1
        dirty.add(key)
        return {
            "farm_id": event.farm_id, "seq": head["seq"], "event_id": event.event_id, "type": event.type,
            "occurred_at": utc_text(event.occurred_at), "recorded_at": utc_text(event.recorded_at),
            "body": orjson.dumps(event.raw, option=orjson.OPT_SORT_KEYS),
        }

    def _load(self, conn: Connection, farms: Iterable[str]) -> None:
        missing = [f for f in farms if (HISTORY, f) not in self._states]
        for i in range(0, len(missing), _CHUNK):
            chunk = missing[i : i + _CHUNK]
            for name, key, raw in conn.execute(
                select(projection_state.c.projection, projection_state.c.key, projection_state.c.state).where(
                    projection_state.c.key.in_(chunk)
                )
            ):
                self._states[(name, key)] = orjson.loads(raw)
            for farm in chunk:
                self._states.setdefault((HISTORY, farm), {"seq": 0})

    def _save(
        self, conn: Connection, dirty: set[tuple[str, str]], rows: list[dict[str, Any]], derived: list[Derived]
    ) -> None:
        upsert(
            conn,
            projection_state,
            [{"projection": p, "key": k, "state": orjson.dumps(self._states[(p, k)])} for p, k in sorted(dirty)],
            ["projection", "key"],
            ["state"],
        )
        upsert(conn, history, rows, ["farm_id", "seq"], [])
        upsert(
            conn,
            outbox,
            [{"event_id": d["event_id"], "farm_id": d["farm_id"], "body": orjson.dumps(d), "published": 0}
             for d in derived],
            ["event_id"],
            [],
        )

    @staticmethod
    def clear(conn: Connection) -> None:
        for table in (projection_state, history, outbox, owners, bans, notifications):
            conn.execute(delete(table))
