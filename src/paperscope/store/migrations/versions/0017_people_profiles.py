"""People keep a match profile that an incremental `resolve` finds candidates by.

An incremental run used to load every authorship of each name block a new authorship falls
in: at a million works 0.1% new authorships touched blocks holding 88% of all authorships.
It now reads each person's `match_profile` (the co-authors, venues and printed names of its
works, as JSON) and
loads only the people whose profile shares a co-author with a new authorship
(`identity.candidates`). Existing people get no profile here (NULL): the first incremental
run that needs one computes it from the person's authorships and stores it.

Revision ID: 0017_people_profiles
Revises: 0016_page_ai_score_inputs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_people_profiles"
down_revision = "0016_page_ai_score_inputs"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite has dropped columns since 3.35): a batch
# operation would copy the table on SQLite and lose the triggers migration 0015 put on it.


def upgrade() -> None:
    op.add_column("people", sa.Column("match_profile", sa.Text))


def downgrade() -> None:
    op.drop_column("people", "match_profile")
