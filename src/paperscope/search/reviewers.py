"""Reviewer suggestion: the experts on a manuscript's abstract, minus conflicts of interest.

The ranking is `search.experts`' for the abstract. A ranked person is excluded, with the
reason and its evidence, when they are

- **an author**: the manuscript's author names are matched to people by name, as the people
  search does (`read.people.lookup_refs`: the folded name, and its variants with extra middle
  names or only the first initial), and a name given with an initial (`B. Jones`) also
  matches the full first names it may stand for (`Bob Jones`). Every person printing such a
  name is excluded: a name alone cannot tell namesakes apart, and a missed conflict costs
  more than a lost reviewer;
- **a co-author** of an author on a work of the last `years` years (`as_of - years` to
  `as_of`, by the work's year), the shared work named;
- **at a shared affiliation**: an affiliation given with the manuscript, or printed by an
  author on a work of those years (`authorships.affiliation`), that the person printed on a
  work of those years too (compared folded: case, accents and punctuation ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, func, or_, select

from paperscope.config import Settings
from paperscope.errors import QueryError
from paperscope.names import fold, name_key
from paperscope.read.people import lookup_refs, person_summary
from paperscope.read.person_records import PersonRef, PersonSummary
from paperscope.search.experts import (
    MAX_PEOPLE,
    PER_PAGE,
    Expert,
    RankedPerson,
    check_paging,
    check_text,
    describe,
    pages_of,
    rank_experts,
)
from paperscope.store import Store
from paperscope.store.ids import in_list
from paperscope.store.schema import authorships, works

MAX_AUTHORS = 50
MAX_AUTHOR_CHARS = 200
MAX_TITLE_CHARS = 500
DEFAULT_YEARS = 3
MAX_YEARS = 50
PEOPLE_PER_NAME = 50
"""People one author name may match (the most prolific first)."""

HOW = (
    "Reviewers are the experts for the abstract (ranked as on the experts page) minus "
    "conflicts of interest. Authors are matched to people by name: the name as printed, with "
    "extra middle names or only the first initial (and, for a name given with an initial, "
    "every first name it may stand for); every person printing it is excluded, "
    "since a name alone cannot tell namesakes apart. Co-authors: anyone who shared a work with "
    "a matched author in the window of years. Shared affiliation: an affiliation given with "
    "the manuscript, or printed by an author in the window, that the person also printed in "
    "the window (case, accents and punctuation ignored). Each exclusion names its evidence."
)


@dataclass(frozen=True, slots=True)
class ManuscriptAuthor:
    name: str
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class Manuscript:
    abstract: str
    authors: tuple[ManuscriptAuthor, ...]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why one person may not review: `author`, `co-author` or `affiliation`, and proof."""

    reason: str
    explanation: str
    author: str
    """The manuscript author it concerns."""
    work_id: int | None = None
    """The shared work (co-author), or where the affiliation was printed."""
    work_title: str | None = None
    year: int | None = None
    affiliation: str | None = None


@dataclass(frozen=True, slots=True)
class AuthorMatch:
    """Who one manuscript author's name matched."""

    author: ManuscriptAuthor
    people: int
    works: int
    """Works of the matched people (all years)."""
    window_works: int
    """Of those, works in the window (their co-authors are conflicts)."""


@dataclass(frozen=True, slots=True)
class Excluded:
    would_rank: int
    person: PersonSummary
    score: float
    conflicts: tuple[Conflict, ...]


@dataclass(frozen=True, slots=True)
class ReviewerResults:
    title: str | None
    authors: tuple[AuthorMatch, ...]
    years: int
    as_of: int
    first_year: int
    mode: str
    notice: str | None
    matched_works: int
    conflicted_people: int
    """People with a conflict anywhere in the corpus (authors, co-authors in the window);
    affiliations are checked for ranked people only."""
    total: int
    page: int
    per_page: int
    pages: int
    reviewers: tuple[Expert, ...]
    excluded: tuple[Excluded, ...]
    """The ranked people left out, with their rank in the expert ranking."""
    how: str = field(default=HOW)


# --- checking the manuscript ----------------------------------------------------------------


def check_manuscript(manuscript: Manuscript) -> Manuscript:
    """The manuscript with its text stripped; QueryError naming the field that is wrong."""
    abstract = check_text(manuscript.abstract)
    if not manuscript.authors:
        raise QueryError("the author list is empty: give at least one author's name")
    if len(manuscript.authors) > MAX_AUTHORS:
        raise QueryError(
            f"too many authors ({len(manuscript.authors)}; the limit is {MAX_AUTHORS})"
        )
    authors = tuple(_check_author(n, a) for n, a in enumerate(manuscript.authors, 1))
    title = (manuscript.title or "").strip() or None
    if title and len(title) > MAX_TITLE_CHARS:
        raise QueryError(f"the title is too long (limit {MAX_TITLE_CHARS} characters)")
    return Manuscript(abstract, authors, title)


def _check_author(number: int, author: ManuscriptAuthor) -> ManuscriptAuthor:
    name = author.name.strip()
    affiliation = (author.affiliation or "").strip() or None
    for what, text in (("name", name), ("affiliation", affiliation or "")):
        if len(text) > MAX_AUTHOR_CHARS:
            raise QueryError(
                f"author {number}: the {what} is too long (limit {MAX_AUTHOR_CHARS} characters)"
            )
        if "\x00" in text:
            raise QueryError(f"author {number}: the {what} contains a NUL character")
    if not name_key(name):
        raise QueryError(f"author {number}: {name[:60]!r} is not a name (use letters)")
    return ManuscriptAuthor(name, affiliation)


def check_window(years: int, as_of: int) -> None:
    if not 0 <= years <= MAX_YEARS:
        raise QueryError(f"years must be between 0 and {MAX_YEARS} (got {years})")
    if not 1900 <= as_of <= 2100:
        raise QueryError(f"as_of must be a year between 1900 and 2100 (got {as_of})")


# --- conflicts ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Conflicts:
    """Conflicts found so far, by person key."""

    by_person: dict[str, list[Conflict]] = field(default_factory=dict)

    def add(self, ref: PersonRef, conflict: Conflict) -> None:
        self.by_person.setdefault(ref.key, []).append(conflict)


def _ref(person_id: int | None, key: str) -> PersonRef:
    return PersonRef(person_id, "" if person_id is not None else key)


def _year_of(year: int | None, published: object) -> int | None:
    return year or getattr(published, "year", None)


def _works_in_window(
    connection: Connection, ids: Sequence[int], first: int, last: int
) -> dict[int, tuple[str, int]]:
    """(title, year) of the works among `ids` dated `first`..`last`."""
    query = select(works.c.id, works.c.title, works.c.year, works.c.published).where(
        in_list(works.c.id, ids)
    )
    found = {}
    for work_id, title, year, published in connection.execute(query):
        known = _year_of(year, published)
        if known is not None and first <= known <= last:
            found[work_id] = (title, known)
    return found


def author_refs(connection: Connection, name: str) -> list[tuple[PersonRef, list[int]]]:
    """The people an author's name may be, with their works (at most `PEOPLE_PER_NAME`, the
    most prolific first): those `lookup_refs` finds (the name, with extra middle names or
    only the first initial), and for a name printed with an initial (`B. Jones`) everyone of
    that surname whose first name starts with it (`Bob Jones`)."""
    found = {ref.key: (ref, ids) for ref, ids in lookup_refs(connection, name)}
    tokens = name_key(name).split()
    if len(tokens) >= 2 and len(tokens[0]) == 1:
        initial, last = tokens[0], tokens[-1]
        # Folded keys hold only [0-9a-z ], so no LIKE wildcard can occur in them; the range
        # on the key's first letter uses its index.
        query = (
            select(authorships.c.name_key)
            .where(
                authorships.c.name_key >= initial,
                authorships.c.name_key < chr(ord(initial) + 1),
                authorships.c.name_key.like(f"{initial}% {last}"),
            )
            .distinct()
            .limit(PEOPLE_PER_NAME)
        )
        for key in connection.execute(query).scalars():
            for ref, ids in lookup_refs(connection, key):
                found.setdefault(ref.key, (ref, ids))
    ranked = sorted(found.values(), key=lambda item: (-len(item[1]), item[0].key))
    return ranked[:PEOPLE_PER_NAME]


def _author_people(
    connection: Connection, author: ManuscriptAuthor, conflicts: _Conflicts
) -> list[tuple[PersonRef, list[int]]]:
    """The people printing the author's name (or a variant), each an `author` conflict."""
    matched = author_refs(connection, author.name)
    for ref, ids in matched:
        conflicts.add(
            ref,
            Conflict(
                "author",
                f"prints the name of manuscript author {author.name!r} "
                f"({len(ids)} work{'s' if len(ids) != 1 else ''} here)",
                author.name,
            ),
        )
    return matched


def _coauthors(
    connection: Connection,
    author: ManuscriptAuthor,
    own: set[str],
    window: dict[int, tuple[str, int]],
    conflicts: _Conflicts,
) -> None:
    """Everyone else on the author's works in the window, with the newest shared work."""
    query = select(authorships.c.work_id, authorships.c.person_id, authorships.c.name_key).where(
        in_list(authorships.c.work_id, list(window))
    )
    newest: dict[str, tuple[int, int, PersonRef]] = {}
    for work_id, person_id, key in connection.execute(query):
        ref = _ref(person_id, key)
        if ref.key in own:
            continue
        year = window[work_id][1]
        if ref.key not in newest or (year, work_id) > newest[ref.key][:2]:
            newest[ref.key] = (year, work_id, ref)
    for year, work_id, ref in newest.values():
        title = window[work_id][0]
        conflicts.add(
            ref,
            Conflict(
                "co-author",
                f"co-authored {title!r} ({year}) with {author.name}",
                author.name,
                work_id=work_id,
                work_title=title,
                year=year,
            ),
        )


@dataclass(frozen=True, slots=True)
class _Affiliation:
    text: str
    author: str
    work_id: int | None
    work_title: str | None
    year: int | None


def _normal(affiliation: str) -> str:
    return " ".join(fold(affiliation).split())


def _manuscript_affiliations(
    connection: Connection,
    author: ManuscriptAuthor,
    refs: Sequence[PersonRef],
    window: dict[int, tuple[str, int]],
) -> dict[str, _Affiliation]:
    """The author's affiliations: the one given, and those printed in the window."""
    known: dict[str, _Affiliation] = {}
    if author.affiliation and _normal(author.affiliation):
        known[_normal(author.affiliation)] = _Affiliation(
            author.affiliation, author.name, None, None, None
        )
    if not window:
        return known
    query = select(
        authorships.c.work_id,
        authorships.c.affiliation,
        authorships.c.person_id,
        authorships.c.name_key,
    ).where(in_list(authorships.c.work_id, list(window)), authorships.c.affiliation.is_not(None))
    keys = {ref.key for ref in refs}
    for work_id, affiliation, person_id, key in connection.execute(query):
        if _ref(person_id, key).key not in keys or not _normal(affiliation):
            continue
        title, year = window[work_id]
        known.setdefault(
            _normal(affiliation), _Affiliation(affiliation, author.name, work_id, title, year)
        )
    return known


def _shared_affiliations(
    connection: Connection,
    ranked: Sequence[RankedPerson],
    known: dict[str, _Affiliation],
    first: int,
    last: int,
    conflicts: _Conflicts,
) -> None:
    """Ranked people who printed one of the manuscript's affiliations in the window."""
    if not known or not ranked:
        return
    resolved = [p.ref.person_id for p in ranked if p.ref.person_id is not None]
    provisional = [p.ref.name_key for p in ranked if p.ref.person_id is None]
    year = func.coalesce(works.c.year, func.extract("year", works.c.published))
    query = (
        select(
            authorships.c.person_id,
            authorships.c.name_key,
            authorships.c.affiliation,
            works.c.id,
            works.c.title,
            year,
        )
        .join(works, works.c.id == authorships.c.work_id)
        .where(
            or_(
                in_list(authorships.c.person_id, resolved),
                and_(
                    authorships.c.person_id.is_(None),
                    in_list(authorships.c.name_key, provisional),
                ),
            ),
            authorships.c.affiliation.is_not(None),
            year.between(first, last),
        )
        .order_by(year.desc(), works.c.id)
    )
    seen: set[tuple[str, str]] = set()
    for person_id, key, affiliation, work_id, title, printed_year in connection.execute(query):
        shared = known.get(_normal(affiliation))
        ref = _ref(person_id, key)
        if shared is None or (ref.key, _normal(affiliation)) in seen:
            continue
        seen.add((ref.key, _normal(affiliation)))
        origin = (
            f"given for {shared.author}"
            if shared.work_id is None
            else f"printed by {shared.author} on {shared.work_title!r} ({shared.year})"
        )
        conflicts.add(
            ref,
            Conflict(
                "affiliation",
                f"printed the affiliation {affiliation!r} on {title!r} ({int(printed_year)}), "
                f"{origin}",
                shared.author,
                work_id=work_id,
                work_title=title,
                year=int(printed_year),
                affiliation=affiliation,
            ),
        )


def find_conflicts(
    connection: Connection,
    manuscript: Manuscript,
    ranked: Sequence[RankedPerson],
    years: int,
    as_of: int,
) -> tuple[dict[str, list[Conflict]], tuple[AuthorMatch, ...]]:
    """Every conflict of interest by person key, and what each author's name matched."""
    first = as_of - years
    conflicts = _Conflicts()
    people = [_author_people(connection, author, conflicts) for author in manuscript.authors]
    # Authors are conflicts already: their co-authorships with one another and their own
    # affiliations add nothing.
    authors = {ref.key for found in people for ref, _ in found}
    matches = []
    known: dict[str, _Affiliation] = {}
    for author, found in zip(manuscript.authors, people, strict=True):
        ids = sorted({work_id for _, listed in found for work_id in listed})
        window = _works_in_window(connection, ids, first, as_of)
        _coauthors(connection, author, authors, window, conflicts)
        for normal, affiliation in _manuscript_affiliations(
            connection, author, [ref for ref, _ in found], window
        ).items():
            known.setdefault(normal, affiliation)
        matches.append(AuthorMatch(author, len(found), len(ids), len(window)))
    others = [person for person in ranked if person.key not in authors]
    _shared_affiliations(connection, others, known, first, as_of, conflicts)
    return conflicts.by_person, tuple(matches)


# --- the page -------------------------------------------------------------------------------


def _excluded(
    connection: Connection,
    ranked: Sequence[RankedPerson],
    conflicts: dict[str, list[Conflict]],
) -> tuple[Excluded, ...]:
    order = {"author": 0, "co-author": 1, "affiliation": 2}
    return tuple(
        Excluded(
            would_rank=rank,
            person=person_summary(connection, person.ref),
            score=person.score,
            conflicts=tuple(sorted(conflicts[person.key], key=lambda c: order[c.reason])),
        )
        for rank, person in enumerate(ranked, 1)
        if person.key in conflicts
    )


def suggest_reviewers(
    store: Store,
    settings: Settings,
    manuscript: Manuscript,
    years: int = DEFAULT_YEARS,
    as_of: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ReviewerResults:
    """Reviewers for a manuscript: the expert ranking of its abstract without conflicts."""
    manuscript = check_manuscript(manuscript)
    as_of = as_of if as_of is not None else datetime.now(UTC).year
    check_window(years, as_of)
    check_paging(page, per_page)
    found, ranked = rank_experts(store, settings, manuscript.abstract)
    ranked = ranked[:MAX_PEOPLE]
    with store.connect() as connection:
        conflicts, matches = find_conflicts(connection, manuscript, ranked, years, as_of)
        free = [person for person in ranked if person.key not in conflicts]
        start = (page - 1) * per_page
        reviewers = describe(connection, free[start : start + per_page], start + 1)
        excluded = _excluded(connection, ranked, conflicts)
    return ReviewerResults(
        title=manuscript.title,
        authors=matches,
        years=years,
        as_of=as_of,
        first_year=as_of - years,
        mode=found.mode,
        notice=found.notice,
        matched_works=len(found.works),
        conflicted_people=len(conflicts),
        total=len(free),
        page=page,
        per_page=per_page,
        pages=pages_of(len(free), per_page),
        reviewers=tuple(reviewers),
        excluded=excluded,
    )


def parse_author_lines(lines: Iterable[str]) -> tuple[ManuscriptAuthor, ...]:
    """Authors written one per line as `Name` or `Name | Affiliation` (blank lines skipped),
    the form the web page and the CLI's text file use."""
    authors = []
    for line in lines:
        name, _, affiliation = line.partition("|")
        if name.strip() or affiliation.strip():
            authors.append(ManuscriptAuthor(name.strip(), affiliation.strip() or None))
    return tuple(authors)
