"""Where person keys live: a store of their own, never the event database (SPEC §6, issue 9 item 5).

`DIGNITY_KEYS` names it (an SQLAlchemy URL, or a file path for SQLite); by default it is the file beside an
SQLite event database (`ledger.db` -> `ledger.keys.db`), or `dignity.keys.db` in the working directory for
a PostgreSQL one. The `KeyStore` protocol is what a KMS-backed store would implement.

Forgetting deletes the key row under SQLite's `secure_delete` (freed bytes are zeroed), then vacuums the
file and truncates its write-ahead log, so no journal or free page keeps the key. Only a tombstone
(person id, when) remains, so the person cannot be recorded again under the same id.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import (
    Column,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import StaticPool

from services.settings import settings
from services.store.database import now, utc_text

KEYS_ENV = "DIGNITY_KEYS"
DEFAULT_KEYS_FILE = "dignity.keys.db"

key_metadata = MetaData()
person_keys = Table(
    "person_keys", key_metadata,
    Column("person_id", String(120), primary_key=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", String(40), nullable=False),
)
erased = Table(
    "erased", key_metadata,
    Column("person_id", String(120), primary_key=True),
    Column("erased_at", String(40), nullable=False),
)
secrets = Table(
    "secrets", key_metadata,
    Column("name", String(60), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)


class PersonErased(ValueError):
    """The person's key was destroyed: their data can neither be read nor recorded again."""

    def __init__(self, person_id: str) -> None:
        self.person_id = person_id
        self.field: str | None = None  # where the ingest met the person, when it did
        super().__init__(f"person {person_id} was erased; their data cannot be recorded again")


class KeyStore(Protocol):
    def key(self, person_id: str) -> bytes | None: ...

    def key_or_create(self, person_id: str, make: bytes) -> bytes: ...

    def forget(self, person_id: str) -> bool: ...

    def secret(self, name: str) -> bytes: ...


def key_store_url(event_url: URL | str) -> str:
    """The key store's location for an event database (see the module's docstring)."""
    configured = settings().keys  # DIGNITY_KEYS
    if configured:
        return configured if "://" in configured else f"sqlite:///{configured}"
    url = make_url(event_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return "sqlite://"
        path = Path(url.database)
        return f"sqlite:///{path.with_name(path.stem + '.keys' + (path.suffix or '.db'))}"
    return f"sqlite:///{DEFAULT_KEYS_FILE}"


def _key_store_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten with zeros, not left in free pages
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


class SqlKeyStore:
    """The key store on SQLite (default) or PostgreSQL."""

    def __init__(self, url: str) -> None:
        on_sqlite = make_url(url).get_backend_name() == "sqlite"
        memory = on_sqlite and make_url(url).database in (None, "", ":memory:")
        self.engine: Engine = create_engine(url, poolclass=StaticPool) if memory else create_engine(url)
        if on_sqlite:
            event.listen(self.engine, "connect", _key_store_pragmas)
        key_metadata.create_all(self.engine)
        self._lock = threading.Lock()

    def key(self, person_id: str) -> bytes | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(person_keys.c.key).where(person_keys.c.person_id == person_id)).first()
            if row is not None:
                return bytes(row[0])
            if conn.execute(select(erased.c.person_id).where(erased.c.person_id == person_id)).first():
                raise PersonErased(person_id)
        return None

    def key_or_create(self, person_id: str, make: bytes) -> bytes:
        with self._lock, self.engine.begin() as conn:
            if conn.execute(select(erased.c.person_id).where(erased.c.person_id == person_id)).first():
                raise PersonErased(person_id)
            # Another process may make the same person's key at once: the first one's key stands.
            conn.execute(_insert_new(conn, person_keys).values(person_id=person_id, key=make,
                                                               created_at=utc_text(now())))
            return bytes(conn.execute(select(person_keys.c.key).where(person_keys.c.person_id == person_id))
                         .scalar_one())

    def keys_or_create(self, made: dict[str, bytes]) -> dict[str, bytes]:
        """`key_or_create` for many people in one transaction (one synchronous commit): person id -> the
        key that stands; an erased person is left out (`key_or_create` then raises for them)."""
        ids = sorted(made)
        with self._lock, self.engine.begin() as conn:
            gone = set(conn.execute(select(erased.c.person_id).where(erased.c.person_id.in_(ids))).scalars())
            fresh = [i for i in ids if i not in gone]
            if fresh:
                stamp = utc_text(now())
                conn.execute(_insert_new(conn, person_keys), [
                    {"person_id": i, "key": made[i], "created_at": stamp} for i in fresh])
            return {i: bytes(k) for i, k in conn.execute(
                select(person_keys.c.person_id, person_keys.c.key).where(person_keys.c.person_id.in_(fresh)))}

    def forget(self, person_id: str) -> bool:
        with self._lock:
            with self.engine.begin() as conn:
                gone = conn.execute(delete(person_keys).where(person_keys.c.person_id == person_id)).rowcount
                if gone:
                    conn.execute(insert(erased).values(person_id=person_id, erased_at=utc_text(now())))
            if gone:
                self.scrub()
        return bool(gone)

    def scrub(self) -> None:
        """Leave no copy of a deleted key in free pages, the write-ahead log or dead tuples."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            if self.engine.dialect.name == "sqlite":
                conn.execute(text("VACUUM"))
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            else:
                conn.execute(text("VACUUM person_keys"))

    def secret(self, name: str) -> bytes:
        """A ledger secret kept with the keys (never in the event database), made on first use."""
        with self._lock, self.engine.begin() as conn:
            conn.execute(_insert_new(conn, secrets).values(name=name, value=os.urandom(32)))  # first one stands
            return bytes(conn.execute(select(secrets.c.value).where(secrets.c.name == name)).scalar_one())

    def import_legacy(self, rows: list[tuple[str, bytes | None, str | None]]) -> None:
        """Keys an older ledger kept in its event database: live keys and tombstones alike."""
        with self._lock, self.engine.begin() as conn:
            for person_id, key, erased_at in rows:
                if conn.execute(select(person_keys.c.person_id).where(person_keys.c.person_id == person_id)
                                .union(select(erased.c.person_id).where(erased.c.person_id == person_id))).first():
                    continue
                if key is None:
                    conn.execute(insert(erased).values(person_id=person_id, erased_at=erased_at or utc_text(now())))
                else:
                    conn.execute(insert(person_keys).values(person_id=person_id, key=bytes(key),
                                                            created_at=utc_text(now())))


def _insert_new(conn: Any, table: Table) -> Any:
    """INSERT that leaves an existing row alone (SQLite and PostgreSQL)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


_stores: dict[str, SqlKeyStore] = {}
_stores_lock = threading.Lock()


def key_store_for(event_engine: Engine) -> SqlKeyStore:
    """The key store of an event database, opened once per process; keys left in the event database by an
    older version are moved on first open."""
    url = key_store_url(event_engine.url)
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = SqlKeyStore(url)
    migrate_legacy_keys(event_engine, store)
    return store


def migrate_legacy_keys(event_engine: Engine, store: SqlKeyStore) -> None:
    """Move `person_keys` out of the event database, then drop it there and leave no free page with a key."""
    if not inspect(event_engine).has_table("person_keys"):
        return
    with event_engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("PRAGMA secure_delete=ON"))
        rows = [(r[0], r[1], r[2]) for r in conn.execute(text("SELECT person_id, key, erased_at FROM person_keys"))]
        store.import_legacy(rows)
        conn.execute(text("DELETE FROM person_keys"))
        conn.execute(text("DROP TABLE person_keys"))
    if event_engine.dialect.name == "sqlite":
        with event_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("PRAGMA secure_delete=ON"))
            conn.execute(text("VACUUM"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
