"""The paper page's data: one work with its authors, ids, code, citations and similar works."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from paperscope.errors import NotFoundError
from paperscope.read.works import WorkDetails, WorkSummary, load_details, load_works
from paperscope.store.schema import references, reported_citations

CITING_SHOWN = 20


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
    cited_by: tuple[WorkSummary, ...]
    similar: tuple[WorkSummary, ...]
    similar_notice: str | None


_ID_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "acl": "https://aclanthology.org/{}",
    "hf": "https://huggingface.co/papers/{}",
}


def _identifiers(details: WorkDetails) -> tuple[Identifier, ...]:
    return tuple(
        Identifier(scheme, value, _ID_URLS[scheme].format(value) if scheme in _ID_URLS else None)
        for scheme, value in details.identifiers
    )


def _citing_ids(connection: Connection, work_id: int) -> list[int]:
    """Works stored here that cite this one (itself excluded, as every count excludes it)."""
    query = (
        select(references.c.citing_work_id)
        .where(
            references.c.cited_work_id == work_id,
            references.c.citing_work_id.is_not(None),
            references.c.citing_work_id != work_id,
        )
        .distinct()
    )
    return list(connection.execute(query).scalars())


def paper_page(
    connection: Connection,
    work_id: int,
    similar: Sequence[WorkSummary],
    similar_notice: str | None,
) -> PaperPage:
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
    outgoing = connection.execute(
        select(func.count(func.distinct(references.c.cited_work_id))).where(
            references.c.citing_work_id == work_id, references.c.cited_work_id.is_not(None)
        )
    ).scalar_one()
    cited_by = load_works(connection, _citing_ids(connection, work_id))
    cited_by.sort(key=lambda e: (e.day or date.min, e.work_id), reverse=True)
    return PaperPage(
        work=found[0],
        categories=details.categories,
        url=details.url,
        identifiers=_identifiers(details),
        citations_reported=reported,
        references_in_corpus=outgoing,
        cited_by=tuple(cited_by[:CITING_SHOWN]),
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
    }
