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
from typing import Literal

from sqlalchemy import Connection

from paperscope.errors import NotFoundError, QueryError
from paperscope.metrics.definitions import EXPLANATIONS, RECENT_YEARS
from paperscope.metrics.indices import citations_by_year, g_index, h_index, i10_index
from paperscope.read.people import (
    CoAuthor,
    PersonRef,
    PersonSummary,
    lookup_people,
    parse_person_key,
    person_summary,
    person_work_ids,
    rank_coauthors,
)
from paperscope.read.works import AuthoredWork, citing_years, works_with_ids

__all__ = [
    "CoAuthor",
    "EntryAuthor",
    "PersonProfile",
    "PersonSummary",
    "ProfileEntry",
    "ProfileHeader",
    "category_tag",
    "lookup_people",
    "person_profile",
]

Sort = Literal["date", "score", "citations"]
SORTS: tuple[str, ...] = ("date", "score", "citations")
SHOWN_AUTHORS = 3


@dataclass(frozen=True, slots=True)
class EntryAuthor:
    name: str
    person_id: int | None


@dataclass(frozen=True, slots=True)
class ProfileEntry:
    """One listed work, with what the page shows and where each number comes from."""

    work_id: int
    title: str
    tag: str | None
    category: str | None
    published: date | None
    year: int | None
    venue: str | None
    code_urls: tuple[str, ...]
    code: bool
    authors: tuple[EntryAuthor, ...]
    author_count: int
    authors_truncated: bool
    abstract: str | None
    recent: bool
    """Younger than two years: the page shows its AI score, and citations do not speak yet."""
    score: float | None
    """AI score, shown only on recent works."""
    ai_score: float | None
    novelty_pct: float | None
    citation_pct: float | None
    citations: int
    in_corpus_citations: int
    reported_citations: int | None
    citation_source: str
    """`corpus` or `reported`: which of the two counts `citations` is."""


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
    entries: tuple[ProfileEntry, ...]
    today: date


def category_tag(category: str | None) -> str | None:
    """`cs.CV` -> `CV`: the arXiv category without its archive prefix."""
    if not category:
        return None
    return category.rsplit(".", 1)[-1]


def is_recent(work: AuthoredWork, today: date) -> bool:
    """Younger than RECENT_YEARS: citations do not speak yet, so the AI score is shown."""
    day = work.published or (date(work.year, 7, 1) if work.year else None)
    if day is None:
        return False
    try:
        cutoff = today.replace(year=today.year - RECENT_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - RECENT_YEARS, day=28)
    return day > cutoff


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
    works = sorted(works_with_ids(connection, ids), key=lambda work: work.work_id)
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
    entries = [_entry(work, today) for work in works]
    return PersonProfile(
        person=summary,
        header=_header(summary.name, entries, today),
        citations_per_year=tuple(citations_by_year(citing_years(connection, ids)).items()),
        coauthors=tuple(ranked[:10]),
        explanations=EXPLANATIONS,
        entries=tuple(_sorted(entries, sort)),
        today=today,
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


def _entry(work: AuthoredWork, today: date) -> ProfileEntry:
    scores = work.scores
    recent = is_recent(work, today)
    ai = scores.ai_score if scores else None
    count = max(work.author_count or 0, len(work.authors))
    return ProfileEntry(
        work_id=work.work_id,
        title=work.title,
        tag=category_tag(work.primary_category),
        category=work.primary_category,
        published=work.published,
        year=work.year,
        venue=work.venue,
        code_urls=work.code_urls,
        code=bool(work.code_urls) or work.code_badge,
        authors=tuple(EntryAuthor(a.name, a.person_id) for a in work.authors),
        author_count=count,
        authors_truncated=work.authors_truncated or count > len(work.authors),
        abstract=work.abstract,
        recent=recent,
        score=ai if recent else None,
        ai_score=ai,
        novelty_pct=scores.novelty_pct if scores else None,
        citation_pct=scores.citation_pct if scores else None,
        citations=work.citations,
        in_corpus_citations=work.in_corpus_citations,
        reported_citations=work.reported_citations,
        citation_source=work.citation_source,
    )


def _header(name: str, entries: Sequence[ProfileEntry], today: date) -> ProfileHeader:
    counts = [entry.citations for entry in entries]
    categories = Counter(entry.category for entry in entries if entry.category)
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


def person_ai_score(entries: Sequence[ProfileEntry]) -> float | None:
    """Mean of the AI score (recent works) or the actual citation percentile (older works)."""
    values = [entry.ai_score if entry.recent else entry.citation_pct for entry in entries]
    known = [value for value in values if value is not None]
    return fmean(known) if known else None


def _sorted(entries: list[ProfileEntry], sort: str) -> list[ProfileEntry]:
    def day(entry: ProfileEntry) -> date:
        return entry.published or date(entry.year or 1, 1, 1)

    if sort == "citations":
        return sorted(entries, key=lambda e: (-e.citations, -day(e).toordinal(), e.title))
    if sort == "score":
        return sorted(
            entries,
            key=lambda e: (e.ai_score is None, -(e.ai_score or 0.0), -day(e).toordinal()),
        )
    return sorted(entries, key=lambda e: (-day(e).toordinal(), e.title))
