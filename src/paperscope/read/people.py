"""Who a profile is about: resolved people, and provisional people before `resolve` runs.

A person is either resolved (`authorships.person_id`, set by the identity stage) or
provisional: the authorships no person claims that share one normalised name
(`authorships.name_key`), together with the works a source's author profile lists under that
name (a profile page hides its owner behind `et al.` on some entries). Provisional people
are keyed `name:<name key>` and have no person id; resolved ones are keyed `person:<id>`.
Only resolved people carry what `resolve` stored about them: a confidence and a note.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Select, func, or_, select

from paperscope.definitions import VERSION
from paperscope.errors import QueryError
from paperscope.names import name_key
from paperscope.read.namesake_memo import NamesakeMemo
from paperscope.read.people_aggregates import (
    PersonCounts,
    paper_counts,
    person_counts,
    provisional_counts,
)
from paperscope.read.person_records import CoAuthor, PersonRef, PersonSummary, parse_person_key
from paperscope.store.changes import is_current
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import author_page_snapshots
from paperscope.store.schema import (
    authorships,
    people,
    source_author_works,
    source_authors,
    works,
)

TOP = 3


def person_work_ids(connection: Connection, ref: PersonRef) -> list[int]:
    """The works a person's profile lists."""
    if ref.person_id is not None:
        query = select(authorships.c.work_id).where(authorships.c.person_id == ref.person_id)
        return sorted(set(connection.execute(query).scalars()))
    printed = select(authorships.c.work_id).where(
        authorships.c.name_key == ref.name_key, authorships.c.person_id.is_(None)
    )
    found = set(connection.execute(printed).scalars())
    listed = _source_listed_works(connection, ref.name_key)
    if listed:
        claimed = select(authorships.c.work_id).where(
            authorships.c.name_key == ref.name_key, authorships.c.person_id.is_not(None)
        )
        found |= listed - set(connection.execute(claimed).scalars())
    return sorted(found)


def _source_listed_works(connection: Connection, key: str) -> set[int]:
    """Works that source author profiles named `key` list (by name: they print no ids)."""
    ids = _source_profiles_named(connection, [key]).get(key)
    if not ids:
        return set()
    query = select(source_author_works.c.work_id).where(
        in_list(source_author_works.c.source_author_id, ids)
    )
    return set(connection.execute(query).scalars())


def _source_profiles_named(connection: Connection, keys: Sequence[str]) -> dict[str, list[int]]:
    """The ids of the source author profiles whose name folds to each of `keys` (those with
    none left out): candidates by the name's last word, then compared folded."""
    last_words = sorted({key.split()[-1] for key in keys if key.split()})
    if not last_words:
        return {}
    named = func.lower(source_authors.c.name)
    candidates = connection.execute(
        select(source_authors.c.id, source_authors.c.name).where(
            or_(*(named.contains(word, autoescape=True) for word in last_words))
        )
    )
    wanted, found = set(keys), defaultdict[str, list[int]](list)
    for source_id, name in candidates:
        if (key := name_key(name)) in wanted:
            found[key].append(source_id)
    return dict(found)


def lookup_people(connection: Connection, query: str) -> list[PersonSummary]:
    """People a query names: a person id (`123`), a key, or a printed name (folded)."""
    ref = parse_person_key(query)
    if ref is not None:
        if ref.person_id is not None:
            exists = connection.execute(select(people.c.id).where(people.c.id == ref.person_id))
            if exists.first() is None:
                return []
        summary = person_summary(connection, ref)
        return [summary] if summary.papers else []
    counted = lookup_counted(connection, query)
    return person_summaries(connection, [each.to_summarise for each in counted])


def lookup_refs(connection: Connection, name: str) -> list[tuple[PersonRef, list[int]]]:
    """The people a printed name (folded) names, with their work ids, in the order
    `lookup_people` lists them (most works first): cheaper when only some need a summary."""
    return people_printed_as(connection, _name_keys(connection, name))


@dataclass(frozen=True, slots=True)
class CountedPerson:
    """A person a name lists, with how many works it has."""

    ref: PersonRef
    papers: int
    ids: list[int] | None
    """The work ids, where counting read them (provisional people); None for resolved
    people, whose works the database counted (`works_of` reads them)."""

    @property
    def to_summarise(self) -> tuple[PersonRef, list[int] | None]:
        """What `person_summaries` takes for this person."""
        return self.ref, self.ids


def lookup_counted(
    connection: Connection, name: str, memo: NamesakeMemo | None = None
) -> list[CountedPerson]:
    """`lookup_refs` with each person's number of works instead of the works: cheaper for
    a common name, whose people's works are only counted."""
    return people_counted_as(connection, _name_keys(connection, name), memo)


def _name_keys(connection: Connection, name: str) -> list[str]:
    key = name_key(name)
    if not key:
        raise QueryError(f"{name!r} is not a name or a person id")
    return name_keys_like(connection, key)


def people_printed_as(
    connection: Connection, keys: Sequence[str]
) -> list[tuple[PersonRef, list[int]]]:
    """The people printed under any of `keys` (name keys, the first the one asked for):
    the resolved people, then the provisional one of each key, with their work ids, most
    works first; people with no works left out."""
    counted = people_counted_as(connection, keys)
    found = dict(works_of(connection, [each.ref for each in counted if each.ids is None]))
    return [(each.ref, each.ids if each.ids is not None else found[each.ref]) for each in counted]


def people_counted_as(
    connection: Connection, keys: Sequence[str], memo: NamesakeMemo | None = None
) -> list[CountedPerson]:
    """`people_printed_as` with each person's number of works (counted in the database for
    the resolved people) instead of the works, in the same order."""
    if memo is not None:
        return memo.get(("counted", *keys), lambda: people_counted_as(connection, keys))
    resolved = connection.execute(
        select(authorships.c.person_id)
        .where(in_list(authorships.c.name_key, keys), authorships.c.person_id.is_not(None))
        .distinct()
    ).scalars()
    counts = paper_counts(connection, sorted(set(resolved)))
    found = [
        CountedPerson(PersonRef(person_id, keys[0]), count, None)
        for person_id, count in sorted(counts.items())
    ]
    for each in keys:
        ids = person_work_ids(connection, PersonRef(None, each))
        if ids:
            found.append(CountedPerson(PersonRef(None, each), len(ids), ids))
    return sorted(
        found, key=lambda each: (-each.papers, each.ref.provisional, each.ref.person_id or 0)
    )


def works_of(
    connection: Connection, refs: Sequence[PersonRef]
) -> list[tuple[PersonRef, list[int]]]:
    """Each person's work ids (`person_work_ids`), the resolved ones in one query: a common
    name is printed by hundreds of resolved people at a million works."""
    resolved = [ref.person_id for ref in refs if ref.person_id is not None]
    by_person: dict[int, set[int]] = {}
    if resolved:
        query = select(authorships.c.person_id, authorships.c.work_id).where(
            in_list(authorships.c.person_id, resolved)
        )
        for person_id, work_id in connection.execute(query):
            by_person.setdefault(person_id, set()).add(work_id)
    return [
        (
            ref,
            sorted(by_person.get(ref.person_id, ()))
            if ref.person_id is not None
            else person_work_ids(connection, ref),
        )
        for ref in refs
    ]


def name_keys_like(connection: Connection, key: str) -> list[str]:
    """`key` and its printed variants: extra middle names (`michael john collins` for
    `michael collins`) and the first name's initial (`a turing` for `alan turing`)."""
    tokens = key.split()
    if len(tokens) < 2:
        return [key]
    first, last = tokens[0], tokens[-1]
    # Normalised names hold only [0-9a-z ], so no LIKE wildcard can occur in them. name_key
    # is in bytewise order on both databases (migration 0006), so the prefix range of
    # `first ` uses its index.
    query = (
        select(authorships.c.name_key)
        .where(
            authorships.c.name_key >= f"{first} ",
            authorships.c.name_key < f"{first}!",
            authorships.c.name_key.like(f"{first} % {last}"),
        )
        .distinct()
    )
    variants = {each for each in connection.execute(query).scalars() if each.split()[-1] == last}
    if len(first) > 1:  # `Alan Turing` also finds `A. Turing`
        initial = " ".join([first[0], *tokens[1:]])
        printed = select(authorships.c.name_key).where(authorships.c.name_key == initial)
        variants.update(connection.execute(printed.limit(1)).scalars())
    return sorted(variants | {key}, key=lambda each: (each != key, each))


def person_summary(
    connection: Connection,
    ref: PersonRef,
    *,
    ids: Sequence[int] | None = None,
    facts: Iterable[tuple[Any, Any, Any]] | None = None,
    ranked_coauthors: Sequence[CoAuthor] | None = None,
) -> PersonSummary:
    """What tells `ref` apart from namesakes. A caller that already loaded the person's work
    ids, their (year, published, category) facts and co-authors passes them to skip queries."""
    if facts is None or ranked_coauthors is None:
        return person_summaries(connection, [(ref, ids)])[0]
    if ids is None:
        ids = person_work_ids(connection, ref)
    stored = _stored_people(connection, [ref])
    return _summary(connection, ref, ids, facts, ranked_coauthors, stored)


def person_summaries(
    connection: Connection,
    found: Sequence[tuple[PersonRef, Sequence[int] | None]],
    memo: NamesakeMemo | None = None,
) -> list[PersonSummary]:
    """The summaries of many people, in the order given: a few queries however many
    resolved people there are (a name's namesakes, a page of people found), counted in the
    database (`read.people_aggregates`; their work ids are not needed and may be None);
    provisional people are summarised from their works (their ids, read when None). A
    person whose page `paperscope pages` stored is read from it (`stored_summaries`). With
    a memo, only the people it does not hold are summarised."""
    if memo is not None:
        return _remembered_summaries(connection, found, memo)
    stored = stored_summaries(connection, [ref.key for ref, _ in found])
    missing = [(ref, ids) for ref, ids in found if ref.key not in stored]
    counted = dict(zip([ref.key for ref, _ in missing], _counted(connection, missing), strict=True))
    return [stored.get(ref.key) or counted[ref.key] for ref, _ in found]


@cache
def summary_json() -> TypeAdapter[PersonSummary]:
    """The JSON form of a stored summary (built on first use, not at import)."""
    return TypeAdapter(PersonSummary)


def stored_summaries(connection: Connection, keys: Sequence[str]) -> dict[str, PersonSummary]:
    """The summaries `paperscope pages` stored with these people's pages (by person key),
    where the page is current: nothing it read changed since (`store.changes.is_current`)
    and the definitions are the same. Counting a prolific person's co-authors reads
    thousands of authorships; this reads one row. A summary that no longer parses (stored
    by an older paperscope) is left out, to be counted."""
    if not keys:
        return {}
    snapshots = author_page_snapshots.c
    query = select(snapshots.page_key, snapshots.summary).where(
        in_list(snapshots.page_key, sorted(set(keys))),
        snapshots.summary.is_not(None),
        is_current(snapshots.content_version),
        snapshots.definition_version == VERSION,
    )
    found: dict[str, PersonSummary] = {}
    for key, text in connection.execute(query):
        try:
            found[key] = summary_json().validate_json(text)
        except ValidationError:
            continue
    return found


def _counted(
    connection: Connection, found: Sequence[tuple[PersonRef, Sequence[int] | None]]
) -> list[PersonSummary]:
    """`person_summaries` computed: counted in the database (`read.people_aggregates`), but
    for provisional people whose name a source's author profile bears, who are summarised
    from their works (`person_work_ids` adds the ones the profile lists)."""
    if not found:
        return []
    stored = _stored_people(connection, [ref for ref, _ in found])
    counted: dict[str, PersonCounts] = {
        PersonRef(person_id, "").key: counts
        for person_id, counts in person_counts(
            connection, [ref.person_id for ref, _ in found if ref.person_id is not None], TOP
        ).items()
    }
    provisional = [(ref, ids) for ref, ids in found if ref.person_id is None]
    # A source's profile may list works that hide the name behind "et al." (read by name)
    listed = _source_profiles_named(connection, [ref.name_key for ref, _ in provisional])
    unlisted = [ref.name_key for ref, _ in provisional if ref.name_key not in listed]
    counted |= {
        PersonRef(None, key).key: counts
        for key, counts in provisional_counts(connection, unlisted, TOP).items()
    }
    from_works = {
        summary.person_key: summary
        for summary in _from_works(
            connection,
            [
                (ref, ids if ids is not None else person_work_ids(connection, ref))
                for ref, ids in provisional
                if ref.name_key in listed
            ],
        )
    }
    summaries = []
    for ref, _ in found:
        if ref.key in from_works:
            summaries.append(from_works[ref.key])
            continue
        counts = counted.get(ref.key, _NO_WORKS)
        stored_person = _NO_ROW if ref.person_id is None else stored.get(ref.person_id, _NO_ROW)
        summaries.append(
            PersonSummary(
                person_id=ref.person_id,
                person_key=ref.key,
                name=stored_person.name or _printed_name(connection, ref),
                provisional=ref.provisional,
                papers=counts.papers,
                first_year=counts.first_year,
                last_year=counts.last_year,
                top_categories=counts.top_categories,
                top_coauthors=tuple(CoAuthor(*each) for each in counts.top_coauthors),
                confidence=stored_person.confidence,
                note=stored_person.note,
            )
        )
    return summaries


def _remembered_summaries(
    connection: Connection,
    found: Sequence[tuple[PersonRef, Sequence[int] | None]],
    memo: NamesakeMemo,
) -> list[PersonSummary]:
    held: dict[PersonRef, PersonSummary] = {}
    for ref, _ in found:
        summary = memo.held(("summary", ref))
        if isinstance(summary, PersonSummary):
            held[ref] = summary
    missing = [(ref, ids) for ref, ids in found if ref not in held]
    for (ref, _), summary in zip(missing, person_summaries(connection, missing), strict=True):
        held[ref] = summary
        memo.remember(("summary", ref), summary)
    return [held[ref] for ref, _ in found]


_NO_WORKS = PersonCounts(0, None, None, (), ())


def _from_works(
    connection: Connection, found: Sequence[tuple[PersonRef, Sequence[int]]]
) -> list[PersonSummary]:
    """Summaries read from every work and authorship of the people (provisional people,
    whose works are found by name, not by a person id the database could group by)."""
    if not found:
        return []
    wanted = sorted({work_id for _, ids in found for work_id in ids})
    facts: dict[int, tuple[Any, Any, Any]] = {}
    query = select(works.c.id, works.c.year, works.c.published, works.c.primary_category)
    for work_id, year, published, category in connection.execute(
        query.where(in_list(works.c.id, wanted))
    ):
        facts[work_id] = (year, published, category)
    rows_by_work: dict[int, list[tuple[int, str, str, int | None]]] = {}
    for row in connection.execute(_coauthor_rows(wanted)):
        rows_by_work.setdefault(row[0], []).append((row[0], row[1], row[2], row[3]))
    summaries = []
    for ref, ids in found:
        ordered = sorted(set(ids))
        ranked = rank_coauthors(ref, (row for w in ordered for row in rows_by_work.get(w, ())))
        own_facts = [facts[w] for w in ordered if w in facts]
        summaries.append(_summary(connection, ref, ids, own_facts, ranked, {}))
    return summaries


def _summary(
    connection: Connection,
    ref: PersonRef,
    ids: Sequence[int],
    facts: Iterable[tuple[Any, Any, Any]],
    ranked_coauthors: Sequence[CoAuthor],
    stored_people: dict[int, _StoredPerson],
) -> PersonSummary:
    years: list[int] = []
    categories: Counter[str] = Counter()
    for year, published, category in facts:
        known = year or (published.year if published else None)
        if known is not None:
            years.append(int(known))
        if category:
            categories[str(category)] += 1
    stored = _NO_ROW if ref.person_id is None else stored_people.get(ref.person_id, _NO_ROW)
    return PersonSummary(
        person_id=ref.person_id,
        person_key=ref.key,
        name=stored.name or _printed_name(connection, ref),
        provisional=ref.provisional,
        papers=len(ids),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
        top_categories=tuple(name for name, _ in _ranked(categories)[:TOP]),
        top_coauthors=tuple(ranked_coauthors[:TOP]),
        confidence=stored.confidence,
        note=stored.note,
    )


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


@dataclass(frozen=True, slots=True)
class _StoredPerson:
    """What `resolve` (or a manual merge or split) stored on the `people` row."""

    name: str | None
    confidence: float | None
    note: str | None


_NO_ROW = _StoredPerson(None, None, None)


def _stored_people(connection: Connection, refs: Sequence[PersonRef]) -> dict[int, _StoredPerson]:
    ids = [ref.person_id for ref in refs if ref.person_id is not None]
    if not ids:
        return {}
    query = select(people.c.id, people.c.canonical_name, people.c.confidence, people.c.note)
    return {
        person_id: _StoredPerson(
            name=str(name) if name else None, confidence=_finite(confidence), note=_text(note)
        )
        for person_id, name, confidence, note in connection.execute(
            query.where(in_list(people.c.id, ids))
        )
    }


def _finite(value: Any) -> float | None:
    # resolve stores NaN for a person too large to score pairwise; PostgreSQL keeps it.
    if value is None or not math.isfinite(float(value)):
        return None
    return float(value)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _printed_name(connection: Connection, ref: PersonRef) -> str:
    """The name the person's authorships print most often (provisional or unnamed people)."""
    query = select(authorships.c.name).where(authorships.c.name_key == ref.name_key)
    if ref.person_id is not None:
        query = select(authorships.c.name).where(authorships.c.person_id == ref.person_id)
    printed = Counter(connection.execute(query.limit(500)).scalars())
    if printed:
        return str(sorted(printed.items(), key=lambda item: (-item[1], item[0]))[0][0])
    return ref.name_key.title()


def coauthors(connection: Connection, ref: PersonRef, ids: Sequence[int]) -> list[CoAuthor]:
    """Other authors of the person's works, most shared works first."""
    rows = [(row[0], row[1], row[2], row[3]) for row in connection.execute(_coauthor_rows(ids))]
    return rank_coauthors(ref, rows)


def _coauthor_rows(ids: Sequence[int]) -> Select[int, str, str, int | None]:
    """(work id, printed name, name key, person id) of every authorship of `ids`, in work
    and position order (what `rank_coauthors` reads)."""
    return (
        select(
            authorships.c.work_id,
            authorships.c.name,
            authorships.c.name_key,
            authorships.c.person_id,
        )
        .where(in_list(authorships.c.work_id, ids))
        .order_by(authorships.c.work_id, authorships.c.position)
    )


def rank_coauthors(
    ref: PersonRef, rows: Iterable[tuple[int, str, str, int | None]]
) -> list[CoAuthor]:
    """Co-authors from the authorships (work id, printed name, name key, person id) of the
    person's works, in work and position order: most shared works first, each under the name
    it is printed with most often."""
    shared: Counter[tuple[str, int | None]] = Counter()
    printed: defaultdict[tuple[str, int | None], Counter[str]] = defaultdict(Counter)
    seen: set[tuple[int, tuple[str, int | None]]] = set()
    for work_id, name, key, person_id in rows:
        if ref.is_own(person_id, key):
            continue
        identity = (key if person_id is None else "", person_id)
        if (work_id, identity) not in seen:
            seen.add((work_id, identity))
            shared[identity] += 1
        printed[identity][name] += 1
    ranked = sorted(shared.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or 0))
    # max() keeps the first of equally common printings, as most_common(1) does, without
    # the heap it builds per co-author.
    return [
        CoAuthor(max(printed[identity].items(), key=itemgetter(1))[0], identity[1], count)
        for identity, count in ranked
    ]
