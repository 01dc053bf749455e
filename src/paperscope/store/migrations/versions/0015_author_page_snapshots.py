"""Stored author pages (`author_page_snapshots`) and what tells whether they still hold.

A prolific person's author page is computed from thousands of works (at a million works a
first visit took up to 1.1-2.8 s); `paperscope pages` stores such pages, and a page is shown
from its snapshot only while nothing it reads has changed since. Every write to a table an
author page reads fires a trigger that records the change in `content_changes`; a snapshot
holds while no change is newer than the `content_state.version` it was stamped with. The
triggers catch every writer (each stage, the web's corrections and claims, the Spark
write-back, a hand-written UPDATE) without any of them having to remember.

SQLite: row triggers, which do nothing once a change is recorded since the last refresh
(one indexed lookup per row written: ~0.5 microseconds). PostgreSQL: statement triggers,
which also take a shared advisory lock for the writing transaction, so that a refresh (which
takes it exclusively) starts only after every transaction that wrote before it committed;
inserts into `content_changes` never wait on each other.

Revision ID: 0015_author_page_snapshots
Revises: 0014_drop_references_cited_key
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_author_page_snapshots"
down_revision = "0014_drop_references_cited_key"
branch_labels = None
depends_on = None

WATCHED = (
    "works",
    "work_ids",
    "work_categories",
    "authorships",
    "people",
    "references",
    "reported_citations",
    "code_links",
    "source_authors",
    "source_author_works",
    "work_metrics",
    "person_metrics",
    "person_claims",
    "identity_corrections",
    "identity_correction_members",
    "correction_proposals",
)
"""Every table whose rows an author page's stored part depends on (a test reads the SQL an
author page runs and checks each table it reads has a trigger). Not `user_upvotes`: local
upvotes only add to the counts of the works shown, which a stored page loads when it is
shown; upvotes are the one write a busy site makes all day, and would otherwise retire
every stored page at each click."""

ADVISORY_KEY = 7_263_115_012
"""The PostgreSQL advisory lock writers hold shared and a refresh exclusively."""

_NO_CHANGE_SINCE_REFRESH = (
    "NOT EXISTS (SELECT 1 FROM content_changes "
    "WHERE id > (SELECT version FROM content_state WHERE id = 1))"
)


def upgrade() -> None:
    op.create_table(
        "content_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table("content_changes", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table(
        "author_page_snapshots",
        sa.Column("page_key", sa.String(600), primary_key=True),
        sa.Column("content_version", sa.Integer, nullable=False),
        sa.Column("definition_version", sa.String(16), nullable=False),
        sa.Column("computed_on", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("by_date", sa.LargeBinary, nullable=False),
        sa.Column("by_score", sa.LargeBinary, nullable=False),
        sa.Column("by_citations", sa.LargeBinary, nullable=False),
    )
    op.execute("INSERT INTO content_state (id, version) VALUES (1, 0)")
    # Nothing was ever refreshed: the data counts as changed.
    op.execute("INSERT INTO content_changes (id) VALUES (1)")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers() -> None:
    for table in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER content_changed_{table}_{event.lower()} AFTER {event} "
                f'ON "{table}" FOR EACH ROW WHEN {_NO_CHANGE_SINCE_REFRESH} '
                "BEGIN INSERT INTO content_changes (id) VALUES (NULL); END"
            )


def _postgresql_triggers() -> None:
    # `id` is a serial: move its sequence past the row inserted above.
    op.execute("SELECT setval('content_changes_id_seq', 1)")
    op.execute(
        "CREATE FUNCTION record_content_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN PERFORM pg_advisory_xact_lock_shared({ADVISORY_KEY}); "
        f"IF {_NO_CHANGE_SINCE_REFRESH} THEN INSERT INTO content_changes DEFAULT VALUES; "
        "END IF; RETURN NULL; END $$"
    )
    for table in WATCHED:
        op.execute(
            "CREATE TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION record_content_change()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f'DROP TRIGGER content_changed ON "{table}"')
        op.execute("DROP FUNCTION record_content_change()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER content_changed_{table}_{event}")
    op.drop_table("author_page_snapshots")
    op.drop_table("content_changes")
    op.drop_table("content_state")
