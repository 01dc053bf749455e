"""Name-variant lookup of people (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from paperscope.read.people import name_keys_like
from paperscope.search.people import find_people
from paperscope.store import Store
from paperscope.store.schema import authorships, people, works
from pgserver import PgServer
from plans import ask_for_index_scans, explain_driver_sql, plan_steps

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


def _other_names_counted(store: Store, count: int = 3000) -> None:
    """Other names around `_authorships`' (half of them resolved), and the table's
    statistics, as ingest leaves them: with a handful of rows and no statistics PostgreSQL
    guesses its way to the person index for "person_id IS NULL" or to a whole index."""
    with store.transaction() as connection:
        person = connection.execute(
            insert(people).values(canonical_name="Some One")
        ).inserted_primary_key[0]
        work = connection.execute(
            insert(works).values(title="Other names", title_key="other names")
        ).inserted_primary_key[0]
        connection.execute(
            insert(authorships),
            [
                {
                    "work_id": work,
                    "position": k,
                    "name": f"Other {k}",
                    "name_key": f"other {k}",
                    "person_id": person if k % 2 else None,
                }
                for k in range(1, count + 1)
            ],
        )
    store.vacuum([authorships])


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


def _authorship_lookups(store: Store, name: str) -> list[tuple[str, Any]]:
    """The statements a people search for `name` runs on all the authorships of some name
    keys; not those reading printed names (`LIMIT 1`, or the names the shown co-authors are
    printed with), which only the table holds."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        selected, _, tested = statement.partition("WHERE")
        printed = ".name " in selected.partition("FROM")[0] + " "
        on_names = "FROM authorships" in statement and "name_key" in tested
        if on_names and "LIMIT" not in tested and not printed:
            seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        with store.connect() as connection:
            find_people(connection, name)
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


def test_a_people_search_reads_the_authorships_of_a_name_from_the_index_alone(
    store: Store,
) -> None:
    # Heap (table) reads were most of a common name's first visit at a million works: 21,715
    # authorships of "wei wang" on as many pages (migration 0023_name_key_covering_index).
    _authorships(store)
    _other_names_counted(store)
    lookups = _authorship_lookups(store, "Michael Collins")
    with store.connect() as connection:
        ask_for_index_scans(connection)
        plans = [
            plan_steps(connection, explain_driver_sql(connection, statement, parameters))
            for statement, parameters in lookups
        ]

    covered = (
        "Index Only Scan using ix_authorships_name_key_person_work"
        if store.dialect == "postgresql"
        else "USING COVERING INDEX ix_authorships_name_key_person_work"
    )
    assert len(plans) >= 3  # the variants, the resolved people and the namesake's works
    assert all(any(covered in step for step in plan) for plan in plans), plans
