"""authorships.name_key in bytewise ("C") order on PostgreSQL, as it is on SQLite.

PostgreSQL's default collations do not order text bytewise, so the index on name_key could
not serve the prefix range of a name-variant lookup (`wei % wang`): it scanned the table
(63 ms median on 363k authorships). Normalised names hold only [0-9a-z ], so nothing
changes in what they mean; the index is rebuilt in the new order (2.0 ms).

Revision ID: 0006_name_key_bytewise
Revises: 0005_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_name_key_bytewise"
down_revision = "0005_accounts"
branch_labels = None
depends_on = None


def _alter(collation: str | None) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "authorships", "name_key", type_=sa.Text(collation=collation), existing_nullable=False
        )


def upgrade() -> None:
    _alter("C")


def downgrade() -> None:
    _alter(None)
