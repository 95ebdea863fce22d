"""Checking stored rows: each row against its own columns, digest and chain link, and the log as a whole
against what a signed checkpoint says it was."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, select

from services.log.integrity import COLUMNS, Tally, columns_of, link, row_hash
from services.store.bodies import unpack
from services.store.schema import events

# position, event_id, type, farm_id, occurred_at, recorded_at, digest, chain, body
Row = tuple[int, str, str, str, str, str, str, str, bytes]


@dataclass(frozen=True)
class Problem:
    """One thing verify found; `kind` names the class of edit, `detail` says it in words."""

    kind: str
    detail: str
    farm_id: str | None = None
    position: int | None = None
    event_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def stored_rows(conn: Connection, after: int | None = None, batch: int = 5000) -> Iterator[Row]:
    if conn.dialect.name == "sqlite":  # every row after the last checkpoint: the driver's cursor, no Row objects
        yield from _sqlite_rows(conn, after, batch)
        return
    query = select(events.c.position, *(events.c[c] for c in COLUMNS), events.c.chain, events.c.body)
    if after is not None:
        query = query.where(events.c.position > after)
    query = query.order_by(events.c.position)
    for r in conn.execution_options(stream_results=True, yield_per=batch).execute(query):
        yield (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _plain(r[8]))


def _sqlite_rows(conn: Connection, after: int | None, batch: int) -> Iterator[Row]:
    """`stored_rows` through the SQLite driver, inside the caller's transaction (its own connection)."""
    columns = ", ".join(f'"{c}"' for c in ("position", *COLUMNS, "chain", "body"))
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        if after is None:
            cursor.execute(f"SELECT {columns} FROM events ORDER BY position")
        else:
            cursor.execute(f"SELECT {columns} FROM events WHERE position > ? ORDER BY position", (after,))
        while rows := cursor.fetchmany(batch):
            for r in rows:
                yield (r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _plain(r[8]))
    finally:
        cursor.close()


def _plain(stored: bytes) -> bytes:
    """The body's JSON; a blob that does not decompress is checked as it is (and found not to be an event)."""
    try:
        return unpack(stored)
    except ValueError:
        return bytes(stored)


def check_row(row: Row, tally: Tally, written: Mapping[str, str] | None = None) -> list[Problem]:
    """Check one row and add it to the tally (with its stored link, so one edit is reported once).

    `written` (event id -> link) is what this process appended itself, its columns made from the body: a
    row whose link follows from the one before and equals the link written hashes to exactly the columns
    and body written, so its body need not be decoded and its digest recomputed (a signing ingest's rows)."""
    position, event_id, type_, farm, occurred, recorded, digest, chain, body = row
    problems: list[Problem] = []
    at = {"farm_id": farm, "position": position, "event_id": event_id}
    count, head = tally.head(farm)
    linked = link(head, count + 1, row_hash(event_id, type_, farm, occurred, recorded, digest, body)) == chain
    if linked and written is not None and written.get(event_id) == chain:
        tally.add(position, farm, chain)
        return problems
    try:
        implied = columns_of(orjson.loads(body))
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError):
        problems.append(Problem("body", "the stored body is not an event", **at))
    else:
        stored = dict(zip(COLUMNS, (event_id, type_, farm, occurred, recorded, digest), strict=True))
        for column in COLUMNS:
            if stored[column] != implied[column]:
                what = ("does not match the body" if column == "digest"
                        else f"is {stored[column]!r}, the body says {implied[column]!r}")
                problems.append(Problem(column, f"the {column} column {what}", **at))
    if not linked:
        problems.append(Problem(
            "chain", f"farm {farm}: the link of its event {count + 1} does not follow from the one before and "
            "this row (an edit, a reordering or a deletion)", **at))
    tally.add(position, farm, chain)
    return problems


def scan(rows: Iterable[Row], tally: Tally, written: Mapping[str, str] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for row in rows:
        problems += check_row(row, tally, written)
    return problems


def compare(tally: Tally, signed: dict[str, Any]) -> list[Problem]:
    """The log up to the checkpoint's position against what the checkpoint signed."""
    problems: list[Problem] = []
    count, found = signed["count"], tally.merkle.count
    if found < count:
        problems.append(Problem("truncated", f"the checkpoint of {signed['at']} signed {count} events up to "
                                f"position {signed['position']}; the log holds {found} of them"))
    elif found > count:
        problems.append(Problem("inserted", f"the log holds {found} events up to position {signed['position']}; "
                                f"the checkpoint of {signed['at']} signed {count}"))
    if tally.merkle.root() != signed["root"]:
        problems.append(Problem("merkle_root", "the log's Merkle root differs from the signed one (an event "
                                "edited, moved, inserted or deleted)"))
    for farm, (n, head) in sorted(signed["farms"].items()):
        have, have_head = tally.head(farm)
        if have == 0:
            problems.append(Problem("farm_deleted", f"farm {farm}: all its {n} signed events are gone", farm_id=farm))
        elif have < n:
            problems.append(Problem("farm_events_deleted", f"farm {farm}: {n - have} of its {n} signed events "
                                    "are gone", farm_id=farm))
        elif have > n:
            problems.append(Problem("farm_events_inserted", f"farm {farm}: {have} events where {n} were signed",
                                    farm_id=farm))
        elif have_head != head:
            problems.append(Problem("farm_head", f"farm {farm}: its chain head differs from the signed one "
                                    "(events edited and the chain recomputed)", farm_id=farm))
    for farm in sorted(set(tally.farms) - set(signed["farms"])):
        problems.append(Problem("farm_unknown", f"farm {farm}: events the checkpoint never signed", farm_id=farm))
    return problems
