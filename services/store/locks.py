"""Advisory locks on PostgreSQL, held to the end of the caller's transaction (SQLite has one writer already).

Two key spaces that never meet: one key (`hashtext`) per topic partition, two keys (`OWNER_LOCKS`, owner)
per farm owner."""

from __future__ import annotations

from sqlalchemy import Connection, select, text

from services.store.schema import partition_offsets

OWNER_LOCKS = 7
"""The first key of the per-owner advisory locks (`pg_advisory_xact_lock(int, int)`)."""


def lock_partitions(conn: Connection, parts: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Serialise workers on these partitions (sorted: no lock-order deadlock between workers) and read the
    last offset each has applied."""
    if conn.dialect.name == "postgresql" and parts:  # one statement, taking them in the order given
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(k)) FROM unnest(%s::text[]) WITH ORDINALITY "
                             "AS t(k, n) ORDER BY n", ([f"{topic}/{partition}" for topic, partition in parts],))
    rows = conn.execute(
        select(partition_offsets.c.topic, partition_offsets.c.partition, partition_offsets.c.offset).where(
            partition_offsets.c.topic.in_({t for t, _ in parts})
        )
    )
    return {(t, p): o for t, p, o in rows if (t, p) in parts}


def lock_owner(conn: Connection, owner: str) -> None:
    """One transaction at a time reads and writes an owner's SU-2 directories."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({OWNER_LOCKS}, hashtext(:owner))"), {"owner": owner})
