"""Metrics: per-work and per-person scores written by `paperscope score`, and its state.

Revision ID: 0004_metrics
Revises: 0003_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_metrics"
down_revision = "0003_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_metrics",
        sa.Column(
            "work_id",
            sa.Integer,
            sa.ForeignKey("works.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("in_corpus_citations", sa.Integer, nullable=False),
        sa.Column("reported_citations", sa.Integer),
        sa.Column("citations", sa.Integer, nullable=False),
        sa.Column("citation_source", sa.String(16), nullable=False),
        sa.Column("novelty", sa.Float),
        sa.Column("novelty_pct", sa.Float),
        sa.Column("predicted_impact", sa.Float),
        sa.Column("ai_score", sa.Float),
        sa.Column("citation_pct", sa.Float),
        sa.Column("encoder", sa.String(64)),
        sa.Column("definition_version", sa.String(16), nullable=False),
    )
    op.create_table(
        "person_metrics",
        sa.Column("person_key", sa.String(600), primary_key=True),
        sa.Column("person_id", sa.Integer),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("papers", sa.Integer, nullable=False),
        sa.Column("citations", sa.Integer, nullable=False),
        sa.Column("h_index", sa.Integer, nullable=False),
        sa.Column("i10_index", sa.Integer, nullable=False),
        sa.Column("g_index", sa.Integer, nullable=False),
        sa.Column("first_year", sa.Integer),
        sa.Column("last_year", sa.Integer),
        sa.Column("primary_category", sa.String(64)),
        sa.Column("novelty_pct", sa.Float),
        sa.Column("ai_score", sa.Float),
        sa.Column("definition_version", sa.String(16), nullable=False),
    )
    op.create_index("ix_person_metrics_person", "person_metrics", ["person_id"])
    op.create_index("ix_person_metrics_h_index", "person_metrics", ["h_index"])
    op.create_table(
        "metrics_state",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("metrics_state", "person_metrics", "work_metrics"):
        op.drop_table(table)
