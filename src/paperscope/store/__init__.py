"""Schema, migrations and queries; SQLite and PostgreSQL behind one interface.

Each domain declares its tables in its own `*_schema` module on the one shared metadata;
importing the package imports them all, so the metadata always describes the whole schema.
"""

from paperscope.store import (  # noqa: F401  (imported for their tables)
    accounts_schema,
    admin_schema,
    identity_schema,
    metrics_schema,
    search_schema,
)
from paperscope.store.database import Store

__all__ = ["Store"]
