"""People search, expert finding and reviewer suggestion: the pages and their JSON twins.

- `/people?q=NAME` and `/api/people`: the people a name names, namesakes told apart;
- `/experts?q=TEXT` and `/api/experts`: people ranked for a topic or an abstract;
- `/reviewers` and `POST /api/reviewers`: reviewers for a manuscript, conflicts excluded.

The reviewer form is a POST (with the CSRF token), not a GET: a manuscript under review is
confidential, and a GET would put its abstract and authors in the address bar, the browser's
history and every server and proxy log on the way. Its body is capped (`MAX_FORM_BYTES`,
checked by `security.BodyLimit` before it is read). The other two are GETs with bounded
parameters: they change nothing and their addresses can be shared.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from paperscope.search.experts import PER_PAGE, ExpertResults, check_text, find_experts
from paperscope.search.people import PeopleResults, find_people
from paperscope.search.reviewers import (
    DEFAULT_YEARS,
    Manuscript,
    ManuscriptAuthor,
    ReviewerResults,
    parse_author_lines,
    suggest_reviewers,
)
from paperscope.web.context import WebContext, context_of
from paperscope.web.dependencies import CheckedForm
from paperscope.web.jsonable import plain
from paperscope.web.params import form_text, parse_int
from paperscope.web.rendering import render

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["api"])

PEOPLE_PER_PAGE = 20
MAX_FORM_BYTES = 256 * 1024
"""The largest reviewer form or JSON body: a 10,000-character abstract in any script, and
50 authors with affiliations, fit with room to spare."""
BODY_LIMITS = {"/reviewers": MAX_FORM_BYTES, "/api/reviewers": MAX_FORM_BYTES}


# --- views: parameters in, page data out (the page and its twin call the same one) ----------


def people_view(ctx: WebContext, query: str | None, page: int = 1) -> PeopleResults:
    """QueryError (400) for a missing, empty or overlong name. Cached like the other pages: a
    common name's first page summarises its twenty most prolific people (0.4-0.8 s at a
    million works)."""

    def compute() -> PeopleResults:
        with ctx.store.connect() as connection:
            return find_people(connection, query or "", page, PEOPLE_PER_PAGE)

    return ctx.cache.get_or_compute(("people", query or "", page), compute)


def experts_view(
    ctx: WebContext, query: str | None, page: int = 1, per_page: int = PER_PAGE
) -> ExpertResults:
    """QueryError (400) for a missing, empty or overlong text or a bad page."""
    text = check_text(query)

    def compute() -> ExpertResults:
        return find_experts(ctx.store, ctx.settings, text, page, per_page)

    return ctx.cache.get_or_compute(("experts", text, page, per_page), compute)


def reviewers_view(
    ctx: WebContext,
    manuscript: Manuscript,
    years: int,
    as_of: int | None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ReviewerResults:
    # Not cached: the manuscript is confidential and stays in memory no longer than needed.
    return suggest_reviewers(ctx.store, ctx.settings, manuscript, years, as_of, page, per_page)


# --- pages ----------------------------------------------------------------------------------


def _page(request: Request) -> int:
    return parse_int(request.query_params.get("page"), "page", default=1, low=1, high=1000)


@router.get("/people", response_class=HTMLResponse)
def people_page(request: Request) -> HTMLResponse:
    query = request.query_params.get("q")  # no q: the empty form; an empty q: a 400
    results = None if query is None else people_view(context_of(request), query, _page(request))
    return render(request, "people.html", results=results, query=query or "", active="people")


@router.get("/experts", response_class=HTMLResponse)
def experts_page(request: Request) -> HTMLResponse:
    query = request.query_params.get("q")  # no q: the empty form; an empty q: a 400
    results = None if query is None else experts_view(context_of(request), query, _page(request))
    return render(request, "experts.html", results=results, query=query or "", active="experts")


@router.get("/reviewers", response_class=HTMLResponse)
def reviewers_form(request: Request) -> HTMLResponse:
    return render(request, "reviewers.html", results=None, form={}, active="experts")


@router.post("/reviewers", response_class=HTMLResponse)
def reviewers_page(request: Request, form: CheckedForm) -> HTMLResponse:
    fields = {
        name: form_text(form, name) for name in ("title", "abstract", "authors", "years", "as_of")
    }
    manuscript = Manuscript(
        abstract=fields["abstract"],
        authors=parse_author_lines(fields["authors"].splitlines()),
        title=fields["title"] or None,
    )
    years = parse_int(fields["years"], "years", default=DEFAULT_YEARS, low=0, high=50)
    as_of = parse_int(fields["as_of"], "as_of", default=0, low=0, high=2100) or None
    page = parse_int(form_text(form, "page"), "page", default=1, low=1, high=1000)
    results = reviewers_view(context_of(request), manuscript, years, as_of, page)
    return render(request, "reviewers.html", results=results, form=fields, active="experts")


# --- the JSON twins -------------------------------------------------------------------------


@api_router.get(
    "/people",
    summary="People printing a name (or a surname), namesakes apart",
    response_model=PeopleResults,
)
def api_people(request: Request, q: str | None = None, page: str | None = None) -> Any:
    return plain(people_view(context_of(request), q, _page(request)))


@api_router.get(
    "/experts",
    summary="People ranked for a topic or a pasted abstract, with the works behind each rank",
    response_model=ExpertResults,
)
def api_experts(
    request: Request, q: str | None = None, page: str | None = None, per_page: str | None = None
) -> Any:
    size = parse_int(per_page, "per_page", default=PER_PAGE, low=1, high=50)
    return plain(experts_view(context_of(request), q, _page(request), size))


class AuthorIn(BaseModel):
    name: str = Field(description="The author's name as printed.")
    affiliation: str | None = Field(default=None, description="Where they work, if known.")


class ReviewersIn(BaseModel):
    abstract: str = Field(description="The manuscript's abstract (at most 10,000 characters).")
    authors: list[AuthorIn] = Field(description="The manuscript's authors (1 to 50).")
    title: str | None = None
    years: int = Field(
        default=DEFAULT_YEARS, description="Co-authorship and affiliation window, in years."
    )
    as_of: int | None = Field(default=None, description="The window's last year (default: now).")
    page: int = 1
    per_page: int = PER_PAGE


@api_router.post(
    "/reviewers",
    summary="Reviewers for a manuscript: the expert ranking minus stated conflicts of interest",
    response_model=ReviewerResults,
)
def api_reviewers(request: Request, body: ReviewersIn) -> Any:
    manuscript = Manuscript(
        abstract=body.abstract,
        authors=tuple(ManuscriptAuthor(a.name, a.affiliation) for a in body.authors),
        title=body.title,
    )
    return plain(
        reviewers_view(
            context_of(request), manuscript, body.years, body.as_of, body.page, body.per_page
        )
    )
