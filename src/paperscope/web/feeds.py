"""RSS 2.0 and Atom for every list: daily, trending, search and an author's papers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from paperscope.errors import QueryError
from paperscope.read.works import WorkSummary
from paperscope.web import views
from paperscope.web.context import context_of
from paperscope.web.markup import readable
from paperscope.web.pages import search_params
from paperscope.web.params import RowId, parse_day, parse_text

router = APIRouter(prefix="/feeds", include_in_schema=False)
MEDIA_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _authors_line(entry: WorkSummary) -> str:
    line = entry.author_line
    return f"{line} ({entry.author_count} authors)" if line.endswith(" et al.") else line


def feed_response(
    request: Request, fmt: str, title: str, page_url: str, entries: Sequence[WorkSummary]
) -> Response:
    if fmt not in MEDIA_TYPES:
        raise QueryError(f"feed format must be rss or atom, not {fmt[:20]!r}")
    from feedgen.feed import FeedGenerator

    base = _base(request)
    generator = FeedGenerator()
    generator.id(base + page_url)
    generator.title(readable(title))
    generator.link(href=base + page_url, rel="alternate")
    generator.link(href=str(request.url), rel="self")
    generator.description(readable(title))
    generator.language("en")
    generator.updated(datetime.now(UTC))
    for entry in reversed(entries):  # feedgen prepends: add the last first
        item = generator.add_entry()
        link = f"{base}/paper/{entry.work_id}"
        item.id(link)
        item.link(href=link)
        item.title(readable(entry.title) or "(untitled)")
        summary = readable(entry.abstract)
        authors = readable(_authors_line(entry))
        item.description(f"{authors}\n\n{summary}" if authors else summary or " ")
        if entry.day is not None:
            item.published(datetime.combine(entry.day, time(0, 0), tzinfo=UTC))
    body = generator.rss_str(pretty=True) if fmt == "rss" else generator.atom_str(pretty=True)
    return Response(body, media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8")


@router.get("/daily.{fmt}")
def daily_feed(request: Request, fmt: str) -> Response:
    page = views.daily_view(context_of(request), parse_day(request.query_params.get("date")))
    title = f"paperscope: Daily Papers, {page.day.isoformat()}"
    return feed_response(request, fmt, title, f"/?date={page.day.isoformat()}", page.entries)


@router.get("/trending.{fmt}")
def trending_feed(request: Request, fmt: str) -> Response:
    page = views.trending_view(context_of(request))
    entries = [t.entry for t in page.entries]
    return feed_response(request, fmt, "paperscope: Trending papers", "/trending", entries)


@router.get("/search.{fmt}")
def search_feed(request: Request, fmt: str) -> Response:
    params = search_params(request)
    if not params.query:
        raise QueryError("a search feed needs a query: /feeds/search.rss?q=...")
    page = views.search_view(context_of(request), params)
    url = "/search?" + urlencode({k: v for k, v in request.query_params.items()})
    entries = [r.entry for r in page.results]
    return feed_response(request, fmt, f"paperscope: search {params.query!r}", url, entries)


@router.get("/author/{person_id}.{fmt}")
def author_feed(request: Request, person_id: RowId, fmt: str) -> Response:
    ctx = context_of(request)
    page = views.author_view(ctx, person_id=person_id, sort="date")
    title = f"paperscope: {page.profile.person.name}"
    return feed_response(request, fmt, title, f"/author/{person_id}", page.profile.entries)


@router.get("/author.{fmt}")
def author_name_feed(request: Request, fmt: str) -> Response:
    name = parse_text(request.query_params.get("name"), "name")
    ctx = context_of(request)
    page = views.author_view(ctx, name=name or None, sort="date")
    url = "/author?" + urlencode({"name": name})
    title = f"paperscope: {page.profile.person.name}"
    return feed_response(request, fmt, title, url, page.profile.entries)
