"""Follows: the people, venues, categories, searches and institutions a user follows (the
home feed's sources; independent of e-mail digests).

Revision ID: 0010_follows
Revises: 0009_library
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_follows"
down_revision = "0009_library"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "kind", "value", name="uq_follows_user_kind_value"),
    )


def downgrade() -> None:
    op.drop_table("follows")
