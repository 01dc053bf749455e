"""The author page's data: the metrics domain's profile of one person, the header metrics
with their explanations, and the other people who share the name (namesakes)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.profile import (
    PersonProfile,
    PersonSummary,
    lookup_people,
    person_profile,
)
from paperscope.names import name_key
from paperscope.read.people import (
    CountedPerson,
    lookup_counted,
    parse_person_key,
    people_counted_as,
    person_summaries,
    works_of,
)
from paperscope.read.works import WorkSummary

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

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.profile.entries) // PER_PAGE))

    @property
    def shown(self) -> tuple[WorkSummary, ...]:
        start = (self.page - 1) * PER_PAGE
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
    connection: Connection, profile: PersonProfile
) -> tuple[tuple[PersonSummary, ...], int]:
    """The other people (resolved, or the provisional rest) printed under this name, most
    works first: the first NAMESAKES_SHOWN summarised, and how many more there are."""
    key = name_key(profile.person.name)
    if not key:
        return (), 0
    own = profile.person.person_key
    others = [each for each in people_counted_as(connection, [key]) if each.ref.key != own]
    return _shown(connection, others)


def _shown(
    connection: Connection, listed: list[CountedPerson]
) -> tuple[tuple[PersonSummary, ...], int]:
    shown = [each.to_summarise for each in listed[:NAMESAKES_SHOWN]]
    return tuple(person_summaries(connection, shown)), len(listed) - len(shown)


def author_page(
    connection: Connection,
    *,
    person_id: int | None = None,
    name: str | None = None,
    key: str | None = None,
    sort: str = "date",
    page: int = 1,
) -> AuthorPage:
    """By person id, by person key (`name:<key>`), or by printed name (the person with the
    most works under it; the others are listed as namesakes)."""
    if person_id is not None or key:
        profile = person_profile(
            connection, person_id if person_id is not None else key or "", sort
        )
        namesakes, more = _namesakes(connection, profile)
    elif name:
        if parse_person_key(name) is not None:
            found = lookup_people(connection, name)
            if not found:
                raise NotFoundError(f"no papers by {name[:100]!r}")
            profile = person_profile(connection, found[0], sort)
            namesakes = tuple(found[1 : 1 + NAMESAKES_SHOWN])
            more = len(found) - 1 - len(namesakes)
        else:
            # The top person's summary comes with its profile (one pass over its works);
            # only the namesakes need a summary of their own.
            people = lookup_counted(connection, name)
            if not people:
                raise NotFoundError(f"no papers by {name[:100]!r}")
            top = people[0]
            ref, ids = (
                top.to_summarise if top.ids is not None else works_of(connection, [top.ref])[0]
            )
            profile = person_profile(connection, ref.key, sort, work_ids=ids)
            namesakes, more = _shown(connection, people[1:])
    else:
        raise NotFoundError("name an author: /author/<id> or /author?name=...")
    result = AuthorPage(profile, _metrics(profile), namesakes, sort, page, more)
    if page > result.pages:
        raise QueryError(f"page must be between 1 and {result.pages}, not {page}")
    return result
