"""Read queries shared by the CLI and the web app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import BindParameter, Connection, RowMapping, bindparam, func, select

from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import (
    authorships,
    code_links,
    quarantine,
    references,
    reported_citations,
    source_records,
    work_ids,
    works,
)

TABLES_TO_COUNT = (works, work_ids, authorships, references, code_links, source_records, quarantine)
_CHUNK = 2000
# What a profile entry shows: the other columns (dates parsed per row, long text) stay unread.
_WORK_COLUMNS = tuple(
    works.c[name]
    for name in (
        "id",
        "title",
        "year",
        "published",
        "venue",
        "primary_category",
        "author_count",
        "authors_truncated",
        "code_badge",
        "abstract",
    )
)


def table_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in TABLES_TO_COUNT
    }


@dataclass(frozen=True, slots=True)
class PrintedAuthor:
    """One name as printed on a work, and the person it was resolved to (if any)."""

    name: str
    name_key: str
    person_id: int | None


@dataclass(frozen=True, slots=True)
class StoredScores:
    """What `paperscope score` stored for a work (None when it has not run)."""

    novelty_pct: float | None
    ai_score: float | None
    citation_pct: float | None
    definition_version: str


@dataclass(frozen=True, slots=True)
class AuthoredWork:
    """A work listed on a profile, with both citation counts and its stored scores."""

    work_id: int
    title: str
    year: int | None
    published: date | None
    venue: str | None
    primary_category: str | None
    authors: tuple[PrintedAuthor, ...]
    author_count: int | None
    authors_truncated: bool
    in_corpus_citations: int
    reported_citations: int | None
    code_urls: tuple[str, ...]
    code_badge: bool
    abstract: str | None
    scores: StoredScores | None

    @property
    def citations(self) -> int:
        """The larger of the two counts, as DESIGN.md §5 says a profile uses."""
        return max(self.in_corpus_citations, self.reported_citations or 0)

    @property
    def citation_source(self) -> str:
        """Which count `citations` is: `corpus` (citing works stored here) or `reported`."""
        if (self.reported_citations or 0) > self.in_corpus_citations:
            return "reported"
        return "corpus"


def _ids() -> BindParameter[int]:
    """The chunk of ids a query reads, bound as one list (`{"ids": chunk}`): binding the list
    itself would coerce and cache-key every id on each call."""
    return bindparam("ids", expanding=True)


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    unique = sorted(set(ids))
    return [unique[i : i + _CHUNK] for i in range(0, len(unique), _CHUNK)]


def in_corpus_citations(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Distinct stored citing works per cited work (self-citations of a work excluded)."""
    counts: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = (
            select(
                references.c.cited_work_id, func.count(func.distinct(references.c.citing_work_id))
            )
            .where(
                references.c.cited_work_id.in_(_ids()),
                references.c.citing_work_id.is_not(None),
                references.c.citing_work_id != references.c.cited_work_id,
            )
            .group_by(references.c.cited_work_id)
        )
        counts.update({key: value for key, value in connection.execute(query, {"ids": chunk})})
    return counts


def reported_counts(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """The largest count any source reports per work."""
    counts: dict[int, int] = {}
    for chunk in _chunks(ids):
        query = (
            select(reported_citations.c.work_id, func.max(reported_citations.c.count))
            .where(reported_citations.c.work_id.in_(_ids()))
            .group_by(reported_citations.c.work_id)
        )
        counts.update({key: value for key, value in connection.execute(query, {"ids": chunk})})
    return counts


def citing_years(connection: Connection, ids: Sequence[int]) -> list[int | None]:
    """The year of every distinct (citing work, cited work) pair citing one of `ids`."""
    years: list[int | None] = []
    for chunk in _chunks(ids):
        pairs = (
            select(references.c.citing_work_id, references.c.cited_work_id)
            .where(
                references.c.cited_work_id.in_(_ids()),
                references.c.citing_work_id.is_not(None),
                references.c.citing_work_id != references.c.cited_work_id,
            )
            .distinct()
            .subquery()
        )
        query = select(works.c.year).join(pairs, pairs.c.citing_work_id == works.c.id)
        years.extend(connection.execute(query, {"ids": chunk}).scalars())
    return years


def works_with_ids(connection: Connection, ids: Sequence[int]) -> list[AuthoredWork]:
    cited = in_corpus_citations(connection, ids)
    reported = reported_counts(connection, ids)
    names: dict[int, list[PrintedAuthor]] = {}
    links: dict[int, list[str]] = {}
    scores: dict[int, StoredScores] = {}
    rows: list[RowMapping] = []
    for chunk in _chunks(ids):
        for work_id, printed, key, person in connection.execute(
            select(
                authorships.c.work_id,
                authorships.c.name,
                authorships.c.name_key,
                authorships.c.person_id,
            )
            .where(authorships.c.work_id.in_(_ids()))
            .order_by(authorships.c.work_id, authorships.c.position),
            {"ids": chunk},
        ).all():
            names.setdefault(work_id, []).append(PrintedAuthor(printed, key, person))
        for work_id, url in connection.execute(
            select(code_links.c.work_id, code_links.c.url).where(code_links.c.work_id.in_(_ids())),
            {"ids": chunk},
        ):
            links.setdefault(work_id, []).append(url)
        for row in connection.execute(
            select(work_metrics).where(work_metrics.c.work_id.in_(_ids())), {"ids": chunk}
        ).mappings():
            scores[row["work_id"]] = StoredScores(
                row["novelty_pct"], row["ai_score"], row["citation_pct"], row["definition_version"]
            )
        rows.extend(
            connection.execute(select(*_WORK_COLUMNS).where(works.c.id.in_(_ids())), {"ids": chunk})
            .mappings()
            .all()
        )
    return [
        AuthoredWork(
            work_id=row["id"],
            title=row["title"],
            year=row["year"] or (row["published"].year if row["published"] else None),
            published=row["published"],
            venue=row["venue"],
            primary_category=row["primary_category"],
            authors=tuple(names.get(row["id"], ())),
            author_count=row["author_count"],
            authors_truncated=bool(row["authors_truncated"]),
            in_corpus_citations=cited.get(row["id"], 0),
            reported_citations=reported.get(row["id"]),
            code_urls=tuple(sorted(links.get(row["id"], ()))),
            code_badge=bool(row["code_badge"]),
            abstract=row["abstract"],
            scores=scores.get(row["id"]),
        )
        for row in rows
    ]
