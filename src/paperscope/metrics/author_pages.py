"""The author page's data: the metrics domain's profile of one person, the header metrics
with their explanations, and the other people who share the name (namesakes).

The web page, its JSON, its feeds and the CLI compute it from the person's works
(`author_page`). A prolific person's page reads thousands of works, so `paperscope pages`
stores it (metrics/page_snapshots.py), and the HTML page, which shows one page of the
works, is read from that snapshot while nothing it depends on has changed
(`stored_author_page`): the same data, from one row and the works it shows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import cache

import numpy as np
from pydantic import TypeAdapter
from sqlalchemy import Connection, select

from paperscope.definitions import EXPLANATIONS, VERSION
from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.profile import (
    SORTS,
    PersonProfile,
    PersonSummary,
    ai_score_on,
    lookup_people,
    person_profile,
)
from paperscope.names import name_key
from paperscope.read.namesake_memo import NamesakeMemo
from paperscope.read.people import (
    CountedPerson,
    lookup_counted,
    people_counted_as,
    person_summaries,
    works_of,
)
from paperscope.read.person_records import parse_person_key
from paperscope.read.works import WorkSummary, load_works
from paperscope.store.changes import is_current
from paperscope.store.metrics_schema import author_page_snapshots

PER_PAGE = 50
NAMESAKES_SHOWN = 20
"""Namesakes summarised on an author page (most works first); the rest are counted and
linked to the people search. A common name is printed by hundreds of resolved people at a
million works, and summarising all of them reads all their works."""

_HEADER = (
    ("h_index", "h-index", "h-index"),
    ("papers", "papers", "papers"),
    ("citations", "citations", "citations"),
    ("i10_index", "i10-index", "i10-index"),
    ("g_index", "g-index", "g-index"),
    ("novelty_pct", "Novelty", "Novelty %"),
    ("ai_score", "AI Score", "AI Score"),
)


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    value: float | int | None
    explanation: str


@dataclass(frozen=True, slots=True)
class AuthorPage:
    profile: PersonProfile
    metrics: tuple[Metric, ...]
    namesakes: tuple[PersonSummary, ...]
    sort: str
    page: int = 1
    """The page of the paper list the HTML shows (PER_PAGE papers; the JSON has them all)."""
    more_namesakes: int = 0
    """Namesakes not summarised here (beyond NAMESAKES_SHOWN): the people search lists them."""
    first_entry: int = 0
    """Where `profile.entries` begins in the sorted list of the person's works: 0 when it
    holds all of them; a page read from its snapshot holds only the works it shows."""
    stored_on: date | None = None
    """The day `paperscope pages` stored this page (None: computed for this request)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.profile.header.papers // PER_PAGE))

    @property
    def shown(self) -> tuple[WorkSummary, ...]:
        start = (self.page - 1) * PER_PAGE - self.first_entry
        return self.profile.entries[start : start + PER_PAGE]


def _metrics(profile: PersonProfile) -> tuple[Metric, ...]:
    header = profile.header
    metrics = []
    for attribute, label, explained in _HEADER:
        value = getattr(header, attribute)
        if isinstance(value, float):
            value = round(value, 1)
        missing = " Not computed yet: run `paperscope score`." if value is None else ""
        metrics.append(
            Metric(attribute, label, value, profile.explanations.get(explained, "") + missing)
        )
    return tuple(metrics)


def _namesakes(
    connection: Connection, profile: PersonProfile, memo: NamesakeMemo | None
) -> tuple[tuple[PersonSummary, ...], int]:
    """The other people (resolved, or the provisional rest) printed under this name, most
    works first: the first NAMESAKES_SHOWN summarised, and how many more there are."""
    key = name_key(profile.person.name)
    if not key:
        return (), 0
    own = profile.person.person_key
    counted = people_counted_as(connection, [key], memo)
    return _shown(connection, [each for each in counted if each.ref.key != own], memo)


def _shown(
    connection: Connection, listed: list[CountedPerson], memo: NamesakeMemo | None
) -> tuple[tuple[PersonSummary, ...], int]:
    shown = [each.to_summarise for each in listed[:NAMESAKES_SHOWN]]
    return tuple(person_summaries(connection, shown, memo)), len(listed) - len(shown)


def page_key(
    person_id: int | None = None, name: str | None = None, key: str | None = None
) -> str | None:
    """The key a page is stored under: `person:<id>` or `name:<key>` for a person's page,
    `printed:<name key>` for a printed name's; None for a page that is never stored (a
    person key given as the name)."""
    if person_id is not None:
        return f"person:{person_id}"
    if key:
        ref = parse_person_key(key)
        return ref.key if ref is not None else None
    if name and parse_person_key(name) is None:
        folded = name_key(name)
        return f"printed:{folded}" if folded else None
    return None


def author_page(
    connection: Connection,
    *,
    person_id: int | None = None,
    name: str | None = None,
    key: str | None = None,
    sort: str = "date",
    page: int = 1,
    complete: bool = True,
    today: date | None = None,
    memo: NamesakeMemo | None = None,
) -> AuthorPage:
    """By person id, by person key (`name:<key>`), or by printed name (the person with the
    most works under it; the others are listed as namesakes).

    `complete=False`: the page may hold only the works it shows, read from the page's
    snapshot when one holds (`stored_author_page`); the HTML page asks for that. `memo`:
    namesakes already summarised for other pages of the same data (`NamesakeMemo`)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    today = today or date.today()
    stored_as = None if complete else page_key(person_id, name, key)
    stored = None
    if stored_as is not None:
        stored = stored_author_page(connection, stored_as, sort, page, today)
    if stored is not None:
        result = stored
    elif person_id is not None or key:
        profile = person_profile(
            connection, person_id if person_id is not None else key or "", sort, today=today
        )
        result = person_page(connection, profile, sort, page, memo)
    elif name:
        result = _name_page(connection, name, sort, page, today, memo)
    else:
        raise NotFoundError("name an author: /author/<id> or /author?name=...")
    if page > result.pages:
        raise QueryError(f"page must be between 1 and {result.pages}, not {page}")
    return result


def person_page(
    connection: Connection,
    profile: PersonProfile,
    sort: str = "date",
    page: int = 1,
    memo: NamesakeMemo | None = None,
) -> AuthorPage:
    """A person's page from their profile: its metrics and the person's namesakes."""
    namesakes, more = _namesakes(connection, profile, memo)
    return AuthorPage(profile, _metrics(profile), namesakes, sort, page, more)


def _name_page(
    connection: Connection,
    name: str,
    sort: str,
    page: int,
    today: date,
    memo: NamesakeMemo | None,
) -> AuthorPage:
    if parse_person_key(name) is not None:
        found = lookup_people(connection, name)
        if not found:
            raise NotFoundError(f"no papers by {name[:100]!r}")
        profile = person_profile(connection, found[0], sort, today=today)
        namesakes = tuple(found[1 : 1 + NAMESAKES_SHOWN])
        return AuthorPage(
            profile, _metrics(profile), namesakes, sort, page, len(found) - 1 - len(namesakes)
        )
    # The top person's summary comes with its profile (one pass over its works); only the
    # namesakes need a summary of their own.
    people = lookup_counted(connection, name, memo)
    if not people:
        raise NotFoundError(f"no papers by {name[:100]!r}")
    top = people[0]
    ref, ids = top.to_summarise if top.ids is not None else works_of(connection, [top.ref])[0]
    profile = person_profile(connection, ref.key, sort, work_ids=ids, today=today)
    namesakes, more = _shown(connection, people[1:], memo)
    return AuthorPage(profile, _metrics(profile), namesakes, sort, page, more)


@dataclass(frozen=True, slots=True)
class PageSnapshot:
    """What is stored of an author page: everything but its works (their ids are stored
    in each sort order beside it) and the metrics (drawn from the header when shown)."""

    profile: PersonProfile
    namesakes: tuple[PersonSummary, ...]
    more_namesakes: int


@cache
def snapshot_json() -> TypeAdapter[PageSnapshot]:
    """The JSON form of a stored page (built on first use, not at import)."""
    return TypeAdapter(PageSnapshot)


def stored_author_page(
    connection: Connection, key: str, sort: str, page: int, today: date
) -> AuthorPage | None:
    """The page stored under `key` with the works of its `page` in `sort` order (none past
    the last page), when a snapshot holds: stamped with the content version, nothing that
    an author page reads changed since (no newer `content_changes` row), the same
    definitions, stored no later than `today`. None otherwise. The header's AI score is
    recomputed for `today` (`profile.ai_score_on`): works stop being recent as days pass."""
    order = {
        "date": author_page_snapshots.c.by_date,
        "score": author_page_snapshots.c.by_score,
        "citations": author_page_snapshots.c.by_citations,
    }[sort]
    snapshots = author_page_snapshots.c
    row = connection.execute(
        select(snapshots.body, order, snapshots.ai_score_inputs, snapshots.computed_on).where(
            snapshots.page_key == key,
            is_current(snapshots.content_version),
            snapshots.definition_version == VERSION,
            snapshots.computed_on <= today,
        )
    ).first()
    if row is None:
        return None
    body = snapshot_json().validate_json(row[0])
    ids = np.frombuffer(row[1], dtype="<i8")
    first = (page - 1) * PER_PAGE
    shown = load_works(
        connection, ids[first : first + PER_PAGE].tolist(), authors_limit=None, today=today
    )
    header = replace(body.profile.header, ai_score=ai_score_on(row[2], today))
    profile = replace(
        body.profile, header=header, entries=tuple(shown), today=today, explanations=EXPLANATIONS
    )
    return AuthorPage(
        profile, _metrics(profile), body.namesakes, sort, page, body.more_namesakes, first, row[3]
    )
