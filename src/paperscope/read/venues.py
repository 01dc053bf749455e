"""Venues and categories as the site shows them: which works belong to one, its most cited
works, its people, its volume per year, and its dated titles for rising topics.

A venue is every work whose `works.venue_key` (`store.venues.venue_key`: case, accents,
punctuation, years, ordinals, volume marks and a leading "Proceedings of the" dropped) is
one key. A category is every work that lists it among its categories (cross-lists
included, as arXiv's listings do); the short tag `CL` names `cs.CL`. Every query here
returns a bounded number of rows: aggregates, a page of ids, or at most `limit` titles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    Subquery,
    and_,
    case,
    func,
    literal,
    or_,
    select,
)

from paperscope.errors import QueryError
from paperscope.read.works import in_corpus_citations, reported_counts
from paperscope.store.ids import in_list
from paperscope.store.schema import (
    authorships,
    people,
    references,
    reported_citations,
    work_categories,
    works,
)
from paperscope.store.venues import venue_key
from paperscope.untrusted import is_category

VARIANTS_SHOWN = 20
PEOPLE_SORTS: tuple[str, ...] = ("papers", "citations")


@dataclass(frozen=True, slots=True)
class Scope:
    """The works of one venue (by key) or one category (exact, e.g. `cs.CL`)."""

    kind: Literal["venue", "category"]
    key: str

    def members(self) -> Select[tuple[int]]:
        """`work_id` of every member work (each once)."""
        if self.kind == "venue":
            return select(works.c.id.label("work_id")).where(works.c.venue_key == self.key)
        return select(work_categories.c.work_id.label("work_id")).where(
            work_categories.c.category == self.key
        )


@dataclass(frozen=True, slots=True)
class Printing:
    """One way the venue is printed, and on how many works."""

    venue: str
    works: int


@dataclass(frozen=True, slots=True)
class Venue:
    key: str
    name: str
    """The printing most works use."""
    works: int
    printings: tuple[Printing, ...]
    """The most used printings (at most VARIANTS_SHOWN)."""
    printing_count: int


@dataclass(frozen=True, slots=True)
class Category:
    category: str
    works: int
    also: tuple[tuple[str, int], ...]
    """Other categories the same short tag names, with their works (most first)."""

    @property
    def tag(self) -> str:
        return self.category.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class ScopePerson:
    """A person's works and citations inside one venue or category."""

    person_id: int | None
    person_key: str
    name: str
    papers: int
    citations: int

    @property
    def provisional(self) -> bool:
        return self.person_id is None


@dataclass(frozen=True, slots=True)
class DatedTitle:
    work_id: int
    title: str
    year: int | None
    published: date | None


def find_venue(connection: Connection, name: str) -> Venue | None:
    """The venue a printed name (or a key) names; None when no work has it."""
    key = venue_key(name)
    if not key:
        raise QueryError("name a venue: /venue?name=...")
    count = func.count()
    rows = connection.execute(
        select(works.c.venue, count).where(works.c.venue_key == key).group_by(works.c.venue)
    ).all()
    if not rows:
        return None
    return venue_from_printings(key, {str(venue): int(n) for venue, n in rows})


def find_category(connection: Connection, text: str) -> Category | None:
    """The category `cs.CL` (exact), or the one a tag or other spelling (`CL`, `cs.cl`)
    names with the most works; None when no work lists it."""
    if not is_category(text):
        raise QueryError(
            f"{text[:40]!r} is not a category: use an arXiv category such as cs.CL, its "
            "short form CL, or a field such as Signal Processing"
        )
    count = func.count()
    exact = connection.execute(
        select(count).select_from(work_categories).where(work_categories.c.category == text)
    ).scalar_one()
    if exact:
        return Category(text, int(exact), ())
    lowered = func.lower(work_categories.c.category)
    wanted = text.lower()
    spelled = lowered == wanted
    if "." not in wanted:
        spelled = spelled | lowered.like(literal("%.") + wanted)
    rows = connection.execute(
        select(work_categories.c.category, count)
        .where(spelled)
        .group_by(work_categories.c.category)
        .order_by(count.desc(), work_categories.c.category)
    ).all()
    if not rows:
        return None
    first, *others = rows
    return Category(str(first[0]), int(first[1]), tuple((str(c), int(n)) for c, n in others))


def _citations(members: Subquery) -> tuple[Subquery, Subquery, ColumnElement[int]]:
    """In-corpus and reported counts of the members, and the count a work shows: the larger
    (the `read.works.WorkSummary.citations` rule, in SQL)."""
    cited = (
        select(
            references.c.cited_work_id.label("work_id"),
            func.count(func.distinct(references.c.citing_work_id)).label("n"),
        )
        .join(members, members.c.work_id == references.c.cited_work_id)
        .where(
            references.c.citing_work_id.is_not(None),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        .group_by(references.c.cited_work_id)
        .subquery("cited")
    )
    reported = (
        select(
            reported_citations.c.work_id.label("work_id"),
            func.max(reported_citations.c.count).label("n"),
        )
        .join(members, members.c.work_id == reported_citations.c.work_id)
        .group_by(reported_citations.c.work_id)
        .subquery("reported")
    )
    in_corpus = func.coalesce(cited.c.n, 0)
    source = func.coalesce(reported.c.n, 0)
    return cited, reported, case((in_corpus >= source, in_corpus), else_=source)


def _cited_members(scope: Scope) -> Select[tuple[int, int]]:
    """Every member with the citation count it shows."""
    members = scope.members().subquery("members")
    cited, reported, citations = _citations(members)
    return (
        select(members.c.work_id, citations.label("citations"))
        .outerjoin(cited, cited.c.work_id == members.c.work_id)
        .outerjoin(reported, reported.c.work_id == members.c.work_id)
    )


def count_members(connection: Connection, scope: Scope) -> int:
    members = scope.members().subquery("members")
    return int(connection.execute(select(func.count()).select_from(members)).scalar_one())


def top_cited(connection: Connection, scope: Scope, *, offset: int, limit: int) -> list[int]:
    """A page of member ids, most cited first (then newest, then by id)."""
    ranked = _cited_members(scope).subquery("ranked")
    query = (
        select(ranked.c.work_id)
        .join(works, works.c.id == ranked.c.work_id)
        .order_by(ranked.c.citations.desc(), works.c.year.desc().nulls_last(), ranked.c.work_id)
        .offset(offset)
        .limit(limit)
    )
    return [int(work_id) for work_id in connection.execute(query).scalars()]


def volume_per_year(connection: Connection, scope: Scope) -> list[tuple[int, int]]:
    """(year, member works) for every year with works; works without a year left out."""
    members = scope.members().subquery("members")
    count = func.count()
    query = (
        select(works.c.year, count)
        .join(members, members.c.work_id == works.c.id)
        .where(works.c.year.is_not(None))
        .group_by(works.c.year)
        .order_by(works.c.year)
    )
    return [(int(year), int(n)) for year, n in connection.execute(query)]


def _signed_here() -> ColumnElement[bool]:
    """Authorships that name someone: resolved, or with a normalised name."""
    return (authorships.c.person_id.is_not(None)) | (authorships.c.name_key != "")


def top_people(
    connection: Connection, scope: Scope, *, sort: str = "papers", limit: int = 20
) -> list[ScopePerson]:
    """The people with the most member works (ties: person id, then name key), or with the
    most citations of them (ties: works, then as before): resolved people by person id, and
    authorships no person claims grouped by their normalised name. A person's citations are
    the sum over their member works of the count each work shows; their name is the
    canonical name of a resolved person, else the printing they use most here."""
    if sort not in PEOPLE_SORTS:
        raise QueryError(f"people must be sorted by {' or '.join(PEOPLE_SORTS)}, not {sort!r}")
    members = scope.members().subquery("members")
    unclaimed = case((authorships.c.person_id.is_(None), authorships.c.name_key))
    if sort == "citations":
        order = _by_citations(connection, scope, limit)
    else:
        papers = func.count(func.distinct(authorships.c.work_id))
        query = (
            select(authorships.c.person_id, unclaimed)
            .join(members, members.c.work_id == authorships.c.work_id)
            .where(_signed_here())
            .group_by(authorships.c.person_id, unclaimed)
            .order_by(papers.desc(), authorships.c.person_id.nulls_last(), unclaimed)
            .limit(limit)
        )
        order = [(pid, key) for pid, key in connection.execute(query)]
    details = _details(connection, members, order)
    return [details[identity] for identity in order]


def _by_citations(
    connection: Connection, scope: Scope, limit: int
) -> list[tuple[int | None, str | None]]:
    ranked = _cited_members(scope).subquery("ranked")
    unclaimed = case((authorships.c.person_id.is_(None), authorships.c.name_key))
    signed = (
        select(
            authorships.c.work_id,
            authorships.c.person_id,
            unclaimed.label("name_key"),
            func.max(ranked.c.citations).label("citations"),
        )
        .join(ranked, ranked.c.work_id == authorships.c.work_id)
        .where(_signed_here())
        .group_by(authorships.c.work_id, authorships.c.person_id, unclaimed)
        .subquery("signed")
    )
    papers = func.count()
    cites = func.sum(signed.c.citations)
    query = (
        select(signed.c.person_id, signed.c.name_key)
        .group_by(signed.c.person_id, signed.c.name_key)
        .order_by(cites.desc(), papers.desc(), signed.c.person_id.nulls_last(), signed.c.name_key)
        .limit(limit)
    )
    return [(pid, key) for pid, key in connection.execute(query)]


def display_name(printings: Counter[str]) -> str:
    """The printing used most (ties: the first in code-point order)."""
    return min(printings, key=lambda name: (-printings[name], name))


def _details(
    connection: Connection, members: Subquery, identities: list[tuple[int | None, str | None]]
) -> dict[tuple[int | None, str | None], ScopePerson]:
    """Works, citations and name of each identity inside the scope (bounded: the shown ones)."""
    if not identities:
        return {}
    ids = [pid for pid, _ in identities if pid is not None]
    keys = [key for pid, key in identities if pid is None and key is not None]
    query = (
        select(
            authorships.c.work_id,
            authorships.c.person_id,
            authorships.c.name_key,
            authorships.c.name,
        )
        .join(members, members.c.work_id == authorships.c.work_id)
        .where(
            or_(
                in_list(authorships.c.person_id, ids),
                and_(authorships.c.person_id.is_(None), in_list(authorships.c.name_key, keys)),
            )
        )
    )
    works_of: dict[tuple[int | None, str | None], set[int]] = {}
    printed: defaultdict[tuple[int | None, str | None], Counter[str]] = defaultdict(Counter)
    for work_id, person_id, key, name in connection.execute(query):
        identity = (person_id, None) if person_id is not None else (None, key)
        works_of.setdefault(identity, set()).add(int(work_id))
        printed[identity][str(name)] += 1
    every = sorted({work for found in works_of.values() for work in found})
    in_corpus = in_corpus_citations(connection, every)
    reported = reported_counts(connection, every)
    shown = {w: max(in_corpus.get(w, 0), reported.get(w, 0)) for w in every}
    canonical = _canonical_names(connection, ids)
    return {
        identity: scope_person(
            identity,
            canonical.get(identity[0]) if identity[0] is not None else None,
            printed[identity],
            len(found),
            sum(shown[w] for w in found),
        )
        for identity, found in works_of.items()
    }


def scope_person(
    identity: tuple[int | None, str | None],
    canonical: str | None,
    printings: Counter[str],
    papers: int,
    citations: int,
) -> ScopePerson:
    person_id, key = identity
    return ScopePerson(
        person_id=person_id,
        person_key=f"person:{person_id}" if person_id is not None else f"name:{key}",
        name=canonical or display_name(printings),
        papers=papers,
        citations=citations,
    )


def _canonical_names(connection: Connection, ids: list[int]) -> dict[int, str]:
    query = select(people.c.id, people.c.canonical_name).where(in_list(people.c.id, ids))
    return {int(pid): str(name) for pid, name in connection.execute(query) if name}


def newest_year(connection: Connection, scope: Scope) -> int | None:
    """The year of the scope's newest dated work."""
    members = scope.members().subquery("members")
    query = select(func.max(works.c.year)).join(members, members.c.work_id == works.c.id)
    year = connection.execute(query).scalar()
    return int(year) if year is not None else None


def dated_titles(
    connection: Connection, scope: Scope, *, since_year: int, limit: int
) -> list[DatedTitle]:
    """The titles of member works of `since_year` or later, newest first, at most `limit`."""
    members = scope.members().subquery("members")
    query = (
        select(works.c.id, works.c.title, works.c.year, works.c.published)
        .join(members, members.c.work_id == works.c.id)
        .where(works.c.year >= since_year)
        .order_by(works.c.year.desc(), works.c.published.desc().nulls_last(), works.c.id.desc())
        .limit(limit)
    )
    return [
        DatedTitle(int(work_id), str(title), year, published)
        for work_id, title, year, published in connection.execute(query)
    ]


# Every venue and category at once, for the `score` stage (metrics/scopes.py).


@dataclass(frozen=True, slots=True)
class ScopeWork:
    work_id: int
    venue_key: str | None
    title: str
    year: int | None
    published: date | None
    venue: str | None = None
    """As printed (a venue's printings are counted from it)."""


def all_scope_works(connection: Connection) -> list[ScopeWork]:
    query = select(
        works.c.id, works.c.venue_key, works.c.title, works.c.year, works.c.published, works.c.venue
    )
    return [ScopeWork(int(i), k, str(t), y, p, v) for i, k, t, y, p, v in connection.execute(query)]


def venue_from_printings(key: str, counts: Mapping[str, int]) -> Venue:
    """The venue of these printings and their works: most used first (then by printing),
    the first its name; `find_venue`'s rule."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    printings = tuple(Printing(venue, n) for venue, n in ranked[:VARIANTS_SHOWN])
    return Venue(key, printings[0].venue, sum(counts.values()), printings, len(counts))


def all_categories(connection: Connection) -> list[tuple[int, str]]:
    query = select(work_categories.c.work_id, work_categories.c.category)
    return [(int(work_id), str(category)) for work_id, category in connection.execute(query)]


def all_signatures(
    connection: Connection,
) -> list[tuple[int, int | None, str | None, str]]:
    """(work id, person id, name key of an unclaimed authorship, printed name) of every
    authorship that names someone."""
    query = select(
        authorships.c.work_id, authorships.c.person_id, authorships.c.name_key, authorships.c.name
    ).where(_signed_here())
    return [
        (int(work_id), person_id, None if person_id is not None else key, str(name))
        for work_id, person_id, key, name in connection.execute(query)
    ]


def all_canonical_names(connection: Connection) -> dict[int, str]:
    query = select(people.c.id, people.c.canonical_name)
    return {int(pid): str(name) for pid, name in connection.execute(query) if name}
