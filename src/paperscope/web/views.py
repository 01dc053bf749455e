"""One function per page: parameters in, page data out. HTML pages, the JSON API and the
feeds all call these, so they always show the same thing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import Connection

from paperscope.config import Settings
from paperscope.errors import NotFoundError, PaperscopeError
from paperscope.metrics.author_pages import AuthorPage, author_page
from paperscope.metrics.scopes import ScopeStats, scope_stats
from paperscope.read.lists import DailyList, TrendingEntry, daily
from paperscope.read.lists import latest_day as newest_day
from paperscope.read.lists import trending as trending_list
from paperscope.read.venues import Scope
from paperscope.read.works import WorkSummary, load_works
from paperscope.store import Store
from paperscope.web import scopes
from paperscope.web.context import WebContext
from paperscope.web.papers import PaperLists, PaperPage, paper_page

log = logging.getLogger("paperscope.web")
SEARCH_MODES = ("hybrid", "keyword", "semantic", "rerank")
PER_PAGE = 20
SIMILAR_SHOWN = 8
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class TrendingPage:
    generated_at: datetime
    entries: tuple[TrendingEntry, ...]


@dataclass(frozen=True, slots=True)
class SearchParams:
    query: str = ""
    mode: str = "hybrid"
    category: str | None = None
    since: date | None = None
    until: date | None = None
    has_code: bool | None = None
    author: str | None = None
    venue: str | None = None
    page: int = 1


@dataclass(frozen=True, slots=True)
class SearchResultEntry:
    entry: WorkSummary
    score: float
    keyword_rank: int | None
    semantic_rank: int | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    params: SearchParams
    total: int
    page: int
    per_page: int
    pages: int
    mode: str
    notice: str | None
    results: tuple[SearchResultEntry, ...] = field(default=())


def daily_view(ctx: WebContext, day: date | None) -> DailyList:
    with ctx.store.connect() as connection:
        chosen = day or newest_day(connection)
    if chosen is None:
        return DailyList(datetime.now(UTC).date(), None, None, ())
    return ctx.cache.get_or_compute(("daily", chosen), lambda: daily_data(ctx.store, chosen))


def daily_data(store: Store, day: date | None) -> DailyList:
    """The day's list (None: the newest day with works; an empty list when there is none)."""
    with store.connect() as connection:
        chosen = day or newest_day(connection)
        if chosen is None:
            return DailyList(datetime.now(UTC).date(), None, None, ())
        return daily(connection, chosen)


def trending_view(ctx: WebContext, limit: int = 50) -> TrendingPage:
    def compute(connection: Connection) -> TrendingPage:
        now = datetime.now(UTC)
        return TrendingPage(now, tuple(trending_list(connection, now, limit)))

    return _cached(ctx, ("trending", limit), compute)


def search_view(ctx: WebContext, params: SearchParams) -> SearchPage:
    """One page of results; the same search within the cache's lifetime is not run again (a
    keyword search that falls back to any word ranks tens of thousands of works)."""
    if not params.query:
        return SearchPage(params, 0, 1, PER_PAGE, 0, params.mode, None)
    return ctx.cache.get_or_compute(("search", params), lambda: _search_page(ctx, params))


def _search_page(ctx: WebContext, params: SearchParams) -> SearchPage:
    from paperscope.search import SearchFilters, SearchRequest, search

    request = SearchRequest(
        text=params.query,
        mode=params.mode,
        filters=SearchFilters(
            category=params.category,
            since=params.since,
            until=params.until,
            has_code=bool(params.has_code),
            author=params.author,
            venue=params.venue,
        ),
        page=params.page,
        per_page=PER_PAGE,
    )
    found = search(ctx.store, request, ctx.settings)
    with ctx.store.connect() as connection:
        entries = {e.work_id: e for e in load_works(connection, [h.work_id for h in found.hits])}
    results = tuple(
        SearchResultEntry(entries[h.work_id], h.score, h.keyword_rank, h.semantic_rank)
        for h in found.hits
        if h.work_id in entries
    )
    pages = max(1, -(-found.total // found.per_page)) if found.total else 0
    return SearchPage(
        params, found.total, found.page, found.per_page, pages, found.mode, found.notice, results
    )


def _similar(
    store: Store, settings: Settings, work_id: int
) -> tuple[list[WorkSummary], str | None]:
    """Similar papers; a failure here leaves the rest of the paper page standing."""
    from paperscope.search import similar_works

    try:
        hits = similar_works(store, work_id, settings, SIMILAR_SHOWN)
    except NotFoundError:
        raise
    except PaperscopeError as error:
        return [], f"Similar papers are not available: {error}"
    except Exception:
        log.exception("similar papers failed for work %s", work_id)
        return [], "Similar papers are not available right now."
    with store.connect() as connection:
        return load_works(connection, [h.work_id for h in hits]), None


def paper_view(ctx: WebContext, work_id: int, lists: PaperLists | None = None) -> PaperPage:
    """The paper page's data, cached like the other pages: its similar papers alone are a
    search over the whole collection when there are no embeddings."""
    return ctx.cache.get_or_compute(
        ("paper", work_id, lists), lambda: paper_data(ctx.store, ctx.settings, work_id, lists)
    )


def paper_data(
    store: Store, settings: Settings, work_id: int, lists: PaperLists | None = None
) -> PaperPage:
    """The paper page's data (the page, its JSON and `paperscope paper` show it)."""
    similar, notice = _similar(store, settings, work_id)
    with store.connect() as connection:
        return paper_page(connection, work_id, similar, notice, lists)


def author_view(
    ctx: WebContext,
    *,
    person_id: int | None = None,
    name: str | None = None,
    key: str | None = None,
    sort: str = "date",
    page: int = 1,
) -> AuthorPage:
    """The author page's data for the JSON and the feeds: every work listed. (The HTML page
    needs only the works it shows, so it may read a stored page, and caches the data with its
    rendered parts: web/pages.py.)"""

    def compute() -> AuthorPage:
        with ctx.store.connect() as connection:
            return author_page(
                connection, person_id=person_id, name=name, key=key, sort=sort, page=page
            )

    return ctx.cache.get_or_compute(("author", person_id, name, key, sort, page), compute)


# Venue and category pages (web/scopes.py): what a venue or category is, its stats and each
# page of its papers are cached apart, so paging through the most cited works does not
# recompute rising topics.


def _cached(ctx: WebContext, key: tuple[object, ...], compute: Callable[[Connection], T]) -> T:
    def run() -> T:
        with ctx.store.connect() as connection:
            return compute(connection)

    return ctx.cache.get_or_compute(key, run)


def _scope_page(
    ctx: WebContext, scope: Scope, page: int, people_sort: str, months: int
) -> tuple[ScopeStats, scopes.PaperList]:
    stats = _cached(
        ctx,
        ("scope-stats", scope, people_sort, months),
        lambda c: scope_stats(c, scope, people_sort=people_sort, months=months),
    )
    papers = _cached(
        ctx,
        ("scope-papers", scope, page),
        lambda c: scopes.paper_list(c, scope, stats.works, page),
    )
    return stats, papers


def venue_view(
    ctx: WebContext, name: str, *, page: int = 1, people_sort: str = "papers", months: int = 12
) -> scopes.VenuePage:
    scopes.check_months(months)
    key = scopes.key_of_venue(name)
    venue, printings_on = _cached(ctx, ("venue", key), lambda c: scopes.venue_of(c, name))
    stats, papers = _scope_page(ctx, Scope("venue", key), page, people_sort, months)
    return scopes.VenuePage(venue, stats, papers, scopes.explanations(), printings_on)


def category_view(
    ctx: WebContext, text: str, *, page: int = 1, people_sort: str = "papers", months: int = 12
) -> scopes.CategoryPage:
    scopes.check_months(months)
    category = _cached(ctx, ("category", text), lambda c: scopes.category_of(c, text))
    scope = Scope("category", category.category)
    stats, papers = _scope_page(ctx, scope, page, people_sort, months)
    return scopes.CategoryPage(category, stats, papers, scopes.explanations())
