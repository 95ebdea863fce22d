"""Bringing a database written by an earlier version up to the current schema on first start.

`metadata.create_all` adds missing tables, never changes existing ones. Read models are derived: where the
log is in the same database (SQLite, the embedded mode) an outdated read model is dropped and the ledger
replays the log into the new shape when it opens (its checkpoint is reset); on PostgreSQL (the distributed
read models, whose log is Kafka) the change is made in place, keeping every row.
"""

from __future__ import annotations

import orjson
from sqlalchemy import Connection, Engine, bindparam, delete, insert, inspect, literal, select, text, update

from services.store.answers import restamp
from services.store.bodies import is_packed, pack
from services.store.schema import (
    EMBEDDED_CHECKPOINT,
    READ_MODELS,
    answers,
    checkpoints,
    events,
    events_enrolled,
    history,
    ledger_meta,
    projection_state,
    state_parts,
)
from services.store.states import save_parts, save_whole

_NULLABLE_NOW = ("event_id", "type", "occurred_at", "recorded_at", "body")


def migrate(engine: Engine) -> None:
    with engine.begin() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("history")}
        if "position" not in columns:
            _history_by_position(conn)
        _split_states(conn)
        _standing_snapshots(conn)
        _packed_bodies(conn)
        _answers_by_day(conn)
        events_enrolled.create(conn, checkfirst=True)  # an index added since: create_all skips existing tables


def _history_by_position(conn: Connection) -> None:
    """History rows of source events point at the log (`position`) instead of copying the body."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE history ADD COLUMN position BIGINT"))
        for column in _NULLABLE_NOW:
            conn.execute(text(f"ALTER TABLE history ALTER COLUMN {column} DROP NOT NULL"))
        return
    history.drop(conn)
    history.create(conn)
    rebuild_read_models(conn)


def _answers_by_day(conn: Connection) -> None:
    """Stored answers keyed by farm and kind become keyed by their day too. They are a cache of folds (a
    missing row is folded again on the next ask), so the old table is dropped and made anew, on both backends."""
    if "as_of" not in inspect(conn).get_pk_constraint("answers")["constrained_columns"]:
        answers.drop(conn)
        answers.create(conn)


def _split_states(conn: Connection) -> None:
    """A state kept whole by an earlier version, of a projection now split into parts, becomes its part ""
    (parts merge by union, so the whole state answers as before; new events fill their own parts)."""
    from projections.projection import is_parted
    from projections.registry import all_projections

    names = [p.name for p in all_projections() if is_parted(p)]
    old = select(projection_state.c.key, projection_state.c.projection, literal(""), projection_state.c.state).where(
        projection_state.c.projection.in_(names))
    conn.execute(insert(state_parts).from_select(["key", "projection", "part", "state"], old))
    conn.execute(delete(projection_state).where(projection_state.c.projection.in_(names)))


def _standing_snapshots(conn: Connection) -> None:
    """Standing states of the earlier shape (every fact of the farm) become a snapshot plus the facts after
    it, and their facts the `conduct` parts the rules read (in place, so PostgreSQL keeps its rows too)."""
    from projections.standing.conduct import NAME as CONDUCT
    from projections.standing.projection import upgraded
    from projections.standing.query import NAME

    c = projection_state.c
    if conn.execute(select(state_parts.c.key).where(state_parts.c.projection == CONDUCT).limit(1)).first():
        return
    changed = False
    for key, raw in conn.execute(select(c.key, c.state).where(c.projection == NAME)).all():
        old = orjson.loads(raw)
        if "snapshot" in old:
            continue
        state, parts = upgraded(old)
        save_whole(conn, {(NAME, key): state})
        save_parts(conn, {(CONDUCT, key, month): part for month, part in parts.items()})
        changed = True
    if changed:  # the same answers, but a stored answer is only ever kept for the states it was made from
        restamp(conn, [], every_farm=True)


BODIES_KEY = "events_body"
BODIES_PACKED = "zstd-1"


def _packed_bodies(conn: Connection, page: int = 5000) -> None:
    """Log bodies stored as plain JSON (by an earlier version) are stored compressed (`services/store/bodies`),
    in place, once. Hashes are over the plain JSON, so no digest, link or signed checkpoint changes."""
    done = select(ledger_meta.c.value).where(ledger_meta.c.name == BODIES_KEY)
    if conn.execute(done).scalar() == BODIES_PACKED:
        return
    last = 0
    store = update(events).where(events.c.position == bindparam("at")).values(body=bindparam("packed"))
    while rows := conn.execute(select(events.c.position, events.c.body).where(events.c.position > last)
                               .order_by(events.c.position).limit(page)).all():
        last = rows[-1][0]
        plain = [{"at": p, "packed": pack(bytes(b), _sorted(bytes(b)))} for p, b in rows if not is_packed(b)]
        if plain:
            conn.execute(store, plain)
    conn.execute(ledger_meta.delete().where(ledger_meta.c.name == BODIES_KEY))
    conn.execute(ledger_meta.insert().values(name=BODIES_KEY, value=BODIES_PACKED))


def _sorted(plain: bytes) -> bool:
    """Whether an earlier version's body happens to be canonical already (then history needs not decode it)."""
    try:
        return orjson.dumps(orjson.loads(plain), option=orjson.OPT_SORT_KEYS) == plain
    except orjson.JSONDecodeError:
        return False


def rebuild_read_models(conn: Connection) -> None:
    """Empty every read model and reset the embedded checkpoint: the ledger replays its log when it opens."""
    for table in READ_MODELS:
        conn.execute(delete(table))
    conn.execute(delete(checkpoints).where(checkpoints.c.name == EMBEDDED_CHECKPOINT))
