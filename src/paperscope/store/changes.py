"""Whether anything an author page reads changed since the stored pages were computed.

Triggers on every such table (migration 0015_author_page_snapshots) add a row to
`content_changes` when none is newer than `content_state.version`. A refresh moves the
version past every recorded change; until the next change, whatever is computed after the
refresh and stamped with its version is current.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    delete,
    exists,
    insert,
    select,
    text,
    update,
)

from paperscope.store.metrics_schema import content_changes, content_state

ADVISORY_KEY = 7_263_115_012
"""PostgreSQL: the advisory lock every writing transaction holds shared (the triggers take
it) and `start_refresh` takes exclusively (the same number as in migration 0015)."""


def start_refresh(connection: Connection) -> int:
    """Start a new content version and return it; commit before reading what it stamps.

    On PostgreSQL this first waits for every transaction that wrote a watched table to end:
    a change recorded by a transaction still open would otherwise be older than the new
    version, and not count, yet its data would not be visible to the reads that follow."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({ADVISORY_KEY})"))
    version = int(
        connection.execute(
            insert(content_changes).returning(content_changes.c.id)  # the next id
        ).scalar_one()
    )
    connection.execute(update(content_state).where(content_state.c.id == 1).values(version=version))
    # The newest row stays: SQLite numbers new rows after the largest one left.
    connection.execute(delete(content_changes).where(content_changes.c.id < version))
    return version


def unchanged_since(connection: Connection, version: int) -> bool:
    """Nothing an author page reads changed since `version` began (and it is the current
    one)."""
    current = connection.execute(
        select(content_state.c.version).where(content_state.c.id == 1)
    ).scalar()
    newer = connection.execute(select(exists().where(content_changes.c.id > version))).scalar()
    return current == version and not newer


def is_current(version: ColumnElement[int]) -> ColumnElement[bool]:
    """SQL: a row stamped with `version` was computed against the data as it is now (the
    version is the current one and no change was recorded since)."""
    current = select(content_state.c.version).where(content_state.c.id == 1).scalar_subquery()
    return and_(version == current, ~exists().where(content_changes.c.id > current))
