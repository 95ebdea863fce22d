"""INSERT .. ON CONFLICT for SQLite and PostgreSQL alike: the one upsert every writer uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    """Insert `rows`; on a conflict on `keys`, update the `update` columns (update=[] means DO NOTHING)."""
    if not rows:
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)
