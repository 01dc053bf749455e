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


HEAD = "0023_name_key_covering_index"


def test_one_head_and_the_library_migration_goes_up_and_down(database_url: str) -> None:
    """A database at 0008_venues (the revision before the library) upgrades to the single
    head, downgrades back to 0008 without the library's, the follows' and the feedback's
    columns and tables (and with the references' old indexes), and upgrades again."""
    from alembic import command
    from alembic.config import Config

    from paperscope.store.database import MIGRATIONS_DIR

    assert Store.newest_revisions() == {HEAD}
    store = Store.open(database_url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    steps = [
        (command.upgrade, "0008_venues"),
        (command.upgrade, "head"),
        (command.downgrade, "0008_venues"),
        (command.upgrade, "head"),
    ]
    try:
        for step, target in steps:
            with store.engine.begin() as connection:
                config.attributes["connection"] = connection
                step(config, target)
            with store.connect() as connection:
                tables = set(inspect(connection).get_table_names())
                columns = {c["name"] for c in inspect(connection).get_columns("library_items")}
                indexes = {i["name"] for i in inspect(connection).get_indexes("references")}
            library = target == "head"
            assert ("library_unmatched" in tables) is library, target
            assert ("work_feedback" in tables) is library, target
            assert ({"note", "read_at", "imported"} <= columns) is library, target
            assert ("follows" in tables) is library, target
            assert ("author_page_snapshots" in tables) is library, target
            assert ("ix_references_cited_citing" in indexes) is library, target
            assert ("ix_references_cited_work" in indexes) is not library, target
            assert ("ix_references_cited_key" in indexes) is not library, target
            assert store.schema_revisions() == ({HEAD} if library else {target})
    finally:
        store.close()


def test_the_claims_migration_goes_up_and_down(database_url: str) -> None:
    """0011_claims adds the roles, claims, proposals and runs tables and the corrections'
    audit columns; downgrading to 0010_follows takes them away again."""
    from alembic import command
    from alembic.config import Config

    from paperscope.store.database import MIGRATIONS_DIR

    store = Store.open(database_url, migrate=False)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    added = {"user_roles", "person_claims", "correction_proposals", "pipeline_runs"}
    try:
        for step, target, present in [
            (command.upgrade, "0011_claims", True),
            (command.downgrade, "0010_follows", False),
            (command.upgrade, "0011_claims", True),
        ]:
            with store.engine.begin() as connection:
                config.attributes["connection"] = connection
                step(config, target)
            with store.connect() as connection:
                tables = set(inspect(connection).get_table_names())
                columns = {
                    c["name"] for c in inspect(connection).get_columns("identity_corrections")
                }
            assert (added <= tables) is present, target
            assert not (added & tables) or present, target
            assert ({"proposed_by", "approved_by", "reverts"} <= columns) is present, target
    finally:
        store.close()
