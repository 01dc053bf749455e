"""The database schema (SQLAlchemy Core). Alembic migrations in `migrations/` build it.

Natural keys are unique constraints, so re-ingesting a file cannot duplicate anything:
an identifier belongs to one work, a source record is stored once per (format, key).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

works = Table(
    "works",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("title_key", Text, nullable=False),
    Column("merge_key", Text),
    Column("abstract", Text),
    Column("tldr", Text),
    Column("published", Date),
    Column("updated", Date),
    Column("featured", Date),
    Column("year", Integer),
    Column("venue", Text),
    Column("primary_category", String(64)),
    Column("author_count", Integer),
    Column("authors_truncated", Boolean),
    Column("code_badge", Boolean),
    Column("upvotes", Integer),
    Column("keywords", Text),
    Column("comments", Text),
    Column("url", Text),
    Column("source_score", Float),
    # Added by migration 0008_venues: `store.venues.venue_key(venue)`, one key for the
    # printings of one venue (the venue pages look works up by it).
    Column("venue_key", Text),
    Index("ix_works_title_key", "title_key"),
    Index("ix_works_merge_key", "merge_key"),
    Index("ix_works_published", "published"),
    Index("ix_works_featured", "featured"),
    Index("ix_works_venue_key", "venue_key"),
)

work_ids = Table(
    "work_ids",
    metadata,
    Column("scheme", String(16), nullable=False),
    Column("value", String(512), nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("value", "scheme", name="pk_work_ids"),
    Index("ix_work_ids_work", "work_id"),
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("canonical_name", Text, nullable=False),
    # Added by migration 0003_identity: the block it was clustered in, how many authorships,
    # the mean same-person probability inside it, and a note explaining any uncertainty.
    Column("block_key", Text),
    Column("size", Integer),
    Column("confidence", Float),
    Column("note", Text),
    # Added by migration 0017_people_profiles: the co-authors, venues and printed names of
    # its works (JSON, `identity.candidates.Profile`; not the author page's profile), what
    # an incremental resolve finds candidate people by; NULL until a resolve computes it.
    Column("match_profile", Text),
    Index("ix_people_block_key", "block_key"),
)

authorships = Table(
    "authorships",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    # In bytewise ("C") order on PostgreSQL too, as on SQLite (set by migration 0006, not
    # declared here: SQLAlchemy's batched inserts cannot cast to a collated type), so the
    # index serves the prefix ranges of name-variant lookups ("wei % wang").
    Column("name_key", Text, nullable=False),
    Column("affiliation", Text),
    Column("orcid", String(32)),
    Column("source_scheme", String(16)),
    Column("source_value", String(128)),
    Column("label", String(64)),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="SET NULL")),
    # Added by migration 0003_identity: mean probability of being the same person as the
    # rest of its person's authorships (1.0 alone or by a hard constraint).
    Column("person_confidence", Float),
    UniqueConstraint("work_id", "position", name="uq_authorships_work_position"),
    Index("ix_authorships_person", "person_id"),
    # With the person and the work, so that the people printing a name are read from the
    # index alone (migration 0023_name_key_covering_index).
    Index("ix_authorships_name_key_person_work", "name_key", "person_id", "work_id"),
)

work_categories = Table(
    "work_categories",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("category", String(64), nullable=False),
    PrimaryKeyConstraint("work_id", "category", name="pk_work_categories"),
    Index("ix_work_categories_category", "category"),
)

code_links = Table(
    "code_links",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("origin", String(64), nullable=False),
    PrimaryKeyConstraint("work_id", "url", name="pk_code_links"),
)

reported_citations = Table(
    "reported_citations",
    metadata,
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    Column("source", String(32), nullable=False),
    Column("count", Integer, nullable=False),
    PrimaryKeyConstraint("work_id", "source", name="pk_reported_citations"),
)


def _edge_key() -> list[Column[Any]]:
    """The identifiers of a reference edge's two ends (a column belongs to one table)."""
    return [
        Column("citing_scheme", String(16), nullable=False),
        Column("citing_value", String(512), nullable=False),
        Column("cited_scheme", String(16), nullable=False),
        Column("cited_value", String(512), nullable=False),
    ]


references = Table(
    "references",
    metadata,
    Column("id", Integer, primary_key=True),
    *_edge_key(),
    Column("citing_work_id", Integer, ForeignKey("works.id", ondelete="SET NULL")),
    Column("cited_work_id", Integer, ForeignKey("works.id", ondelete="SET NULL")),
    Column("is_influential", Boolean),
    UniqueConstraint(
        "citing_scheme", "citing_value", "cited_scheme", "cited_value", name="uq_references_edge"
    ),
    Index("ix_references_citing_work", "citing_work_id"),
    Index("ix_references_cited_citing", "cited_work_id", "citing_work_id"),
)

pending_references = Table(
    "pending_references",
    metadata,
    # The reference edges an ingest run has written, held here (no indexes, no foreign
    # keys) until the run's end, when they move into `references` linked to the works
    # that have arrived by then (`ingest.references.move_pending_references`); inserted
    # at once, millions were written again by the end-of-run linking.
    Column("id", Integer, primary_key=True),
    *_edge_key(),
    Column("citing_work_id", Integer),
    Column("is_influential", Boolean),
)

source_records = Table(
    "source_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("format", String(32), nullable=False),
    Column("record_key", String(600), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("position", Text, nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="SET NULL")),
    Column("raw", Text, nullable=False),
    UniqueConstraint("format", "record_key", "content_hash", name="uq_source_records_key"),
    Index("ix_source_records_work", "work_id"),
)

source_authors = Table(
    "source_authors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scheme", String(16), nullable=False),
    Column("value", String(512), nullable=False),
    Column("format", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("aliases", Text),
    Column("affiliations", Text),
    Column("homepage", Text),
    Column("primary_category", String(64)),
    Column("reported_papers", Integer),
    Column("reported_citations", Integer),
    Column("reported_h_index", Integer),
    Column("reported_novelty", Float),
    Column("reported_ai_score", Float),
    UniqueConstraint("scheme", "value", name="uq_source_authors_key"),
)

source_author_works = Table(
    "source_author_works",
    metadata,
    Column(
        "source_author_id",
        Integer,
        ForeignKey("source_authors.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("position", Integer, nullable=False),
    Column("work_id", Integer, ForeignKey("works.id", ondelete="CASCADE"), nullable=False),
    PrimaryKeyConstraint("source_author_id", "position", name="pk_source_author_works"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("format", String(32)),
    Column("file", Text, nullable=False),
    Column("position", Text, nullable=False),
    Column("field", String(128)),
    Column("reason", Text, nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("raw", Text, nullable=False),
    # Added by migration 0007_quarantine_runs: the latest ingest run that quarantined the
    # record (`paperscope quarantine --run`); NULL for rows from before it.
    Column("run", String(32)),
    UniqueConstraint("file", "position", "content_hash", name="uq_quarantine_record"),
    Index("ix_quarantine_run", "run"),
)
