"""`in_list`: one bound parameter for a list of ids or keys (SQLite and PostgreSQL)."""

from __future__ import annotations

import itertools
import json
import os
import random
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pytest
from sqlalchemy import (
    Column,
    Connection,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine.interfaces import CacheStats
from sqlalchemy.sql import Executable

from paperscope.store import Store
from paperscope.store.ids import in_list
from pgserver import PgServer

metadata = MetaData()
groups = Table(
    "test_groups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(32), nullable=False, index=True),
)
things = Table(
    "test_things",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_id", Integer, ForeignKey("test_groups.id"), nullable=False, index=True),
    Column("key", String(64), nullable=False, index=True),
    Column("score", Integer, nullable=False),  # not indexed: the plan tests' control
)

N_GROUPS = 50
N_THINGS = 3_000
KEYS = ["", "a,b", "{x}", '"q"', "NULL", "back\\slash", "it's", "ünï", "[1]", "k 1"]


def _key(i: int) -> str:
    return KEYS[i] if i < len(KEYS) else f"k{i}"


@pytest.fixture
def filled(store: Store) -> Store:
    """The store with N_THINGS things in N_GROUPS groups (keys include awkward strings)."""
    metadata.create_all(store.engine)
    with store.transaction() as connection:
        connection.execute(
            insert(groups), [{"id": g, "name": f"g{g}"} for g in range(1, N_GROUPS + 1)]
        )
        connection.execute(insert(things), [_thing(i) for i in range(1, N_THINGS + 1)])
    return store


def _thing(i: int) -> dict[str, Any]:
    return {"id": i, "group_id": i % N_GROUPS + 1, "key": _key(i), "score": i % 7}


def _ids(connection: Connection, statement: Executable) -> list[int]:
    return sorted(connection.execute(statement).scalars())


ID_LISTS = {
    "empty": [],
    "one": [17],
    "absent": [0, -5, N_THINGS + 1],
    "duplicates": [5, 5, 9, 5, 9, 2_999],
    # More values than SQLite (32766) or PostgreSQL (65535) take as separate parameters.
    "100k": random.Random(0).choices(range(-10, 2 * N_THINGS), k=100_000),
}


@pytest.mark.parametrize("name", ID_LISTS)
def test_ids_match_a_python_filter(filled: Store, name: str) -> None:
    wanted = ID_LISTS[name]
    with filled.connect() as connection:
        found = _ids(connection, select(things.c.id).where(in_list(things.c.id, wanted)))
        by_group = _ids(connection, select(things.c.id).where(in_list(things.c.group_id, wanted)))

    distinct = set(wanted)
    assert found == sorted(distinct & set(range(1, N_THINGS + 1)))
    assert by_group == [i for i in range(1, N_THINGS + 1) if i % N_GROUPS + 1 in distinct]


ITERABLES: dict[str, Callable[[], Iterable[Any]]] = {
    "set": lambda: {3, 1, 2},
    "tuple": lambda: (3, 1, 2, 2),
    "generator": lambda: (i for i in (1, 2, 3)),
    "numpy-int64": lambda: np.array([1, 2, 3], dtype=np.int64),
    "numpy-int32": lambda: np.array([3, 2, 1], dtype=np.int32),
}


@pytest.mark.parametrize("kind", ITERABLES)
def test_any_iterable_of_ints(filled: Store, kind: str) -> None:
    condition = in_list(things.c.id, ITERABLES[kind]())  # a generator is read here, once
    with filled.connect() as connection:
        first = _ids(connection, select(things.c.id).where(condition))
        again = _ids(connection, select(things.c.id).where(condition))

    assert first == again == [1, 2, 3]


def test_string_keys_match_a_python_filter(filled: Store) -> None:
    # Commas, braces, quotes, "NULL" and backslashes would break a hand-made array or JSON.
    wanted = [*KEYS, "k10", "k10", "k2999", "missing", "K11"]
    with filled.connect() as connection:
        found = _ids(connection, select(things.c.id).where(in_list(things.c.key, wanted)))
        from_numpy = _ids(
            connection, select(things.c.id).where(in_list(things.c.key, np.array(["k12", "k13"])))
        )
        nothing = _ids(connection, select(things.c.id).where(in_list(things.c.key, [])))

    assert found == [i for i in range(1, N_THINGS + 1) if _key(i) in set(wanted)]
    assert len(found) == len(KEYS) - 1 + 2  # KEYS[0] belongs to no thing (ids start at 1)
    assert from_numpy == [12, 13]
    assert nothing == []


def test_not_in_list_and_comparisons(filled: Store) -> None:
    wanted = list(range(1, N_THINGS, 2))
    with filled.connect() as connection:
        outside = _ids(connection, select(things.c.id).where(~in_list(things.c.id, wanted)))
        compared = _ids(
            connection,
            select(things.c.id).where(in_list(things.c.id, wanted) == False),  # noqa: E712
        )
        either = _ids(
            connection,
            select(things.c.id).where(
                in_list(things.c.id, [1, 2]) | in_list(things.c.key, ["k11"]), things.c.id > 1
            ),
        )

    assert outside == compared == [i for i in range(1, N_THINGS + 1) if i % 2 == 0]
    assert either == [2, 11]


def test_update_and_delete(filled: Store) -> None:
    changed, removed = [4, 8, 8, 15], list(range(100, 2_100))
    with filled.transaction() as connection:
        updated = connection.execute(
            update(things).where(in_list(things.c.id, changed)).values(score=-1)
        )
        deleted = connection.execute(delete(things).where(in_list(things.c.id, removed)))
    with filled.connect() as connection:
        negative = _ids(connection, select(things.c.id).where(things.c.score == -1))
        left = connection.execute(select(func.count()).select_from(things)).scalar_one()

    assert (updated.rowcount, deleted.rowcount) == (3, 2_000)
    assert negative == [4, 8, 15]
    assert left == N_THINGS - 2_000


def test_join_subquery_and_two_lists_in_one_statement(filled: Store) -> None:
    names = ["g1", "g2", "g2", "nope"]
    ids = list(range(1, 200))
    joined = (
        select(things.c.id)
        .join(groups, groups.c.id == things.c.group_id)
        .where(in_list(groups.c.name, names), in_list(things.c.id, ids))
    )
    chosen = select(things.c.group_id).where(in_list(things.c.id, [1, 2, 3, 50]))
    nested = select(groups.c.name).where(groups.c.id.in_(chosen))
    with filled.connect() as connection:
        found = _ids(connection, joined)
        names_of = sorted(connection.execute(nested).scalars())

    assert found == [i for i in ids if i % N_GROUPS + 1 in (1, 2)]
    assert names_of == ["g1", "g2", "g3", "g4"]


def test_statement_cache_binds_each_lists_own_values(filled: Store) -> None:
    def query(ids: list[int]) -> Executable:
        return select(things.c.id).where(in_list(things.c.id, ids)).order_by(things.c.id)

    with filled.connect() as connection:
        first = connection.execute(query([1, 2, 3]))
        rows_first = first.scalars().all()
        second = connection.execute(query([7, *range(40, 45)]))
        rows_second = second.scalars().all()
        third = connection.execute(query([]))
        rows_third = third.scalars().all()
        other_column = connection.execute(
            select(things.c.id).where(in_list(things.c.group_id, [7])).order_by(things.c.id)
        ).scalars()

    assert rows_first == [1, 2, 3]
    assert rows_second == [7, 40, 41, 42, 43, 44]
    assert rows_third == []
    assert list(other_column)[:3] == [6, 56, 106]  # the column is in the key
    # The same compiled statement served all three lists (the values are not in the key).
    assert second.context.cache_hit is CacheStats.CACHE_HIT
    assert third.context.cache_hit is CacheStats.CACHE_HIT


def test_values_must_fit_the_column_type() -> None:
    with pytest.raises(TypeError):
        in_list(things.c.id, ["1"])
    with pytest.raises(TypeError):
        in_list(things.c.id, [1.0])
    with pytest.raises(TypeError):
        in_list(things.c.id, [1, None])
    with pytest.raises(TypeError):
        in_list(things.c.key, [1])
    with pytest.raises(TypeError):
        in_list(Column("ratio", Float), [0.5])


# Query plans, on a table large enough that the planners have a choice.

BIG = 200_000
_names = itertools.count()


@pytest.fixture
def sqlite_big(sqlite_url: str) -> Iterator[Store]:
    opened = Store.open(sqlite_url)
    _fill_big(opened)
    yield opened
    opened.close()


@pytest.fixture
def pg_big(pg_server: PgServer) -> Iterator[Store]:
    opened = Store.open(pg_server.new_database(f"ids_{os.getpid()}_{next(_names)}"))
    _fill_big(opened)
    yield opened
    opened.close()


def _fill_big(store: Store) -> None:
    """BIG things in 1000 groups, filled by the database itself, then ANALYZEd."""
    metadata.create_all(store.engine)
    series = (
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {BIG}) "
        "SELECT i FROM s"
        if store.dialect == "sqlite"
        else f"SELECT i FROM generate_series(1, {BIG}) AS s(i)"
    )
    with store.transaction() as connection:
        connection.execute(insert(groups), [{"id": g, "name": f"g{g}"} for g in range(1, 1_001)])
        connection.execute(
            text(
                "INSERT INTO test_things (id, group_id, key, score) "
                f"SELECT i, i % 1000 + 1, 'k' || i, i % 977 FROM ({series}) AS numbers"
            )
        )
        connection.execute(text("ANALYZE"))


def _explain(connection: Connection, statement: Executable) -> list[Any]:
    """The plan of `statement` with its parameters bound exactly as SQLAlchemy binds them."""
    prefix = (
        "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN (FORMAT JSON) "
    )

    def explained(*args: Any) -> tuple[str, Any]:
        return prefix + args[2], args[3]  # (conn, cursor, statement, parameters, ...)

    event.listen(connection, "before_cursor_execute", explained, retval=True)
    try:
        return list(connection.execute(statement))
    finally:
        event.remove(connection, "before_cursor_execute", explained)


SELECTIVE = random.Random(1).sample(range(1, BIG + 1), 100)
PLAN_CASES = {
    "rowid": (things.c.id, SELECTIVE),
    "index": (things.c.group_id, [3, 5, 7]),
    "string index": (things.c.key, [f"k{i}" for i in SELECTIVE]),
}


def test_sqlite_plan_searches_the_index(sqlite_big: Store) -> None:
    with sqlite_big.connect() as connection:
        plans = {
            name: [row[-1] for row in _explain(connection, select(things).where(in_list(c, v)))]
            for name, (c, v) in {**PLAN_CASES, "control": (things.c.score, [1, 2])}.items()
        }
        found = _ids(connection, select(things.c.id).where(in_list(things.c.id, SELECTIVE)))

    assert found == sorted(SELECTIVE)
    assert "SEARCH test_things USING INTEGER PRIMARY KEY (rowid=?)" in plans["rowid"]
    assert "SEARCH test_things USING INDEX ix_test_things_group_id (group_id=?)" in plans["index"]
    assert "SEARCH test_things USING INDEX ix_test_things_key (key=?)" in plans["string index"]
    for name in PLAN_CASES:
        assert not any(step.startswith("SCAN test_things") for step in plans[name]), plans[name]
    # The control, an unindexed column, is a full scan: the checks above can tell.
    assert "SCAN test_things" in plans["control"]


def _scans(node: dict[str, Any]) -> Iterator[tuple[str, str | None]]:
    """(node type, index name) of every node of a JSON plan reading test_things."""
    if node.get("Relation Name") == "test_things" or "Index Name" in node:
        yield node["Node Type"], node.get("Index Name")
    for child in node.get("Plans", []):
        yield from _scans(child)


@pytest.mark.postgres
def test_postgresql_plan_scans_the_index(pg_big: Store) -> None:
    expected = {
        "rowid": "test_things_pkey",
        "index": "ix_test_things_group_id",
        "string index": "ix_test_things_key",
    }
    index_scans = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}
    with pg_big.connect() as connection:
        plans = {}
        for name, (column, values) in {**PLAN_CASES, "control": (things.c.score, [1])}.items():
            (row,) = _explain(connection, select(things).where(in_list(column, values)))
            plan = row[0] if not isinstance(row[0], str) else json.loads(row[0])
            plans[name] = list(_scans(plan[0]["Plan"]))
        found = _ids(connection, select(things.c.id).where(in_list(things.c.key, ["k5", "k9"])))

    assert found == [5, 9]
    for name, index in expected.items():
        assert any(kind in index_scans and used == index for kind, used in plans[name]), plans
        assert ("Seq Scan", None) not in plans[name], plans
    assert ("Seq Scan", None) in plans["control"]
