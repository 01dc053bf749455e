"""The lists the site shows: one day's papers, trending papers, and any list of works by id.

Every list is made of the same `ListEntry` (the layout of a Daily Papers entry: title,
abstract, authors, author count, date, upvotes, plus category, code links and AI score), so
the daily feed, trending, search results and digests render alike.

A work's *day* is the day a curated list featured it, else its publication date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from paperscope.store.accounts_schema import user_upvotes
from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import authorships, code_links, works

AUTHORS_SHOWN = 3
DAILY_LIMIT = 100
TRENDING_WINDOW_DAYS = 30
TRENDING_CANDIDATES = 5000


@dataclass(frozen=True, slots=True)
class AuthorRef:
    """An author as printed on a work, and the person it was resolved to (if any)."""

    name: str
    person_id: int | None


@dataclass(frozen=True, slots=True)
class ListEntry:
    work_id: int
    title: str
    abstract: str | None
    authors: tuple[AuthorRef, ...]
    """The first authors, in order (at most AUTHORS_SHOWN)."""
    author_count: int
    day: date | None
    upvotes: int | None
    """Source plus local upvotes; None when no source counts upvotes and nobody upvoted here."""
    primary_category: str | None
    code_urls: tuple[str, ...]
    ai_score: float | None


@dataclass(frozen=True, slots=True)
class DailyList:
    day: date
    previous_day: date | None
    next_day: date | None
    entries: tuple[ListEntry, ...]


@dataclass(frozen=True, slots=True)
class TrendingEntry:
    entry: ListEntry
    trending_score: float
    age_hours: float


def ai_scores(connection: Connection, ids: Sequence[int]) -> dict[int, float]:
    """AI scores stored by `paperscope score`; empty when scoring has not run."""
    if not ids:
        return {}
    rows = connection.execute(
        select(work_metrics.c.work_id, work_metrics.c.ai_score).where(
            work_metrics.c.work_id.in_(list(ids)), work_metrics.c.ai_score.is_not(None)
        )
    )
    return {work_id: float(score) for work_id, score in rows}


def local_upvotes(connection: Connection, ids: Sequence[int]) -> dict[int, int]:
    """Upvotes of this site's signed-in users, added to the sources' upvotes."""
    if not ids:
        return {}
    rows = connection.execute(
        select(user_upvotes.c.work_id, func.count())
        .where(user_upvotes.c.work_id.in_(list(ids)))
        .group_by(user_upvotes.c.work_id)
    )
    return {work_id: count for work_id, count in rows}


def total_upvotes(source: int | None, local: int) -> int | None:
    return None if source is None and not local else (source or 0) + local


def entries_for(connection: Connection, ids: Sequence[int]) -> list[ListEntry]:
    """List entries of these works, in the order given (unknown ids are left out)."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    names: dict[int, list[AuthorRef]] = {}
    counts: dict[int, int] = {}
    for work_id, name, person_id in connection.execute(
        select(
            authorships.c.work_id,
            authorships.c.name,
            authorships.c.person_id,
        )
        .where(authorships.c.work_id.in_(wanted))
        .order_by(authorships.c.work_id, authorships.c.position)
    ):
        counts[work_id] = counts.get(work_id, 0) + 1
        if len(names.setdefault(work_id, [])) < AUTHORS_SHOWN:
            names[work_id].append(AuthorRef(name, person_id))
    links: dict[int, list[str]] = {}
    for work_id, url in connection.execute(
        select(code_links.c.work_id, code_links.c.url)
        .where(code_links.c.work_id.in_(wanted))
        .order_by(code_links.c.work_id, code_links.c.url)
    ):
        links.setdefault(work_id, []).append(url)
    scores = ai_scores(connection, wanted)
    local = local_upvotes(connection, wanted)
    rows = {
        row["id"]: row
        for row in connection.execute(
            select(
                works.c.id,
                works.c.title,
                works.c.abstract,
                works.c.author_count,
                works.c.featured,
                works.c.published,
                works.c.year,
                works.c.upvotes,
                works.c.primary_category,
            ).where(works.c.id.in_(wanted))
        ).mappings()
    }
    return [
        ListEntry(
            work_id=work_id,
            title=row["title"],
            abstract=row["abstract"],
            authors=tuple(names.get(work_id, ())),
            author_count=max(row["author_count"] or 0, counts.get(work_id, 0)),
            day=row["featured"] or row["published"],
            upvotes=total_upvotes(row["upvotes"], local.get(work_id, 0)),
            primary_category=row["primary_category"],
            code_urls=tuple(links.get(work_id, ())),
            ai_score=scores.get(work_id),
        )
        for work_id in wanted
        if (row := rows.get(work_id)) is not None
    ]


def _on_day(day: date) -> ColumnElement[bool]:
    return or_(works.c.featured == day, and_(works.c.featured.is_(None), works.c.published == day))


def _neighbour_day(connection: Connection, day: date, *, before: bool) -> date | None:
    """The nearest day before (or after) `day` that has works (index scans, first row)."""
    found: list[date] = []
    # "The work's day is its publication date", written so that no index on `featured`
    # applies: SQLite then walks the `published` index and stops at the first row.
    on_published_day = func.coalesce(works.c.featured, works.c.published) == works.c.published
    for column, extra in (
        (works.c.featured, works.c.featured.is_not(None)),
        (works.c.published, on_published_day),
    ):
        side = column < day if before else column > day
        order = column.desc() if before else column.asc()
        query = select(column).where(side, extra).order_by(order).limit(1)
        value = connection.execute(query).scalar()
        if value is not None:
            found.append(value)
    if not found:
        return None
    return max(found) if before else min(found)


def latest_day(connection: Connection, today: date | None = None) -> date | None:
    """The newest day with works, not after today (the newest day at all if none is)."""
    today = today or datetime.now(UTC).date()
    if _has_works_on(connection, today):
        return today
    return _neighbour_day(connection, today, before=True) or _neighbour_day(
        connection, today, before=False
    )


def _has_works_on(connection: Connection, day: date) -> bool:
    query = select(works.c.id).where(_on_day(day)).limit(1)
    return connection.execute(query).first() is not None


def daily(connection: Connection, day: date, limit: int = DAILY_LIMIT) -> DailyList:
    """The works of one day, most upvoted first (source plus local upvotes), then by AI
    score, then by title."""
    local = (
        select(user_upvotes.c.work_id, func.count().label("n"))
        .group_by(user_upvotes.c.work_id)
        .subquery("local")
    )
    total = func.coalesce(works.c.upvotes, 0) + func.coalesce(local.c.n, 0)
    query = (
        select(works.c.id)
        .outerjoin(local, local.c.work_id == works.c.id)
        .outerjoin(work_metrics, work_metrics.c.work_id == works.c.id)
        .where(_on_day(day))
        .order_by(
            total.desc(), work_metrics.c.ai_score.desc().nulls_last(), works.c.title, works.c.id
        )
        .limit(limit)
    )
    ids = list(connection.execute(query).scalars())
    return DailyList(
        day=day,
        previous_day=_neighbour_day(connection, day, before=True),
        next_day=_neighbour_day(connection, day, before=False),
        entries=tuple(entries_for(connection, ids)),
    )


def trending_score(upvotes: int, age_hours: float) -> float:
    """DESIGN.md §5: `(upvotes + 1) / (age_hours + 2) ** 1.5` (HN-style decay)."""
    return float((upvotes + 1) / (max(age_hours, 0.0) + 2.0) ** 1.5)


def trending(
    connection: Connection, now: datetime | None = None, limit: int = 50
) -> list[TrendingEntry]:
    """Works ranked by upvotes decayed by age, computed now; ties broken by AI score.

    Candidates are the works of the 30 days up to the newest day with works, so that an
    older corpus still has a (correctly ranked, strongly decayed) trending list.
    """
    now = now or datetime.now(UTC)
    newest = latest_day(connection, now.date())
    if newest is None:
        return []
    since = newest - timedelta(days=TRENDING_WINDOW_DAYS)
    day = func.coalesce(works.c.featured, works.c.published)
    rows = connection.execute(
        select(works.c.id, works.c.upvotes, day)
        .where(or_(works.c.featured >= since, works.c.published >= since))
        .order_by(works.c.upvotes.desc().nulls_last(), day.desc())
        .limit(TRENDING_CANDIDATES)
    ).all()
    local = local_upvotes(connection, [row[0] for row in rows])
    ranked: list[tuple[float, float, int]] = []
    for work_id, upvotes, when in rows:
        if when is None or when < since:
            continue
        published = datetime(when.year, when.month, when.day, tzinfo=UTC)
        age = (now - published).total_seconds() / 3600.0
        total = (upvotes or 0) + local.get(work_id, 0)
        ranked.append((trending_score(total, age), age, work_id))
    scores = ai_scores(connection, [work_id for _, _, work_id in ranked])
    ranked.sort(key=lambda r: (-r[0], -scores.get(r[2], -1.0), r[2]))
    top = ranked[:limit]
    entries = {e.work_id: e for e in entries_for(connection, [w for _, _, w in top])}
    return [
        TrendingEntry(entries[work_id], round(score, 6), round(age, 1))
        for score, age, work_id in top
        if work_id in entries
    ]
