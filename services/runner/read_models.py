"""Applies events to the read models inside the caller's transaction. Shared by both runners.

Per batch: load the states of the farms it touches, fold every event (and the derived events it causes)
through the projections, then write the changed states, the history rows and the outbox in one go.
A tick (`ReadModelWriter.tick`) folds what time alone has brought by a moment the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from events.catalogue import DERIVED_TYPES
from events.recorded import RecordedEvent
from projections.calendar import local_date
from projections.projection import Derived, Projection, State, is_parted, merged, part_of
from projections.registry import tickers
from projections.standing import crossfarm
from services.store.database import utc_text
from services.store.locks import lock_owner
from services.store.outbox import pending
from services.store.schema import (
    READ_MODELS,
    bans,
    cascades,
    enrolments,
    history,
    notifications,
    outbox,
    owners,
)
from services.store.states import load_all_parts, load_parts, load_whole, save_parts, save_whole
from services.store.upsert import upsert  # also imported from here by older callers

HISTORY = "history"  # state row holding each farm's history length (the next seq)
_CHUNK = 500
DIRECTORIES: dict[str, tuple[Any, list[str]]] = {
    "owners": (owners, ["owner_id", "farm_id"]), "bans": (bans, ["person_id", "violation_id"]),
    "notifications": (notifications, ["notification_id"]), "enrolments": (enrolments, ["farm_id"]),
    "cascades": (cascades, ["notice_key"]),
}


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
        self._parts: dict[tuple[str, str, str], State] = {}
        """The loaded parts of split states (`Projection.part`), by (projection, farm, part)."""
        self._parted = {p.name: p for p in self.projections if is_parted(p)}
        self._by_type: dict[str, list[Projection]] = {}
        self._owners_locked: set[str] = set()
        for p in self.projections:
            for t in p.types:
                self._by_type.setdefault(t, []).append(p)

    def forget_cache(self) -> None:
        self._states.clear()
        self._parts.clear()

    def apply(self, conn: Connection, batch: Sequence[RecordedEvent], positions: Sequence[int] | None = None
              ) -> tuple[list[Derived], list[Derived]]:
        """Apply a batch; returns (derived events of these farms, events to append to the log).

        `positions` (one per event) are the events' rows in the embedded log: their history rows then point
        there instead of holding a second copy of the body."""
        self._begin(conn, {e.farm_id for e in batch})
        self._load_parts(conn, batch)
        dirty: set[tuple[str, ...]] = set()
        rows: list[dict[str, Any]] = []
        derived: list[Derived] = []
        elsewhere: list[Derived] = []
        for i, event in enumerate(batch):
            self._fold(event, dirty, rows, derived, elsewhere, positions[i] if positions is not None else None)
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
        dirty: set[tuple[str, ...]] = set()
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
            self._parts.clear()
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
        position: int | None = None,
    ) -> None:
        farm = event.farm_id
        rows.append(self._history_row(event, dirty, position))
        for projection in self._by_type.get(event.type, ()):
            part = part_of(projection, event)
            key: tuple[str, ...] = (projection.name, farm) if part is None else (projection.name, farm, part)
            state = (self._part(projection, farm, part) if part is not None
                     else self._states.get((projection.name, farm)))
            if state is None:
                state = self._states[(projection.name, farm)] = projection.initial(farm)
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
        owner = crossfarm.owner_scope(event, states)
        if owner is not None:
            self._lock_owner(owner)
        for table, row in crossfarm.directory_rows(event, states):
            target, keys = DIRECTORIES[table]
            upsert(self._conn, target, [row], keys, [])
            self._directory.written(table)
        return crossfarm.react(event, states, self._directory)

    def _states_of(self, farm: str) -> Mapping[str, State]:
        """Every projection's whole state of a farm (a split one merged from all its parts, read on demand)."""
        return _States(self, farm)

    def _part(self, projection: Projection, farm: str, part: str) -> State:
        key = (projection.name, farm, part)
        state = self._parts.get(key)
        if state is None:
            state = load_parts(self._conn, [key]).get(key) or projection.initial(farm)
            self._parts[key] = state
        return state

    def _load_parts(self, conn: Connection, batch: Sequence[RecordedEvent]) -> None:
        """The parts this batch's events touch, in one read (a derived event's part is read when folded)."""
        wanted = {(p.name, e.farm_id, part) for e in batch for p in self._by_type.get(e.type, ())
                  if (part := part_of(p, e)) is not None}
        missing = [k for k in wanted if k not in self._parts]
        found = load_parts(conn, missing)
        for name, farm, part in missing:
            self._parts[(name, farm, part)] = found.get((name, farm, part)) or self._parted[name].initial(farm)

    def whole(self, name: str, farm: str) -> State:
        """A split projection's whole state: every part of the farm (those loaded, the rest read now)."""
        stored = load_all_parts(self._conn, name, farm)
        self._parts.update({k: v for k, v in stored.items() if k not in self._parts})
        mine = [v for (n, f, _), v in sorted(self._parts.items()) if n == name and f == farm]
        return merged(self._parted[name].initial(farm), [orjson.loads(orjson.dumps(v)) for v in mine])

    def _lock_owner(self, owner: str) -> None:
        """SU-2 on PostgreSQL: one transaction at a time reads and writes an owner's `enrolments` and
        `cascades` (held to commit), so a farm's enrolment applied by one worker and its sibling's suspension
        applied by another cannot both miss the other. SQLite has one writer already."""
        if owner not in self._owners_locked:
            lock_owner(self._conn, owner)
            self._owners_locked.add(owner)

    def _history_row(self, event: RecordedEvent, dirty: set[tuple[str, str]], position: int | None
                     ) -> dict[str, Any]:
        key = (HISTORY, event.farm_id)
        head = self._states.setdefault(key, {"seq": 0})
        head["seq"] += 1
        dirty.add(key)
        if position is not None:  # the log holds it: the history row only points there
            return {"farm_id": event.farm_id, "seq": head["seq"], "event_id": None, "type": None,
                    "occurred_at": None, "recorded_at": None, "position": position, "body": None}
        return {"position": None,
            "farm_id": event.farm_id, "seq": head["seq"], "event_id": event.event_id, "type": event.type,
            "occurred_at": utc_text(event.occurred_at), "recorded_at": utc_text(event.recorded_at),
            "body": orjson.dumps(event.raw, option=orjson.OPT_SORT_KEYS),
        }

    def _load(self, conn: Connection, farms: Iterable[str]) -> None:
        missing = [f for f in farms if (HISTORY, f) not in self._states]
        self._states.update(load_whole(conn, missing))
        for farm in missing:
            self._states.setdefault((HISTORY, farm), {"seq": 0})

    def _save(
        self, conn: Connection, dirty: set[tuple[str, ...]], rows: list[dict[str, Any]], derived: list[Derived]
    ) -> None:
        save_whole(conn, {(k[0], k[1]): self._states[(k[0], k[1])] for k in dirty if len(k) == 2})
        save_parts(conn, {(k[0], k[1], k[2]): self._parts[(k[0], k[1], k[2])] for k in dirty if len(k) == 3})
        upsert(conn, history, rows, ["farm_id", "seq"], [])
        pending(conn, outbox, derived)

    @staticmethod
    def clear(conn: Connection) -> None:
        for table in READ_MODELS:
            conn.execute(delete(table))


class _States(Mapping[str, State]):
    """A farm's states by projection name for the process managers and tickers; a split state is merged
    only if one of them reads it."""

    def __init__(self, writer: ReadModelWriter, farm: str) -> None:
        self.writer, self.farm = writer, farm
        self.names = [p.name for p in writer.projections]

    def __getitem__(self, name: str) -> State:
        if name in self.writer._parted:
            return self.writer.whole(name, self.farm)
        if name not in self.names:
            raise KeyError(name)
        return self.writer._states.get((name, self.farm)) or {}

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
