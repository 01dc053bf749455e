"""Add `pending_references`: a run's reference edges, held until the end of the run.

Ingest inserted each batch's edges into `references`, linked to the works stored by then,
and its end-of-run pass updated the edges whose works had arrived since: at a million
works, the S2 citation records (read before the S2 papers they name) and the references to
works of later files, millions of rows written twice into a table with four indexes. Edges
now wait here (no indexes, no foreign keys) and the pass inserts them once, linked
(`ingest.references.move_pending_references`).

Revision ID: 0018_pending_references
Revises: 0017_people_profiles
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_pending_references"
down_revision = "0017_people_profiles"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_references",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("citing_scheme", sa.String(16), nullable=False),
        sa.Column("citing_value", sa.String(512), nullable=False),
        sa.Column("cited_scheme", sa.String(16), nullable=False),
        sa.Column("cited_value", sa.String(512), nullable=False),
        sa.Column("citing_work_id", sa.Integer),
        sa.Column("is_influential", sa.Boolean),
    )


def downgrade() -> None:
    op.drop_table("pending_references")
