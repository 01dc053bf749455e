"""Bulk writes on both databases (COPY into a staging table and a set-based merge on
PostgreSQL): duplicates inside one call and across calls, and a row the database refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from paperscope.store import Store
from paperscope.store.schema import reported_citations, work_ids, works
from paperscope.store.upsert import (
    insert_ignore,
    insert_rows,
    insert_with_ids,
    update_rows,
    upsert,
)


def _work(title: str, year: int | None = 2020) -> dict[str, object]:
    return {"title": title, "title_key": title.lower(), "year": year}


def test_insert_with_ids_returns_the_new_ids_in_row_order(store: Store) -> None:
    with store.transaction() as connection:
        first = insert_with_ids(connection, works, [_work("A"), _work("B")])
        second = insert_with_ids(connection, works, [_work("C")])
        stored = dict(connection.execute(select(works.c.id, works.c.title)).all())
    assert stored == {first[0]: "A", first[1]: "B", second[0]: "C"}
    assert len({*first, *second}) == 3


def test_insert_ignore_keeps_the_first_of_duplicates_in_one_call_and_across_calls(
    store: Store,
) -> None:
    with store.transaction() as connection:
        a, b = insert_with_ids(connection, works, [_work("A"), _work("B")])
        rows = [
            {"scheme": "doi", "value": "10.1/x", "work_id": a},
            {"scheme": "doi", "value": "10.1/x", "work_id": b},  # the same key, same batch
            {"scheme": "arxiv", "value": "2101.00001", "work_id": a},
        ]
        insert_ignore(connection, work_ids, rows, ["value", "scheme"])
    with store.transaction() as connection:  # a later batch: one known key, one new
        rows = [
            {"scheme": "arxiv", "value": "2101.00001", "work_id": b},
            {"scheme": "doi", "value": "10.1/y", "work_id": b},
        ]
        insert_ignore(connection, work_ids, rows, ["value", "scheme"])
        stored = set(connection.execute(select(work_ids.c.value, work_ids.c.work_id)).all())
    assert stored == {("10.1/x", a), ("2101.00001", a), ("10.1/y", b)}


def test_insert_rows_writes_every_row_as_given_and_refuses_a_stored_key(store: Store) -> None:
    with store.transaction() as connection:
        a, b = insert_with_ids(connection, works, [_work("A"), _work("B", None)])
        rows = [
            {"work_id": a, "source": "openalex", "count": 3},
            {"work_id": b, "source": "s2 'quoted'\tand tabbed", "count": 0},
        ]
        insert_rows(connection, reported_citations, rows)
        insert_rows(connection, reported_citations, [])
        stored = set(connection.execute(select(reported_citations)).all())
    assert stored == {(a, "openalex", 3), (b, "s2 'quoted'\tand tabbed", 0)}
    with pytest.raises(IntegrityError), store.transaction() as connection:
        insert_rows(connection, reported_citations, [{**rows[0], "count": 4}])
    with store.connect() as connection:
        assert set(connection.execute(select(reported_citations)).all()) == stored


def test_upsert_replaces_the_update_columns_of_known_keys(store: Store) -> None:
    with store.transaction() as connection:
        (work,) = insert_with_ids(connection, works, [_work("A")])
        row = {"work_id": work, "source": "openalex", "count": 3}
        upsert(connection, reported_citations, [row], ["work_id", "source"], ["count"])
    with store.transaction() as connection:
        rows = [{**row, "count": 5}, {"work_id": work, "source": "s2", "count": 1}]
        upsert(connection, reported_citations, rows, ["work_id", "source"], ["count"])
        stored = set(connection.execute(select(reported_citations)).all())
    assert stored == {(work, "openalex", 5), (work, "s2", 1)}


def test_update_rows_sets_the_given_columns_of_the_rows_with_those_keys(store: Store) -> None:
    with store.transaction() as connection:
        a, b, c = insert_with_ids(connection, works, [_work("A"), _work("B"), _work("C")])
        rows = [
            {"id": a, "title": "A'\tnew", "year": None},
            {"id": c, "title": "C new", "year": 1999},
            {"id": c + 100, "title": "nobody", "year": 1},  # no such row: nothing happens
        ]
        update_rows(connection, works, rows, "id")
        update_rows(connection, works, [], "id")
        stored = set(
            connection.execute(
                select(works.c.id, works.c.title, works.c.year, works.c.title_key)
            ).all()
        )
    assert stored == {(a, "A'\tnew", None, "a"), (b, "B", 2020, "b"), (c, "C new", 1999, "c")}


def test_update_rows_is_one_statement_on_postgresql(store: Store) -> None:
    """Statement-level triggers (the search queue's, the content version's) fire once for
    the whole call, not once per row."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's triggers are per row; there it is one executemany")
    with store.transaction() as connection:
        ids = insert_with_ids(connection, works, [_work(str(k)) for k in range(50)])
        connection.exec_driver_sql("CREATE TEMPORARY TABLE fired (n integer)")
        connection.exec_driver_sql(
            "CREATE FUNCTION pg_temp.count_firing() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO fired VALUES (1); RETURN NULL; END $$"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER count_firing AFTER UPDATE ON works "
            "FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.count_firing()"
        )
        update_rows(connection, works, [{"id": i, "year": 2001} for i in ids], "id")
        fired = connection.exec_driver_sql("SELECT count(*) FROM fired").scalar_one()
        years = set(connection.execute(select(works.c.year)).scalars())
        connection.exec_driver_sql("DROP TRIGGER count_firing ON works")
    assert (fired, years) == (1, {2001})


def test_a_refused_row_fails_its_batch_and_the_next_batch_is_written(store: Store) -> None:
    with store.transaction() as connection:
        a, b = insert_with_ids(connection, works, [_work("A"), _work("B")])
    good = {"work_id": a, "source": "openalex", "count": 1}
    out_of_range = {"work_id": b, "source": "openalex", "count": 2**70}
    # SQLite's driver refuses the number (OverflowError), PostgreSQL refuses it in the COPY
    # (raised as SQLAlchemy's DataError, a StatementError, as from any statement).
    with pytest.raises((OverflowError, StatementError)), store.transaction() as connection:
        rows = [good, out_of_range]
        upsert(connection, reported_citations, rows, ["work_id", "source"], ["count"])
    with store.transaction() as connection:
        assert connection.execute(select(reported_citations)).all() == []
        insert_ignore(connection, reported_citations, [good], ["work_id", "source"])
        insert_ignore(connection, reported_citations, [good], ["work_id", "source"])
        assert connection.execute(select(reported_citations)).all() == [(a, "openalex", 1)]
