"""The query plan a database chooses for a statement, for tests that check one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.sql import Executable


def _prefix(connection: Connection) -> str:
    if connection.dialect.name == "sqlite":
        return "EXPLAIN QUERY PLAN "
    return "EXPLAIN (FORMAT JSON) "


def explain(connection: Connection, statement: Executable) -> list[Any]:
    """The plan of `statement` with its parameters bound exactly as SQLAlchemy binds them."""
    prefix = _prefix(connection)

    def explained(*args: Any) -> tuple[str, Any]:
        return prefix + args[2], args[3]  # (conn, cursor, statement, parameters, ...)

    event.listen(connection, "before_cursor_execute", explained, retval=True)
    try:
        return list(connection.execute(statement))
    finally:
        event.remove(connection, "before_cursor_execute", explained)


def explain_driver_sql(connection: Connection, statement: str, parameters: Any) -> list[Any]:
    """The plan of a statement as the driver received it (e.g. caught by an engine event)."""
    return list(connection.exec_driver_sql(_prefix(connection) + statement, parameters))


def plan_steps(connection: Connection, rows: list[Any]) -> list[str]:
    """`explain`'s rows as one line per step: SQLite's own lines ("SEARCH t USING COVERING
    INDEX ix (a=?)"); PostgreSQL's node types, with the index read ("Index Only Scan using
    ix")."""
    if connection.dialect.name == "sqlite":
        return [str(row[-1]) for row in rows]
    ((plan,),) = rows
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return list(_postgresql_steps(plan[0]["Plan"]))


def _postgresql_steps(node: dict[str, Any]) -> Iterator[str]:
    index = node.get("Index Name")
    yield node["Node Type"] + (f" using {index}" if index else "")
    for child in node.get("Plans", []):
        yield from _postgresql_steps(child)


def ask_for_index_scans(connection: Connection) -> None:
    """On PostgreSQL, plan as if a table were too large to read whole or page by page
    through a bitmap (tests' tables are tiny: the planner would rightly scan them)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET enable_seqscan = off"))
        connection.execute(text("SET enable_bitmapscan = off"))
