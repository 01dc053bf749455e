"""Name-variant lookup of people (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, text

from paperscope.read.people import name_keys_like
from paperscope.store import Store
from paperscope.store.schema import authorships, works
from pgserver import PgServer

PRINTED = (
    "michael collins",
    "michael john collins",
    "m collins",
    "michaela collins",
    "michael collinson",
    "michael j",
    "john collins",
)


_names = itertools.count()


@pytest.fixture
def pg_store(pg_server: PgServer) -> Iterator[Store]:
    opened = Store.open(pg_server.new_database(f"variants_{os.getpid()}_{next(_names)}"))
    yield opened
    opened.close()


def _authorships(store: Store) -> None:
    with store.transaction() as connection:
        work = connection.execute(
            insert(works).values(title="A work", title_key="a work")
        ).inserted_primary_key[0]
        connection.execute(
            insert(authorships),
            [
                {"work_id": work, "position": k, "name": key.title(), "name_key": key}
                for k, key in enumerate(PRINTED, start=1)
            ],
        )


def test_variants_add_middle_names_and_the_initial(store: Store) -> None:
    _authorships(store)
    with store.connect() as connection:
        found = name_keys_like(connection, "michael collins")
        alone = name_keys_like(connection, "michaela collins")

    assert found == ["michael collins", "m collins", "michael john collins"]
    assert alone == ["michaela collins", "m collins"]


@pytest.mark.postgres
def test_postgresql_finds_variants_through_the_index(pg_store: Store) -> None:
    _authorships(pg_store)
    with pg_store.connect() as connection:
        collation = connection.execute(
            text(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'authorships' AND column_name = 'name_key'"
            )
        ).scalar_one()
        connection.execute(text("SET enable_seqscan = off"))  # a tiny table: ask for the index
        plan = "\n".join(
            row[0]
            for row in connection.execute(
                text(
                    "EXPLAIN SELECT DISTINCT name_key FROM authorships WHERE name_key >= 'wei ' "
                    "AND name_key < 'wei!' AND name_key LIKE 'wei % wang'"
                )
            )
        )

    assert collation == "C"
    assert "ix_authorships_name_key" in plan and "Seq Scan" not in plan
