"""PostgreSQL: an index on the reversed name key, for the people search by surname.

A one-word people search ("Wang") lists the people whose printed name is that word or ends
with it. A suffix cannot use the name key's index, so every name key was read: 0.6 s at a
million works for a surname nobody prints, 1.4 s for "Wang". Reversed, the suffix is a
prefix (`reverse(name_key) LIKE 'gnaw %'`), which this index serves (name keys are in
bytewise order, migration 0006, and so is their reverse): 1 ms and 0.2 s. Built by raw DDL
(an expression index) and left out of the schema comparison (`search_schema.include_name`).
SQLite has no `reverse()`: it still reads every name key.

Revision ID: 0020_surname_index
Revises: 0019_stored_person_summaries
"""

from __future__ import annotations

from alembic import op

revision = "0020_surname_index"
down_revision = "0019_stored_person_summaries"
branch_labels = None
depends_on = None

INDEX = "ix_authorships_name_key_reversed"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON authorships (reverse(name_key))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
