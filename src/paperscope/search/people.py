"""People search by name: everyone who prints a name, namesakes told apart.

A full name finds the people printing it or a variant of it (extra middle names, the first
name's initial: `read.people.lookup_counted`); a single word finds the people whose printed
name is that word or ends with it (a surname). A person id or key (`123`, `person:123`,
`name:<key>`) finds that person. Each person is a `PersonSummary`: years active, top
categories and co-authors, which is what tells two people of one name apart. People with
more works come first.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Select, func, or_, select

from paperscope.errors import QueryError
from paperscope.names import name_key
from paperscope.read.people import lookup_counted, lookup_people, person_summaries
from paperscope.read.person_records import PersonRef, PersonSummary, parse_person_key
from paperscope.store.schema import authorships

MAX_NAME_CHARS = 200
MAX_PER_PAGE = 50
MAX_PEOPLE = 500
"""People a surname search keeps (those with the most works)."""

HOW = (
    "People are who `paperscope resolve` decided printed each name (authors it has not "
    "reached yet are grouped by their printed name and marked not yet resolved). A full name "
    "also finds its variants with extra middle names or only the first initial; a single "
    "word finds names ending with it. Namesakes are listed apart, with the years, categories "
    "and co-authors of their own works; people with more works come first."
)


@dataclass(frozen=True, slots=True)
class PeopleResults:
    query: str
    total: int
    page: int
    per_page: int
    pages: int
    people: tuple[PersonSummary, ...]
    how: str = HOW


def check_name(text: str | None) -> str:
    name = (text or "").strip()
    if not name:
        raise QueryError("the name is empty: type a name such as Ada Lovelace, or a surname")
    if len(name) > MAX_NAME_CHARS:
        raise QueryError(
            f"the name is too long ({len(name)} characters; the limit is {MAX_NAME_CHARS})"
        )
    if "\x00" in name:
        raise QueryError("the name contains a NUL character")
    return name


def surname_query(dialect: str, word: str) -> Select[int | None, str, int]:
    """Works per (person, name key) of the names that are `word` or end with it; on
    PostgreSQL the name keys come reversed (`surname_refs` turns them back)."""
    works = func.count(func.distinct(authorships.c.work_id))
    # Folded keys hold no LIKE wildcard.
    if dialect != "postgresql":
        return (
            select(authorships.c.person_id, authorships.c.name_key, works.label("works"))
            .where(or_(authorships.c.name_key == word, authorships.c.name_key.like(f"% {word}")))
            .group_by(authorships.c.person_id, authorships.c.name_key)
        )
    # Read from the reversed keys' index alone, in its order (migration
    # 0023_name_key_covering_index): the range lets the planner see that one index scan
    # serves both tests, and grouping in the index's order needs no sort ("wang" ends
    # 254,688 authorships at a million works: 85 ms, against 0.4-1.4 s through the table).
    backwards = word[::-1]
    reversed_key = func.reverse(authorships.c.name_key)
    return (
        select(authorships.c.person_id, reversed_key, works.label("works"))
        .where(
            reversed_key >= backwards,
            reversed_key < f"{backwards}!",  # "!" sorts after the space, before letters
            or_(reversed_key == backwards, reversed_key.like(f"{backwards} %")),
        )
        .group_by(reversed_key, authorships.c.person_id)
    )


def surname_refs(connection: Connection, word: str) -> list[PersonRef]:
    """People whose printed name is `word` or ends with it, most works first (at most
    `MAX_PEOPLE`). On PostgreSQL the reversed name keys' index finds the names (migrations
    0020_surname_index and 0023_name_key_covering_index); SQLite reads every name key once
    from the name keys' index (a suffix cannot use an index's order)."""
    dialect = connection.dialect.name
    counts: dict[str, tuple[PersonRef, int]] = {}
    for person_id, key, count in connection.execute(surname_query(dialect, word)):
        printed = key[::-1] if dialect == "postgresql" else key
        ref = PersonRef(person_id, "" if person_id is not None else printed)
        previous = counts.get(ref.key, (ref, 0))[1]
        counts[ref.key] = (ref, previous + int(count))  # a person printing several variants
    ranked = sorted(counts.values(), key=lambda item: (-item[1], item[0].key))
    return [ref for ref, _ in ranked[:MAX_PEOPLE]]


def _refs(connection: Connection, name: str) -> list[tuple[PersonRef, list[int] | None]]:
    key = name_key(name)
    if not key:
        raise QueryError(f"{name[:60]!r} is not a name: use letters")
    if " " in key:
        # Counted, not listed: only a provisional person's works are read (a summary needs
        # them); a common name's hundreds of resolved people are counted in the database.
        return [each.to_summarise for each in lookup_counted(connection, name)[:MAX_PEOPLE]]
    return [(ref, None) for ref in surname_refs(connection, key)]


def find_people(
    connection: Connection, text: str, page: int = 1, per_page: int = 20
) -> PeopleResults:
    """The people a name (or person id/key) names, one page of summaries."""
    name = check_name(text)
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE} (got {per_page})")
    if page < 1:
        raise QueryError(f"page must be 1 or more (got {page})")
    if parse_person_key(name) is not None:
        found = lookup_people(connection, name)
        return PeopleResults(name, len(found), 1, per_page, 1 if found else 0, tuple(found))
    refs = _refs(connection, name)
    pages = max(1, -(-len(refs) // per_page)) if refs else 0
    if refs and page > pages:
        raise QueryError(f"page {page} is out of range: there are {pages} pages")
    start = (page - 1) * per_page
    shown = tuple(person_summaries(connection, refs[start : start + per_page]))
    return PeopleResults(name, len(refs), page, per_page, pages, shown)
