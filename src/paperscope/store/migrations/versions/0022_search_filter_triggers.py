"""Queue a work for the keyword index when what the search filters test changes.

The BM25 index beside the database (search.bm25) holds each work's categories, dates, code
links and badge, and authors' name keys, so that filtered searches are ranked there too.
These triggers add a work to ``search_pending`` when any of those change, as 0002_search's
do for its title, abstract, venue and authors' names. Nothing is queued here: a BM25 folder
of the format before this one is never read, so the next build reads every work.

Revision ID: 0022_search_filter_triggers
Revises: 0021_search_changes
"""

from __future__ import annotations

from alembic import op

revision = "0022_search_filter_triggers"
down_revision = "0021_search_changes"
branch_labels = None
depends_on = None

_WORK_FACTS = ("published", "year", "code_badge")
_SQLITE_TRIGGERS = {
    "search_works_facts_update": (
        f"AFTER UPDATE OF {', '.join(_WORK_FACTS)} ON works WHEN "
        + " OR ".join(f"old.{c} IS NOT new.{c}" for c in _WORK_FACTS)
        + " BEGIN {queue} (new.id); END"
    ),
    "search_authorships_key_update": (
        "AFTER UPDATE OF name_key ON authorships WHEN old.name_key IS NOT new.name_key "
        "BEGIN {queue} (new.work_id); END"
    ),
}
for _table in ("work_categories", "code_links"):
    _SQLITE_TRIGGERS |= {
        f"search_{_table}_insert": f"AFTER INSERT ON {_table} BEGIN {{queue}} (new.work_id); END",
        f"search_{_table}_update": (
            f"AFTER UPDATE ON {_table} BEGIN {{queue}} (old.work_id); {{queue}} (new.work_id); END"
        ),
        f"search_{_table}_delete": f"AFTER DELETE ON {_table} BEGIN {{queue}} (old.work_id); END",
    }

# PostgreSQL: statement-level triggers with transition tables, as in 0002_search.
# (name, table, event, referencing, select of the changed work ids)
_PG_TRIGGERS = [
    (
        "search_queue_works_facts",
        "works",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE "
        + " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in _WORK_FACTS),
    ),
    (
        "search_queue_authorships_key",
        "authorships",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT n.work_id FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n.name_key IS DISTINCT FROM o.name_key",
    ),
]
for _table in ("work_categories", "code_links"):
    _PG_TRIGGERS += [
        (
            f"search_queue_{_table}_insert",
            _table,
            "INSERT",
            "NEW TABLE AS new_rows",
            "SELECT work_id FROM new_rows",
        ),
        (
            f"search_queue_{_table}_update",
            _table,
            "UPDATE",
            "OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "SELECT work_id FROM old_rows UNION SELECT work_id FROM new_rows",
        ),
        (
            f"search_queue_{_table}_delete",
            _table,
            "DELETE",
            "OLD TABLE AS old_rows",
            "SELECT work_id FROM old_rows",
        ),
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        queue = "INSERT OR IGNORE INTO search_pending (work_id) VALUES"
        for name, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body.format(queue=queue)}")
    elif dialect == "postgresql":
        for function, table, event, referencing, changed in _PG_TRIGGERS:
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


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for function, table, _, _, _ in _PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
