"""Feedback: "not interested" and "more like this" per user and work.

Revision ID: 0012_feedback
Revises: 0011_claims
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_feedback"
down_revision = "0011_claims"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_feedback",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "work_id",
            sa.Integer,
            sa.ForeignKey("works.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "work_id", name="pk_work_feedback"),
    )
    op.create_index("ix_work_feedback_user_kind", "work_feedback", ["user_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_work_feedback_user_kind", table_name="work_feedback")
    op.drop_table("work_feedback")
