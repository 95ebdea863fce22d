"""Engine creation: the one place that knows SQLite from PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event

from services.settings import settings
from services.store.schema import metadata

DEFAULT_DB = "sqlite:///dignity.db"


def database_url(url: str | None = None) -> str:
    return url or settings().db or DEFAULT_DB


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def connect(url: str | None = None, create: bool = True) -> Engine:
    url = database_url(url)
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if engine.dialect.driver == "psycopg":
        # psycopg 3 sends an executemany as pipelined one-row statements; one multi-row INSERT per page
        # (what SQLAlchemy does for psycopg2) makes a batch's history and state writes ~30% cheaper.
        engine.dialect.use_insertmanyvalues_wo_returning = True
    if create:
        from services.store.migrate import migrate

        if not _every_table_there(engine):
            metadata.create_all(engine)
        migrate(engine)
    return engine


def _every_table_there(engine: Engine) -> bool:
    """SQLite already holds every table of the schema (one read of its catalogue): `create_all` would then
    create nothing, after asking for each of the ~35 tables in turn (a third of what opening a ledger cost)."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'").scalars())
    return set(metadata.tables) <= names


def utc_text(moment: datetime) -> str:
    """Sortable text for a moment: UTC, microseconds, fixed width."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")  # same text as strftime, ~1.5x faster


def now() -> datetime:
    return datetime.now(UTC)
