"""Tables of the metrics domain, on the shared metadata (migration: versions/0004_metrics.py).

`paperscope score` writes them; pages read them instead of recomputing (`scope_stats`: the
venue and category pages' statistics, metrics/scopes.py, migration 0008_venues). Every row
carries the version of the definitions it was computed with (`definitions.VERSION`).
A person is keyed `person:<id>` once the identity stage resolved it, and `name:<name key>`
while it is provisional (unresolved authorships sharing one normalised name).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from paperscope.store.schema import metadata

work_metrics = Table(
    "work_metrics",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), primary_key=True),
    Column("in_corpus_citations", Integer, nullable=False),
    Column("reported_citations", Integer),
    Column("citations", Integer, nullable=False),
    Column("citation_source", String(16), nullable=False),
    Column("novelty", Float),
    Column("novelty_pct", Float),
    Column("predicted_impact", Float),
    Column("ai_score", Float),
    Column("citation_pct", Float),
    Column("encoder", String(64)),
    Column("definition_version", String(16), nullable=False),
)

person_metrics = Table(
    "person_metrics",
    metadata,
    Column("person_key", String(600), primary_key=True),
    Column("person_id", Integer),
    Column("name", Text, nullable=False),
    Column("papers", Integer, nullable=False),
    Column("citations", Integer, nullable=False),
    Column("h_index", Integer, nullable=False),
    Column("i10_index", Integer, nullable=False),
    Column("g_index", Integer, nullable=False),
    Column("first_year", Integer),
    Column("last_year", Integer),
    Column("primary_category", String(64)),
    Column("novelty_pct", Float),
    Column("ai_score", Float),
    Column("definition_version", String(16), nullable=False),
    Index("ix_person_metrics_person", "person_id"),
    Index("ix_person_metrics_h_index", "h_index"),
)

scope_stats_table = Table(
    "scope_stats",
    metadata,
    # `venue:<venue key>` or `category:<category>` (migration 0008_venues).
    Column("scope", String(600), primary_key=True),
    Column("works", Integer, nullable=False),
    # JSON: volume per year, top people by works and by citations, rising topics.
    Column("stats", Text, nullable=False),
    Column("definition_version", String(16), nullable=False),
)

metrics_state = Table(
    "metrics_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

__all__ = ["metadata", "metrics_state", "person_metrics", "scope_stats_table", "work_metrics"]
