"""Stored author pages keep what their AI score needs on a later day, not a last valid day.

A stored page held only until one of its works stopped being recent (the header's AI score
averages recent works' AI scores and older works' citation percentiles), so a prolific
person's page expired within days. It now stores per work the AI score, citation percentile
and last recent day (`ai_score_inputs`), and the score is recomputed when the page is shown.
The stored pages are removed (their JSON also drops the metrics): `paperscope pages` stores
them again.

Revision ID: 0016_page_ai_score_inputs
Revises: 0015_author_page_snapshots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_page_ai_score_inputs"
down_revision = "0015_author_page_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM author_page_snapshots")
    with op.batch_alter_table("author_page_snapshots") as table:
        table.drop_column("valid_until")
        table.add_column(sa.Column("ai_score_inputs", sa.LargeBinary, nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM author_page_snapshots")
    with op.batch_alter_table("author_page_snapshots") as table:
        table.drop_column("ai_score_inputs")
        table.add_column(sa.Column("valid_until", sa.Date))
