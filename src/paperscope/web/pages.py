"""Server-rendered pages. Each calls the view function its JSON twin in `api.py` calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from markupsafe import Markup

from paperscope.errors import NotFoundError
from paperscope.export.formats import FORMATS
from paperscope.export.formats import render as render_export
from paperscope.export.works import load_items
from paperscope.metrics.author_pages import AuthorPage, author_page
from paperscope.metrics.profile import SORTS
from paperscope.read.lists import DailyList
from paperscope.read.venues import PEOPLE_SORTS
from paperscope.web import views
from paperscope.web.charts import bar_chart_svg
from paperscope.web.claims import panel_for
from paperscope.web.context import WebContext, context_of
from paperscope.web.feedback import hidden_for, hide_daily, hide_paper, hide_search, hide_trending
from paperscope.web.graphs import coauthor_graph_svg, topics_grid_svg
from paperscope.web.neighbourhood import neighbourhood_view, parse_limit
from paperscope.web.papers import paper_json, paper_lists
from paperscope.web.params import (
    MAX_PAGE,
    RowId,
    parse_choice,
    parse_day,
    parse_flag,
    parse_int,
    parse_text,
)
from paperscope.web.rendering import fragment, render
from paperscope.web.scopes import MONTHS_RANGE
from paperscope.web.sessions import current_user

router = APIRouter(include_in_schema=False)


def search_params(request: Request) -> views.SearchParams:
    """The search form's parameters, shared by the page, the API and the feed."""
    q = request.query_params
    return views.SearchParams(
        query=parse_text(q.get("q"), "q"),
        mode=parse_choice(q.get("mode"), "mode", views.SEARCH_MODES),
        category=parse_text(q.get("category"), "category") or None,
        since=parse_day(q.get("since"), "since"),
        until=parse_day(q.get("until"), "until"),
        has_code=parse_flag(q.get("has_code"), "has_code"),
        author=parse_text(q.get("author"), "author") or None,
        venue=parse_text(q.get("venue"), "venue") or None,
        page=parse_int(q.get("page"), "page", default=1, low=1, high=500),
    )


@dataclass(frozen=True, slots=True)
class DailyHtml:
    """A day's Daily Papers and its entries as every visitor who is not signed in sees them
    (nothing hidden, no feedback forms): rendered once and cached with the data, so the front
    page of the site does not render a hundred entries per visit."""

    page: DailyList
    entries: Markup


@router.get("/", response_class=HTMLResponse)
def daily_page(request: Request) -> HTMLResponse:
    day = parse_day(request.query_params.get("date"))
    ctx = context_of(request)
    if current_user(request, ctx.store) is None:
        shown = ctx.cache.get_or_compute(("daily-html", day), lambda: _daily_html(ctx, day))
        return render(
            request, "daily.html", page=shown.page, entries_html=shown.entries, active="daily"
        )
    page = hide_daily(views.daily_view(ctx, day), hidden_for(request))
    return render(request, "daily.html", page=page, entries_html=None, active="daily")


def _daily_html(ctx: WebContext, day: date | None) -> DailyHtml:
    page = views.daily_data(ctx.store, day)
    return DailyHtml(page, fragment(ctx, "_daily_entries.html", {"page": page}))


@router.get("/trending", response_class=HTMLResponse)
def trending_page(request: Request) -> HTMLResponse:
    page = hide_trending(views.trending_view(context_of(request)), hidden_for(request))
    return render(request, "trending.html", page=page, active="trending")


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request) -> HTMLResponse:
    params = search_params(request)
    page = hide_search(views.search_view(context_of(request), params), hidden_for(request))
    return render(request, "search.html", page=page, params=params, active="search")


@router.get("/paper/{work_id}.bib", response_class=PlainTextResponse)
def paper_bibtex(request: Request, work_id: RowId) -> Response:
    with context_of(request).store.connect() as connection:
        items = load_items(connection, [work_id])
    if not items:
        raise NotFoundError(f"there is no paper {work_id}")
    return Response(
        render_export(FORMATS["bibtex"], items),
        media_type="application/x-bibtex; charset=utf-8",
        headers={"content-disposition": f'inline; filename="paper-{work_id}.bib"'},
    )


@router.get("/paper/{work_id}.json")
def paper_export(request: Request, work_id: RowId) -> JSONResponse:
    page = views.paper_view(context_of(request), work_id, paper_lists(request.query_params))
    page = hide_paper(page, hidden_for(request))
    return JSONResponse(
        paper_json(page),
        headers={"content-disposition": f'inline; filename="paper-{work_id}.json"'},
    )


@router.get("/paper/{work_id}", response_class=HTMLResponse)
def paper_page(request: Request, work_id: RowId) -> HTMLResponse:
    page = views.paper_view(context_of(request), work_id, paper_lists(request.query_params))
    page = hide_paper(page, hidden_for(request))
    return render(request, "paper.html", page=page, active=None)


@router.get("/paper/{work_id}/neighbourhood", response_class=HTMLResponse)
def paper_neighbourhood(request: Request, work_id: RowId) -> HTMLResponse:
    limit = parse_limit(request.query_params.get("limit"))
    page, graph = neighbourhood_view(context_of(request), work_id, limit)
    return render(request, "neighbourhood.html", page=page, graph=graph, active=None)


@dataclass(frozen=True, slots=True)
class AuthorHtml:
    """An author page's data and the HTML that is the same for every visitor: its profile
    below the name (`_author_profile.html`) and everything below the claims panel
    (`_author_body.html`). Cached together, so a repeated visit renders only what depends on
    who looks (the Follow button, the claims panel, the layout) and the parts can never be
    older or newer than the data beside them."""

    page: AuthorPage
    profile: Markup
    body: Markup


def _author(request: Request, person_id: int | None) -> HTMLResponse:
    q = request.query_params
    sort = parse_choice(q.get("sort"), "sort", SORTS)
    name = parse_text(q.get("name"), "name") or None
    key = parse_text(q.get("person"), "person") or None
    number = parse_int(q.get("page"), "page", default=1, low=1, high=10_000)
    ctx = context_of(request)

    def compute() -> AuthorHtml:
        # only the works shown need be there, so a stored page may be read (`paperscope pages`)
        with ctx.store.connect() as connection:
            page = author_page(
                connection, person_id=person_id, name=name, key=key, sort=sort, page=number,
                complete=False,
            )  # fmt: skip
        return author_html(ctx, page)

    shown = ctx.cache.get_or_compute(("author-html", person_id, name, key, sort, number), compute)
    return render(
        request,
        "author.html",
        page=shown.page,
        parts=shown,
        claims=panel_for(request, shown.page.profile.person.person_id),
        active=None,
    )


def author_html(ctx: WebContext, page: AuthorPage) -> AuthorHtml:
    profile = page.profile
    values = {
        "page": page,
        "profile": profile,
        "person": profile.person,
        "chart": bar_chart_svg(
            list(profile.citations_per_year), f"Citations per year of {profile.person.name}"
        ),
        "coauthor_graph": coauthor_graph_svg(profile.coauthor_graph),
        "topics_grid": topics_grid_svg(profile.topics, f"Topics per year of {profile.person.name}"),
    }
    return AuthorHtml(
        page,
        fragment(ctx, "_author_profile.html", values),
        fragment(ctx, "_author_body.html", values),
    )


@router.get("/author/{person_id}", response_class=HTMLResponse)
def author_by_id(request: Request, person_id: RowId) -> HTMLResponse:
    return _author(request, person_id)


@router.get("/author", response_class=HTMLResponse)
def author_by_name(request: Request) -> HTMLResponse:
    return _author(request, None)


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request) -> HTMLResponse:
    return render(request, "about.html", active="about")


# Venue and category pages: /venue?name=... and /category/{cat}.


def scope_params(request: Request) -> tuple[int, str, int]:
    """Page of papers, people sort and rising-topic months: shared by the pages and the API."""
    q = request.query_params
    return (
        parse_int(q.get("page"), "page", default=1, low=1, high=MAX_PAGE),
        parse_choice(q.get("people"), "people", PEOPLE_SORTS),
        parse_int(q.get("months"), "months", default=12, low=MONTHS_RANGE[0], high=MONTHS_RANGE[1]),
    )


@router.get("/venue", response_class=HTMLResponse)
def venue_page(request: Request) -> HTMLResponse:
    name = parse_text(request.query_params.get("name"), "name")
    page, people, months = scope_params(request)
    data = views.venue_view(context_of(request), name, page=page, people_sort=people, months=months)
    chart = bar_chart_svg(list(data.stats.volume_per_year), f"Works per year in {data.venue.name}")
    return render(request, "venue.html", page=data, chart=chart, active=None)


@router.get("/category/{category}", response_class=HTMLResponse)
def category_page(request: Request, category: str) -> HTMLResponse:
    text = parse_text(category, "category")
    page, people, months = scope_params(request)
    data = views.category_view(
        context_of(request), text, page=page, people_sort=people, months=months
    )
    label = f"Works per year in {data.category.category}"
    chart = bar_chart_svg(list(data.stats.volume_per_year), label)
    return render(request, "category.html", page=data, chart=chart, active=None)
