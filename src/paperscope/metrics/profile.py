"""A person's profile: the works listed and every number computed from exactly those works.

The web pages and the CLI use `lookup_people` and `person_profile`. The header is computed
here from the listed entries (so it can never disagree with them); per-work novelty and AI
scores come from what `paperscope score` stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import fmean

import numpy as np
from sqlalchemy import Connection

from paperscope.definitions import EXPLANATIONS
from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.authorship import (
    AuthorPositions,
    CoauthorGraph,
    TopicsOverTime,
    author_positions,
    coauthor_graph,
    topics_over_time,
)
from paperscope.metrics.indices import g_index, h_index, i10_index
from paperscope.read.people import lookup_people, person_summary, person_work_ids, rank_coauthors
from paperscope.read.person_records import CoAuthor, PersonRef, PersonSummary, parse_person_key
from paperscope.read.works import WorkSummary, citations_per_year, load_works, recent_until

__all__ = [
    "CoAuthor",
    "PersonProfile",
    "PersonSummary",
    "ProfileHeader",
    "lookup_people",
    "person_profile",
]

SORTS: tuple[str, ...] = ("date", "score", "citations")
"""How a profile's works can be ordered (the web page, its JSON and the CLI)."""


@dataclass(frozen=True, slots=True)
class ProfileHeader:
    name: str
    primary_category: str | None
    h_index: int
    papers: int
    citations: int
    i10_index: int
    g_index: int
    novelty_pct: float | None
    ai_score: float | None
    first_year: int | None
    last_year: int | None


@dataclass(frozen=True, slots=True)
class PersonProfile:
    person: PersonSummary
    header: ProfileHeader
    citations_per_year: tuple[tuple[int, int], ...]
    coauthors: tuple[CoAuthor, ...]
    explanations: Mapping[str, str]
    entries: tuple[WorkSummary, ...]
    today: date
    positions: AuthorPositions
    """First-, last- and sole-author works (metrics.authorship)."""
    coauthor_graph: CoauthorGraph
    topics: TopicsOverTime
    """Title terms and categories per year."""


def person_profile(
    connection: Connection,
    person: int | str | PersonSummary,
    sort: str = "date",
    *,
    today: date | None = None,
    work_ids: Sequence[int] | None = None,
) -> PersonProfile:
    """The profile of a person (id, `person:`/`name:` key, or a summary from lookup_people).
    `work_ids`: the person's works when the caller already has them (from `lookup_refs`)."""
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
    today = today or date.today()
    ref = _ref(connection, person)
    ids = list(work_ids) if work_ids is not None else person_work_ids(connection, ref)
    works = load_works(connection, sorted(ids), authors_limit=None, today=today)
    # The co-authors come from the authorships works_with_ids loaded (no second query).
    ranked = rank_coauthors(
        ref,
        (
            (work.work_id, author.name, author.name_key, author.person_id)
            for work in works
            for author in work.authors
        ),
    )
    if isinstance(person, PersonSummary):
        summary = person
    else:
        facts = [(work.year, work.published, work.primary_category) for work in works]
        summary = person_summary(connection, ref, ids=ids, facts=facts, ranked_coauthors=ranked)
    if not ids:
        raise NotFoundError(f"no works for {summary.name!r} ({ref.key})")
    return PersonProfile(
        person=summary,
        header=_header(summary.name, works),
        citations_per_year=tuple(citations_per_year(connection, ids).items()),
        coauthors=tuple(ranked[:10]),
        explanations=EXPLANATIONS,
        entries=tuple(sorted_entries(works, sort)),
        today=today,
        positions=author_positions(ref, works),
        coauthor_graph=coauthor_graph(ref, summary.name, works),
        topics=topics_over_time(works),
    )


def _ref(connection: Connection, person: int | str | PersonSummary) -> PersonRef:
    if isinstance(person, PersonSummary):
        return person.ref
    if isinstance(person, int):
        return PersonRef(person, "")
    ref = parse_person_key(person)
    if ref is not None:
        return ref
    found = lookup_people(connection, person)
    if len(found) != 1:
        raise QueryError(f"{person!r} names {len(found)} people: pass a person id or key")
    return found[0].ref


def _header(name: str, entries: Sequence[WorkSummary]) -> ProfileHeader:
    counts = [entry.citations for entry in entries]
    categories = Counter(entry.primary_category for entry in entries if entry.primary_category)
    years = [entry.year for entry in entries if entry.year is not None]
    novelty = [entry.novelty_pct for entry in entries if entry.novelty_pct is not None]
    return ProfileHeader(
        name=name,
        primary_category=min(categories, key=lambda c: (-categories[c], c)) if categories else None,
        h_index=h_index(counts),
        papers=len(entries),
        citations=sum(counts),
        i10_index=i10_index(counts),
        g_index=g_index(counts),
        novelty_pct=fmean(novelty) if novelty else None,
        ai_score=person_ai_score(entries),
        first_year=min(years) if years else None,
        last_year=max(years) if years else None,
    )


def person_ai_score(entries: Sequence[WorkSummary]) -> float | None:
    """Mean of the AI score (recent works) or the actual citation percentile (older works)."""
    values = [entry.ai_score if entry.recent else entry.citation_pct for entry in entries]
    known = [value for value in values if value is not None]
    return fmean(known) if known else None


AI_SCORE_INPUTS = np.dtype([("ai_score", "<f8"), ("citation_pct", "<f8"), ("recent_until", "<i4")])
"""Per work: its AI score and citation percentile (NaN: none) and the ordinal of the last
day it is recent (0: not recent, nor ever again)."""


def ai_score_inputs(entries: Sequence[WorkSummary], today: date) -> bytes:
    """What `person_ai_score` needs to be recomputed on a later day without the works:
    which value each work contributes changes as works stop being recent."""
    inputs = np.empty(len(entries), dtype=AI_SCORE_INPUTS)
    for row, entry in enumerate(entries):
        until = recent_until(entry.published, entry.year, today) if entry.recent else None
        inputs[row] = (
            np.nan if entry.ai_score is None else entry.ai_score,
            np.nan if entry.citation_pct is None else entry.citation_pct,
            0 if until is None else until.toordinal(),
        )
    return inputs.tobytes()


def ai_score_on(inputs: bytes, day: date) -> float | None:
    """`person_ai_score` of the works `inputs` describes, on `day` (not before the day the
    inputs were taken): the same values, so the same mean."""
    works = np.frombuffer(inputs, dtype=AI_SCORE_INPUTS)
    recent = works["recent_until"] >= day.toordinal()
    values = np.where(recent, works["ai_score"], works["citation_pct"])
    known = values[~np.isnan(values)]
    return fmean(known.tolist()) if len(known) else None


def sorted_entries(entries: Sequence[WorkSummary], sort: str) -> list[WorkSummary]:
    """A profile's works in one of `SORTS` (newest first; highest AI score; most cited)."""

    def day(entry: WorkSummary) -> date:
        return entry.published or date(entry.year or 1, 1, 1)

    if sort == "citations":
        return sorted(entries, key=lambda e: (-e.citations, -day(e).toordinal(), e.title))
    if sort == "score":
        return sorted(
            entries,
            key=lambda e: (e.ai_score is None, -(e.ai_score or 0.0), -day(e).toordinal()),
        )
    return sorted(entries, key=lambda e: (-day(e).toordinal(), e.title))
