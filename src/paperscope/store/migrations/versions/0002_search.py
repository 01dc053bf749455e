"""Search: embeddings, the keyword-index queue and generation counters; the native full-text
index (SQLite FTS5 / PostgreSQL tsvector + GIN) and the triggers that queue changed works.

Revision ID: 0002_search
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_search"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = {
    "search_works_insert": "AFTER INSERT ON works BEGIN {queue} (new.id); END",
    "search_works_update": (
        "AFTER UPDATE OF title, abstract, venue ON works WHEN old.title IS NOT new.title "
        "OR old.abstract IS NOT new.abstract OR old.venue IS NOT new.venue "
        "BEGIN {queue} (new.id); END"
    ),
    "search_works_delete": "AFTER DELETE ON works BEGIN {queue} (old.id); END",
    "search_authorships_insert": "AFTER INSERT ON authorships BEGIN {queue} (new.work_id); END",
    "search_authorships_update": (
        "AFTER UPDATE OF name, work_id ON authorships WHEN old.name IS NOT new.name "
        "OR old.work_id IS NOT new.work_id "
        "BEGIN {queue} (old.work_id); {queue} (new.work_id); END"
    ),
    "search_authorships_delete": "AFTER DELETE ON authorships BEGIN {queue} (old.work_id); END",
}

# PostgreSQL: statement-level triggers with transition tables (one insert per statement,
# cheap under the ingest's bulk unnest() writes). (table, event, select of changed work ids)
_PG_TRIGGERS = (
    ("works", "INSERT", "NEW TABLE AS new_rows", "SELECT id FROM new_rows"),
    ("works", "DELETE", "OLD TABLE AS old_rows", "SELECT id FROM old_rows"),
    (
        "works",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.title IS DISTINCT FROM o.title OR n.abstract IS DISTINCT FROM o.abstract "
        "OR n.venue IS DISTINCT FROM o.venue",
    ),
    ("authorships", "INSERT", "NEW TABLE AS new_rows", "SELECT work_id FROM new_rows"),
    ("authorships", "DELETE", "OLD TABLE AS old_rows", "SELECT work_id FROM old_rows"),
    (
        "authorships",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT unnest(ARRAY[o.work_id, n.work_id]) FROM new_rows n JOIN old_rows o "
        "ON o.id = n.id WHERE n.name IS DISTINCT FROM o.name "
        "OR n.work_id IS DISTINCT FROM o.work_id",
    ),
)


def _tables() -> None:
    op.create_table(
        "embeddings",
        sa.Column(
            "work_id",
            sa.Integer,
            sa.ForeignKey("works.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("model", sa.String(32), nullable=False),
        sa.Column("version", sa.String(200), nullable=False),
        sa.Column("text_hash", sa.String(32), nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("work_id", "model", name="pk_embeddings"),
    )
    op.create_table(
        "search_pending",
        sa.Column("work_id", sa.Integer, primary_key=True, autoincrement=False),
    )
    op.create_table(
        "search_state",
        sa.Column("model", sa.String(32), primary_key=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
    )


def _sqlite() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE works_fts USING fts5(title, abstract, authors, venue, "
        "tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    queue = "INSERT OR IGNORE INTO search_pending (work_id) VALUES"
    for name, body in _SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body.format(queue=queue)}")


def _postgresql() -> None:
    op.execute(
        "CREATE TABLE works_tsv (work_id integer PRIMARY KEY "
        "REFERENCES works (id) ON DELETE CASCADE, document tsvector NOT NULL)"
    )
    op.execute("CREATE INDEX ix_works_tsv_document ON works_tsv USING gin (document)")
    for table, event, referencing, changed in _PG_TRIGGERS:
        function = f"search_queue_{table}_{event.lower()}"
        op.execute(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO search_pending (work_id) SELECT DISTINCT changed.work_id FROM "
            f"({changed}) AS changed (work_id) WHERE changed.work_id IS NOT NULL "
            f"ON CONFLICT DO NOTHING; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {function} AFTER {event} ON {table} REFERENCING {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def upgrade() -> None:
    _tables()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite()
    elif dialect == "postgresql":
        _postgresql()
    # Works stored before this migration wait in the queue for their first indexing.
    op.execute("INSERT INTO search_pending (work_id) SELECT id FROM works")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS works_fts")
    elif dialect == "postgresql":
        for table, event, _, _ in _PG_TRIGGERS:
            function = f"search_queue_{table}_{event.lower()}"
            op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
        op.execute("DROP TABLE IF EXISTS works_tsv")
    op.drop_table("search_state")
    op.drop_table("search_pending")
    op.drop_table("embeddings")
