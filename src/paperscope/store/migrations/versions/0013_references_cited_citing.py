"""The index on `references.cited_work_id` also holds `citing_work_id`.

Who cites a set of works (a profile's citation counts and citations per year, a paper's
citing works) then reads the index alone instead of one table row per edge: on the 100k
generated corpus the distinct citing works of a prolific author's 2,665 works took 50 ms
on SQLite through the old index and 7-10 ms through this one. It replaces the old index,
whose column is its prefix, so ingest maintains no more indexes than before.

Revision ID: 0013_references_cited_citing
Revises: 0012_feedback
"""

from __future__ import annotations

from alembic import op

revision = "0013_references_cited_citing"
down_revision = "0012_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_references_cited_citing", "references", ["cited_work_id", "citing_work_id"])
    op.drop_index("ix_references_cited_work", table_name="references")


def downgrade() -> None:
    op.create_index("ix_references_cited_work", "references", ["cited_work_id"])
    op.drop_index("ix_references_cited_citing", table_name="references")
