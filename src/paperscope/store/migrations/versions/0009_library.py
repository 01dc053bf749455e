"""Library: a note, read state and the imported file's fields per saved work; imported items
that match no stored work yet, with their tags.

Revision ID: 0009_library
Revises: 0008_venues
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_library"
down_revision = "0008_venues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("library_items", sa.Column("note", sa.Text))
    op.add_column("library_items", sa.Column("read_at", sa.DateTime))
    op.add_column("library_items", sa.Column("imported", sa.Text))
    op.create_table(
        "library_unmatched",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_key", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_key", sa.Text, nullable=False),
        sa.Column("year", sa.Integer),
        sa.Column("doi", sa.String(512)),
        sa.Column("arxiv", sa.String(64)),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("read_at", sa.DateTime),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("user_id", "item_key", name="uq_library_unmatched_key"),
    )
    op.create_index("ix_library_unmatched_doi", "library_unmatched", ["doi"])
    op.create_index("ix_library_unmatched_arxiv", "library_unmatched", ["arxiv"])
    op.create_index("ix_library_unmatched_title", "library_unmatched", ["title_key"])
    op.create_table(
        "library_unmatched_tags",
        sa.Column(
            "item_id",
            sa.Integer,
            sa.ForeignKey("library_unmatched.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("item_id", "tag", name="pk_library_unmatched_tags"),
    )
    op.create_index("ix_library_unmatched_tags_user", "library_unmatched_tags", ["user_id", "tag"])


def downgrade() -> None:
    op.drop_table("library_unmatched_tags")
    op.drop_table("library_unmatched")
    with op.batch_alter_table("library_items") as batch:
        batch.drop_column("imported")
        batch.drop_column("read_at")
        batch.drop_column("note")
