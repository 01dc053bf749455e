"""What tells resolved namesakes apart, counted in the database.

An author page summarises up to twenty people who share the name, and a common name's
people have thousands of works between them at a million works ("Wei Wang": 87k
authorships on the namesakes' works). Reading every authorship to rank co-authors in Python
took 0.4-0.6 s of such a page; here the database counts (works, years and categories per
person, shared works per co-author) and only the few co-authors shown are read row by row,
for the name they are printed with most often. The numbers are those `read.people` computes
from the rows for provisional people and profiles (`rank_coauthors`, `_summary`); tests
compare the two on both databases.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from sqlalchemy import (
    ColumnElement,
    Connection,
    FromClause,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, works

CoAuthorCount = tuple[str, int | None, int]
"""(printed name, person id or None, works shared)."""


@dataclass(frozen=True, slots=True)
class PersonCounts:
    """A resolved person's works counted: how many, which years, which categories, with
    whom (most shared works first, at most `top` of each)."""

    papers: int
    first_year: int | None
    last_year: int | None
    top_categories: tuple[str, ...]
    top_coauthors: tuple[CoAuthorCount, ...]


def paper_counts(connection: Connection, person_ids: Sequence[int]) -> dict[int, int]:
    """Distinct works per resolved person (people with none left out)."""
    query = (
        select(authorships.c.person_id, func.count(func.distinct(authorships.c.work_id)))
        .where(in_list(authorships.c.person_id, person_ids))
        .group_by(authorships.c.person_id)
    )
    return {int(person): int(count) for person, count in connection.execute(query)}


def person_counts(
    connection: Connection, person_ids: Sequence[int], top: int
) -> dict[int, PersonCounts]:
    """`PersonCounts` of each resolved person with at least one work."""
    wanted = sorted(set(person_ids))
    if not wanted:
        return {}
    owned = (
        select(authorships.c.person_id.label("owner"), authorships.c.work_id)
        .where(in_list(authorships.c.person_id, wanted))
        .distinct()
        .subquery("owned")
    )

    def coauthor(other: FromClause) -> ColumnElement[bool]:
        return or_(other.c.person_id.is_(None), other.c.person_id != owned.c.owner)

    return {int(owner): counts for owner, counts in _counts(connection, owned, top, coauthor)}


def provisional_counts(
    connection: Connection, name_keys: Sequence[str], top: int
) -> dict[str, PersonCounts]:
    """`PersonCounts` of each provisional person (by name key) with at least one work: the
    works of the authorships no person claims that print the name. Works a source's author
    profile lists under the name are not among them (`read.people.person_work_ids` adds
    those; its caller counts such people from their works)."""
    wanted = sorted(set(name_keys))
    if not wanted:
        return {}
    owned = (
        select(authorships.c.name_key.label("owner"), authorships.c.work_id)
        .where(in_list(authorships.c.name_key, wanted), authorships.c.person_id.is_(None))
        .distinct()
        .subquery("owned")
    )

    def coauthor(other: FromClause) -> ColumnElement[bool]:
        return or_(other.c.person_id.is_not(None), other.c.name_key != owned.c.owner)

    return {str(owner): counts for owner, counts in _counts(connection, owned, top, coauthor)}


Owner = int | str
"""A resolved person's id, or a provisional person's name key."""


def _counts(
    connection: Connection,
    owned: Subquery,
    top: int,
    coauthor: Callable[[FromClause], ColumnElement[bool]],
) -> Iterator[tuple[Owner, PersonCounts]]:
    """Each owner's counts, from `owned` (owner, work id) rows; `coauthor(other)` tells the
    authorships of an owner's works that are someone else's."""
    papers, years, categories = _work_facts(connection, owned)
    coauthors = _top_coauthors(connection, owned, top, coauthor)
    for owner, count in papers.items():
        ranked = sorted(categories[owner].items(), key=lambda c: (-c[1], c[0]))
        yield (
            owner,
            PersonCounts(
                papers=count,
                first_year=min(years[owner]) if years.get(owner) else None,
                last_year=max(years[owner]) if years.get(owner) else None,
                top_categories=tuple(name for name, _ in ranked[:top]),
                top_coauthors=tuple(coauthors.get(owner, ())),
            ),
        )


def _work_facts(
    connection: Connection, owned: Subquery
) -> tuple[dict[Owner, int], dict[Owner, list[int]], dict[Owner, Counter[str]]]:
    """Works, known years and primary-category counts per owner. A work's year is its
    `year`, else its publication date's year (as `WorkSummary.year`): the dates are only
    read where the year is missing, as their earliest and latest per group."""
    query = (
        select(
            owned.c.owner,
            works.c.primary_category,
            works.c.year,
            func.count(),
            func.min(works.c.published),
            func.max(works.c.published),
        )
        .join(works, works.c.id == owned.c.work_id)
        .group_by(owned.c.owner, works.c.primary_category, works.c.year)
    )
    papers: dict[Owner, int] = {}
    years: dict[Owner, list[int]] = {}
    categories: dict[Owner, Counter[str]] = {}
    for owner, category, year, count, earliest, latest in connection.execute(query):
        papers[owner] = papers.get(owner, 0) + int(count)
        known = years.setdefault(owner, [])
        if year:
            known.append(int(year))
        else:
            known += [_year(day) for day in (earliest, latest) if day is not None]
        counted = categories.setdefault(owner, Counter())
        if category:
            counted[str(category)] += int(count)
    return papers, years, categories


def _year(day: object) -> int:
    # SQLite returns min()/max() of a date column as its ISO text.
    return day.year if isinstance(day, date) else int(str(day)[:4])


def _top_coauthors(
    connection: Connection,
    owned: Subquery,
    top: int,
    coauthor: Callable[[FromClause], ColumnElement[bool]],
) -> dict[Owner, list[CoAuthorCount]]:
    """The `top` co-authors of each owner, ranked as `read.people.rank_coauthors` ranks
    them: most shared works, then resolved people before printed names, then by key or id."""
    other = authorships.alias("other")
    provisional_key = case((other.c.person_id.is_(None), other.c.name_key), else_=literal(""))
    shared = (
        select(
            owned.c.owner,
            other.c.person_id,
            provisional_key.label("key"),
            func.count(func.distinct(other.c.work_id)).label("shared"),
        )
        .join(other, other.c.work_id == owned.c.work_id)
        .where(coauthor(other))
        .group_by(owned.c.owner, other.c.person_id, provisional_key)
        .subquery("shared")
    )
    # Only each owner's first `top` leave the database: a common name's people share works
    # with 250k co-authors at a million works ("wang": 1 s of fetching them all on SQLite).
    # Keys in code-point order, as Python compares them (PostgreSQL's default collation
    # would not).
    by_code_point = shared.c.key.collate(
        "C" if connection.dialect.name == "postgresql" else "BINARY"
    )
    place = func.row_number().over(
        partition_by=shared.c.owner,
        order_by=(shared.c.shared.desc(), by_code_point, func.coalesce(shared.c.person_id, 0)),
    )
    placed = select(shared, place.label("place")).subquery("placed")
    first = select(placed.c.owner, placed.c.person_id, placed.c.key, placed.c.shared).where(
        placed.c.place <= top
    )
    ranked: dict[Owner, list[tuple[int, str, int | None]]] = {}
    for owner, person_id, key, count in connection.execute(first):
        ranked.setdefault(owner, []).append((int(count), str(key), person_id))
    chosen = {
        owner: heapq.nsmallest(top, rows, key=lambda row: (-row[0], row[1], row[2] or 0))
        for owner, rows in ranked.items()
    }
    names = _printed_names(connection, owned, chosen)
    return {
        owner: [
            (names[(owner, key, person_id)], person_id, count) for count, key, person_id in rows
        ]
        for owner, rows in chosen.items()
    }


def _printed_names(
    connection: Connection,
    owned: Subquery,
    chosen: dict[Owner, list[tuple[int, str, int | None]]],
) -> dict[tuple[Owner, str, int | None], str]:
    """The name each chosen co-author is printed with most often on the owner's works; of
    equally common names the first printed, in work and position order."""
    person_ids = sorted({p for rows in chosen.values() for _, _, p in rows if p is not None})
    keys = sorted({k for rows in chosen.values() for _, k, p in rows if p is None})
    if not person_ids and not keys:
        return {}
    other = authorships.alias("other")
    matches = []
    if person_ids:
        matches.append(in_list(other.c.person_id, person_ids))
    if keys:
        matches.append(and_(other.c.person_id.is_(None), in_list(other.c.name_key, keys)))
    query = (
        select(owned.c.owner, other.c.person_id, other.c.name_key, other.c.name)
        .join(other, other.c.work_id == owned.c.work_id)
        .where(in_list(owned.c.owner, list(chosen)), or_(*matches))
        .order_by(owned.c.owner, other.c.work_id, other.c.position)
    )
    wanted = {(owner, key, p) for owner, rows in chosen.items() for _, key, p in rows}
    printed: dict[tuple[Owner, str, int | None], Counter[str]] = {}
    for owner, person_id, name_key, name in connection.execute(query):
        identity = (owner, name_key if person_id is None else "", person_id)
        if identity in wanted:
            printed.setdefault(identity, Counter())[name] += 1
    # max() keeps the first of equally common names (Counter keeps insertion order).
    return {
        identity: max(names.items(), key=itemgetter(1))[0] for identity, names in printed.items()
    }
