"""The query plan a database chooses for a statement, for tests that check one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event
from sqlalchemy.sql import Executable


def explain(connection: Connection, statement: Executable) -> list[Any]:
    """The plan of `statement` with its parameters bound exactly as SQLAlchemy binds them."""
    prefix = (
        "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN (FORMAT JSON) "
    )

    def explained(*args: Any) -> tuple[str, Any]:
        return prefix + args[2], args[3]  # (conn, cursor, statement, parameters, ...)

    event.listen(connection, "before_cursor_execute", explained, retval=True)
    try:
        return list(connection.execute(statement))
    finally:
        event.remove(connection, "before_cursor_execute", explained)
