"""`in_list`: one bound parameter for a list of ids or keys (SQLite and PostgreSQL)."""

from __future__ import annotations

import ast
import itertools
import json
import os
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
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

import paperscope
from paperscope.identity import loading as identity_loading
from paperscope.read.people import person_summary
from paperscope.read.person_records import PersonRef
from paperscope.read.works import citations_per_year, load_works, upvote_counts
from paperscope.store import Store
from paperscope.store.accounts_schema import user_upvotes, users
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import (
    authorships,
    code_links,
    people,
    references,
    reported_citations,
    works,
)
from pgserver import PgServer
from plans import explain

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


SELECTIVE = random.Random(1).sample(range(1, BIG + 1), 100)
PLAN_CASES = {
    "rowid": (things.c.id, SELECTIVE),
    "index": (things.c.group_id, [3, 5, 7]),
    "string index": (things.c.key, [f"k{i}" for i in SELECTIVE]),
}


def test_sqlite_plan_searches_the_index(sqlite_big: Store) -> None:
    with sqlite_big.connect() as connection:
        plans = {
            name: [row[-1] for row in explain(connection, select(things).where(in_list(c, v)))]
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
            (row,) = explain(connection, select(things).where(in_list(column, values)))
            plan = row[0] if not isinstance(row[0], str) else json.loads(row[0])
            plans[name] = list(_scans(plan[0]["Plan"]))
        found = _ids(connection, select(things.c.id).where(in_list(things.c.key, ["k5", "k9"])))

    assert found == [5, 9]
    for name, index in expected.items():
        assert any(kind in index_scans and used == index for kind, used in plans[name]), plans
        assert ("Seq Scan", None) not in plans[name], plans
    assert ("Seq Scan", None) in plans["control"]


# The call sites: the loaders take lists longer than any statement binds, in one statement each.

MANY = 40_000  # more ids than SQLite's 32766 variables per statement


def _expected_upvotes(work_id: int) -> int | None:
    source, local = work_id % 5 or None, int(work_id % 13 == 0)
    return None if source is None and not local else (source or 0) + local


@pytest.fixture
def many_works(store: Store) -> Store:
    """MANY works by person 1 (a third with a co-author), each citing the one before it,
    some with code, reported citations, scores and local upvotes. SQLite only: its limit of
    variables per statement is what the old chunking loops worked around (PostgreSQL binds
    the list as one array whatever its length; the tests above cover that)."""
    if store.dialect != "sqlite":
        pytest.skip("the variable limit this checks is SQLite's")
    with store.transaction() as connection:
        connection.execute(insert(people), [{"id": 1, "canonical_name": "Ada Lovelace"}])
        connection.execute(
            insert(users), [{"id": 1, "email": "u@example.org", "created_at": datetime(2024, 1, 1)}]
        )
        ids = range(1, MANY + 1)
        connection.execute(
            insert(works),
            [
                {"id": i, "title": f"Work {i}", "title_key": f"work {i}", "year": 2000 + i % 20}
                | {"primary_category": "cs.CL", "upvotes": i % 5 or None}
                for i in ids
            ],
        )
        ada = {"position": 0, "name": "Ada Lovelace", "name_key": "ada lovelace", "person_id": 1}
        alan = {"position": 1, "name": "Alan Turing", "name_key": "alan turing", "person_id": None}
        connection.execute(
            insert(authorships),
            [{"work_id": i, **ada} for i in ids] + [{"work_id": i, **alan} for i in ids[2::3]],
        )
        connection.execute(
            insert(references),
            [
                {"citing_scheme": "w", "citing_value": f"{i}", "citing_work_id": i}
                | {"cited_scheme": "w", "cited_value": f"{i - 1}", "cited_work_id": i - 1}
                for i in ids[1:]
            ],
        )
        connection.execute(
            insert(code_links),
            [{"work_id": i, "url": f"https://code.test/{i}", "origin": "t"} for i in ids[::1000]],
        )
        connection.execute(
            insert(reported_citations),
            [{"work_id": i, "source": "s2", "count": 3} for i in ids[6::7]],
        )
        connection.execute(insert(work_metrics), [_metrics(i) for i in ids[10::11]])
        connection.execute(
            insert(user_upvotes),
            [{"user_id": 1, "work_id": i, "created_at": datetime(2024, 1, 1)} for i in ids[12::13]],
        )
    return store


def _metrics(work_id: int) -> dict[str, Any]:
    return {
        "work_id": work_id,
        "in_corpus_citations": 0,
        "citations": 0,
        "citation_source": "corpus",
        "ai_score": work_id / MANY,
        "definition_version": "test",
    }


def test_loaders_take_more_ids_than_a_statement_binds(many_works: Store) -> None:
    """Works, upvotes, citing years, a profile's summary and identity signatures of 40k ids."""
    wanted = [*range(MANY, 0, -1), MANY + 5, 7, -1]  # reversed, unknown ids, a repeat
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    with many_works.connect() as connection:
        event.listen(connection, "before_cursor_execute", count)
        load_works(connection, [7])
        for_one = len(statements)
        loaded = load_works(connection, wanted, authors_limit=None, today=date(2025, 1, 1))
        for_many = len(statements) - for_one
        upvotes = upvote_counts(connection, wanted)
        years = citations_per_year(connection, range(1, MANY + 1))
        event.remove(connection, "before_cursor_execute", count)
        summary = person_summary(connection, PersonRef(1, ""))
        ids = list(connection.execute(select(authorships.c.id)).scalars())
        stored = identity_loading.load(connection, [*ids, *ids[:10]])  # repeats load once

    assert for_many == for_one  # no chunks: as many statements for 40k ids as for one
    assert [w.work_id for w in loaded] == list(range(MANY, 0, -1))
    for work in loaded:
        i = work.work_id
        names = ["Ada Lovelace", "Alan Turing"] if i % 3 == 0 else ["Ada Lovelace"]
        cited = int(i < MANY)
        reported = 3 if i % 7 == 0 else None
        assert [a.name for a in work.authors] == names, i
        assert (work.title, work.year, work.author_count) == (
            f"Work {i}",
            2000 + i % 20,
            len(names),
        )
        assert work.code_urls == ((f"https://code.test/{i}",) if i % 1000 == 1 else ()), i
        assert (work.in_corpus_citations, work.reported_citations) == (cited, reported), i
        assert work.citations == max(cited, reported or 0), i
        assert work.upvotes == _expected_upvotes(i), i
        assert work.ai_score == (pytest.approx(i / MANY) if i % 11 == 0 else None), i
    assert upvotes == {i: _expected_upvotes(i) or 0 for i in range(1, MANY + 1)}
    assert years == dict(sorted(Counter(2000 + i % 20 for i in range(2, MANY + 1)).items()))
    assert list(years) == sorted(years)
    assert (summary.papers, summary.first_year, summary.last_year) == (MANY, 2000, 2019)
    assert summary.top_categories == ("cs.CL",)
    assert [(c.name, c.shared_works) for c in summary.top_coauthors] == [("Alan Turing", MANY // 3)]
    assert [s.signature.key for s in stored] == sorted(ids)
    assert len(stored) == MANY + MANY // 3
    by_work = {s.signature.work: s.signature for s in stored if s.position == 0}
    assert by_work[3].coauthors == ("Alan Turing",)
    assert by_work[3].cites == frozenset({2})
    assert by_work[MANY].title == f"Work {MANY}"


# No query binds a Python list by hand: `in_list` does it (one parameter, no chunks).

SOURCE = Path(paperscope.__file__).parent
LIST_BIND_EXCEPTIONS: dict[str, str] = {
    # "module/path.py:function": "why this function may bind a list itself",
}
"""Functions allowed to bind an expanding list themselves, each with its reason."""


def list_binds(source: str) -> list[tuple[int, str]]:
    """(line, function) of each `bindparam(..., expanding=True)` and each `.in_(x)` /
    `.not_in(x)` / `.notin_(x)` whose `x` is not a query (`select(...)...`, `.subquery()`,
    `.scalar_subquery()`, or a name the function assigns only such), nor a literal tuple,
    list or set of constants."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST, function: str, queries: set[str]) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function, queries = node.name, _query_names(node)
        if isinstance(node, ast.Call):
            expanding = any(
                k.arg == "expanding" and isinstance(k.value, ast.Constant) and k.value.value
                for k in node.keywords
            )
            membership = isinstance(node.func, ast.Attribute) and node.func.attr in {
                "in_", "not_in", "notin_",
            }  # fmt: skip
            if expanding or (
                membership and not all(_fixed(a) or _query(a, queries) for a in node.args)
            ):
                found.append((node.lineno, function))
        for child in ast.iter_child_nodes(node):
            visit(child, function, queries)

    visit(ast.parse(source), "<module>", set())
    return found


def _fixed(node: ast.expr) -> bool:
    """A tuple, list or set written out of constants: `("pending", "sending")`."""
    return isinstance(node, ast.Tuple | ast.List | ast.Set) and all(
        isinstance(e, ast.Constant) for e in node.elts
    )


def _query(node: ast.expr, names: set[str]) -> bool:
    """`select(...)` and anything chained on it, a `.subquery()`/`.scalar_subquery()`, or a
    name in `names`."""
    if isinstance(node, ast.Name):
        return node.id in names
    while isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id == "select"
        if not isinstance(func, ast.Attribute):
            return False
        if func.attr in {"subquery", "scalar_subquery"}:
            return True
        node = func.value
    return False


def _query_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names the function assigns, every time, a query."""
    values: dict[str, list[ast.expr]] = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            values.setdefault(node.target.id, []).append(node.value or ast.Constant(None))
    return {name for name, assigned in values.items() if all(_query(v, set()) for v in assigned)}


def test_list_binds_rule() -> None:
    sample = """
def flagged(connection, ids, rows):
    others = list(ids)
    a = t.c.id.in_(ids)
    b = t.c.id.in_(bindparam("ids", expanding=True))
    c = t.c.id.in_([r[0] for r in rows])
    d = ~t.c.id.not_in(others)
    e = t.c.id.in_((1, n))

def allowed(connection):
    sub = select(t.c.id).where(t.c.x == 1)
    a = t.c.id.in_(select(u.c.id).where(u.c.y > 2).distinct())
    b = t.c.id.not_in(sub)
    c = t.c.state.in_(("pending", "sending"))
    d = t.c.id.in_(target.scalar_subquery())
    e = in_list(t.c.id, ids)
"""
    lines = sample.splitlines()
    flagged = [(function, lines[line - 1].strip()[0]) for line, function in list_binds(sample)]
    # b twice: the expanding bindparam, and an in_ of something that is not a query.
    expected = [("flagged", name) for name in ("a", "b", "b", "c", "d", "e")]
    assert flagged == expected


def test_no_query_binds_an_expanding_list() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        module = path.relative_to(SOURCE).as_posix()
        for line, function in list_binds(path.read_text(encoding="utf-8")):
            if f"{module}:{function}" not in LIST_BIND_EXCEPTIONS:
                found.append(f"{module}:{line} in {function}()")
    assert not found, (
        "bind lists of ids or keys with paperscope.store.ids.in_list(column, values) "
        f"(or list the function in LIST_BIND_EXCEPTIONS with a reason): {found}"
    )
