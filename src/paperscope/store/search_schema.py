"""Tables of the search domain, on the shared metadata (migration: versions/0002_search.py).

- ``embeddings``: one vector per (work, model), with the model's version and the hash of the
  text it was computed from, so only works whose text changed are recomputed.
- ``search_pending``: works whose keyword-index entry is out of date. Database triggers
  (created by the migration, not declared here) add a work when its title, abstract or venue
  changes, when it is inserted or deleted, and when its authorships change; the keyword
  index is refreshed from this queue (see paperscope.search.keyword).
- ``search_state``: a generation counter per embedding model, bumped whenever its
  embeddings change, so a vector index persisted on disk knows when it is stale; and the
  ``keyword`` generation, moved on by every refresh of the keyword index (search.bm25).
- ``search_changes``: the works each refresh of the keyword index re-indexed, by the
  generation it moved to, so the BM25 index beside the database catches up with only them.

The keyword index itself is native to each database and so not declared on the metadata:
an FTS5 virtual table ``works_fts`` on SQLite, a ``works_tsv`` table with a tsvector column
and a GIN index on PostgreSQL. ``include_name`` below tells Alembic's comparison to skip them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
)

from paperscope.store.schema import metadata

# Native full-text objects (FTS5 virtual table and its shadow tables; the PostgreSQL tsvector
# table): created by the migration with dialect checks, invisible to the metadata.
NATIVE_TABLE_PREFIXES = ("works_fts", "works_tsv", "search_vec")
NATIVE_INDEXES = frozenset({"ix_authorships_name_key_reversed_person_work"})
"""Expression indexes built by raw DDL on PostgreSQL (migrations 0020_surname_index and
0023_name_key_covering_index)."""

embeddings = Table(
    "embeddings",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("model", String(32), nullable=False),
    Column("version", String(200), nullable=False),
    Column("text_hash", String(32), nullable=False),
    Column("vector", LargeBinary, nullable=False),
    PrimaryKeyConstraint("work_id", "model", name="pk_embeddings"),
)

search_pending = Table(
    "search_pending",
    metadata,
    # No foreign key: a deleted work must stay queued until its index entry is removed.
    Column("work_id", Integer, primary_key=True, autoincrement=False),
)

search_state = Table(
    "search_state",
    metadata,
    Column("model", String(32), primary_key=True),
    Column("generation", BigInteger, nullable=False),
)

search_changes = Table(
    "search_changes",
    metadata,
    # No foreign key: a deleted work's change must reach the BM25 index too.
    Column("generation", BigInteger, nullable=False),
    Column("work_id", Integer, nullable=False),
    Index("ix_search_changes_generation", "generation"),
)


def include_name(name: str | None, type_: str, parent_names: Any = None) -> bool:
    """Alembic ``include_name`` hook: leave the native full-text tables and the expression
    indexes out of comparisons."""
    if type_ == "table" and name is not None:
        return not name.startswith(NATIVE_TABLE_PREFIXES)
    if type_ == "index":
        return name not in NATIVE_INDEXES
    return True


__all__ = [
    "embeddings",
    "include_name",
    "metadata",
    "search_changes",
    "search_pending",
    "search_state",
]
