"""Applies events to the read models inside the caller's transaction. Shared by both runners.

Per batch: load the states (and state parts) the batch touches, call the one fold (`projections.fold`),
then write the touched states, the history rows and the outbox in one go. A tick (`ReadModelWriter.tick`)
folds what time alone has brought by a moment the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import groupby
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select

from events.recorded import RecordedEvent
from events.types import PROGRAM_KEY
from projections.fold import HISTORY, Entry, Fold, Folded
from projections.kin.directory import FLAG_KINDS
from projections.projection import Derived, Projection, State, is_parted, merged
from services.store.answers import restamp
from services.store.database import utc_text
from services.store.locks import lock_owner
from services.store.outbox import pending
from services.store.schema import (
    READ_MODELS,
    bans,
    cascades,
    controls,
    employments,
    enrolments,
    history,
    kin_facts,
    notifications,
    outbox,
    owners,
)
from services.store.states import load_all_parts, load_parts, load_whole, save_parts, save_whole
from services.store.upsert import upsert, upsert_tuples  # upsert: also imported from here by older callers
from services.store.wakeup import notify_feed

_CHUNK = 500
CACHE_LIMIT = 20_000
"""States and parts a kept cache holds before it is let go at the next batch's start (~15 KB each in a
generated program: ~300 MB; without a bound, 1,000 farms x 12 months held 1.5 GB)."""
DIRECTORIES: dict[str, tuple[Any, list[str]]] = {
    "owners": (owners, ["owner_id", "farm_id"]), "bans": (bans, ["person_id", "violation_id"]),
    "notifications": (notifications, ["notification_id"]), "enrolments": (enrolments, ["farm_id"]),
    "cascades": (cascades, ["notice_key"]),
    "controls": (controls, ["controller_id", "farm_id", "since"]),
    "employments": (employments, ["person_id", "farm_id", "on", "kind"]),
    "kin_facts": (kin_facts, ["kind", "event_id"]),
}

_READ_BY_EVERY_FARM = {"owners", "bans", "enrolments", "controls", "kin_facts"}
"""Directories a farm's rule queries read (`services/ledger/queries.py` farm_view): a write to them may change
any farm's deadlines and findings. (`employments`, `cascades` and `notifications` are read by writers only.)"""
_KIN_READ_BY_FARMS = {*FLAG_KINDS, "article_i"}


class SqlDirectory:
    """The cross-farm directories as the process managers read them, inside the writer's transaction.

    Rows written are held and inserted in one statement per table: before any read of that table (so a read
    sees every row written before it, as one insert per row did) and at the end of the batch (`flush`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._bans: dict[str, list[dict[str, Any]]] | None = None
        self._owners_locked: set[str] = set()
        self.every_farm_changed = False
        """A row every farm's answers may read was written (stored answers, `services/store/answers.py`)."""
        self._unwritten: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        """Rows written and not inserted yet, by table and key (insert-only: the first row of a key wins)."""

    def flush(self, *tables: str) -> None:
        """Insert the rows held for these tables (all of them if none is named)."""
        for table in tables or list(self._unwritten):
            target, keys = DIRECTORIES[table]
            # In the order written (an autoincrement position keeps it); one statement per run of rows with
            # the same columns.
            for _, run in groupby(self._unwritten.pop(table, {}).values(), key=tuple):
                upsert(self.conn, target, list(run), keys, [])

    def written(self, table: str) -> None:
        """The writer added a row to `table` in this transaction: forget what was read of it."""
        if table == "bans":
            self._bans = None

    def enrolments(self, owner_id: str) -> dict[str, str]:
        self.flush("enrolments")
        rows = self.conn.execute(select(enrolments.c.farm_id, enrolments.c.enrolled_on)
                                 .where(enrolments.c.owner_id == owner_id))
        return {farm: on for farm, on in rows}

    def cascades(self, owner_id: str, origin: str | None = None, suspension_id: str | None = None
                 ) -> list[dict[str, Any]]:
        self.flush("cascades")
        query = select(cascades).where(cascades.c.owner_id == owner_id).order_by(cascades.c.position)
        if origin is not None:
            query = query.where(cascades.c.origin == origin, cascades.c.suspension_id == suspension_id)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def lock(self, owner: str) -> None:
        """SU-2 on PostgreSQL: one transaction at a time reads and writes an owner's `enrolments` and
        `cascades` (held to commit), so a farm's enrolment applied by one worker and its sibling's suspension
        applied by another cannot both miss the other. SQLite has one writer already."""
        if owner not in self._owners_locked:
            lock_owner(self.conn, owner)
            self._owners_locked.add(owner)

    def write(self, table: str, row: dict[str, Any]) -> None:
        keys = DIRECTORIES[table][1]
        self._unwritten.setdefault(table, {}).setdefault(tuple(row[k] for k in keys), row)
        self.written(table)
        if table in _READ_BY_EVERY_FARM and (table != "kin_facts" or row.get("kind") in _KIN_READ_BY_FARMS):
            self.every_farm_changed = True

    def controlled(self, controller_id: str) -> dict[str, tuple[str, list[tuple[str, str | None]]]]:
        """SU-2: every farm the controller owns or controls: farm -> (enrolled_on, control spans; an owned
        farm's span is open)."""
        self.flush("enrolments", "controls")
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
        self.flush("employments")
        query = select(employments).where(employments.c.person_id == person_id)
        return [dict(r) for r in self.conn.execute(query).mappings()]

    def cascades_from(self, origins: list[str]) -> list[dict[str, Any]]:
        """The `cascades` rows whose origin is one of these farms, in the order derived."""
        self.flush("cascades")
        query = select(cascades).where(cascades.c.origin.in_(sorted(origins))).order_by(cascades.c.position)
        return [dict(r) for r in self.conn.execute(query).mappings()] if origins else []

    def bans_of(self, person_id: str) -> list[dict[str, Any]]:
        # Every hire asks; bans are few. One read of the whole table per batch beats one query per hire.
        if self._bans is None:
            self.flush("bans")
            self._bans = {}
            for row in self.conn.execute(select(bans)).mappings():
                self._bans.setdefault(row["person_id"], []).append(dict(row))
        return self._bans.get(person_id, [])


class ReadModelWriter:
    """Loads states, folds events through `projections.fold.Fold`, saves what it touched. With `keep_cache`,
    states stay in memory between batches (safe only for a single writer, as in the embedded mode)."""

    def __init__(self, projections: Sequence[Projection], keep_cache: bool = False) -> None:
        self.fold = Fold(projections)
        self.projections = self.fold.projections
        self.keep_cache = keep_cache
        self._states: dict[tuple[str, str], State] = {}
        self._parts: dict[tuple[str, str, str], State] = {}
        """The loaded parts of split states (`Projection.part`), by (projection, farm, part)."""
        self._seqs: dict[str, int] = {}
        """Each loaded farm's history length (the `history` state)."""
        self._parted = {p.name: p for p in self.projections if is_parted(p)}
        self.cache_limit = CACHE_LIMIT
        self._stored = True
        """May the store hold a state this cache has not loaded? False after `store_emptied` while the cache
        is kept: every state there is then in the cache, and nothing is read back."""
        self._unsaved: set[tuple[str, ...]] = set()
        """States folded with `defer_states` and not written yet (`save_deferred`)."""

    def forget_cache(self) -> None:
        self._states.clear()
        self._parts.clear()
        self._seqs.clear()
        self._unsaved.clear()
        self._stored = True

    def store_emptied(self) -> None:
        """The read models were just emptied (a rebuild): with the cache kept, nothing need be read back."""
        self.forget_cache()
        self._stored = not self.keep_cache

    def apply(self, conn: Connection, batch: Iterable[RecordedEvent], positions: Sequence[int] | None = None,
              defer_states: bool = False) -> tuple[list[Derived], list[Derived]]:
        """Apply a batch; returns (derived events of these farms, events to append to the log).

        `positions` (one per event) are the events' rows in the embedded log: their history rows then point
        there instead of holding a second copy of the body. With `defer_states` (a replay, with the cache
        kept) the states stay in memory until `save_deferred`, so a state many batches touch is written once;
        history, outbox and directory rows are written as they come."""
        self._begin(conn)
        if self._stored:  # the states the batch touches are read first, in one go
            batch = list(batch)
            self._load(conn, {e.farm_id for e in batch})
            self._load_parts(conn, self.fold.parts(batch))
        out = self.fold.events(batch, self, self._directory, self._seqs, positions)
        deferred = defer_states and self.keep_cache
        if deferred:
            self._unsaved |= out.touched
        self._save(conn, out, states=not deferred)
        return out.derived, out.elsewhere

    def save_deferred(self, conn: Connection) -> None:
        """Write every state folded with `defer_states` since the last call, once."""
        if not self._unsaved:
            return
        self._save(conn, Folded(touched=self._unsaved))
        self._unsaved = set()

    def tick(self, conn: Connection, farms: Iterable[str], at: datetime, recorded_at: datetime
             ) -> tuple[list[Derived], list[Derived]]:
        """Fold what time alone has brought these farms by `at` (a period served, a cure period over, a
        deadline passed: `registry.tickers()`), exactly as a fact's derived events are folded (history,
        notifications, SU-2 cascade). `recorded_at` is the ledger time of the tick. Returns what `apply`
        returns; the ids are the fold's, so a second tick, or a later fact, adds nothing."""
        names = sorted(set(farms))
        self._begin(conn)
        self._load(conn, names)
        out = self.fold.tick(names, at, recorded_at, self, self._directory, self._seqs)
        self._save(conn, out)
        return out.derived, out.elsewhere

    # -- the fold's `States` -------------------------------------------------------------------------
    def whole(self, projection: Projection, farm: str) -> State:
        key = (projection.name, farm)
        state = self._states.get(key)
        if state is None:
            state = self._states[key] = projection.initial(farm)
        return state

    def part(self, projection: Projection, farm: str, part: str) -> State:
        key = (projection.name, farm, part)
        state = self._parts.get(key)
        if state is None:
            state = (load_parts(self._conn, [key]).get(key) if self._stored else None) or projection.initial(farm)
            self._parts[key] = state
        return state

    def of_farm(self, farm: str) -> Mapping[str, State]:
        """Every projection's whole state of a farm (a split one merged from all its parts, read on demand)."""
        return _States(self, farm)

    def merged(self, name: str, farm: str) -> State:
        """A split projection's whole state: every part of the farm (those loaded, the rest read now)."""
        if self._stored:
            stored = load_all_parts(self._conn, name, farm)
            self._parts.update({k: v for k, v in stored.items() if k not in self._parts})
        mine = [v for (n, f, _), v in sorted(self._parts.items()) if n == name and f == farm]
        return merged(self._parted[name].initial(farm), [orjson.loads(orjson.dumps(v)) for v in mine])

    # -- loading and saving ----------------------------------------------------------------------------
    def _begin(self, conn: Connection) -> None:
        if not self.keep_cache:
            self.forget_cache()
        elif len(self._states) + len(self._parts) > self.cache_limit:  # memory bounded, not by the program's size
            if self._unsaved:  # a replay's deferred states are written before they are let go
                self._save(conn, Folded(touched=self._unsaved))
            self.forget_cache()
        self._conn = conn
        self._directory = SqlDirectory(conn)

    def _load(self, conn: Connection, farms: Iterable[str]) -> None:
        missing = [f for f in farms if f not in self._seqs]
        for (name, farm), state in (load_whole(conn, missing) if self._stored else {}).items():
            if name == HISTORY:
                self._seqs[farm] = int(state["seq"])
            else:
                self._states[(name, farm)] = state
        for farm in missing:
            self._seqs.setdefault(farm, 0)

    def _load_parts(self, conn: Connection, wanted: set[tuple[str, str, str]]) -> None:
        """The parts a batch's events touch, in one read (a derived event's part is read when folded)."""
        missing = [k for k in wanted if k not in self._parts]
        found = load_parts(conn, missing)
        for name, farm, part in missing:
            self._parts[(name, farm, part)] = found.get((name, farm, part)) or self._parted[name].initial(farm)

    def _save(self, conn: Connection, out: Folded, states: bool = True) -> None:
        self._directory.flush()
        if out.derived:
            notify_feed(conn)  # the delivery pump's next round starts on this commit
        if states:  # else kept for `save_deferred`; the stamps below still change now
            whole = {(k[0], k[1]): ({"seq": self._seqs[k[1]]} if k[0] == HISTORY else self._states[(k[0], k[1])])
                     for k in out.touched if len(k) == 2}
            save_whole(conn, whole)
            save_parts(conn, {(k[0], k[1], k[2]): self._parts[(k[0], k[1], k[2])]
                              for k in out.touched if len(k) == 3})
        # Rows pointing at the log name three columns (the others default to NULL): a replay writes one per event.
        upsert_tuples(conn, history, ("farm_id", "seq", "position"),
                      [(e.farm_id, e.seq, e.position) for e in out.history if e.position is not None],
                      ["farm_id", "seq"], [])
        upsert(conn, history, [_history_row(e) for e in out.history if e.position is None], ["farm_id", "seq"], [])
        pending(conn, outbox, out.derived)
        farms = {k[1] for k in out.touched if k[0] != HISTORY}
        restamp(conn, farms - {PROGRAM_KEY}, PROGRAM_KEY in farms or self._directory.every_farm_changed)

    @staticmethod
    def clear(conn: Connection) -> None:
        for table in READ_MODELS:
            conn.execute(delete(table))


def _history_row(entry: Entry) -> dict[str, Any]:
    """The history row of an event the log does not hold here (a derived one, or any in distributed mode)."""
    event = entry.event
    return {"farm_id": entry.farm_id, "seq": entry.seq, "event_id": event.event_id, "type": event.type,
            "occurred_at": utc_text(event.occurred_at), "recorded_at": utc_text(event.recorded_at),
            "position": None, "body": orjson.dumps(event.raw, option=orjson.OPT_SORT_KEYS)}


class _States(Mapping[str, State]):
    """A farm's states by projection name for the process managers and tickers; a split state is merged
    only if one of them reads it."""

    def __init__(self, writer: ReadModelWriter, farm: str) -> None:
        self.writer, self.farm = writer, farm
        self.names = [p.name for p in writer.projections]

    def __getitem__(self, name: str) -> State:
        if name in self.writer._parted:
            return self.writer.merged(name, self.farm)
        if name not in self.names:
            raise KeyError(name)
        return self.writer._states.get((name, self.farm)) or {}

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
