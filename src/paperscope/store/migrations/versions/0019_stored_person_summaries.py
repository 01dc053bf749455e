"""A stored person's page also keeps the person's summary, for the lists that show it.

The people search, the experts page and an author page's namesakes summarise each person
they list (years, categories, most frequent co-authors). For a prolific person that counts
thousands of co-authorships: at a million works, the first page of a common name's people
took 0.4-0.8 s. `paperscope pages` already computes that summary for every person whose page
it stores; `summary` keeps it (JSON, `read.people.PersonSummary`), and the lists read it
while the page is current. NULL on pages of a name (`printed:`) and on pages stored before.

Revision ID: 0019_stored_person_summaries
Revises: 0018_pending_references
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_stored_person_summaries"
down_revision = "0018_pending_references"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("author_page_snapshots", sa.Column("summary", sa.Text))


def downgrade() -> None:
    op.drop_column("author_page_snapshots", "summary")
