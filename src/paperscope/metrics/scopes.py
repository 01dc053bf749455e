"""Statistics of a venue or category: works per year, top people (by works and by citations)
and rising topics, computed for a page or stored by `paperscope score` for every one.

A page asks `scope_stats`: with the default window (`trends.MONTHS`) it reads what the last
`score` run stored for the scope (one row), else it computes them from the scope's works
(`read.venues`, SQL aggregates and at most `TOPIC_WORKS` titles). `stored_rows` computes the
same numbers for every venue and category in one pass over the corpus; a test holds the
stored and the computed statistics equal.
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from paperscope.definitions import VERSION
from paperscope.metrics.trends import (
    EARLIER_MONTHS,
    MONTHS,
    RisingTopics,
    TermTrend,
    rising_topics,
    work_day,
)
from paperscope.read.venues import (
    PEOPLE_SORTS,
    Scope,
    ScopePerson,
    ScopeWork,
    all_canonical_names,
    all_categories,
    all_scope_works,
    all_signatures,
    count_members,
    dated_titles,
    newest_year,
    scope_person,
    top_people,
    volume_per_year,
)
from paperscope.read.works import in_corpus_citations, reported_counts
from paperscope.store.metrics_schema import metrics_state, scope_stats_table

PEOPLE_SHOWN = 20
TOPIC_WORKS = 20_000
"""Rising topics read the titles of at most this many of the newest works."""

Identity = tuple[int | None, str | None]


@dataclass(frozen=True, slots=True)
class ScopeStats:
    """What a venue or category page shows besides its papers."""

    works: int
    volume_per_year: tuple[tuple[int, int], ...]
    people: tuple[ScopePerson, ...]
    people_sort: str
    rising: RisingTopics
    computed_on: date | None
    """The day `paperscope score` stored these; None when computed for this request."""


def scope_id(scope: Scope) -> str:
    return f"{scope.kind}:{scope.key}"


def years_back(months: int) -> int:
    """How many years before the newest one a window of `months` (and the period before
    it) can reach."""
    return -(-(months + EARLIER_MONTHS) // 12)


def scope_stats(
    connection: Connection, scope: Scope, *, people_sort: str, months: int
) -> ScopeStats:
    stored = stored_stats(connection, scope, people_sort=people_sort, months=months)
    return stored or live_stats(connection, scope, people_sort=people_sort, months=months)


def live_stats(
    connection: Connection, scope: Scope, *, people_sort: str, months: int
) -> ScopeStats:
    """Computed now from the scope's works."""
    newest = newest_year(connection, scope)
    dated = []
    if newest is not None:
        since = newest - years_back(months)
        dated = dated_titles(connection, scope, since_year=since, limit=TOPIC_WORKS)
    rising = rising_topics(
        [(work_day(d.published, d.year), d.title) for d in dated],
        months=months,
        capped=len(dated) >= TOPIC_WORKS,
    )
    return ScopeStats(
        works=count_members(connection, scope),
        volume_per_year=tuple(volume_per_year(connection, scope)),
        people=tuple(top_people(connection, scope, sort=people_sort, limit=PEOPLE_SHOWN)),
        people_sort=people_sort,
        rising=rising,
        computed_on=None,
    )


def stored_stats(
    connection: Connection, scope: Scope, *, people_sort: str, months: int
) -> ScopeStats | None:
    """What the last `score` run stored (the default window only); None when nothing is."""
    if months != MONTHS or people_sort not in PEOPLE_SORTS:
        return None
    row = connection.execute(
        select(scope_stats_table.c.stats, scope_stats_table.c.definition_version).where(
            scope_stats_table.c.scope == scope_id(scope)
        )
    ).first()
    if row is None or row.definition_version != VERSION:
        return None
    scored = connection.execute(
        select(metrics_state.c.value).where(metrics_state.c.key == "scored_on")
    ).scalar()
    data = json.loads(row.stats)
    return ScopeStats(
        works=count_members(connection, scope),
        volume_per_year=tuple((int(y), int(n)) for y, n in data["volume_per_year"]),
        people=tuple(ScopePerson(**person) for person in data["people"][people_sort]),
        people_sort=people_sort,
        rising=_rising_from(data["rising"]),
        computed_on=date.fromisoformat(scored) if scored else None,
    )


def _rising_from(data: dict[str, Any]) -> RisingTopics:
    def day(value: str | None) -> date | None:
        return date.fromisoformat(value) if value else None

    return RisingTopics(
        anchor=day(data["anchor"]),
        recent_since=day(data["recent_since"]),
        earlier_since=day(data["earlier_since"]),
        months=int(data["months"]),
        recent_works=int(data["recent_works"]),
        earlier_works=int(data["earlier_works"]),
        min_count=int(data["min_count"]),
        z_min=float(data["z_min"]),
        capped=bool(data["capped"]),
        terms=tuple(TermTrend(**term) for term in data["terms"]),
        notice=data["notice"],
    )


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


# Every venue and category at once (the `score` stage).


class _Scopes:
    """The corpus as the scopes need it: works, members, signatures and citations."""

    def __init__(self, connection: Connection) -> None:
        self.works = {work.work_id: work for work in all_scope_works(connection)}
        self.members: dict[Scope, list[int]] = {}
        for work in self.works.values():
            if work.venue_key:
                self.members.setdefault(Scope("venue", work.venue_key), []).append(work.work_id)
        for work_id, category in all_categories(connection):
            self.members.setdefault(Scope("category", category), []).append(work_id)
        self.signatures: dict[int, list[tuple[Identity, str]]] = {}
        for work_id, person_id, key, name in all_signatures(connection):
            identity = (person_id, None) if person_id is not None else (None, key)
            self.signatures.setdefault(work_id, []).append((identity, name))
        self.canonical = all_canonical_names(connection)
        ids = sorted(self.works)
        in_corpus = in_corpus_citations(connection, ids)
        reported = reported_counts(connection, ids)
        self.citations = {w: max(in_corpus.get(w, 0), reported.get(w, 0)) for w in ids}

    def people(self, ids: Sequence[int]) -> dict[str, list[ScopePerson]]:
        works_of: dict[Identity, set[int]] = {}
        for work_id in ids:
            for identity, _ in self.signatures.get(work_id, ()):
                works_of.setdefault(identity, set()).add(work_id)
        papers = {identity: len(found) for identity, found in works_of.items()}
        cites = {i: sum(self.citations[w] for w in found) for i, found in works_of.items()}

        def tie(identity: Identity) -> tuple[bool, int, str]:
            return (identity[0] is None, identity[0] or 0, identity[1] or "")

        orders = {
            "papers": heapq.nsmallest(PEOPLE_SHOWN, works_of, key=lambda i: (-papers[i], *tie(i))),
            "citations": heapq.nsmallest(
                PEOPLE_SHOWN, works_of, key=lambda i: (-cites[i], -papers[i], *tie(i))
            ),
        }
        shown = {identity for order in orders.values() for identity in order}
        printed: dict[Identity, Counter[str]] = {identity: Counter() for identity in shown}
        for work_id in ids:
            for identity, name in self.signatures.get(work_id, ()):
                if identity in printed:
                    printed[identity][name] += 1
        return {
            sort: [
                scope_person(
                    identity,
                    self.canonical.get(identity[0]) if identity[0] is not None else None,
                    printed[identity],
                    papers[identity],
                    cites[identity],
                )
                for identity in order
            ]
            for sort, order in orders.items()
        }

    def rising(self, ids: Iterable[int]) -> RisingTopics:
        """As `live_stats` reads them: newest first, from `years_back` years before the
        newest, at most TOPIC_WORKS."""
        works = [self.works[w] for w in ids if self.works[w].year is not None]
        if not works:
            return rising_topics([], months=MONTHS)
        since = max(w.year or 0 for w in works) - years_back(MONTHS)
        works = sorted((w for w in works if (w.year or 0) >= since), key=_newest_first)
        dated = works[:TOPIC_WORKS]
        return rising_topics(
            [(work_day(w.published, w.year), w.title) for w in dated],
            months=MONTHS,
            capped=len(dated) >= TOPIC_WORKS,
        )

    def stats(self, ids: Sequence[int]) -> dict[str, Any]:
        years = Counter(self.works[w].year for w in ids if self.works[w].year is not None)
        return {
            "volume_per_year": sorted(years.items()),
            "people": {
                sort: [asdict(p) for p in found] for sort, found in self.people(ids).items()
            },
            "rising": asdict(self.rising(ids)),
        }


def _newest_first(work: ScopeWork) -> tuple[int, bool, int, int]:
    """`dated_titles`' order: year, then publication date (undated last), then id, newest
    first."""
    published = work.published.toordinal() if work.published else 0
    return (-(work.year or 0), work.published is None, -published, -work.work_id)


def stored_rows(connection: Connection) -> list[dict[str, Any]]:
    """The `scope_stats` row of every venue and category."""
    scopes = _Scopes(connection)
    return [
        {
            "scope": scope_id(scope),
            "works": len(ids),
            "stats": json.dumps(_plain(scopes.stats(ids)), sort_keys=True),
            "definition_version": VERSION,
        }
        for scope, ids in sorted(scopes.members.items(), key=lambda item: scope_id(item[0]))
    ]
