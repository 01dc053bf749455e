from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from paperscope.store import Store
from paperscope.store.schema import metadata, works
from paperscope.store.search_schema import include_name


def test_migrations_build_exactly_the_declared_schema(store: Store) -> None:
    with store.connect() as connection:
        # The native full-text tables (FTS5, tsvector) are built by raw DDL in the migration.
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        differences = compare_metadata(context, metadata)
    assert differences == []
    assert store.schema_revisions() == Store.newest_revisions()


def test_migrate_twice_is_a_no_op(database_url: str) -> None:
    first = Store.open(database_url)
    first.close()
    second = Store.open(database_url)
    with second.connect() as connection:
        assert set(inspect(connection).get_table_names()) >= {"works", "quarantine"}
        assert connection.execute(select(works.c.id)).all() == []
    second.close()


def test_sqlite_uses_wal(sqlite_url: str) -> None:
    store = Store.open(sqlite_url)
    with store.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()
