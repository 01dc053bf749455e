"""The indexes on authorships' name keys also hold each authorship's person and work.

A people search or a namesake's profile reads the works printed under a name key
(`read.people.person_work_ids`: `name_key = ? AND person_id IS NULL`) and the resolved
people printing it (`person_id IS NOT NULL`). Through the index on `name_key` alone, each
authorship was then read from the table: on the unresolved million-work corpus "wei wang"
prints 21,715 authorships on as many table pages, 72 ms with PostgreSQL's cache warm and
1.3 s cold, so a people search's first visit had a p95 of 119 ms. The index on
`(name_key, person_id, work_id)` answers those queries alone (PostgreSQL's index-only
scans; SQLite's covering index). It still serves the prefix ranges of name-variant
lookups (`name_key` leads, in bytewise order on PostgreSQL since migration 0006).

On PostgreSQL the reversed keys' index of a surname search (migration 0020) becomes
`(reverse(name_key), person_id, work_id) INCLUDE (name_key)`: "wang" ends 254,688
authorships there, counted per person in 0.4-0.6 s through the table, 85 ms from the index
alone. (PostgreSQL considers an index-only scan only when every column the query names is
in the index, hence `name_key` included beside its reverse.)

Revision ID: 0023_name_key_covering_index
Revises: 0022_search_filter_triggers
"""

from __future__ import annotations

from alembic import op

revision = "0023_name_key_covering_index"
down_revision = "0022_search_filter_triggers"
branch_labels = None
depends_on = None

COVERING = "ix_authorships_name_key_person_work"
NAME_KEY_ONLY = "ix_authorships_name_key"
REVERSED = "ix_authorships_name_key_reversed"
REVERSED_COVERING = "ix_authorships_name_key_reversed_person_work"


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(COVERING, "authorships", ["name_key", "person_id", "work_id"])
    op.drop_index(NAME_KEY_ONLY, table_name="authorships")
    if _postgresql():
        op.execute(
            f"CREATE INDEX {REVERSED_COVERING} ON authorships "
            "(reverse(name_key), person_id, work_id) INCLUDE (name_key)"
        )
        op.execute(f"DROP INDEX {REVERSED}")


def downgrade() -> None:
    op.create_index(NAME_KEY_ONLY, "authorships", ["name_key"])
    op.drop_index(COVERING, table_name="authorships")
    if _postgresql():
        op.execute(f"CREATE INDEX {REVERSED} ON authorships (reverse(name_key))")
        op.execute(f"DROP INDEX {REVERSED_COVERING}")
