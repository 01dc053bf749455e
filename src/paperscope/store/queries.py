"""Read queries shared by the CLI and (later) the web app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, func, select

from paperscope.identity.names import name_key
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


def table_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in TABLES_TO_COUNT
    }


@dataclass(frozen=True, slots=True)
class AuthoredWork:
    """A work listed on a name's profile, with both citation counts."""

    work_id: int
    title: str
    year: int | None
    published: date | None
    venue: str | None
    primary_category: str | None
    authors: tuple[str, ...]
    in_corpus_citations: int
    reported_citations: int | None
    code_urls: tuple[str, ...]
    abstract: str | None

    @property
    def citations(self) -> int:
        """The larger of the two counts, as DESIGN.md §5 says a profile uses."""
        return max(self.in_corpus_citations, self.reported_citations or 0)


def works_by_name(connection: Connection, name: str) -> list[AuthoredWork]:
    """Works with an authorship printed as `name` (folded: case and accents ignored)."""
    query = select(authorships.c.work_id).where(authorships.c.name_key == name_key(name)).distinct()
    return works_with_ids(connection, sorted(connection.execute(query).scalars()))


def works_with_ids(connection: Connection, ids: Sequence[int]) -> list[AuthoredWork]:
    if not ids:
        return []
    cited: dict[int, int] = dict(
        connection.execute(
            select(
                references.c.cited_work_id, func.count(func.distinct(references.c.citing_work_id))
            )
            .where(references.c.cited_work_id.in_(ids), references.c.citing_work_id.is_not(None))
            .group_by(references.c.cited_work_id)
        ).all()
    )
    reported: dict[int, int] = dict(
        connection.execute(
            select(reported_citations.c.work_id, func.max(reported_citations.c.count))
            .where(reported_citations.c.work_id.in_(ids))
            .group_by(reported_citations.c.work_id)
        ).all()
    )
    names: dict[int, list[str]] = {}
    for work_id, printed in connection.execute(
        select(authorships.c.work_id, authorships.c.name)
        .where(authorships.c.work_id.in_(ids))
        .order_by(authorships.c.work_id, authorships.c.position)
    ):
        names.setdefault(work_id, []).append(printed)
    links: dict[int, list[str]] = {}
    for work_id, url in connection.execute(
        select(code_links.c.work_id, code_links.c.url).where(code_links.c.work_id.in_(ids))
    ):
        links.setdefault(work_id, []).append(url)
    rows = connection.execute(select(works).where(works.c.id.in_(ids))).mappings()
    return [
        AuthoredWork(
            work_id=row["id"],
            title=row["title"],
            year=row["year"],
            published=row["published"],
            venue=row["venue"],
            primary_category=row["primary_category"],
            authors=tuple(names.get(row["id"], ())),
            in_corpus_citations=cited.get(row["id"], 0),
            reported_citations=reported.get(row["id"]),
            code_urls=tuple(sorted(links.get(row["id"], ()))),
            abstract=row["abstract"],
        )
        for row in rows
    ]
