"""Open a database (SQLite file or PostgreSQL server), migrate it, hand out transactions."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from paperscope.errors import StoreError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (the web app) go on while an ingest writes; NORMAL is durable in WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoint the WAL every ~64 MB rather than every 4 MB: an ingest batch writes several
    # MB, and a checkpoint (with its fsync) after every batch dominated ingest time.
    cursor.execute("PRAGMA wal_autocheckpoint=16384")
    cursor.close()


BULK_WRITE_PRAGMAS = ("PRAGMA cache_size=-262144", "PRAGMA wal_autocheckpoint=262144")
"""For a connection that writes in bulk (ingest): a 256 MB page cache, so that the indexes
of tables with millions of rows (references, source_records) are updated in memory rather
than read back page by page, and a checkpoint every ~1 GB of WAL rather than every 64 MB:
a checkpoint copies every page the batches since the last one touched, and index pages are
touched by nearly every batch, so checkpoints took more than a quarter of a 100k-work ingest.
Durability is unchanged (WAL with synchronous=NORMAL): a kill -9 loses no committed batch;
the next connection replays and checkpoints the WAL."""


def refresh_statistics(connection: Connection, tables: Sequence[Table]) -> None:
    """Have PostgreSQL's planner count `tables` again (`ANALYZE`), in its own transaction;
    nothing on SQLite, which plans by its indexes and keeps no statistics unless asked.

    For a writer that grows tables fast: autovacuum analyzes a table some time after it
    changed, when a worker is free. Until then the planner plans lookups for the table as
    it was (often empty), and on a busy server that can last a whole ingest: AAN into a
    fresh database took 69-77 s when the `source_records` lookup kept its empty-table plan
    (2 s per batch, growing to 7.6 s) and 20-24 s when autovacuum came early."""
    if connection.dialect.name != "postgresql" or not tables:
        return
    names = ", ".join(connection.dialect.identifier_preparer.format_table(t) for t in tables)
    with connection.begin():
        connection.exec_driver_sql(f"ANALYZE {names}")


def _engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


class Store:
    """One database: SQLite (embedded default) or PostgreSQL, with the same schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        try:
            store = cls(_engine_for(url))
            if migrate:
                store.migrate()
        except SQLAlchemyError as error:
            raise StoreError(f"cannot open database {make_url(url)!r}: {error}") from error
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there already)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    def schema_revisions(self) -> set[str]:
        """The migration heads the database is at (one, unless migrations ever branch)."""
        with self.engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads())

    @staticmethod
    def newest_revisions() -> set[str]:
        """The heads of the migration scripts shipped with this version."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        return set(ScriptDirectory.from_config(config).get_heads())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def bulk_connection(self) -> Iterator[Connection]:
        """One connection for many write transactions in a row (`with connection.begin()`
        per batch): on SQLite it has `BULK_WRITE_PRAGMAS`, and is closed rather than pooled
        at the end, so that no other work inherits them."""
        with self.engine.connect() as connection:
            if self.dialect == "sqlite":
                for pragma in BULK_WRITE_PRAGMAS:
                    connection.exec_driver_sql(pragma)
                connection.commit()
            try:
                yield connection
            finally:
                if self.dialect == "sqlite":
                    connection.invalidate()

    def vacuum(self, tables: Sequence[Table]) -> None:
        """`VACUUM (ANALYZE)` of `tables` on PostgreSQL; nothing on SQLite (its VACUUM
        rewrites the whole file, and its counts read the indexes alone anyway).

        For a bulk writer at its end. PostgreSQL reads a count or a lookup from an index
        alone only where its visibility map says a page holds no row changed since the
        last vacuum, and autovacuum comes after a fifth of a table changed. After `ingest`
        of the 1M corpus, 91,419 of a million works had been rewritten by merges, under
        that fifth: counting a venue's 32,066 works read 25,990 table pages, 135 ms of a
        first visit; after `VACUUM (ANALYZE) works` (1.2 s) it took 3 ms."""
        if self.dialect != "postgresql" or not tables:
            return
        preparer = self.engine.dialect.identifier_preparer
        names = ", ".join(preparer.format_table(table) for table in tables)
        with self.engine.connect() as connection:  # VACUUM runs outside any transaction
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            autocommit.exec_driver_sql(f"VACUUM (ANALYZE) {names}")

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            yield connection

    def close(self) -> None:
        self.engine.dispose()
