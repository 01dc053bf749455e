"""Tables of the metrics domain, on the shared metadata (migration: versions/0004_metrics.py).

`paperscope score` writes them; pages read them instead of recomputing (`scope_stats`: the
venue and category pages' statistics, metrics/scopes.py, migration 0008_venues). Every row
carries the version of the definitions it was computed with (`definitions.VERSION`).
`paperscope pages` writes `author_page_snapshots` (metrics/page_snapshots.py, migration
0015_author_page_snapshots): prolific people's author pages, valid while `content_state`
says nothing they read has changed since.
A person is keyed `person:<id>` once the identity stage resolved it, and `name:<name key>`
while it is provisional (unresolved authorships sharing one normalised name).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

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

content_state = Table(
    "content_state",
    metadata,
    # One row (id 1): the newest `content_changes` id when `paperscope pages` last began.
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

content_changes = Table(
    "content_changes",
    metadata,
    # Triggers on every table an author page reads add a row here when none is newer than
    # `content_state.version` (migration 0015): a snapshot stamped with that version holds
    # while no such row exists.
    Column("id", Integer, primary_key=True),
)

author_page_snapshots = Table(
    "author_page_snapshots",
    metadata,
    # `person:<id>`, `name:<key>` (a person's page) or `printed:<key>` (a name's page).
    Column("page_key", String(600), primary_key=True),
    Column("content_version", Integer, nullable=False),
    Column("definition_version", String(16), nullable=False),
    Column("computed_on", Date, nullable=False),
    # JSON: the page without its works (profile and header, namesakes).
    Column("body", Text, nullable=False),
    # The work ids in each sort order, little-endian int64 (a page reads only its slice).
    Column("by_date", LargeBinary, nullable=False),
    Column("by_score", LargeBinary, nullable=False),
    Column("by_citations", LargeBinary, nullable=False),
    # Per work its AI score, citation percentile and last recent day
    # (`metrics.profile.AI_SCORE_INPUTS`): the header's AI score on the day it is shown.
    Column("ai_score_inputs", LargeBinary, nullable=False),
    # JSON: the person's `read.person_records.PersonSummary` (a person's page; NULL on a name's),
    # which the people search, experts and namesakes lists read instead of counting.
    Column("summary", Text),
)

__all__ = [
    "author_page_snapshots",
    "content_changes",
    "content_state",
    "metadata",
    "metrics_state",
    "person_metrics",
    "scope_stats_table",
    "work_metrics",
]
