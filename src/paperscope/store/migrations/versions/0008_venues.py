"""Venues: works.venue_key, one key for the printings of one venue (`store.venues.venue_key`),
indexed and filled for the works stored so far; and `scope_stats`, the venue and category
pages' statistics as `paperscope score` stores them (metrics/scopes.py).

The venue and category pages find a venue's works by it ("Proceedings of the 2019 CHI
Conference ..." and "... the 2020 CHI Conference ..." are one venue). Ingest keeps it up to
date from then on; a change of the rules in `store.venues` needs a migration like this one.

Revision ID: 0008_venues
Revises: 0007_quarantine_runs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from paperscope.store.venues import venue_key

revision = "0008_venues"
down_revision = "0007_quarantine_runs"
branch_labels = None
depends_on = None

BATCH = 5000


def fill_venue_keys(connection: sa.Connection) -> int:
    """Compute `venue_key` for every work that has a venue, in batches of ids; the count."""
    works = sa.table(
        "works",
        sa.column("id", sa.Integer),
        sa.column("venue", sa.Text),
        sa.column("venue_key", sa.Text),
    )
    update = (
        sa.update(works)
        .where(works.c.id == sa.bindparam("work_id"))
        .values(venue_key=sa.bindparam("key"))
    )
    done, last = 0, 0
    while True:
        rows = connection.execute(
            sa.select(works.c.id, works.c.venue)
            .where(works.c.id > last, works.c.venue.is_not(None))
            .order_by(works.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return done
        connection.execute(update, [{"work_id": i, "key": venue_key(v)} for i, v in rows])
        done += len(rows)
        last = rows[-1][0]


def upgrade() -> None:
    op.add_column("works", sa.Column("venue_key", sa.Text))
    op.create_index("ix_works_venue_key", "works", ["venue_key"])
    fill_venue_keys(op.get_bind())
    op.create_table(
        "scope_stats",
        sa.Column("scope", sa.String(600), primary_key=True),
        sa.Column("works", sa.Integer, nullable=False),
        sa.Column("stats", sa.Text, nullable=False),
        sa.Column("definition_version", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("scope_stats")
    op.drop_index("ix_works_venue_key", table_name="works")
    op.drop_column("works", "venue_key")
