"""The venue and category pages' data: the most cited works (a page of them), the people
with the most works there, the volume per year and the rising topics.

The works of a venue or category come from `read.venues`; rising topics from
`metrics.trends` over the titles of at most `TOPIC_WORKS` of the newest works.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection

from paperscope.definitions import EXPLANATIONS
from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.trends import EARLIER_MONTHS, RisingTopics, rising_topics, work_day
from paperscope.read.venues import (
    Category,
    Scope,
    ScopePerson,
    Venue,
    count_members,
    dated_titles,
    find_category,
    find_venue,
    newest_year,
    top_cited,
    top_people,
    volume_per_year,
)
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.venues import venue_key

PER_PAGE = 20
PEOPLE_SHOWN = 20
TOPIC_WORKS = 20_000
"""Rising topics read the titles of at most this many of the newest works."""
MONTHS_RANGE = (1, 60)
_EXPLAINED = (
    "venue",
    "category",
    "top papers",
    "top people",
    "volume per year",
    "rising topics",
)


@dataclass(frozen=True, slots=True)
class PaperList:
    entries: tuple[WorkSummary, ...]
    total: int
    page: int
    per_page: int
    pages: int


@dataclass(frozen=True, slots=True)
class ScopeStats:
    """What does not depend on the page of papers (computed once per scope and options)."""

    works: int
    volume_per_year: tuple[tuple[int, int], ...]
    people: tuple[ScopePerson, ...]
    people_sort: str
    rising: RisingTopics


@dataclass(frozen=True, slots=True)
class VenuePage:
    venue: Venue
    stats: ScopeStats
    papers: PaperList
    explanations: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class CategoryPage:
    category: Category
    stats: ScopeStats
    papers: PaperList
    explanations: Mapping[str, str]


def explanations() -> dict[str, str]:
    return {key: EXPLANATIONS[key] for key in _EXPLAINED}


def check_months(months: int) -> int:
    low, high = MONTHS_RANGE
    if not low <= months <= high:
        raise QueryError(f"months must be between {low} and {high}, not {months}")
    return months


def key_of_venue(name: str) -> str:
    """The venue key of a printed name (400 when nothing is left of it)."""
    key = venue_key(name)
    if not key:
        raise QueryError("name a venue: /venue?name=...")
    return key


def venue_of(connection: Connection, name: str) -> Venue:
    venue = find_venue(connection, name)
    if venue is None:
        raise NotFoundError(f"no works with the venue {name[:100]!r}")
    return venue


def category_of(connection: Connection, text: str) -> Category:
    category = find_category(connection, text)
    if category is None:
        raise NotFoundError(f"no works in the category {text[:40]!r}")
    return category


def scope_stats(
    connection: Connection, scope: Scope, *, people_sort: str, months: int
) -> ScopeStats:
    check_months(months)
    newest = newest_year(connection, scope)
    if newest is None:
        dated = []
    else:
        years_back = -(-(months + EARLIER_MONTHS) // 12)  # the earliest year a window reaches
        dated = dated_titles(connection, scope, since_year=newest - years_back, limit=TOPIC_WORKS)
    rising = rising_topics(
        [(work_day(d.published, d.year), d.title) for d in dated],
        months=months,
        capped=len(dated) >= TOPIC_WORKS,
    )
    return ScopeStats(
        works=count_members(connection, scope),
        volume_per_year=tuple(volume_per_year(connection, scope)),
        people=tuple(top_people(connection, scope, sort=people_sort, limit=PEOPLE_SHOWN)),
        people_sort=people_sort,
        rising=rising,
    )


def paper_list(connection: Connection, scope: Scope, total: int, page: int) -> PaperList:
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise QueryError(f"page must be between 1 and {pages}, not {page}")
    ids = top_cited(connection, scope, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    return PaperList(tuple(load_works(connection, ids)), total, page, PER_PAGE, pages)
