"""Applies events to the read models inside the caller's transaction. Shared by both runners.

Per batch: load the states of the farms it touches, fold every event (and the derived events it causes)
through the projections, then write the changed states, the history rows and the outbox in one go.
A tick (`ReadModelWriter.tick`) folds what time alone has brought by a moment the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite

from events.catalogue import DERIVED_TYPES
from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.projection import Derived, Projection, State
from projections.registry import tickers
from projections.standing import crossfarm
from services.store.database import utc_text
from services.store.schema import (
    bans,
    cascades,
    controls,
    employments,
    enrolments,
    history,
    notifications,
    outbox,
    owners,
    projection_state,
)

HISTORY = "history"  # state row holding each farm's history length (the next seq)
_CHUNK = 500
DIRECTORIES: dict[str, tuple[Any, list[str]]] = {
    "owners": (owners, ["owner_id", "farm_id"]), "bans": (bans, ["person_id", "violation_id"]),
    "notifications": (notifications, ["notification_id"]), "enrolments": (enrolments, ["farm_id"]),
    "cascades": (cascades, ["notice_key"]),
    "controls": (controls, ["controller_id", "farm_id", "since"]),
    "employments": (employments, ["person_id", "farm_id", "on", "kind"]),
}
OWNER_LOCKS = 7
"""The first key of the per-owner advisory locks (`pg_advisory_xact_lock(int, int)`): the two-key space
never meets the one-key locks the projector takes per partition."""


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
        self._bans: dict[str, list[dict[str, Any]]] | None = None

    def written(self, table: str) -> None:
        """The writer added a row to `table` in this transaction: forget what was read of it."""
        if table == "bans":
            self._bans = None

    def enrolments(self, owner_id: str) -> dict[str, str]:
        rows = self.conn.execute(select(enrolments.c.farm_id, enrolments.c.enrolled_on)
                                 .where(enrolments.c.owner_id == owner_id))
        return {farm: on for farm, on in rows}

    def cascades(self, owner_id: str, origin: str | None = None, suspension_id: str | None = None
                 ) -> list[dict[str, Any]]:
        query = select(cascades).where(cascades.c.owner_id == owner_id).order_by(cascades.c.position)
        if origin is not None:
            query = query.where(cascades.c.origin == origin, cascades.c.suspension_id == suspension_id)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def controlled(self, controller_id: str) -> dict[str, tuple[str, list[tuple[str, str | None]]]]:
        """SU-2: every farm the controller owns or controls: farm -> (enrolled_on, control spans; an owned
        farm's span is open)."""
        out: dict[str, tuple[str, list[tuple[str, str | None]]]] = {
            farm: (on, [("0000-01-01", None)]) for farm, on in self.enrolments(controller_id).items()}
        rows = self.conn.execute(
            select(controls.c.farm_id, controls.c.since, controls.c.until, enrolments.c.enrolled_on)
            .join(enrolments, enrolments.c.farm_id == controls.c.farm_id)
            .where(controls.c.controller_id == controller_id))
        for farm, since, until, enrolled_on in rows:
            out.setdefault(farm, (enrolled_on, []))[1].append((since, until))
        return out

    def employments_of(self, person_id: str) -> list[dict[str, Any]]:
        """PE-1: the person's hires and separations at every farm."""
        query = select(employments).where(employments.c.person_id == person_id)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def cascades_from(self, origins: list[str]) -> list[dict[str, Any]]:
        """The `cascades` rows whose origin is one of these farms, in the order derived."""
        query = select(cascades).where(cascades.c.origin.in_(sorted(origins))).order_by(cascades.c.position)
        return [dict(r) for r in self.conn.execute(query).mappings()] if origins else []

    def bans_of(self, person_id: str) -> list[dict[str, Any]]:
        # Every hire asks; bans are few. One read of the whole table per batch beats one query per hire.
        if self._bans is None:
            self._bans = {}
            for row in self.conn.execute(select(bans)).mappings():
                self._bans.setdefault(row["person_id"], []).append(dict(row))
        return self._bans.get(person_id, [])


class ReadModelWriter:
    """Folds events into read models. With `keep_cache`, states stay in memory between batches
    (safe only for a single writer, as in the embedded mode)."""

    def __init__(self, projections: Sequence[Projection], keep_cache: bool = False) -> None:
        self.projections = list(projections)
        self.keep_cache = keep_cache
        self._states: dict[tuple[str, str], State] = {}
        self._by_type: dict[str, list[Projection]] = {}
        self._owners_locked: set[str] = set()
        for p in self.projections:
            for t in p.types:
                self._by_type.setdefault(t, []).append(p)

    def forget_cache(self) -> None:
        self._states.clear()

    def apply(self, conn: Connection, batch: Sequence[RecordedEvent]) -> tuple[list[Derived], list[Derived]]:
        """Apply a batch; returns (derived events of these farms, events to append to the log)."""
        self._begin(conn, {e.farm_id for e in batch})
        dirty: set[tuple[str, str]] = set()
        rows: list[dict[str, Any]] = []
        derived: list[Derived] = []
        elsewhere: list[Derived] = []
        for event in batch:
            self._fold(event, dirty, rows, derived, elsewhere)
        self._save(conn, dirty, rows, derived)
        return derived, elsewhere

    def tick(self, conn: Connection, farms: Iterable[str], at: datetime, recorded_at: datetime
             ) -> tuple[list[Derived], list[Derived]]:
        """Fold what time alone has brought these farms by `at` (a period served, a cure period over, a
        deadline passed: `registry.tickers()`), each farm's day being `at` in its time zone, exactly as a
        fact's derived events are folded (history, notifications, SU-2 cascade). `recorded_at` is the
        ledger time of the tick. Returns what `apply` returns; the ids are the fold's, so a second tick, or
        a later fact, adds nothing."""
        names = sorted(set(farms))
        self._begin(conn, names)
        dirty: set[tuple[str, str]] = set()
        rows: list[dict[str, Any]] = []
        derived: list[Derived] = []
        elsewhere: list[Derived] = []
        for farm in names:
            states = self._states_of(farm)
            day = local_date(at, (states.get("membership") or {}).get("time_zone"))
            for step in tickers():
                self._route(farm, step(states, day, recorded_at), dirty, rows, derived, elsewhere)
        self._save(conn, dirty, rows, derived)
        return derived, elsewhere

    def _begin(self, conn: Connection, farms: Iterable[str]) -> None:
        if not self.keep_cache:
            self._states.clear()
        self._load(conn, farms)
        self._conn = conn
        self._directory = SqlDirectory(conn)
        self._owners_locked = set()

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
            if d["farm_id"] != farm or d["type"] not in DERIVED_TYPES:
                elsewhere.append(d)  # another farm's, or a fact of a farm's stream (SU-2): through the log
                continue
            derived.append(d)
            self._fold(RecordedEvent.from_wire(d), dirty, rows, derived, elsewhere)

    def _cross_farm(self, event: RecordedEvent) -> list[Derived]:
        """Write the directories an event feeds, then run the process managers that read them."""
        states = self._states_of(event.farm_id)
        for owner in crossfarm.lock_scopes(event, states):
            self._lock_owner(owner)
        for table, row in crossfarm.directory_rows(event, states):
            target, keys = DIRECTORIES[table]
            upsert(self._conn, target, [row], keys, [])
            self._directory.written(table)
        return crossfarm.react(event, states, self._directory)

    def _states_of(self, farm: str) -> dict[str, State]:
        return {p.name: self._states.get((p.name, farm)) or {} for p in self.projections}

    def _lock_owner(self, owner: str) -> None:
        """SU-2 on PostgreSQL: one transaction at a time reads and writes an owner's `enrolments` and
        `cascades` (held to commit), so a farm's enrolment applied by one worker and its sibling's suspension
        applied by another cannot both miss the other. SQLite has one writer already."""
        if self._conn.dialect.name == "postgresql" and owner not in self._owners_locked:
            self._conn.execute(text(f"SELECT pg_advisory_xact_lock({OWNER_LOCKS}, hashtext(:owner))"),
                               {"owner": owner})
            self._owners_locked.add(owner)

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
        for table in (projection_state, history, outbox, owners, enrolments, cascades, bans, notifications,
                      controls, employments):
            conn.execute(delete(table))
