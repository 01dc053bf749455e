"""Which works each refresh of the keyword index re-indexed, by the generation it moved to.

The BM25 index beside the database (search.bm25) is labelled with the `keyword` generation it
was built at. With this log it catches up by re-indexing the works changed since (at a
million works: the works of a daily ingest in a second, not every work in 30 s). Rows up
to the generation of the newest index built are deleted by that build, and the `keyword-log`
row of `search_state` says from which generation on the log is whole.

Revision ID: 0021_search_changes
Revises: 0020_surname_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_search_changes"
down_revision = "0020_surname_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_changes",
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("work_id", sa.Integer, nullable=False),
    )
    op.create_index("ix_search_changes_generation", "search_changes", ["generation"])


def downgrade() -> None:
    op.drop_index("ix_search_changes_generation", "search_changes")
    op.drop_table("search_changes")
