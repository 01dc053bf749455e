"""The venue and category pages' data: the most cited works (a page of them), the people
with the most works there, the volume per year and the rising topics.

The works of a venue or category come from `read.venues`; its statistics from
`metrics.scopes` (stored by `paperscope score`, or computed for the request).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from paperscope.definitions import EXPLANATIONS
from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.scopes import ScopeStats, stored_ranking, stored_venue
from paperscope.read.venues import (
    Category,
    Scope,
    Venue,
    find_category,
    find_venue,
    top_cited,
)
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.venues import venue_key

PER_PAGE = 20
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
    ranked_on: date | None = None
    """The day `paperscope score` ranked these works (its stored order); None: ranked now."""


@dataclass(frozen=True, slots=True)
class VenuePage:
    venue: Venue
    stats: ScopeStats
    papers: PaperList
    explanations: Mapping[str, str]
    printings_on: date | None = None
    """The day `paperscope score` counted the venue's printings; None: counted now."""


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


def venue_of(connection: Connection, name: str) -> tuple[Venue, date | None]:
    """The venue and the day `paperscope score` counted its printings (None: counted now)."""
    stored = stored_venue(connection, key_of_venue(name))
    if stored is not None:
        return stored
    venue = find_venue(connection, name)
    if venue is None:
        raise NotFoundError(f"no works with the venue {name[:100]!r}")
    return venue, None


def category_of(connection: Connection, text: str) -> Category:
    category = find_category(connection, text)
    if category is None:
        raise NotFoundError(f"no works in the category {text[:40]!r}")
    return category


def paper_list(connection: Connection, scope: Scope, total: int, page: int) -> PaperList:
    """A page of the most cited works: in the order `score` stored while it covers the page
    and every work in it is still here (each work's citations are counted now), else ranked
    now."""
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        raise QueryError(f"page must be between 1 and {pages}, not {page}")
    start = (page - 1) * PER_PAGE
    stored = stored_ranking(connection, scope)
    if stored is not None:
        ranking, ranked_on = stored
        ids = ranking[start : start + PER_PAGE]
        if len(ids) == min(PER_PAGE, total - start):
            entries = load_works(connection, ids)
            if len(entries) == len(ids):
                return PaperList(tuple(entries), total, page, PER_PAGE, pages, ranked_on)
    ids = top_cited(connection, scope, offset=start, limit=PER_PAGE)
    return PaperList(tuple(load_works(connection, ids)), total, page, PER_PAGE, pages, None)
