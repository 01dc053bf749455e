"""Dialect-aware bulk writes: insert-or-ignore, insert-or-update, and inserts that hand back ids.

On SQLite, statements are built with SQLAlchemy Core, compiled once, and run through the
driver's `executemany`: at ingest volumes SQLAlchemy's per-row parameter processing, not the
database, would otherwise be the bottleneck. On PostgreSQL a batch is one statement that
unnests one array per column (`INSERT ... SELECT * FROM unnest(...)`): one round trip and
one plan per batch instead of one per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Dialect, Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite


def _dialect_insert(dialect: Dialect, table: Table) -> Any:
    if dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _sql(dialect: Dialect, statement: Any, columns: Sequence[str]) -> str:
    if dialect.name == "sqlite":
        # The driver takes dicts with named parameters; SQLAlchemy's default here is `?`.
        dialect = sqlite.dialect(paramstyle="named")
    return str(statement.compile(dialect=dialect, column_keys=list(columns)))


@cache
def _insert_ignore_sql(
    dialect: Dialect, table: Table, columns: tuple[str, ...], keys: tuple[str, ...]
) -> str:
    statement = _dialect_insert(dialect, table).on_conflict_do_nothing(index_elements=keys)
    return _sql(dialect, statement, columns)


@cache
def _upsert_sql(
    dialect: Dialect,
    table: Table,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    update: tuple[str, ...],
) -> str:
    statement = _dialect_insert(dialect, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys, set_={name: statement.excluded[name] for name in update}
    )
    return _sql(dialect, statement, columns)


@cache
def _insert_sql(dialect: Dialect, table: Table, columns: tuple[str, ...]) -> str:
    return _sql(dialect, insert(table), columns)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


@cache
def _unnest_sql(dialect: Dialect, table: Table, columns: tuple[str, ...], conflict: str) -> str:
    arrays = ", ".join(
        f"%({name})s::{table.c[name].type.compile(dialect=dialect)}[]" for name in columns
    )
    return (
        f'INSERT INTO "{table.name}" ({_quoted(columns)}) SELECT * FROM unnest({arrays}) {conflict}'
    )


def _unnest(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], conflict: str
) -> None:
    columns = tuple(rows[0])
    arrays = {name: [row[name] for row in rows] for name in columns}
    connection.exec_driver_sql(_unnest_sql(connection.dialect, table, columns, conflict), arrays)


def insert_ignore(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    """Insert rows (all with the same columns); a row whose `keys` exist is left as stored."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _unnest(connection, table, rows, f"ON CONFLICT ({_quoted(keys)}) DO NOTHING")
        return
    sql = _insert_ignore_sql(connection.dialect, table, tuple(rows[0]), tuple(keys))
    connection.exec_driver_sql(sql, list(rows))


def upsert(
    connection: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert rows; a row whose `keys` exist has its `update` columns replaced.

    PostgreSQL refuses to update one row twice in a statement, so callers pass unique keys.
    """
    if rows and connection.dialect.name == "postgresql":
        assignments = ", ".join(f'"{name}" = EXCLUDED."{name}"' for name in update)
        _unnest(
            connection, table, rows, f"ON CONFLICT ({_quoted(keys)}) DO UPDATE SET {assignments}"
        )
    elif rows:
        sql = _upsert_sql(connection.dialect, table, tuple(rows[0]), tuple(keys), tuple(update))
        connection.exec_driver_sql(sql, list(rows))


def insert_with_ids(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert rows into a table with an integer `id` key; returns the new ids in row order."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        sequence = f"{table.name}_id_seq"
        ids = list(
            connection.execute(
                select(func.nextval(sequence)).select_from(func.generate_series(1, len(rows)))
            ).scalars()
        )
        _unnest(connection, table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)], "")
        return ids
    # SQLite numbers rows max(rowid)+1, +2, ... in insert order, and after the insert this
    # transaction holds the write lock, so the new ids are the last len(rows) up to the max.
    sql = _insert_sql(connection.dialect, table, tuple(rows[0]))
    connection.exec_driver_sql(sql, list(rows))
    last = connection.execute(select(func.max(table.c.id))).scalar_one()
    return list(range(last - len(rows) + 1, last + 1))
