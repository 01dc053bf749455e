"""Bounded questions to the citation graph (the `references` table), for neighbourhoods.

Every function caps what it reads: a list of ids is capped by the caller, each query that
fans out from a set of works aggregates in SQL and returns at most `limit` rows, and works
cited by very many others are sampled (`citing_sample`) instead of read whole. So a work with
10,000 citing works costs a few hundred rows, not 10,000 times its neighbours' fan-out.

`hidden` (a work id, or None) leaves out every edge whose citing side is that work, as if its
reference list were unknown: the benchmark rebuilds a work's references that way.
Self-citations (an edge from a work to itself) never count.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, and_, func, select, true

from paperscope.store.ids import in_list
from paperscope.store.schema import references, works

_citing = references.c.citing_work_id
_cited = references.c.cited_work_id


def _linked(hidden: int | None) -> ColumnElement[bool]:
    """An edge between two stored works, not a self-citation, not from `hidden`."""
    condition = and_(_citing.is_not(None), _cited.is_not(None), _citing != _cited)
    return condition if hidden is None else and_(condition, _citing != hidden)


def cited_by_work(connection: Connection, work_id: int, limit: int) -> list[int]:
    """The stored works `work_id` cites (in the order listed), at most `limit`."""
    first = func.min(references.c.id)
    query = (
        select(_cited)
        .where(_citing == work_id, _linked(None))
        .group_by(_cited)
        .order_by(first)
        .limit(limit)
    )
    return list(connection.execute(query).scalars().all())


def citing_work(connection: Connection, work_id: int, limit: int) -> list[int]:
    """The stored works citing `work_id`, newest first (year, then id), at most `limit`."""
    citing = (
        select(_citing.label("work_id"))
        .where(_cited == work_id, _linked(None))
        .distinct()
        .subquery("citing")
    )
    query = (
        select(citing.c.work_id)
        .join(works, works.c.id == citing.c.work_id)
        .order_by(works.c.year.desc().nulls_last(), citing.c.work_id.desc())
        .limit(limit)
    )
    return list(connection.execute(query).scalars().all())


def citation_counts(
    connection: Connection, ids: Sequence[int], hidden: int | None = None
) -> dict[int, int]:
    """Distinct citing works of each of `ids` (counted in SQL; works with none left out)."""
    query = (
        select(_cited, func.count(func.distinct(_citing)))
        .where(in_list(_cited, ids), _linked(hidden))
        .group_by(_cited)
    )
    return {work_id: count for work_id, count in connection.execute(query).all()}


def reference_counts(
    connection: Connection, ids: Sequence[int], hidden: int | None = None
) -> dict[int, int]:
    """Distinct stored works each of `ids` cites (counted in SQL)."""
    query = (
        select(_citing, func.count(func.distinct(_cited)))
        .where(in_list(_citing, ids), _linked(hidden))
        .group_by(_citing)
    )
    return {work_id: count for work_id, count in connection.execute(query).all()}


def most_cited_by(
    connection: Connection,
    citing: Sequence[int],
    limit: int,
    exclude: Sequence[int] = (),
    hidden: int | None = None,
) -> list[tuple[int, int]]:
    """The works cited by most of `citing`: (work id, how many of them cite it), best first.

    Reads the reference lists of `citing` (the caller caps how many), returns `limit` rows.
    """
    count = func.count(func.distinct(_citing))
    query = (
        select(_cited, count)
        .where(
            in_list(_citing, citing),
            _linked(hidden),
            ~in_list(_cited, exclude) if exclude else true(),
        )
        .group_by(_cited)
        .order_by(count.desc(), _cited)
        .limit(limit)
    )
    return [(work_id, n) for work_id, n in connection.execute(query).all()]


def most_citing(
    connection: Connection,
    cited: Sequence[int],
    limit: int,
    exclude: Sequence[int] = (),
    hidden: int | None = None,
) -> list[tuple[int, int]]:
    """The works citing most of `cited`: (work id, how many of them it cites), best first.

    Reads every citing edge of `cited`: the caller leaves out works cited too widely (see
    `within_budget`), so this reads at most the budget's rows.
    """
    count = func.count(func.distinct(_cited))
    query = (
        select(_citing, count)
        .where(
            in_list(_cited, cited),
            _linked(hidden),
            ~in_list(_citing, exclude) if exclude else true(),
        )
        .group_by(_citing)
        .order_by(count.desc(), _citing)
        .limit(limit)
    )
    return [(work_id, n) for work_id, n in connection.execute(query).all()]


def within_budget(counts: dict[int, int], ids: Sequence[int], budget: int) -> list[int]:
    """The least-cited of `ids` whose citation counts add up to at most `budget`.

    Works cited by few others say the most about what cites them (as in IDF), and leaving
    the widely cited ones out bounds what `most_citing` reads.
    """
    chosen: list[int] = []
    spent = 0
    for work_id in sorted(ids, key=lambda w: (counts.get(w, 0), w)):
        cost = counts.get(work_id, 0)
        if spent + cost > budget:
            break
        chosen.append(work_id)
        spent += cost
    return chosen


def edges_from(
    connection: Connection, citing: Sequence[int], limit: int, hidden: int | None = None
) -> list[tuple[int, int]]:
    """(citing, cited) edges of the reference lists of `citing`, at most `limit` rows."""
    query = (
        select(_citing, _cited)
        .where(in_list(_citing, citing), _linked(hidden))
        .distinct()
        .order_by(_citing, _cited)
        .limit(limit)
    )
    return [(a, b) for a, b in connection.execute(query).all()]


def citing_sample(
    connection: Connection,
    cited: Sequence[int],
    counts: dict[int, int],
    per_work: int,
    hidden: int | None = None,
) -> list[tuple[int, int]]:
    """(citing, cited) edges into each of `cited`: all of them for a work cited at most
    `per_work` times (one query), the most recently stored `per_work` for a more cited one
    (one query each, read from the index in edge order)."""
    few = [w for w in cited if counts.get(w, 0) <= per_work]
    many = [w for w in cited if counts.get(w, 0) > per_work]
    edges: list[tuple[int, int]] = []
    if few:
        query = select(_citing, _cited).where(in_list(_cited, few), _linked(hidden)).distinct()
        edges.extend((a, b) for a, b in connection.execute(query).all())
    for work_id in many:
        query = (
            select(_citing, _cited)
            .where(_cited == work_id, _linked(hidden))
            .order_by(references.c.id.desc())
            .limit(per_work)
        )
        edges.extend(dict.fromkeys((a, b) for a, b in connection.execute(query).all()))
    return edges


def years(connection: Connection, ids: Sequence[int]) -> dict[int, int | None]:
    """The year of each of `ids` (None when unknown)."""
    query = select(works.c.id, works.c.year).where(in_list(works.c.id, ids))
    return {work_id: year for work_id, year in connection.execute(query).all()}
