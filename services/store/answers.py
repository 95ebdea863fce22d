"""Stored answers: each farm's `deadlines` and `findings` rows, kept until what they were computed from changes.

A query reads a farm's stored rows when they are for the day asked about and both stamps they carry (the
farm's and the program-wide `*`) are still current; otherwise it folds the farm's states, answers, and stores
the rows under the stamps it read *before* loading those states, so an answer computed while a writer commits
is never taken for a current one. Writers give new stamps inside their own transaction (`restamp`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from projections.calendar import local_date
from services.store.schema import answer_stamps, answers, owners
from services.store.upsert import upsert

EVERY_FARM = "*"
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Stored:
    zone: str | None
    as_of: str
    stamps: str
    body: bytes

    def answers(self, stamps: str, as_of: datetime) -> bool:
        """Still the answer for `as_of`: the same farm-local day, and nothing it read has changed since."""
        return self.stamps == stamps and self.as_of == local_date(as_of, self.zone).isoformat()


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


def read(conn: Connection, kind: str, farms: list[str]) -> tuple[dict[str, str], dict[str, Stored]]:
    """The farms' current stamps and their stored rows of `kind`, the stamps read first: rows folded from
    states read after them are stored under stamps no older than those states."""
    stamps = current_stamps(conn, farms)
    return stamps, load(conn, kind, farms)


def load(conn: Connection, kind: str, farms: list[str]) -> dict[str, Stored]:
    """The stored rows of `kind` for these farms (current or not: the caller compares their stamps)."""
    c = answers.c
    query = select(c.farm_id, c.zone, c.as_of, c.stamps, c.body).where(c.kind == kind)
    if len(farms) < _CHUNK:
        query = query.where(c.farm_id.in_(farms))
    wanted = set(farms)
    return {farm: Stored(zone, as_of, stamps, bytes(body))
            for farm, zone, as_of, stamps, body in conn.execute(query) if farm in wanted}


def store(conn: Connection, kind: str, rows: dict[str, Stored]) -> None:
    upsert(conn, answers, [{"farm_id": farm, "kind": kind, "zone": s.zone, "as_of": s.as_of, "stamps": s.stamps,
                            "body": s.body} for farm, s in sorted(rows.items())],
           ["farm_id", "kind"], ["zone", "as_of", "stamps", "body"])
