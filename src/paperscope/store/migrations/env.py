"""Alembic environment: runs on the connection the Store hands over (see store.database)."""

from __future__ import annotations

from alembic import context

import paperscope.store  # noqa: F401  (every domain's tables)
from paperscope.store.schema import metadata
from paperscope.store.search_schema import include_name

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    include_name=include_name,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
