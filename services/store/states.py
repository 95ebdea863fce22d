"""Projection states in SQL: whole states (`projection_state`, one JSON per projection and key) and split
states (`state_parts`, one JSON per projection, key and part). The one place both runners and the queries
read and write them.

Parts are stored compressed: they are the big states (every payroll line of a month), their JSON repeats the
same keys line after line. They are packed as the log's bodies are (`services.store.bodies`: zstd with the
dictionary trained on events, whose keys the parts repeat): ~10x, about four times faster than zlib level 1
(~7x), which wrote them before. A part written deflated (zlib) or plain (JSON, from the migration) by an
earlier version is read as it is."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

import orjson
from sqlalchemy import Connection, select, tuple_

from services.store.bodies import is_packed, pack, unpack
from services.store.schema import projection_state, state_parts
from services.store.upsert import upsert

_CHUNK = 500  # keys per IN (...): below SQLite's variable limit
State = dict[str, Any]


def load_whole(conn: Connection, keys: list[str]) -> dict[tuple[str, str], State]:
    """Every whole state of these keys, by (projection, key)."""
    found: dict[tuple[str, str], State] = {}
    for i in range(0, len(keys), _CHUNK):
        for name, key, raw in conn.execute(
            select(projection_state.c.projection, projection_state.c.key, projection_state.c.state).where(
                projection_state.c.key.in_(keys[i : i + _CHUNK]))
        ):
            found[(name, key)] = orjson.loads(raw)
    return found


def load_parts(conn: Connection, wanted: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], State]:
    """These parts, by (projection, key, part); a part never written is absent."""
    want = sorted(set(wanted))
    found: dict[tuple[str, str, str], State] = {}
    c = state_parts.c
    for i in range(0, len(want), _CHUNK // 3):
        chunk = [(key, name, part) for name, key, part in want[i : i + _CHUNK // 3]]
        for key, name, part, raw in conn.execute(
            select(c.key, c.projection, c.part, c.state).where(tuple_(c.key, c.projection, c.part).in_(chunk))
        ):
            found[(name, key, part)] = _decoded(raw)
    return found


def load_all_parts(conn: Connection, name: str | None, key: str) -> dict[tuple[str, str, str], State]:
    """Every part of one key (of one projection, or of all), by (projection, key, part)."""
    c = state_parts.c
    query = select(c.projection, c.part, c.state).where(c.key == key)
    if name is not None:
        query = query.where(c.projection == name)
    return {(n, key, part): _decoded(raw) for n, part, raw in conn.execute(query.order_by(c.projection, c.part))}


def save_whole(conn: Connection, states: dict[tuple[str, str], State]) -> None:
    upsert(conn, projection_state,
           [{"projection": p, "key": k, "state": orjson.dumps(s)} for (p, k), s in sorted(states.items())],
           ["projection", "key"], ["state"])


def save_parts(conn: Connection, parts: dict[tuple[str, str, str], State]) -> None:
    upsert(conn, state_parts,
           [{"projection": p, "key": k, "part": part, "state": pack(orjson.dumps(s))}
            for (p, k, part), s in sorted(parts.items())],
           ["key", "projection", "part"], ["state"])


def all_states(conn: Connection) -> dict[tuple[str, str], State]:
    """Every stored state, by (projection, key); a split one merged from its parts (what a query reads)."""
    from projections.projection import merged

    found = {(p, k): orjson.loads(s) for p, k, s in conn.execute(
        select(projection_state.c.projection, projection_state.c.key, projection_state.c.state))}
    parts: dict[tuple[str, str], list[State]] = {}
    c = state_parts.c
    for key, name, raw in conn.execute(select(c.key, c.projection, c.state).order_by(c.key, c.projection, c.part)):
        parts.setdefault((name, key), []).append(_decoded(raw))
    found.update({k: merged({}, v) for k, v in parts.items()})
    return dict(sorted(found.items()))


def _decoded(raw: bytes) -> State:
    state: State = orjson.loads(plain_part(raw))
    return state


def plain_part(raw: bytes | memoryview) -> bytes:
    """A stored part's JSON: packed (zstd), plain, or deflated (zlib, as an earlier version wrote it)."""
    data = bytes(raw)
    if data[:1] == b"{":
        return data
    return unpack(data) if is_packed(data) else zlib.decompress(data)
