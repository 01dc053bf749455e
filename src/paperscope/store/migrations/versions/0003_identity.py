"""Identity: stored corrections (merge/split), and what resolve records on people and
authorships (block, confidence, an explanation note).

Revision ID: 0003_identity
Revises: 0002_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_identity"
down_revision = "0002_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("people", sa.Column("block_key", sa.Text))
    op.add_column("people", sa.Column("size", sa.Integer))
    op.add_column("people", sa.Column("confidence", sa.Float))
    op.add_column("people", sa.Column("note", sa.Text))
    op.create_index("ix_people_block_key", "people", ["block_key"])
    op.add_column("authorships", sa.Column("person_confidence", sa.Float))

    op.create_table(
        "identity_corrections",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "identity_correction_members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "correction_id",
            sa.Integer,
            sa.ForeignKey("identity_corrections.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("side", sa.Integer, nullable=False),
        sa.Column("work_scheme", sa.String(16), nullable=False),
        sa.Column("work_value", sa.String(512), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("position", sa.Integer),
    )
    op.create_index(
        "ix_identity_correction_members_correction",
        "identity_correction_members",
        ["correction_id"],
    )


def downgrade() -> None:
    op.drop_table("identity_correction_members")
    op.drop_table("identity_corrections")
    with op.batch_alter_table("authorships") as batch:
        batch.drop_column("person_confidence")
    op.drop_index("ix_people_block_key", table_name="people")
    with op.batch_alter_table("people") as batch:
        for column in ("note", "confidence", "size", "block_key"):
            batch.drop_column(column)
