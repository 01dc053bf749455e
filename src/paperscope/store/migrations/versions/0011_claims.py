"""Claims and corrections on the web, the admin role, pipeline runs: `user_roles`,
`person_claims`, `correction_proposals`, `pipeline_runs`; the audit columns of
`identity_corrections` (proposed_by, approved_by, reverts).

Revision ID: 0011_claims
Revises: 0010_follows
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_claims"
down_revision = "0010_follows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_corrections") as batch:
        batch.add_column(sa.Column("proposed_by", sa.Integer))
        batch.add_column(sa.Column("approved_by", sa.Integer))
        batch.add_column(sa.Column("reverts", sa.Integer))
        batch.create_foreign_key(
            "fk_identity_corrections_reverts",
            "identity_corrections",
            ["reverts"],
            ["id"],
            ondelete="CASCADE",
        )
    op.create_table(
        "user_roles",
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("granted_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
    )
    op.create_table(
        "person_claims",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("anchors", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reviewed_at", sa.DateTime),
    )
    op.create_index("ix_person_claims_person", "person_claims", ["person_id"])
    op.create_index("ix_person_claims_user", "person_claims", ["user_id"])
    op.create_index(
        "uq_person_claims_owner",
        "person_claims",
        ["person_id"],
        unique=True,
        sqlite_where=sa.text("status = 'owner'"),
        postgresql_where=sa.text("status = 'owner'"),
    )
    op.create_table(
        "correction_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("person_id", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("other_person", sa.Integer),
        sa.Column("works", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column(
            "proposed_by",
            sa.Integer,
            sa.ForeignKey("users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("reviewed_at", sa.DateTime),
        sa.Column(
            "correction_id",
            sa.Integer,
            sa.ForeignKey("identity_corrections.id", ondelete="SET NULL"),
        ),
    )
    op.create_index("ix_correction_proposals_status", "correction_proposals", ["status"])
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("summary", sa.Text),
    )
    op.create_index("ix_pipeline_runs_started", "pipeline_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_pipeline_runs_started", table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_index("ix_correction_proposals_status", table_name="correction_proposals")
    op.drop_table("correction_proposals")
    op.drop_index("uq_person_claims_owner", table_name="person_claims")
    op.drop_index("ix_person_claims_user", table_name="person_claims")
    op.drop_index("ix_person_claims_person", table_name="person_claims")
    op.drop_table("person_claims")
    op.drop_table("user_roles")
    with op.batch_alter_table("identity_corrections") as batch:
        batch.drop_constraint("fk_identity_corrections_reverts", type_="foreignkey")
        batch.drop_column("reverts")
        batch.drop_column("approved_by")
        batch.drop_column("proposed_by")
