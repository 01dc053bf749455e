"""A work's reference list and the works citing it, one page at a time.

Both lists are counted in SQL and only the requested page is fetched, so a work with thousands
of references or citing works costs one page of rows.

- **References**: every reference edge whose citing side is this work, in the order the
  source listed them (edge order). A cited work stored here appears once (a work merged from
  several sources can list it under several ids); an unresolved one appears once per
  identifier, shown as cited (`doi:10.1/x`, or the title text a source gave) and linked only
  to the identifier's public resolver (`https://doi.org/...`), never to the text itself unless
  it is an http(s) URL.
- **Cited by**: distinct stored works citing this one (itself excluded, as every count
  excludes it), newest first (year, then publication date) or most cited first (the larger
  of their in-corpus and reported counts, as `WorkSummary.citations`); ties by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy import Connection, Select, case, func, literal, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from paperscope.errors import QueryError
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.schema import references, reported_citations, works
from paperscope.untrusted import safe_url

REFERENCES_PER_PAGE = 50
CITED_BY_PER_PAGE = 20
MAX_PER_PAGE = 100
CITED_SORTS = ("newest", "citations")
TITLE_SCHEME = "title"
ID_URLS = {
    "arxiv": "https://arxiv.org/abs/{}",
    "doi": "https://doi.org/{}",
    "openalex": "https://openalex.org/{}",
    "s2": "https://www.semanticscholar.org/paper/{}",
    "acl": "https://aclanthology.org/{}",
    "hf": "https://huggingface.co/papers/{}",
    "pubmed": "https://pubmed.ncbi.nlm.nih.gov/{}",
    "pmc": "https://www.ncbi.nlm.nih.gov/pmc/articles/{}",
}
"""Public resolver of an identifier scheme; `{}` takes the percent-encoded value."""
_URL_SAFE = "/:.-_~()"


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of a list, how long a page is, and how many items there are in all."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class Reference:
    """One entry of a reference list: a stored work, or the identifier as cited."""

    position: int
    """1-based place in the whole list."""
    work: WorkSummary | None
    """The cited work when it is stored here (linked to its page), else None."""
    scheme: str
    value: str
    cited_as: str
    """What an unresolved reference shows: the title text, or `scheme:value`."""
    url: str | None
    """An http(s) address for an unresolved reference (its identifier's resolver), if any."""


@dataclass(frozen=True, slots=True)
class ReferenceList:
    references: tuple[Reference, ...]
    total: int
    """Entries in the whole list (resolved and unresolved)."""
    resolved: int
    """Distinct cited works stored here."""
    page: int
    per_page: int
    pages: int


@dataclass(frozen=True, slots=True)
class CitedByList:
    works: tuple[WorkSummary, ...]
    total: int
    sort: str
    page: int
    per_page: int
    pages: int


def check_page(page: int, per_page: int, total: int, name: str) -> Paging:
    """The page asked for, or a QueryError naming the parameter when it is out of range."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"{name} page size must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    paging = Paging(page, per_page, total)
    if not 1 <= page <= paging.pages:
        raise QueryError(f"{name} must be between 1 and {paging.pages}, not {page}")
    return paging


def identifier_url(scheme: str, value: str) -> str | None:
    """The public page of an identifier (`doi` -> https://doi.org/...), or None."""
    template = ID_URLS.get(scheme)
    if template is None or not value.strip():
        return None
    return safe_url(template.format(quote(value.strip(), safe=_URL_SAFE)))


def safe_http_url(text: str) -> str | None:
    """`text` (stripped) when it may be a link: the one rule, `untrusted.safe_url`."""
    return safe_url(text.strip())


def cited_as(scheme: str, value: str) -> str:
    return value if scheme == TITLE_SCHEME else f"{scheme}:{value}"


def _listed_edges(work_id: int) -> Select[tuple[int]]:
    """The first edge of each distinct cited work (or unresolved identifier) of `work_id`."""
    mine = references.c.citing_work_id == work_id
    resolved = (
        select(func.min(references.c.id).label("edge_id"))
        .where(mine, references.c.cited_work_id.is_not(None))
        .group_by(references.c.cited_work_id)
    )
    unresolved = (
        select(func.min(references.c.id).label("edge_id"))
        .where(mine, references.c.cited_work_id.is_(None))
        .group_by(references.c.cited_scheme, references.c.cited_value)
    )
    listed = union_all(resolved, unresolved).subquery("listed")
    return select(listed.c.edge_id)


def reference_list(
    connection: Connection, work_id: int, page: int = 1, per_page: int = REFERENCES_PER_PAGE
) -> ReferenceList:
    """One page of `work_id`'s references (QueryError for a page out of range)."""
    listed = _listed_edges(work_id).subquery("listed_ids")
    total = connection.execute(select(func.count()).select_from(listed)).scalar_one()
    resolved = connection.execute(
        select(func.count(func.distinct(references.c.cited_work_id))).where(
            references.c.citing_work_id == work_id, references.c.cited_work_id.is_not(None)
        )
    ).scalar_one()
    paging = check_page(page, per_page, total, "refs_page")
    rows = connection.execute(
        select(
            references.c.cited_work_id,
            references.c.cited_scheme,
            references.c.cited_value,
        )
        .join(listed, listed.c.edge_id == references.c.id)
        .order_by(references.c.id)
        .limit(paging.per_page)
        .offset(paging.offset)
    ).all()
    loaded = {
        entry.work_id: entry
        for entry in load_works(connection, [r.cited_work_id for r in rows if r.cited_work_id])
    }
    entries = []
    for position, row in enumerate(rows, paging.offset + 1):
        work = loaded.get(row.cited_work_id) if row.cited_work_id else None
        text = cited_as(row.cited_scheme, row.cited_value)
        url = identifier_url(row.cited_scheme, row.cited_value) or safe_http_url(row.cited_value)
        entries.append(Reference(position, work, row.cited_scheme, row.cited_value, text, url))
    return ReferenceList(
        tuple(entries), total, resolved, paging.page, paging.per_page, paging.pages
    )


def _citing_ids(work_id: int) -> Select[tuple[int]]:
    return (
        select(references.c.citing_work_id.label("work_id"))
        .where(
            references.c.cited_work_id == work_id,
            references.c.citing_work_id.is_not(None),
            references.c.citing_work_id != work_id,
        )
        .distinct()
    )


def citing_count(connection: Connection, work_id: int) -> int:
    """Distinct stored works citing `work_id` (itself excluded)."""
    citing = _citing_ids(work_id).subquery("citing")
    return int(connection.execute(select(func.count()).select_from(citing)).scalar_one())


def _citations_of(work: ColumnElement[int]) -> ColumnElement[int]:
    """`WorkSummary.citations` in SQL: the larger of in-corpus and reported counts."""
    counted = references.alias("counted")
    in_corpus = (
        select(func.count(func.distinct(counted.c.citing_work_id)))
        .where(
            counted.c.cited_work_id == work,
            counted.c.citing_work_id.is_not(None),
            counted.c.citing_work_id != counted.c.cited_work_id,
        )
        .scalar_subquery()
    )
    reported = func.coalesce(
        select(func.max(reported_citations.c.count))
        .where(reported_citations.c.work_id == work)
        .scalar_subquery(),
        literal(0),
    )
    return case((in_corpus >= reported, in_corpus), else_=reported)


def cited_by_list(
    connection: Connection,
    work_id: int,
    sort: str = "newest",
    page: int = 1,
    per_page: int = CITED_BY_PER_PAGE,
) -> CitedByList:
    """One page of the works citing `work_id`, newest or most cited first."""
    if sort not in CITED_SORTS:
        raise QueryError(f"cited_sort must be one of {', '.join(CITED_SORTS)}, not {sort[:40]!r}")
    citing = _citing_ids(work_id).subquery("citing")
    total = citing_count(connection, work_id)
    paging = check_page(page, per_page, total, "cited_page")
    query = select(citing.c.work_id).join(works, works.c.id == citing.c.work_id)
    if sort == "newest":
        # `year` is set whenever `published` is (ingest derives it), so works known only by
        # their year sort among dated ones.
        query = query.order_by(
            works.c.year.desc().nulls_last(), works.c.published.desc().nulls_last()
        )
    else:
        query = query.order_by(_citations_of(citing.c.work_id).desc())
    query = query.order_by(citing.c.work_id.desc()).limit(paging.per_page).offset(paging.offset)
    ids = list(connection.execute(query).scalars())
    return CitedByList(
        tuple(load_works(connection, ids)),
        total,
        sort,
        paging.page,
        paging.per_page,
        paging.pages,
    )
