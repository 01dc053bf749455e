"""Initial schema: works, ids, authorships, people, categories, code links, citations,
references, source records and authors, quarantine.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _fk(target: str, ondelete: str = "CASCADE") -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "works",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_key", sa.Text, nullable=False),
        sa.Column("merge_key", sa.Text),
        sa.Column("abstract", sa.Text),
        sa.Column("tldr", sa.Text),
        sa.Column("published", sa.Date),
        sa.Column("updated", sa.Date),
        sa.Column("featured", sa.Date),
        sa.Column("year", sa.Integer),
        sa.Column("venue", sa.Text),
        sa.Column("primary_category", sa.String(64)),
        sa.Column("author_count", sa.Integer),
        sa.Column("authors_truncated", sa.Boolean),
        sa.Column("code_badge", sa.Boolean),
        sa.Column("upvotes", sa.Integer),
        sa.Column("keywords", sa.Text),
        sa.Column("comments", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("source_score", sa.Float),
    )
    op.create_index("ix_works_title_key", "works", ["title_key"])
    op.create_index("ix_works_merge_key", "works", ["merge_key"])
    op.create_index("ix_works_published", "works", ["published"])
    op.create_index("ix_works_featured", "works", ["featured"])

    op.create_table(
        "work_ids",
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.PrimaryKeyConstraint("value", "scheme", name="pk_work_ids"),
    )
    op.create_index("ix_work_ids_work", "work_ids", ["work_id"])

    op.create_table(
        "people",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("canonical_name", sa.Text, nullable=False),
    )

    op.create_table(
        "authorships",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("affiliation", sa.Text),
        sa.Column("orcid", sa.String(32)),
        sa.Column("source_scheme", sa.String(16)),
        sa.Column("source_value", sa.String(128)),
        sa.Column("label", sa.String(64)),
        sa.Column("person_id", sa.Integer, _fk("people.id", "SET NULL")),
        sa.UniqueConstraint("work_id", "position", name="uq_authorships_work_position"),
    )
    op.create_index("ix_authorships_person", "authorships", ["person_id"])
    op.create_index("ix_authorships_name_key", "authorships", ["name_key"])

    op.create_table(
        "work_categories",
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "category", name="pk_work_categories"),
    )
    op.create_index("ix_work_categories_category", "work_categories", ["category"])

    op.create_table(
        "code_links",
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("origin", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("work_id", "url", name="pk_code_links"),
    )

    op.create_table(
        "reported_citations",
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("work_id", "source", name="pk_reported_citations"),
    )

    op.create_table(
        "references",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citing_scheme", sa.String(16), nullable=False),
        sa.Column("citing_value", sa.String(512), nullable=False),
        sa.Column("cited_scheme", sa.String(16), nullable=False),
        sa.Column("cited_value", sa.String(512), nullable=False),
        sa.Column("citing_work_id", sa.Integer, _fk("works.id", "SET NULL")),
        sa.Column("cited_work_id", sa.Integer, _fk("works.id", "SET NULL")),
        sa.Column("is_influential", sa.Boolean),
        sa.UniqueConstraint(
            "citing_scheme",
            "citing_value",
            "cited_scheme",
            "cited_value",
            name="uq_references_edge",
        ),
    )
    op.create_index("ix_references_citing_work", "references", ["citing_work_id"])
    op.create_index("ix_references_cited_work", "references", ["cited_work_id"])
    op.create_index("ix_references_cited_key", "references", ["cited_value", "cited_scheme"])

    op.create_table(
        "source_records",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("record_key", sa.String(600), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("work_id", sa.Integer, _fk("works.id", "SET NULL")),
        sa.Column("raw", sa.Text, nullable=False),
        sa.UniqueConstraint("format", "record_key", "content_hash", name="uq_source_records_key"),
    )
    op.create_index("ix_source_records_work", "source_records", ["work_id"])

    op.create_table(
        "source_authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scheme", sa.String(16), nullable=False),
        sa.Column("value", sa.String(512), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("aliases", sa.Text),
        sa.Column("affiliations", sa.Text),
        sa.Column("homepage", sa.Text),
        sa.Column("primary_category", sa.String(64)),
        sa.Column("reported_papers", sa.Integer),
        sa.Column("reported_citations", sa.Integer),
        sa.Column("reported_h_index", sa.Integer),
        sa.Column("reported_novelty", sa.Float),
        sa.Column("reported_ai_score", sa.Float),
        sa.UniqueConstraint("scheme", "value", name="uq_source_authors_key"),
    )

    op.create_table(
        "source_author_works",
        sa.Column("source_author_id", sa.Integer, _fk("source_authors.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("work_id", sa.Integer, _fk("works.id"), nullable=False),
        sa.PrimaryKeyConstraint("source_author_id", "position", name="pk_source_author_works"),
    )

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("format", sa.String(32)),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("position", sa.Text, nullable=False),
        sa.Column("field", sa.String(128)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("raw", sa.Text, nullable=False),
        sa.UniqueConstraint("file", "position", "content_hash", name="uq_quarantine_record"),
    )


def downgrade() -> None:
    for table in (
        "quarantine",
        "source_author_works",
        "source_authors",
        "source_records",
        "references",
        "reported_citations",
        "code_links",
        "work_categories",
        "authorships",
        "people",
        "work_ids",
        "works",
    ):
        op.drop_table(table)
