"""quarantine.run: the ingest run that (last) quarantined a record, so that `paperscope
quarantine --run ID` shows what one ingest refused. Rows from before have none.

Revision ID: 0007_quarantine_runs
Revises: 0006_name_key_bytewise
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_quarantine_runs"
down_revision = "0006_name_key_bytewise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(sa.Column("run", sa.String(32)))
    op.create_index("ix_quarantine_run", "quarantine", ["run"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_run", table_name="quarantine")
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_column("run")
