"""The paper page's data: one work with its authors, ids, code, citations, its reference list
and the works citing it (a page of each), and similar works."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, select

from paperscope.errors import NotFoundError
from paperscope.read.references import (
    CITED_BY_PER_PAGE,
    CITED_SORTS,
    MAX_PER_PAGE,
    REFERENCES_PER_PAGE,
    CitedByList,
    ReferenceList,
    cited_by_list,
    identifier_url,
    reference_list,
)
from paperscope.read.works import WorkDetails, WorkSummary, load_details, load_works
from paperscope.store.schema import reported_citations
from paperscope.untrusted import safe_url
from paperscope.web.jsonable import plain
from paperscope.web.params import MAX_PAGE, parse_choice, parse_int


@dataclass(frozen=True, slots=True)
class PaperLists:
    """Which page of the reference list and of the cited-by list to show, and its order."""

    refs_page: int = 1
    refs_per_page: int = REFERENCES_PER_PAGE
    cited_page: int = 1
    cited_per_page: int = CITED_BY_PER_PAGE
    cited_sort: str = "newest"


def paper_lists(query: Mapping[str, str]) -> PaperLists:
    """The paper page's list parameters (`refs_page`, `cited_page`, `cited_sort`, and the
    page sizes `refs_per_page`, `cited_per_page`, at most `MAX_PER_PAGE`); 400 when bad."""
    return PaperLists(
        refs_page=parse_int(query.get("refs_page"), "refs_page", default=1, low=1, high=MAX_PAGE),
        refs_per_page=parse_int(
            query.get("refs_per_page"),
            "refs_per_page",
            default=REFERENCES_PER_PAGE,
            low=1,
            high=MAX_PER_PAGE,
        ),
        cited_page=parse_int(
            query.get("cited_page"), "cited_page", default=1, low=1, high=MAX_PAGE
        ),
        cited_per_page=parse_int(
            query.get("cited_per_page"),
            "cited_per_page",
            default=CITED_BY_PER_PAGE,
            low=1,
            high=MAX_PER_PAGE,
        ),
        cited_sort=parse_choice(query.get("cited_sort"), "cited_sort", CITED_SORTS),
    )


@dataclass(frozen=True, slots=True)
class Identifier:
    scheme: str
    value: str
    url: str | None


@dataclass(frozen=True, slots=True)
class PaperPage:
    """One work (every author named) and what only its own page shows."""

    work: WorkSummary
    categories: tuple[str, ...]
    url: str | None
    identifiers: tuple[Identifier, ...]
    citations_reported: dict[str, int]
    """Each source's own count (the work's `reported_citations` is the largest)."""
    references_in_corpus: int
    references: ReferenceList
    cited_by: CitedByList
    similar: tuple[WorkSummary, ...]
    similar_notice: str | None

    def lists_url(
        self,
        *,
        refs_page: int | None = None,
        cited_page: int | None = None,
        cited_sort: str | None = None,
        anchor: str = "",
    ) -> str:
        """This page with other list pages or order (page sizes kept when not the default)."""
        query: dict[str, str | int] = {
            "refs_page": refs_page or self.references.page,
            "cited_page": cited_page or self.cited_by.page,
            "cited_sort": cited_sort or self.cited_by.sort,
        }
        if self.references.per_page != REFERENCES_PER_PAGE:
            query["refs_per_page"] = self.references.per_page
        if self.cited_by.per_page != CITED_BY_PER_PAGE:
            query["cited_per_page"] = self.cited_by.per_page
        return f"/paper/{self.work.work_id}?{urlencode(query)}" + (f"#{anchor}" if anchor else "")


def _identifiers(details: WorkDetails) -> tuple[Identifier, ...]:
    return tuple(
        Identifier(scheme, value, identifier_url(scheme, value))
        for scheme, value in details.identifiers
    )


def paper_page(
    connection: Connection,
    work_id: int,
    similar: Sequence[WorkSummary],
    similar_notice: str | None,
    lists: PaperLists | None = None,
) -> PaperPage:
    """The page of `work_id` (NotFoundError if unknown; QueryError for a page out of range)."""
    lists = lists or PaperLists()
    found = load_works(connection, [work_id], authors_limit=None)
    if not found:
        raise NotFoundError(f"there is no paper {work_id}")
    details = load_details(connection, [work_id])[work_id]
    reported = {
        source: count
        for source, count in connection.execute(
            select(reported_citations.c.source, reported_citations.c.count).where(
                reported_citations.c.work_id == work_id
            )
        )
    }
    cited = reference_list(connection, work_id, lists.refs_page, lists.refs_per_page)
    citing = cited_by_list(
        connection, work_id, lists.cited_sort, lists.cited_page, lists.cited_per_page
    )
    return PaperPage(
        work=found[0],
        categories=details.categories,
        url=safe_url(details.url),  # only an http(s) source page is shown (or exported)
        identifiers=_identifiers(details),
        citations_reported=reported,
        references_in_corpus=cited.resolved,
        references=cited,
        cited_by=citing,
        similar=tuple(similar),
        similar_notice=similar_notice,
    )


def paper_json(page: PaperPage) -> dict[str, Any]:
    """The export: everything the page shows, as plain JSON types."""
    work = page.work
    return {
        "id": work.work_id,
        "title": work.title,
        "abstract": work.abstract,
        "authors": [{"name": a.name, "person_id": a.person_id} for a in work.authors],
        "author_count": work.author_count,
        "categories": list(page.categories),
        "venue": work.venue,
        "published": work.published.isoformat() if work.published else None,
        "year": work.year,
        "url": page.url,
        "identifiers": {i.scheme: i.value for i in page.identifiers},
        "code_urls": list(work.code_urls),
        "upvotes": work.upvotes,
        "ai_score": work.ai_score,
        "citations": {
            "in_corpus": work.in_corpus_citations,
            "reported": page.citations_reported,
            "used": work.citations,
        },
        "references": references_json(page.references),
        "cited_by": cited_by_json(page.cited_by),
    }


def references_json(listed: ReferenceList) -> dict[str, Any]:
    """One page of the reference list with its totals; `work` is null when unresolved."""
    return {
        "total": listed.total,
        "resolved": listed.resolved,
        "page": listed.page,
        "per_page": listed.per_page,
        "pages": listed.pages,
        "items": [
            {
                "position": ref.position,
                "work": plain(ref.work) if ref.work else None,
                "scheme": ref.scheme,
                "value": ref.value,
                "cited_as": ref.cited_as,
                "url": ref.url,
            }
            for ref in listed.references
        ],
    }


def cited_by_json(listed: CitedByList) -> dict[str, Any]:
    return {
        "total": listed.total,
        "sort": listed.sort,
        "page": listed.page,
        "per_page": listed.per_page,
        "pages": listed.pages,
        "items": [plain(work) for work in listed.works],
    }


def paper_api_json(page: PaperPage) -> dict[str, Any]:
    """`/api/paper/<id>` (and `paperscope paper --format json`): the export (with a page of
    references and of citing works), the similar works and the references count."""
    body = paper_json(page)
    body["similar"] = [
        {"id": e.work_id, "title": e.title, "day": e.day.isoformat() if e.day else None}
        for e in page.similar
    ]
    body["references_in_corpus"] = page.references_in_corpus
    return body
