"""The paper page's data: one work with its authors, ids, code, citations and similar works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from paperscope.errors import NotFoundError
from paperscope.read.lists import (
    AuthorRef,
    ListEntry,
    ai_scores,
    entries_for,
    local_upvotes,
    total_upvotes,
)
from paperscope.store.schema import (
    authorships,
    code_links,
    references,
    reported_citations,
    work_categories,
    work_ids,
    works,
)

CITING_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Identifier:
    scheme: str
    value: str
    url: str | None


@dataclass(frozen=True, slots=True)
class PaperPage:
    work_id: int
    title: str
    abstract: str | None
    authors: tuple[AuthorRef, ...]
    author_count: int
    authors_truncated: bool
    categories: tuple[str, ...]
    venue: str | None
    published: date | None
    year: int | None
    day: date | None
    url: str | None
    identifiers: tuple[Identifier, ...]
    code_urls: tuple[str, ...]
    upvotes: int | None
    ai_score: float | None
    citations_in_corpus: int
    citations_reported: dict[str, int]
    references_in_corpus: int
    cited_by: tuple[ListEntry, ...]
    similar: tuple[ListEntry, ...]
    similar_notice: str | None

    @property
    def citations(self) -> int:
        """The larger of the two counts (DESIGN.md §5)."""
        return max([self.citations_in_corpus, *self.citations_reported.values()])


_ID_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "acl": "https://aclanthology.org/{}",
    "hf": "https://huggingface.co/papers/{}",
}


def _identifiers(connection: Connection, work_id: int) -> tuple[Identifier, ...]:
    rows = connection.execute(
        select(work_ids.c.scheme, work_ids.c.value)
        .where(work_ids.c.work_id == work_id)
        .order_by(work_ids.c.scheme, work_ids.c.value)
    )
    return tuple(
        Identifier(scheme, value, _ID_URLS[scheme].format(value) if scheme in _ID_URLS else None)
        for scheme, value in rows
    )


def _citing_ids(connection: Connection, work_id: int) -> list[int]:
    query = (
        select(references.c.citing_work_id)
        .where(references.c.cited_work_id == work_id, references.c.citing_work_id.is_not(None))
        .distinct()
    )
    return list(connection.execute(query).scalars())


def paper_page(
    connection: Connection, work_id: int, similar: list[ListEntry], similar_notice: str | None
) -> PaperPage:
    row = connection.execute(select(works).where(works.c.id == work_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"there is no paper {work_id}")
    authors = tuple(
        AuthorRef(name, person_id)
        for name, person_id in connection.execute(
            select(authorships.c.name, authorships.c.person_id)
            .where(authorships.c.work_id == work_id)
            .order_by(authorships.c.position)
        )
    )
    categories = tuple(
        connection.execute(
            select(work_categories.c.category)
            .where(work_categories.c.work_id == work_id)
            .order_by(work_categories.c.position)
        ).scalars()
    )
    code = tuple(
        connection.execute(
            select(code_links.c.url)
            .where(code_links.c.work_id == work_id)
            .order_by(code_links.c.url)
        ).scalars()
    )
    reported = {
        source: count
        for source, count in connection.execute(
            select(reported_citations.c.source, reported_citations.c.count).where(
                reported_citations.c.work_id == work_id
            )
        )
    }
    citing = _citing_ids(connection, work_id)
    outgoing = connection.execute(
        select(func.count(func.distinct(references.c.cited_work_id))).where(
            references.c.citing_work_id == work_id, references.c.cited_work_id.is_not(None)
        )
    ).scalar_one()
    cited_by = entries_for(connection, citing)
    cited_by.sort(key=lambda e: (e.day or date.min, e.work_id), reverse=True)
    return PaperPage(
        work_id=work_id,
        title=row["title"],
        abstract=row["abstract"],
        authors=authors,
        author_count=max(row["author_count"] or 0, len(authors)),
        authors_truncated=bool(row["authors_truncated"]),
        categories=categories or ((row["primary_category"],) if row["primary_category"] else ()),
        venue=row["venue"],
        published=row["published"],
        year=row["year"],
        day=row["featured"] or row["published"],
        url=row["url"],
        identifiers=_identifiers(connection, work_id),
        code_urls=code,
        upvotes=total_upvotes(row["upvotes"], local_upvotes(connection, [work_id]).get(work_id, 0)),
        ai_score=ai_scores(connection, [work_id]).get(work_id),
        citations_in_corpus=len(citing),
        citations_reported=reported,
        references_in_corpus=outgoing,
        cited_by=tuple(cited_by[:CITING_SHOWN]),
        similar=tuple(similar),
        similar_notice=similar_notice,
    )


def paper_json(page: PaperPage) -> dict[str, Any]:
    """The export: everything the page shows, as plain JSON types."""
    return {
        "id": page.work_id,
        "title": page.title,
        "abstract": page.abstract,
        "authors": [{"name": a.name, "person_id": a.person_id} for a in page.authors],
        "author_count": page.author_count,
        "categories": list(page.categories),
        "venue": page.venue,
        "published": page.published.isoformat() if page.published else None,
        "year": page.year,
        "url": page.url,
        "identifiers": {i.scheme: i.value for i in page.identifiers},
        "code_urls": list(page.code_urls),
        "upvotes": page.upvotes,
        "ai_score": page.ai_score,
        "citations": {
            "in_corpus": page.citations_in_corpus,
            "reported": page.citations_reported,
            "used": page.citations,
        },
    }
