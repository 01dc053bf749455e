"""Works as the site shows them: one `WorkSummary` per work, from one loader.

Every list (the daily feed, trending, search results, similar papers, cited-by, a library, a
digest), every profile and the paper page show works through `load_works`, so a paper shows
the same upvotes, citations, date and tag wherever it appears. Views adapt it for display
only. The rules that hold everywhere:

- upvotes are the source's count plus this site's signed-in users' upvotes (None when no
  source counts upvotes and nobody upvoted here);
- citations are the larger of the in-corpus count (distinct stored citing works, the work
  itself excluded) and the largest count a source reports, and say which one they are;
- the AI score is shown (`score`) only on works younger than `RECENT_YEARS`, where
  citations do not speak yet;
- a date reads `Apr 2` in the current year and `Apr 11, 2023` otherwise (`short_date`);
- a category's tag is the arXiv category without its archive (`cs.CV` -> `CV`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Subquery, func, select

from paperscope.definitions import RECENT_YEARS
from paperscope.store.accounts_schema import user_upvotes
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import (
    authorships,
    code_links,
    quarantine,
    references,
    reported_citations,
    source_records,
    work_categories,
    work_ids,
    works,
)
from paperscope.untrusted import parse_id, safe_url

AUTHORS_SHOWN = 3
"""Authors a list entry names before `et al.`."""
TABLES_TO_COUNT = (works, work_ids, authorships, references, code_links, source_records, quarantine)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """One name as printed on a work, and the person it was resolved to (if any)."""

    name: str
    person_id: int | None
    name_key: str
    position: int | None = None
    """`authorships.position`: 1 for the first printed author."""


@dataclass(frozen=True, slots=True)
class WorkSummary:
    """A work as every list, profile, digest and the CLI show it."""

    work_id: int
    title: str
    abstract: str | None
    authors: tuple[AuthorRef, ...]
    """The printed authors in order: all of them, or the first `AUTHORS_SHOWN` in lists."""
    author_count: int
    authors_truncated: bool
    """More authors exist than `authors` names (a source's `et al.`, or a list's cut)."""
    published: date | None
    year: int | None
    day: date | None
    """The work's day in lists: the day a curated list featured it, else its publication."""
    venue: str | None
    primary_category: str | None
    code_urls: tuple[str, ...]
    code_badge: bool
    """A source page showed a `Code` badge (without a link we know)."""
    upvotes: int | None
    in_corpus_citations: int
    reported_citations: int | None
    citations: int
    citation_source: str
    """`corpus` (citing works stored here) or `reported` (a source's count): which the
    `citations` count is."""
    recent: bool
    """Younger than `RECENT_YEARS`: the AI score is shown, citations do not speak yet."""
    ai_score: float | None
    score: float | None
    """The AI score as shown: on recent works only."""
    novelty_pct: float | None
    citation_pct: float | None

    @property
    def tag(self) -> str | None:
        return category_tag(self.primary_category)

    @property
    def author_line(self) -> str:
        """The first `AUTHORS_SHOWN` names, then `et al.` when there are more."""
        names = ", ".join(author.name for author in self.authors[:AUTHORS_SHOWN])
        more = self.authors_truncated or len(self.authors) > AUTHORS_SHOWN
        return f"{names} et al." if more and names else names

    @property
    def has_code(self) -> bool:
        return bool(self.code_urls) or self.code_badge

    def date_label(self, today: date | None = None) -> str:
        """The publication date as the reference pages print it."""
        return date_label(self.published, self.year, today)


def category_tag(category: str | None) -> str | None:
    """`cs.CV` -> `CV`: the arXiv category without its archive prefix."""
    if not category:
        return None
    return category.rsplit(".", 1)[-1]


def short_date(value: date | None, today: date | None = None) -> str:
    """`Apr 2` in `today`'s year, `Apr 11, 2023` otherwise; empty for no date."""
    if value is None:
        return ""
    today = today or datetime.now(UTC).date()
    short = f"{_MONTHS[value.month - 1]} {value.day}"
    return short if value.year == today.year else f"{short}, {value.year}"


def date_label(published: date | None, year: int | None, today: date | None = None) -> str:
    """`short_date` of the publication date; the year when only it is known."""
    return short_date(published, today) or (str(year) if year else "")


def is_recent(published: date | None, year: int | None, today: date) -> bool:
    """Younger than RECENT_YEARS; a work known only by its year counts from mid-year."""
    day = published or (date(year, 7, 1) if year else None)
    if day is None:
        return False
    try:
        cutoff = today.replace(year=today.year - RECENT_YEARS)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - RECENT_YEARS, day=28)
    return day > cutoff


def recent_until(published: date | None, year: int | None, today: date) -> date | None:
    """The last day from `today` on which `is_recent` still says what it says `today`
    (None: for ever; a work that is not recent never becomes so again)."""
    if not is_recent(published, year, today):
        return None
    day = published or date(year or 1, 7, 1)
    try:
        last = day.replace(year=day.year + RECENT_YEARS)
    except ValueError:  # 29 February
        last = day.replace(year=day.year + RECENT_YEARS, day=28)
    # `is_recent` decides, a few days either side of the anniversary.
    last = max(today, last - timedelta(days=3))
    while not is_recent(published, year, last):
        last -= timedelta(days=1)
    while is_recent(published, year, last + timedelta(days=1)):
        last += timedelta(days=1)
    return last


def total_upvotes(source: int | None, local: int) -> int | None:
    """The one upvote rule: the source's count plus local upvotes; None when neither."""
    return None if source is None and not local else (source or 0) + local


def table_counts(connection: Connection) -> dict[str, int]:
    return {
        table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
        for table in TABLES_TO_COUNT
    }


def in_corpus_citations(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Distinct stored citing works per cited work (self-citations of a work excluded)."""
    query = (
        select(references.c.cited_work_id, func.count(func.distinct(references.c.citing_work_id)))
        .where(
            in_list(references.c.cited_work_id, ids),
            references.c.citing_work_id.is_not(None),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        .group_by(references.c.cited_work_id)
    )
    return {key: value for key, value in connection.execute(query)}


def reported_counts(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """The largest count any source reports per work."""
    query = (
        select(reported_citations.c.work_id, func.max(reported_citations.c.count))
        .where(in_list(reported_citations.c.work_id, ids))
        .group_by(reported_citations.c.work_id)
    )
    return {key: value for key, value in connection.execute(query)}


def used_citations(in_corpus: int, reported: int | None) -> int:
    """The citation count every page shows: the larger of the in-corpus and reported counts."""
    return max(in_corpus, reported or 0)


def citation_counts(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """`WorkSummary.citations` of each work, without loading the rest of the summary."""
    cited = in_corpus_citations(connection, ids)
    reported = reported_counts(connection, ids)
    return {
        work_id: used_citations(cited.get(work_id, 0), reported.get(work_id)) for work_id in ids
    }


def citations_per_year(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Citations of `ids` per year, in year order: one per distinct (citing work, cited work)
    pair, keyed by the citing work's year (pairs whose citing work has no year are left
    out). Counted in the database: a prolific author's works have tens of thousands. The
    pairs are counted per citing work first, so each citing work's year is looked up once
    (a work citing several of the person's works is common: 87k pairs, fewer citing works)."""
    per_citing = (
        select(
            references.c.citing_work_id,
            func.count(func.distinct(references.c.cited_work_id)).label("pairs"),
        )
        .where(
            in_list(references.c.cited_work_id, ids),
            references.c.citing_work_id.is_not(None),
            references.c.citing_work_id != references.c.cited_work_id,
        )
        .group_by(references.c.citing_work_id)
        .subquery()
    )
    query = (
        select(works.c.year, func.sum(per_citing.c.pairs))
        .join(per_citing, per_citing.c.citing_work_id == works.c.id)
        .where(works.c.year.is_not(None))
        .group_by(works.c.year)
        .order_by(works.c.year)
    )
    return {int(year): int(count) for year, count in connection.execute(query)}


def local_upvotes_subquery() -> Subquery:
    """`(work_id, local_upvotes)`: outer-join it to works and add it to `works.upvotes`."""
    return (
        select(user_upvotes.c.work_id, func.count().label("local_upvotes"))
        .group_by(user_upvotes.c.work_id)
        .subquery("local_upvotes")
    )


def local_upvotes(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Upvotes of this site's signed-in users, per work."""
    query = (
        select(user_upvotes.c.work_id, func.count())
        .where(in_list(user_upvotes.c.work_id, ids))
        .group_by(user_upvotes.c.work_id)
    )
    return {key: value for key, value in connection.execute(query)}


def upvote_counts(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Source plus local upvotes per work (0 for none), for ranking many works at once."""
    local = local_upvotes(connection, ids)
    counts: dict[int, int] = {}
    query = select(works.c.id, works.c.upvotes).where(in_list(works.c.id, ids))
    for work_id, source in connection.execute(query):
        counts[work_id] = total_upvotes(source, local.get(work_id, 0)) or 0
    return counts


@dataclass(frozen=True, slots=True)
class _Scores:
    ai_score: float | None
    novelty_pct: float | None
    citation_pct: float | None


_NOT_SCORED = _Scores(None, None, None)
_WORK_COLUMNS = (
    works.c.id,
    works.c.title,
    works.c.abstract,
    works.c.author_count,
    works.c.authors_truncated,
    works.c.published,
    works.c.featured,
    works.c.year,
    works.c.venue,
    works.c.primary_category,
    works.c.code_badge,
    works.c.upvotes,
)


def _authors(
    connection: Connection, ids: Sequence[int], limit: int | None
) -> tuple[dict[int, list[AuthorRef]], dict[int, int]]:
    """Printed authors per work in order (the first `limit`), and how many each has."""
    names: dict[int, list[AuthorRef]] = {}
    counts: dict[int, int] = {}
    query = (
        select(
            authorships.c.work_id,
            authorships.c.name,
            authorships.c.person_id,
            authorships.c.name_key,
            authorships.c.position,
        )
        .where(in_list(authorships.c.work_id, ids))
        .order_by(authorships.c.work_id, authorships.c.position)
    )
    for work_id, name, person_id, key, position in connection.execute(query):
        counts[work_id] = counts.get(work_id, 0) + 1
        listed = names.setdefault(work_id, [])
        if limit is None or len(listed) < limit:
            listed.append(AuthorRef(name, person_id, key, position))
    return names, counts


def _code_urls(connection: Connection, ids: Sequence[int]) -> dict[int, list[str]]:
    links: dict[int, list[str]] = {}
    query = select(code_links.c.work_id, code_links.c.url).where(in_list(code_links.c.work_id, ids))
    for work_id, url in connection.execute(query):
        if safe_url(url) is not None:  # a database from before the rule may hold others
            links.setdefault(work_id, []).append(url)
    return {work_id: sorted(urls) for work_id, urls in links.items()}


def _scores(connection: Connection, ids: Sequence[int]) -> dict[int, _Scores]:
    """What `paperscope score` stored (nothing when it has not run)."""
    scores: dict[int, _Scores] = {}
    query = select(
        work_metrics.c.work_id,
        work_metrics.c.ai_score,
        work_metrics.c.novelty_pct,
        work_metrics.c.citation_pct,
    ).where(in_list(work_metrics.c.work_id, ids))
    for work_id, ai, novelty, citation in connection.execute(query):
        scores[work_id] = _Scores(_float(ai), _float(novelty), _float(citation))
    return scores


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def load_works(
    connection: Connection,
    ids: Sequence[int],
    *,
    authors_limit: int | None = AUTHORS_SHOWN,
    today: date | None = None,
) -> list[WorkSummary]:
    """The summaries of these works, in the order given (unknown ids left out, repeats once).

    `authors_limit`: how many printed authors each names (None: all of them, as profiles
    and the paper page need); `today` decides which works are recent.
    """
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    today = today or datetime.now(UTC).date()
    query = select(*_WORK_COLUMNS).where(in_list(works.c.id, wanted))
    rows = {row.id: row for row in connection.execute(query)}
    names, counts = _authors(connection, wanted, authors_limit)
    links = _code_urls(connection, wanted)
    scores = _scores(connection, wanted)
    local = local_upvotes(connection, wanted)
    cited = in_corpus_citations(connection, wanted)
    reported = reported_counts(connection, wanted)
    summaries = []
    for work_id in wanted:
        row = rows.get(work_id)
        if row is None:
            continue
        listed = tuple(names.get(work_id, ()))
        count = max(row.author_count or 0, counts.get(work_id, 0))
        year = row.year or (row.published.year if row.published else None)
        in_corpus, source_count = cited.get(work_id, 0), reported.get(work_id)
        recent = is_recent(row.published, year, today)
        stored = scores.get(work_id, _NOT_SCORED)
        summaries.append(
            WorkSummary(
                work_id=work_id,
                title=row.title,
                abstract=row.abstract,
                authors=listed,
                author_count=count,
                authors_truncated=bool(row.authors_truncated) or count > len(listed),
                published=row.published,
                year=year,
                day=row.featured or row.published,
                venue=row.venue,
                primary_category=row.primary_category,
                code_urls=tuple(links.get(work_id, ())),
                code_badge=bool(row.code_badge),
                upvotes=total_upvotes(row.upvotes, local.get(work_id, 0)),
                in_corpus_citations=in_corpus,
                reported_citations=source_count,
                citations=used_citations(in_corpus, source_count),
                citation_source="reported" if (source_count or 0) > in_corpus else "corpus",
                recent=recent,
                ai_score=stored.ai_score,
                score=stored.ai_score if recent else None,
                novelty_pct=stored.novelty_pct,
                citation_pct=stored.citation_pct,
            )
        )
    return summaries


@dataclass(frozen=True, slots=True)
class WorkDetails:
    """What a citation of a work needs beyond its summary (the paper page shows them too)."""

    identifiers: tuple[tuple[str, str], ...]
    """(scheme, value) pairs, sorted: `("arxiv", "1706.03762")`, `("doi", "10.1/x")`."""
    url: str | None
    categories: tuple[str, ...]
    """Subject categories, primary first."""

    def identifier(self, scheme: str) -> str | None:
        return next((value for name, value in self.identifiers if name == scheme), None)


def load_details(connection: Connection, ids: Sequence[int]) -> dict[int, WorkDetails]:
    """Identifiers, URL and categories of these works (three queries for any number)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return {}
    identifiers: dict[int, list[tuple[str, str]]] = {}
    id_rows = select(work_ids.c.work_id, work_ids.c.scheme, work_ids.c.value).where(
        in_list(work_ids.c.work_id, wanted)
    )
    for work_id, scheme, value in connection.execute(id_rows):
        identifiers.setdefault(work_id, []).append((scheme, value))
    categories: dict[int, list[str]] = {}
    category_rows = (
        select(work_categories.c.work_id, work_categories.c.category)
        .where(in_list(work_categories.c.work_id, wanted))
        .order_by(work_categories.c.work_id, work_categories.c.position)
    )
    for work_id, category in connection.execute(category_rows):
        categories.setdefault(work_id, []).append(category)
    rows = connection.execute(
        select(works.c.id, works.c.url, works.c.primary_category).where(in_list(works.c.id, wanted))
    )
    details = {}
    for work_id, url, primary in rows:
        listed = tuple(categories.get(work_id, ())) or ((primary,) if primary else ())
        details[work_id] = WorkDetails(tuple(sorted(identifiers.get(work_id, ()))), url, listed)
    return details


def work_id_for(connection: Connection, reference: str) -> int | None:
    """A work id from `123` or an external id `scheme:value` (`arxiv:2106.01234`)."""
    reference = reference.strip()
    if reference.isdigit():
        return parse_id(reference)
    if ":" not in reference:
        return None
    scheme, value = (part.strip() for part in reference.split(":", 1))
    values = [value, value.lower()] if scheme.lower() == "doi" else [value]
    for candidate in values:
        query = select(work_ids.c.work_id).where(
            work_ids.c.scheme == scheme.lower(), work_ids.c.value == candidate
        )
        found = connection.execute(query).scalar()
        if found is not None:
            return int(found)
    return None
