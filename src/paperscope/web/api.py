"""The JSON API: the same view functions as the pages, as JSON (schema at /openapi.json)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from paperscope.accounts.feedback import FeedbackChange, FeedbackPage
from paperscope.metrics.author_pages import AuthorPage
from paperscope.metrics.profile import SORTS
from paperscope.notify.feed import PersonalFeed
from paperscope.notify.follows import HomeFeed
from paperscope.read.lists import DailyList
from paperscope.web import views
from paperscope.web.context import context_of
from paperscope.web.dependencies import CheckedForm, Context, SignedIn
from paperscope.web.feedback import (
    change,
    feedback_view,
    for_you_view,
    hidden_for,
    hide_daily,
    hide_paper,
    hide_search,
    hide_trending,
)
from paperscope.web.following import FollowingPage, feed_page, following_view, home_view
from paperscope.web.jsonable import plain
from paperscope.web.neighbourhood import NeighbourhoodPage, neighbourhood_view, parse_limit
from paperscope.web.pages import scope_params, search_params
from paperscope.web.papers import paper_api_json, paper_lists
from paperscope.web.params import RowId, parse_choice, parse_day, parse_int, parse_text
from paperscope.web.scopes import CategoryPage, VenuePage

router = APIRouter(prefix="/api", tags=["api"])


@router.get("/daily", summary="The papers of one day (default: the newest day)")
def api_daily(request: Request, date: str | None = None) -> DailyList:
    return hide_daily(views.daily_view(context_of(request), parse_day(date)), hidden_for(request))


@router.get("/trending", summary="Papers ranked by upvotes decayed by age (see /about)")
def api_trending(request: Request, limit: str | None = None) -> views.TrendingPage:
    count = parse_int(limit, "limit", default=50, low=1, high=200)
    return hide_trending(views.trending_view(context_of(request), count), hidden_for(request))


@router.get("/search", summary="Keyword, semantic, hybrid or rerank search with filters")
def api_search(
    request: Request,
    q: str | None = None,
    mode: str | None = None,
    category: str | None = None,
    since: str | None = None,
    until: str | None = None,
    has_code: str | None = None,
    author: str | None = None,
    venue: str | None = None,
    page: str | None = None,
) -> views.SearchPage:
    found = views.search_view(context_of(request), search_params(request))
    return hide_search(found, hidden_for(request))


@router.get(
    "/paper/{work_id}",
    summary="One paper: authors, ids, code, citations, a page of its references and of the "
    "works citing it (newest or most cited first)",
)
def api_paper(
    request: Request,
    work_id: RowId,
    refs_page: str | None = None,
    refs_per_page: str | None = None,
    cited_page: str | None = None,
    cited_per_page: str | None = None,
    cited_sort: str | None = None,
) -> dict[str, Any]:
    lists = paper_lists(request.query_params)
    page = views.paper_view(context_of(request), work_id, lists)
    return paper_api_json(hide_paper(page, hidden_for(request)))


@router.get(
    "/paper/{work_id}/neighbourhood",
    summary="A paper's citation neighbourhood: related works by co-citation, coupling, text "
    "and direct citation, each with its signals; prior and derivative works; graph layout",
    response_model=NeighbourhoodPage,
)
def api_paper_neighbourhood(request: Request, work_id: RowId, limit: str | None = None) -> Any:
    page, _ = neighbourhood_view(context_of(request), work_id, parse_limit(limit))
    return plain(page)


def _author(
    request: Request, person_id: int | None, name: str | None, key: str | None, sort: str | None
) -> AuthorPage:
    return views.author_view(
        context_of(request),
        person_id=person_id,
        name=parse_text(name, "name") or None,
        key=parse_text(key, "person") or None,
        sort=parse_choice(sort, "sort", SORTS),
    )


@router.get(
    "/author/{person_id}",
    summary="A person's profile, metrics and paper list",
    response_model=AuthorPage,
)
def api_author(request: Request, person_id: RowId, sort: str | None = None) -> Any:
    return plain(_author(request, person_id, None, None, sort))


@router.get(
    "/author",
    summary="A profile by printed name, or by person key (`name:<key>`)",
    response_model=AuthorPage,
)
def api_author_by_name(
    request: Request, name: str | None = None, person: str | None = None, sort: str | None = None
) -> Any:
    return plain(_author(request, None, name, person, sort))


@router.get(
    "/venue",
    summary="A venue: most cited works (paged), its people, works per year, rising topics",
)
def api_venue(
    request: Request,
    name: str | None = None,
    page: str | None = None,
    people: str | None = None,
    months: str | None = None,
) -> VenuePage:
    number, people_sort, window = scope_params(request)
    return views.venue_view(
        context_of(request),
        parse_text(name, "name"),
        page=number,
        people_sort=people_sort,
        months=window,
    )


@router.get(
    "/category/{category}",
    summary="An arXiv category (cs.CL, or the tag CL): most cited works, people, volume, topics",
)
def api_category(
    request: Request,
    category: str,
    page: str | None = None,
    people: str | None = None,
    months: str | None = None,
) -> CategoryPage:
    number, people_sort, window = scope_params(request)
    return views.category_view(
        context_of(request),
        parse_text(category, "category"),
        page=number,
        people_sort=people_sort,
        months=window,
    )


@router.get(
    "/following",
    summary="What the signed-in user follows: people, venues, categories, searches, institutions",
)
def api_following(request: Request, user: SignedIn) -> FollowingPage:
    return following_view(context_of(request), user)


@router.get(
    "/home",
    summary="The signed-in user's feed: the newest works of what they follow, newest first, "
    "each with the follows that picked it (paged)",
)
def api_home(request: Request, user: SignedIn, page: str | None = None) -> HomeFeed:
    return home_view(context_of(request), user, feed_page(page))


# Feedback that trains the feed (web/feedback.py): the signed-in user's own, else 401.


@router.get(
    "/for-you",
    summary="Your personal feed: recent papers your library and feedback "
    "rank highest, each with why; papers your dismissals held back",
)
def api_for_you(ctx: Context, user: SignedIn) -> PersonalFeed:
    return for_you_view(ctx, user.id)


@router.get("/feedback", summary="Your feedback: papers marked not interested or more like this")
def api_feedback(ctx: Context, user: SignedIn) -> FeedbackPage:
    return feedback_view(ctx, user.id)


@router.post(
    "/feedback/{action}",
    summary="Mark a paper (form field work_id, with csrf_token): dismiss (not interested), "
    "more (more like this) or undo",
)
async def api_feedback_change(
    action: str, ctx: Context, user: SignedIn, form: CheckedForm
) -> FeedbackChange:
    return await change(ctx, user.id, action, form)
