"""Statistics of a venue or category: works per year, top people (by works and by citations)
and rising topics, computed for a page or stored by `paperscope score` for every one.

A page asks `scope_stats`: with the default window (`trends.MONTHS`) it reads what the last
`score` run stored for the scope (one row), else it computes them from the scope's works
(`read.venues`, SQL aggregates and at most `TOPIC_WORKS` titles). `stored_rows` computes the
same numbers for every venue and category in one pass over the corpus; a test holds the
stored and the computed statistics equal.

`score` also stores the order of each scope's most cited works (`MOST_CITED_STORED` of them,
`stored_ranking`): ranking every member by its citations costs seconds per visit for the
largest categories at a million works (11.5 s for cs.LG's first page on PostgreSQL).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, select

from paperscope.definitions import VERSION
from paperscope.metrics.corpus import distinct_sorted
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
    Printing,
    Scope,
    ScopePerson,
    ScopeWork,
    Venue,
    all_canonical_names,
    all_categories,
    all_scope_works,
    all_signatures,
    count_members,
    dated_titles,
    newest_year,
    scope_person,
    top_people,
    venue_from_printings,
    volume_per_year,
)
from paperscope.store.metrics_schema import metrics_state, scope_stats_table

PEOPLE_SHOWN = 20
MOST_CITED_STORED = 1_000
"""Member ids stored per venue and category, most cited first: the first 50 pages of 20.
Pages past them are ranked for the request."""
TOPIC_WORKS = 20_000
"""Rising topics read the titles of at most this many of the newest works."""

Identity = tuple[int | None, str | None]
CorpusCitations = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]
"""Work ids (ascending) and each one's citations (`Corpus.work_ids`, `Corpus.citations`)."""


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
    stored = _stored(connection, scope)
    if stored is None:
        return None
    data, computed_on = stored
    return ScopeStats(
        works=count_members(connection, scope),
        volume_per_year=tuple((int(y), int(n)) for y, n in data["volume_per_year"]),
        people=tuple(ScopePerson(**person) for person in data["people"][people_sort]),
        people_sort=people_sort,
        rising=_rising_from(data["rising"]),
        computed_on=computed_on,
    )


def stored_ranking(connection: Connection, scope: Scope) -> tuple[list[int], date | None] | None:
    """The scope's most cited member ids as the last `score` ranked them (`read.venues.
    top_cited`'s order, at most `MOST_CITED_STORED`) and the day; None when none is stored
    (a scope new since, a database scored before rankings were stored)."""
    stored = _stored(connection, scope)
    if stored is None or "most_cited" not in stored[0]:
        return None
    data, computed_on = stored
    return [int(work_id) for work_id in data["most_cited"]], computed_on


def stored_venue(connection: Connection, key: str) -> tuple[Venue, date | None] | None:
    """The venue of this key as the last `score` found it (its printings and their works)
    and the day; None when none is stored. Finding them now reads every work of the venue
    (165-195 ms for the largest at a million works on PostgreSQL)."""
    stored = _stored(connection, Scope("venue", key))
    if stored is None or "venue" not in stored[0]:
        return None
    data, computed_on = stored
    found = data["venue"]
    printings = tuple(Printing(str(p["venue"]), int(p["works"])) for p in found["printings"])
    venue = Venue(
        str(found["key"]), str(found["name"]), int(found["works"]), printings,
        int(found["printing_count"]),
    )  # fmt: skip
    return venue, computed_on


def _stored(connection: Connection, scope: Scope) -> tuple[dict[str, Any], date | None] | None:
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
    return json.loads(row.stats), date.fromisoformat(scored) if scored else None


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
    """The corpus as the scopes need it: works, members, signatures and citations.

    Signatures are held as arrays (`_Signatures`): a scope's people are counted with numpy
    over its works' signatures. Counting them in dicts of sets took 18 of the 57 s the
    stage spent at a million works (3.9M signatures, each counted for its venue and each
    of its categories)."""

    def __init__(self, connection: Connection, cited: CorpusCitations) -> None:
        corpus_ids, citations = cited
        known = set(corpus_ids.tolist())
        works = (work for work in all_scope_works(connection) if work.work_id in known)
        self.works = {work.work_id: work for work in works}
        self.members: dict[Scope, list[int]] = {}
        for work in self.works.values():
            if work.venue_key:
                self.members.setdefault(Scope("venue", work.venue_key), []).append(work.work_id)
        for work_id, category in all_categories(connection):
            if work_id in self.works:
                self.members.setdefault(Scope("category", category), []).append(work_id)
        ids = sorted(self.works)
        signed = [row for row in all_signatures(connection) if row[0] in self.works]
        self.signatures = _Signatures(signed, ids)
        self.canonical = all_canonical_names(connection)
        self.citations = citations[np.searchsorted(corpus_ids, ids)]
        # an undated work ranks after every dated one (`top_cited`: year descending, nulls last)
        self.years = np.array(
            [self.works[w].year if self.works[w].year is not None else -(2**40) for w in ids],
            dtype=np.int64,
        )

    def most_cited(self, ids: Sequence[int]) -> list[int]:
        """`read.venues.top_cited`'s order: citations, then year, descending, then id."""
        positions = self.signatures.index_of(ids)
        work_ids = self.signatures.ids[positions]
        order = np.lexsort((work_ids, -self.years[positions], -self.citations[positions]))[
            :MOST_CITED_STORED
        ]
        return [int(work_id) for work_id in work_ids[order]]

    def people(self, ids: Sequence[int]) -> dict[str, list[ScopePerson]]:
        """The top `PEOPLE_SHOWN` people of these works by papers and by citations, as
        `read.venues.top_people` ranks them: more first, then people before unclaimed
        names, then by person id or name key."""
        signatures = self.signatures
        rows = signatures.of_works(signatures.index_of(ids))
        identity, work = signatures.identity[rows], signatures.work[rows]
        count = len(signatures.identities)
        # Each person counts a work once, however many of its authorships are theirs.
        pairs = distinct_sorted(identity * len(self.citations) + work)
        owner, owned = pairs // len(self.citations), pairs % len(self.citations)
        papers = np.bincount(owner, minlength=count)
        cites = np.bincount(owner, weights=self.citations[owned], minlength=count)
        cites = np.rint(cites).astype(np.int64)
        present = np.flatnonzero(papers)
        rank = signatures.rank[present]
        orders = {
            "papers": present[np.lexsort((rank, -papers[present]))][:PEOPLE_SHOWN],
            "citations": present[np.lexsort((rank, -papers[present], -cites[present]))][
                :PEOPLE_SHOWN
            ],
        }
        shown = np.union1d(orders["papers"], orders["citations"])
        printed: dict[int, Counter[str]] = {int(code): Counter() for code in shown}
        for row in rows[np.isin(identity, shown)].tolist():
            printed[int(signatures.identity[row])][signatures.names[row]] += 1
        result: dict[str, list[ScopePerson]] = {}
        for sort, order in orders.items():
            result[sort] = []
            for code in order.tolist():
                person = signatures.identities[code]
                result[sort].append(
                    scope_person(
                        person,
                        self.canonical.get(person[0]) if person[0] is not None else None,
                        printed[code],
                        int(papers[code]),
                        int(cites[code]),
                    )
                )
        return result

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

    def stats(self, scope: Scope, ids: Sequence[int]) -> dict[str, Any]:
        years = Counter(self.works[w].year for w in ids if self.works[w].year is not None)
        venue = {}
        if scope.kind == "venue":
            printed = Counter(self.works[w].venue or "" for w in ids)
            venue = {"venue": asdict(venue_from_printings(scope.key, printed))}
        return {
            **venue,
            "volume_per_year": sorted(years.items()),
            "people": {
                sort: [asdict(p) for p in found] for sort, found in self.people(ids).items()
            },
            "rising": asdict(self.rising(ids)),
            "most_cited": self.most_cited(ids),
        }


class _Signatures:
    """Every signature as arrays, grouped by work: the work's position among the corpus'
    work ids, the signer's identity code (a person, or an unclaimed name key) and the
    printed name; `rank` orders the identities as `read.venues.top_people` breaks ties."""

    def __init__(
        self, signatures: Sequence[tuple[int, int | None, str | None, str]], ids: Sequence[int]
    ) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        codes: dict[Identity, int] = {}
        signers = (
            (person_id, None) if person_id is not None else (None, key)
            for _, person_id, key, _ in signatures
        )
        size = len(signatures)
        identity = np.fromiter(
            (codes.setdefault(signer, len(codes)) for signer in signers), np.int64, size
        )
        work = self.index_of(np.fromiter((row[0] for row in signatures), np.int64, size))
        order = np.argsort(work, kind="stable")
        self.identity, self.work = identity[order], work[order]
        self.names = [signatures[row][3] for row in order.tolist()]
        self.starts = np.searchsorted(self.work, np.arange(len(self.ids) + 1))
        self.identities = list(codes)

        def tie(code: int) -> tuple[bool, int, str]:
            person_id, key = self.identities[code]
            return (person_id is None, person_id or 0, key or "")

        self.rank = np.empty(len(codes), dtype=np.int64)
        self.rank[sorted(range(len(codes)), key=tie)] = np.arange(len(codes))

    def index_of(self, work_ids: Any) -> npt.NDArray[np.int64]:
        """Positions of these work ids among the corpus' (each must be one of them)."""
        return np.searchsorted(self.ids, np.asarray(work_ids, dtype=np.int64))

    def of_works(self, works: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The rows of these works' signatures, work by work."""
        first, sizes = self.starts[works], self.starts[works + 1] - self.starts[works]
        offsets = np.cumsum(sizes) - sizes
        return np.repeat(first - offsets, sizes) + np.arange(int(sizes.sum()))


def _newest_first(work: ScopeWork) -> tuple[int, bool, int, int]:
    """`dated_titles`' order: year, then publication date (undated last), then id, newest
    first."""
    published = work.published.toordinal() if work.published else 0
    return (-(work.year or 0), work.published is None, -published, -work.work_id)


def stored_rows(connection: Connection, cited: CorpusCitations) -> list[dict[str, Any]]:
    """The `scope_stats` row of every venue and category, over the works `score` loaded
    (`cited`: their ids, ascending, and the citation count each page shows; a work stored
    since is counted by the next run, as its own scores are)."""
    scopes = _Scopes(connection, cited)
    return [
        {
            "scope": scope_id(scope),
            "works": len(ids),
            "stats": json.dumps(_plain(scopes.stats(scope, ids)), sort_keys=True),
            "definition_version": VERSION,
        }
        for scope, ids in sorted(scopes.members.items(), key=lambda item: scope_id(item[0]))
    ]
