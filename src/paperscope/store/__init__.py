"""Schema, migrations and queries; SQLite and PostgreSQL behind one interface."""

from paperscope.store.database import Store

__all__ = ["Store"]
