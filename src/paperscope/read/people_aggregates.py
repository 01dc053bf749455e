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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import itemgetter

from sqlalchemy import Connection, Subquery, and_, case, func, literal, or_, select

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
    papers, years, categories = _work_facts(connection, owned)
    coauthors = _top_coauthors(connection, owned, top)
    return {
        owner: PersonCounts(
            papers=count,
            first_year=min(years[owner]) if years.get(owner) else None,
            last_year=max(years[owner]) if years.get(owner) else None,
            top_categories=tuple(
                name
                for name, _ in sorted(categories[owner].items(), key=lambda c: (-c[1], c[0]))[:top]
            ),
            top_coauthors=tuple(coauthors.get(owner, ())),
        )
        for owner, count in papers.items()
    }


def _work_facts(
    connection: Connection, owned: Subquery
) -> tuple[dict[int, int], dict[int, list[int]], dict[int, Counter[str]]]:
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
    papers: dict[int, int] = {}
    years: dict[int, list[int]] = {}
    categories: dict[int, Counter[str]] = {}
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
    connection: Connection, owned: Subquery, top: int
) -> dict[int, list[CoAuthorCount]]:
    """The `top` co-authors of each owner, ranked as `read.people.rank_coauthors` ranks
    them: most shared works, then resolved people before printed names, then by key or id."""
    other = authorships.alias("other")
    provisional_key = case((other.c.person_id.is_(None), other.c.name_key), else_=literal(""))
    shared = (
        select(
            owned.c.owner,
            other.c.person_id,
            provisional_key.label("key"),
            func.count(func.distinct(other.c.work_id)),
        )
        .join(other, other.c.work_id == owned.c.work_id)
        .where(or_(other.c.person_id.is_(None), other.c.person_id != owned.c.owner))
        .group_by(owned.c.owner, other.c.person_id, provisional_key)
    )
    ranked: dict[int, list[tuple[int, str, int | None]]] = {}
    for owner, person_id, key, count in connection.execute(shared):
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
    chosen: dict[int, list[tuple[int, str, int | None]]],
) -> dict[tuple[int, str, int | None], str]:
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
    printed: dict[tuple[int, str, int | None], Counter[str]] = {}
    for owner, person_id, name_key, name in connection.execute(query):
        identity = (owner, name_key if person_id is None else "", person_id)
        if identity in wanted:
            printed.setdefault(identity, Counter())[name] += 1
    # max() keeps the first of equally common names (Counter keeps insertion order).
    return {
        identity: max(names.items(), key=itemgetter(1))[0] for identity, names in printed.items()
    }
