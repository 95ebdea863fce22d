"""INSERT .. ON CONFLICT for SQLite and PostgreSQL alike: the one upsert every writer uses."""

from __future__ import annotations

import zlib
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, LargeBinary, String, Table, Text
from sqlalchemy.dialects import postgresql, sqlite

_PLAIN = (String, Integer, BigInteger, LargeBinary, Text)
COPY_FROM = 64
"""Rows from which a PostgreSQL upsert goes through COPY (below: one unnest statement, one round trip)."""


def upsert(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str], update: list[str]) -> None:
    """Insert `rows` (all with the same columns); on a conflict on `keys`, update the `update` columns
    (update=[] means DO NOTHING)."""
    if not rows:
        return
    if conn.dialect.name in ("postgresql", "sqlite") and _plain(table):
        columns = tuple(rows[0])
        upsert_tuples(conn, table, columns, [tuple(r[c] for c in columns) for r in rows], keys, update)
        return
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    if update:
        stmt = stmt.on_conflict_do_update(index_elements=keys, set_={c: stmt.excluded[c] for c in update})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    conn.execute(stmt, rows)


def upsert_tuples(conn: Connection, table: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
                  keys: list[str], update: list[str]) -> None:
    """`upsert` of rows already given as tuples of `columns`, for a table whose columns need no processing
    (`_plain`): what a writer of one row per event calls, so no dict is made per row only to be taken apart."""
    if not rows:
        return
    if conn.dialect.name not in ("postgresql", "sqlite") or not _plain(table):
        upsert(conn, table, [dict(zip(columns, values, strict=True)) for values in rows], keys, update)
        return
    if conn.dialect.name == "postgresql":
        if len(rows) >= COPY_FROM and _can_copy(conn):
            _pg_copy(conn, table, columns, rows, tuple(keys), tuple(update))
            return
        # One statement over one array per column (`unnest`): the driver sends an array a column instead of
        # SQLAlchemy rendering and processing a bind parameter per value (a batch's history rows cost ~0.25 ms
        # each that way), and PostgreSQL parses one short statement.
        conn.exec_driver_sql(_pg_sql(table, columns, tuple(keys), tuple(update), False),
                             tuple(list(values) for values in zip(*rows, strict=True)))
        return
    # SQLite: handing the driver tuples skips SQLAlchemy's per-row parameter processing, which cost more than
    # SQLite's insert itself.
    conn.exec_driver_sql(_sqlite_sql(table.name, columns, tuple(keys), tuple(update)), rows)


def insert_rows(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """A plain INSERT of `rows` (all with the same columns): a conflict raises. On SQLite the driver gets
    tuples, as in `upsert`: the log's rows are appended in thousands."""
    if not rows:
        return
    if conn.dialect.name == "sqlite" and _plain(table):
        columns = tuple(rows[0])
        conn.exec_driver_sql(_sqlite_insert(table.name, columns), [tuple(r[c] for c in columns) for r in rows])
        return
    conn.execute(table.insert(), rows)


@cache
def _sqlite_insert(name: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {_q(name)} ({', '.join(_q(c) for c in columns)}) "
            f"VALUES ({', '.join(['?'] * len(columns))})")


def _q(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def claim(conn: Connection, table: Any, column: str, values: list[Any]) -> set[Any]:
    """Insert these values of `table`'s one-column key (the others have defaults); returns those that were
    not there yet. One round trip where a select of the known ones then an insert of the rest took two."""
    if not values:
        return set()
    if conn.dialect.name == "postgresql" and _plain(table):  # ids need no escaping: COPY measured no cheaper
        return set(conn.exec_driver_sql(_pg_sql(table, (column,), (column,), (), True), ([*values],)).scalars())
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).on_conflict_do_nothing(index_elements=[column]).returning(table.c[column])
    fresh: set[Any] = set()
    for value in dict.fromkeys(values):  # SQLite returns nothing for a whole executemany: one row a statement
        fresh.update(conn.execute(stmt, {column: value}).scalars())
    return fresh


@cache
def _pg_sql(table: Table, columns: tuple[str, ...], keys: tuple[str, ...], update: tuple[str, ...],
            returning: bool) -> str:
    def q(column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    arrays = ", ".join(f"%s::{_pg_type(table.c[c].type)}[]" for c in columns)
    action = ("DO UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)) if update else "DO NOTHING"
    back = f" RETURNING {q(keys[0])}" if returning else ""
    return (f"INSERT INTO {q(table.name)} ({', '.join(q(c) for c in columns)}) SELECT * FROM unnest({arrays}) "
            f"ON CONFLICT ({', '.join(q(k) for k in keys)}) {action}{back}")


def _pg_copy(conn: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]],
             keys: tuple[str, ...], update: tuple[str, ...]) -> None:
    """The same upsert through COPY: the rows go to a temporary table of this session (psycopg writes COPY
    rows in compiled code; an array parameter's elements are quoted and escaped in Python, ~5x slower for a
    batch's history bodies), then one INSERT .. SELECT in their written order takes them in (the same
    ON CONFLICT, so the same result) and empties it. The temporary table also empties itself on commit
    (rows a failed statement left are rolled back with it)."""
    staging, create, insert = _pg_copy_sql(table, columns, keys, update)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # the same transaction
    try:
        cursor.execute(create)  # IF NOT EXISTS: a table made in a transaction rolled back is made again
        with cursor.copy(f"COPY {staging} FROM STDIN") as copy:
            for n, row in enumerate(rows):
                copy.write_row((n, *row))
        cursor.execute(insert)
    finally:
        cursor.close()


def _can_copy(conn: Connection) -> bool:
    """psycopg 3 (its COPY), inside a transaction: under autocommit the temporary table would be emptied by
    the COPY's own commit before the INSERT read it."""
    raw = conn.connection.dbapi_connection
    return conn.dialect.driver == "psycopg" and not getattr(raw, "autocommit", True)


@cache
def _pg_copy_sql(table: Table, columns: tuple[str, ...], keys: tuple[str, ...], update: tuple[str, ...]
                 ) -> tuple[str, str, str]:
    names = ", ".join(_q(c) for c in columns)
    staging = "pg_temp." + _q(f"copy_{table.name[:40]}_{zlib.crc32(','.join(columns).encode()):08x}")
    create = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
              f"SELECT 0::int8 AS copy_n, {names} FROM {_q(table.name)} WITH NO DATA")
    action = ("DO UPDATE SET " + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in update)) if update else "DO NOTHING"
    conflict = ", ".join(_q(k) for k in keys)
    insert = (f"WITH taken AS (DELETE FROM {staging} RETURNING *) INSERT INTO {_q(table.name)} ({names}) "
              f"SELECT {names} FROM taken ORDER BY copy_n ON CONFLICT ({conflict}) {action}")
    return staging, create, insert


def _pg_type(kind: Any) -> str:
    if isinstance(kind, BigInteger):
        return "int8"
    if isinstance(kind, Integer):
        return "int4"
    if isinstance(kind, LargeBinary):
        return "bytea"
    return "text"  # String, Text: the column's own length limit still applies on insert


@cache
def _plain(table: Table) -> bool:
    """Every column passes to the driver as it is (no JSON or other processing)."""
    return all(isinstance(c.type, _PLAIN) for c in table.c)


@cache
def _sqlite_sql(name: str, columns: tuple[str, ...], keys: tuple[str, ...], update: tuple[str, ...]) -> str:
    def q(column: str) -> str:
        return '"' + column.replace('"', '""') + '"'

    action = ("DO UPDATE SET " + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in update)) if update else "DO NOTHING"
    return (f"INSERT INTO {q(name)} ({', '.join(q(c) for c in columns)}) VALUES ({', '.join(['?'] * len(columns))}) "
            f"ON CONFLICT ({', '.join(q(k) for k in keys)}) {action}")
