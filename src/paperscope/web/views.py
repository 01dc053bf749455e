"""One function per page: parameters in, page data out. HTML pages, the JSON API and the
feeds all call these, so they always show the same thing."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from paperscope.errors import NotFoundError, PaperscopeError
from paperscope.read.lists import DailyList, TrendingEntry, daily
from paperscope.read.lists import latest_day as newest_day
from paperscope.read.lists import trending as trending_list
from paperscope.read.works import WorkSummary, load_works
from paperscope.web.authors import AuthorPage, author_page
from paperscope.web.context import WebContext
from paperscope.web.papers import PaperLists, PaperPage, paper_page

log = logging.getLogger("paperscope.web")
SEARCH_MODES = ("hybrid", "keyword", "semantic", "rerank")
PER_PAGE = 20
SIMILAR_SHOWN = 8


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

    def compute() -> DailyList:
        with ctx.store.connect() as connection:
            return daily(connection, chosen)

    return ctx.cache.get_or_compute(("daily", chosen), compute)


def trending_view(ctx: WebContext, limit: int = 50) -> TrendingPage:
    now = datetime.now(UTC)
    with ctx.store.connect() as connection:
        return TrendingPage(now, tuple(trending_list(connection, now, limit)))


def search_view(ctx: WebContext, params: SearchParams) -> SearchPage:
    if not params.query:
        return SearchPage(params, 0, 1, PER_PAGE, 0, params.mode, None)
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


def _similar(ctx: WebContext, work_id: int) -> tuple[list[WorkSummary], str | None]:
    """Similar papers; a failure here leaves the rest of the paper page standing."""
    from paperscope.search import similar_works

    try:
        hits = similar_works(ctx.store, work_id, ctx.settings, SIMILAR_SHOWN)
    except NotFoundError:
        raise
    except PaperscopeError as error:
        return [], f"Similar papers are not available: {error}"
    except Exception:
        log.exception("similar papers failed for work %s", work_id)
        return [], "Similar papers are not available right now."
    with ctx.store.connect() as connection:
        return load_works(connection, [h.work_id for h in hits]), None


def paper_view(ctx: WebContext, work_id: int, lists: PaperLists | None = None) -> PaperPage:
    similar, notice = _similar(ctx, work_id)
    with ctx.store.connect() as connection:
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

    def compute() -> AuthorPage:
        with ctx.store.connect() as connection:
            return author_page(
                connection, person_id=person_id, name=name, key=key, sort=sort, page=page
            )

    return ctx.cache.get_or_compute(("author", person_id, name, key, sort, page), compute)
