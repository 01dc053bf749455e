"""Read the database into the operating system's file cache before visitors need it.

A page's first visit reads rows scattered over the tables: at a million works on PostgreSQL
(12 GB) the first visits after the database had left the OS cache took p95 110-135 ms
(author pages, venues, experts), and 46-73 ms once its files had been read once
(docs/operations.md). `paperscope serve` asks for that read as it starts
(`serve_prewarm`), in its warm-up thread:

- PostgreSQL: `pg_prewarm(relation, 'prefetch')` for every table the site reads and their
  indexes, the ones PostgreSQL has read the most blocks of first (its statistics, which
  outlive a restart), so that a budget smaller than the database goes to what the site
  reads: the kernel reads them in the background (the extension comes with PostgreSQL,
  but creating it needs a superuser: without it nothing is read, and the reason is
  reported);
- SQLite: `posix_fadvise(WILLNEED)` on the database file.

Only up to `budget` bytes (half the memory available by default): a database larger than the
cache would only push out what the site had read itself. Tables only the pipeline reads
(`NOT_SERVED`) are left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from paperscope.store.database import Store

NOT_SERVED = frozenset(
    {"source_records", "pending_references", "embeddings", "alembic_version", "search_changes"}
)
"""Tables only the pipeline reads: the raw source records, references waiting for their
works, the vectors (the vector index holds them), the BM25 index's change log."""

_RELATIONS = text(
    """
    WITH served AS (
        SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r'
          AND NOT (c.relname = ANY(:skipped))
    ), tables AS (
        SELECT oid FROM served
        UNION ALL  -- long values (a stored author page's body) live in the TOAST table
        SELECT c.reltoastrelid FROM pg_class c JOIN served s ON s.oid = c.oid
        WHERE c.reltoastrelid <> 0
    ), relations AS (
        SELECT oid FROM tables
        UNION ALL
        SELECT i.indexrelid FROM pg_index i JOIN tables t ON t.oid = i.indrelid
    )
    SELECT r.oid, CAST(CAST(r.oid AS regclass) AS text) AS name,
           pg_relation_size(r.oid) AS bytes,
           COALESCE(t.heap_blks_read + t.heap_blks_hit, 0)
             + COALESCE(i.idx_blks_read + i.idx_blks_hit, 0) AS used
    FROM relations r
    LEFT JOIN pg_statio_all_tables t ON t.relid = r.oid
    LEFT JOIN pg_statio_all_indexes i ON i.indexrelid = r.oid
    ORDER BY used DESC, bytes, r.oid
    """
)
_PREFETCH = text("SELECT pg_prewarm(CAST(CAST(:oid AS oid) AS regclass), 'prefetch')")


@dataclass(frozen=True, slots=True)
class Prewarmed:
    """What was asked to be read: how many relations (tables, indexes, files), their bytes
    and names, or why nothing was."""

    bytes: int
    names: tuple[str, ...] = ()
    not_done: str | None = None

    @property
    def relations(self) -> int:
        return len(self.names)


def memory_budget(share: float = 0.5) -> int:
    """`share` of the memory available now (Linux's MemAvailable), 0 where unknown."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(int(line.split()[1]) * 1024 * share)
    except (OSError, ValueError, IndexError):
        pass
    return 0


def prewarm(store: Store, budget: int) -> Prewarmed:
    """Ask for the site's tables to be read into the OS cache, at most `budget` bytes."""
    if budget <= 0:
        return Prewarmed(0, not_done="no memory to spare for it")
    if store.dialect == "postgresql":
        return _postgresql(store, budget)
    return _sqlite(store, budget)


def _postgresql(store: Store, budget: int) -> Prewarmed:
    try:
        with store.transaction() as connection:
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        return Prewarmed(0, not_done=f"PostgreSQL's pg_prewarm extension is not there: {reason}")
    names: list[str] = []
    total = 0
    with store.connect() as connection:
        listed = connection.execute(_RELATIONS, {"skipped": sorted(NOT_SERVED)}).all()
        for oid, name, size, _ in listed:
            if total + int(size) > budget:
                continue  # a smaller one may still fit
            connection.execute(_PREFETCH, {"oid": oid})
            names.append(str(name))
            total += int(size)
    return Prewarmed(total, tuple(names))


def _sqlite(store: Store, budget: int) -> Prewarmed:
    database = store.engine.url.database
    if not database or database == ":memory:" or not hasattr(os, "posix_fadvise"):
        return Prewarmed(0, not_done="no database file to read")
    files = [Path(database), Path(f"{database}-wal")]
    present = [path for path in files if path.is_file()]
    total = sum(path.stat().st_size for path in present)
    if total > budget:
        return Prewarmed(0, not_done=f"the database ({total:,} bytes) is larger than {budget:,}")
    for path in present:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(descriptor)
    return Prewarmed(total, tuple(path.name for path in present))
