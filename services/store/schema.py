"""Tables: the embedded event log, the event-id index, read models, checkpoints, outbox, person keys.

One schema for SQLite and PostgreSQL. Timestamps are stored as UTC ISO-8601 text so they sort as strings.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# The embedded append-only log. `position` is the global order; per farm it is the Kafka partition order.
events = Table(
    "events",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("type", String(40), nullable=False),
    Column("farm_id", String(120), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("chain", String(64), nullable=False),
    Column("body", LargeBinary, nullable=False),
)
Index("events_by_farm", events.c.farm_id, events.c.position)

# Distributed mode: the ids the ledger accepted before producing them to Kafka (idempotency by event_id).
event_index = Table(
    "event_index",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("farm_id", String(120), nullable=False),
    Column("digest", String(64), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)

# Read models. A fold projection keeps one JSON state per key; the history is append-only rows.
projection_state = Table(
    "projection_state",
    metadata,
    Column("projection", String(40), primary_key=True),
    Column("key", String(120), primary_key=True),
    Column("state", LargeBinary, nullable=False),
)

history = Table(
    "history",
    metadata,
    Column("farm_id", String(120), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("event_id", String(36), nullable=False),
    Column("type", String(40), nullable=False),
    Column("occurred_at", String(40), nullable=False),
    Column("recorded_at", String(40), nullable=False),
    Column("body", LargeBinary, nullable=False),
)

# Which events a read-model database has applied: the source of truth on restart (not Kafka offsets).
applied = Table(
    "applied",
    metadata,
    Column("event_id", String(36), primary_key=True),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("position", Integer, nullable=False),
)

# Derived events written in the read-model transaction, published afterwards (at least once, stable ids).
outbox = Table(
    "outbox",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("farm_id", String(120), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("published", Integer, nullable=False, default=0),
)

# Events an agent could not apply: recorded durably, never dropped silently.
failures = Table(
    "failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False),
    Column("where", String(120), nullable=False),
    Column("error", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("at", String(40), nullable=False),
)

# Per-person keys for sealed personal data; deleting a key erases the person (crypto-shredding).
person_keys = Table(
    "person_keys",
    metadata,
    Column("person_id", String(120), primary_key=True),
    Column("key", LargeBinary, nullable=True),
    Column("erased_at", String(40), nullable=True),
)
