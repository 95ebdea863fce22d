"""Stored answers: each farm's `deadlines` and `findings` rows, kept until what they were computed from changes.

A query reads a farm's stored rows when they are for the day asked about and both stamps they carry (the
farm's and the program-wide `*`) are still current; otherwise it folds the farm's states, answers, and stores
the rows under the stamps it read *before* loading those states, so an answer computed while a writer commits
is never taken for a current one. Writers give new stamps inside their own transaction (`restamp`).

An answer is a pure function of the states and the farm's day, so the day after's can be folded today: the
server's timer stores it (`ahead=1`), and the first asks after midnight read rows instead of folding every
farm, unless the farm's states changed since (the night's tick, or an ingest), which gives it a new stamp.
A farm keeps a row per (kind, day), and storing one drops the farm's rows of that kind that can no longer
answer (other stamps: stamps only ever move on) or lie more than two days from it. What is left lies within two days
of every row stored after it, so a farm has three rows of a kind at most (yesterday, today and tomorrow).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, or_, select, tuple_
from sqlalchemy.exc import SQLAlchemyError

from projections.calendar import local_date
from projections.compliance import FarmView, ordered
from projections.reference.rates import RateMissing
from projections.registry import deadline_queries, finding_queries
from services.store.schema import answer_stamps, answers, owners
from services.store.upsert import upsert

R = TypeVar("R")
log = logging.getLogger(__name__)

EVERY_FARM = "*"
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Stored:
    zone: str | None
    as_of: str
    stamps: str
    body: bytes

    def answers(self, stamps: str, as_of: datetime, ahead: int = 0) -> bool:
        """Still the answer for `as_of` (`ahead` days on): the same farm-local day, and nothing it read has
        changed since."""
        return self.stamps == stamps and self.as_of == day_of(as_of, self.zone, ahead).isoformat()


def day_of(as_of: datetime, zone: str | None, ahead: int = 0) -> date:
    """The farm-local day an answer is for: `as_of`'s date where the farm is, `ahead` days on."""
    return local_date(as_of, zone) + timedelta(days=ahead)


def restamp(conn: Connection, farms: Iterable[str], every_farm: bool) -> None:
    """What these farms' answers were computed from has changed (and every farm's, with `every_farm`).

    A farm's answer also reads its siblings' standing (SU-2), so the siblings get the new stamp too. Keys are
    written in sorted order in one statement, so two writers never wait on each other's rows in a cycle."""
    keys = set(farms)
    if keys:
        keys |= _siblings(conn, sorted(keys))
    if every_farm:
        keys.add(EVERY_FARM)
    if keys:
        stamp = uuid.uuid4().hex
        upsert(conn, answer_stamps, [{"key": k, "stamp": stamp} for k in sorted(keys)], ["key"], ["stamp"])


def _siblings(conn: Connection, farms: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(farms), _CHUNK):
        mine = select(owners.c.owner_id).where(owners.c.farm_id.in_(farms[i: i + _CHUNK]))
        found.update(conn.execute(select(owners.c.farm_id).where(owners.c.owner_id.in_(mine))).scalars())
    return found


def current_stamps(conn: Connection, farms: list[str]) -> dict[str, str]:
    """Each farm's stamp joined with the program-wide one (`farm/*`); a key never stamped counts as ""."""
    query = select(answer_stamps.c.key, answer_stamps.c.stamp)
    if len(farms) < _CHUNK:  # a few farms: by key; the whole program: one scan
        query = query.where(answer_stamps.c.key.in_([*farms, EVERY_FARM]))
    found = dict(conn.execute(query).all())
    every = found.get(EVERY_FARM, "")
    return {farm: f"{found.get(farm, '')}/{every}" for farm in farms}


def read(conn: Connection, kind: str, farms: list[str], as_of: datetime, ahead: int = 0
         ) -> tuple[dict[str, str], dict[str, Stored]]:
    """The farms' current stamps, and the stored row of `kind` that is each one's answer for `as_of`, the
    stamps read first: rows folded from states read after them are stored under stamps no older than those."""
    stamps = current_stamps(conn, farms)
    return stamps, load(conn, kind, farms, stamps, as_of, ahead)


def load(conn: Connection, kind: str, farms: list[str], stamps: dict[str, str], as_of: datetime, ahead: int = 0
         ) -> dict[str, Stored]:
    """The stored row of `kind` that is each farm's answer for `as_of` (`ahead` days on) under `stamps`,
    for the farms that have one. A farm keeps other days' rows too (and dead ones until its next store), so
    the rows' keys are read first and only the bodies that answer after."""
    c = answers.c
    query = select(c.farm_id, c.zone, c.as_of, c.stamps).where(c.kind == kind)
    if len(farms) < _CHUNK:
        query = query.where(c.farm_id.in_(farms))
    wanted = set(farms)
    keyed = ((farm, Stored(zone, day, stamp, b"")) for farm, zone, day, stamp in conn.execute(query) if farm in wanted)
    hits = {farm: row for farm, row in keyed if row.answers(stamps[farm], as_of, ahead)}
    found: dict[str, Stored] = {}
    keys = [(farm, hit.as_of) for farm, hit in sorted(hits.items())]
    for i in range(0, len(keys), _CHUNK):
        rows = conn.execute(select(c.farm_id, c.stamps, c.body).where(
            c.kind == kind, tuple_(c.farm_id, c.as_of).in_(keys[i: i + _CHUNK])))
        for farm, stamp, body in rows:
            if stamp == hits[farm].stamps:  # stored again since the keys were read: folded again next time
                found[farm] = Stored(hits[farm].zone, hits[farm].as_of, stamp, bytes(body))
    return found


def store(conn: Connection, kind: str, rows: dict[str, Stored]) -> None:
    """Keep these rows, and drop each farm's rows of `kind` that are dead (other stamps) or far from them."""
    if not rows:
        return
    c = answers.c
    stale = delete(answers).where(c.farm_id == bindparam("farm"), c.kind == kind, or_(
        c.stamps != bindparam("stamps"), c.as_of < bindparam("lo"), c.as_of > bindparam("hi")))
    conn.execute(stale, [{"farm": farm, "stamps": s.stamps, "lo": _near(s.as_of, -NEAR), "hi": _near(s.as_of, NEAR)}
                         for farm, s in sorted(rows.items())])
    upsert(conn, answers, [{"farm_id": farm, "kind": kind, "zone": s.zone, "as_of": s.as_of, "stamps": s.stamps,
                            "body": s.body} for farm, s in sorted(rows.items())],
           ["farm_id", "kind", "as_of"], ["zone", "stamps", "body"])


NEAR = 2
"""Days from a stored row within which the farm's other rows of its kind are kept."""


def _near(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


# -- the rows themselves: every rule query of a farm's view, folded into the JSON stored ---------------
def _run(queries: list[Callable[[FarmView], list[R]]], view: FarmView, errors: list[str] | None) -> list[R]:
    """Every rule query on one farm. A rate the program never set is an error, never a silent zero: it is
    raised, or, when the caller collects `errors`, reported there while the other rules still answer."""
    rows: list[R] = []
    for query in queries:
        try:
            rows.extend(query(view))
        except RateMissing as exc:
            if errors is None:
                raise
            errors.append(f"{view.farm_id}: {exc}")
        except Exception as exc:  # SPEC §6: one farm's data never stops the other farms' (or rules') answers
            if errors is None:
                raise
            log.exception("%s: %s failed", view.farm_id, getattr(query, "__name__", query))
            errors.append(f"{view.farm_id}: {getattr(query, '__module__', '?')} cannot answer "
                          f"({type(exc).__name__})")
    return rows


def _deadline_rows(view: FarmView, errors: list[str] | None) -> list[dict[str, Any]]:
    return [o.as_json(view.as_of) for o in ordered(_run(deadline_queries(), view, errors))]


def _finding_rows(view: FarmView, errors: list[str] | None) -> list[dict[str, Any]]:
    rows = sorted((f for f in _run(finding_queries(), view, errors) if f.on <= view.as_of),
                  key=lambda f: (f.on, f.rule, f.subject_id))
    return [f.as_json() for f in rows]


_ANSWERS = {"deadlines": _deadline_rows, "findings": _finding_rows}


def folded_answers(view: FarmView, kinds: list[str], errors: list[str] | None) -> dict[str, tuple[bytes, bool]]:
    """The view's `deadlines` / `findings` as JSON arrays, each with whether every rule answered (only then
    may it be stored)."""
    out: dict[str, tuple[bytes, bool]] = {}
    for kind in kinds:
        before = len(errors) if errors is not None else 0
        body = orjson.dumps(_ANSWERS[kind](view, errors))
        out[kind] = (body, errors is None or len(errors) == before)
    return out


def keep_folded(engine: Engine, kinds: list[str], folded: list[tuple[FarmView, str]]) -> None:
    """Store the answers of views someone folded anyway (the workers' sweep), each under the stamps its caller
    read before loading it (see above); a kind a farm's rules could not all answer is not kept."""
    fresh: dict[str, dict[str, Stored]] = {kind: {} for kind in kinds}
    for view, stamps in folded:
        for kind, (body, whole) in folded_answers(view, kinds, []).items():
            if whole:
                fresh[kind][view.farm_id] = as_stored(view, stamps, body)
    for kind in kinds:
        keep(engine, kind, fresh[kind])


def as_stored(view: FarmView, stamps: str, body: bytes) -> Stored:
    return Stored(view.state("membership").get("time_zone"), view.as_of.isoformat(), stamps, body)


def keep(engine: Engine, kind: str, fresh: dict[str, Stored]) -> None:
    """Store what was folded, if the database lets us at once: a query never waits on an ingest's write lock
    (nor fails because of it); the next query folds again."""
    if not fresh:
        return
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection if conn.dialect.name == "sqlite" else None
            waits = raw.execute("PRAGMA busy_timeout").fetchone()[0] if raw is not None else None
            if raw is not None:
                raw.execute("PRAGMA busy_timeout = 100")
            try:
                with conn.begin():
                    store(conn, kind, fresh)
            finally:
                if raw is not None:
                    raw.execute(f"PRAGMA busy_timeout = {int(waits)}")  # the pooled connection's own wait again
    except SQLAlchemyError as exc:  # busy, or anything else: the answer stands, it is only not kept
        log.info("answers of %d farms not stored: %s", len(fresh), type(exc).__name__)
