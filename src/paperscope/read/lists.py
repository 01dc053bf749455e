"""The lists the site shows: one day's papers and trending papers, as `WorkSummary` rows.

A work's *day* is the day a curated list featured it, else its publication date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select

from paperscope.read.works import WorkSummary, load_works, local_upvotes, local_upvotes_subquery
from paperscope.store.ids import in_list
from paperscope.store.metrics_schema import work_metrics
from paperscope.store.schema import works

DAILY_LIMIT = 100
TRENDING_WINDOW_DAYS = 30
TRENDING_CANDIDATES = 5000


@dataclass(frozen=True, slots=True)
class DailyList:
    day: date
    previous_day: date | None
    next_day: date | None
    entries: tuple[WorkSummary, ...]


@dataclass(frozen=True, slots=True)
class TrendingEntry:
    entry: WorkSummary
    trending_score: float
    age_hours: float


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
    local = local_upvotes_subquery()
    total = func.coalesce(works.c.upvotes, 0) + func.coalesce(local.c.local_upvotes, 0)
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
        entries=tuple(load_works(connection, ids)),
    )


def trending_score(upvotes: int, age_hours: float) -> float:
    """`(upvotes + 1) / (age_hours + 2) ** 1.5`: HN-style decay (docs/metrics.md)."""
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
    scores = _ai_scores(connection, [work_id for _, _, work_id in ranked])
    ranked.sort(key=lambda r: (-r[0], -scores.get(r[2], -1.0), r[2]))
    top = ranked[:limit]
    entries = {e.work_id: e for e in load_works(connection, [w for _, _, w in top])}
    return [
        TrendingEntry(entries[work_id], round(score, 6), round(age, 1))
        for score, age, work_id in top
        if work_id in entries
    ]


def _ai_scores(connection: Connection, ids: Sequence[int]) -> dict[int, float]:
    """AI scores stored by `paperscope score` (ties of trending are broken by them)."""
    if not ids:
        return {}
    rows = connection.execute(
        select(work_metrics.c.work_id, work_metrics.c.ai_score).where(
            in_list(work_metrics.c.work_id, ids), work_metrics.c.ai_score.is_not(None)
        )
    )
    return {work_id: float(score) for work_id, score in rows}


def newest_work_ids(connection: Connection, limit: int) -> list[int]:
    """The ids of the `limit` newest works: by publication date, then year (works with
    neither last), then newest id; what the home feed of followed things looks through."""
    query = (
        select(works.c.id)
        .order_by(
            works.c.published.desc().nulls_last(),
            works.c.year.desc().nulls_last(),
            works.c.id.desc(),
        )
        .limit(limit)
    )
    return list(connection.execute(query).scalars())


def recent_ids(
    connection: Connection, days: int = TRENDING_WINDOW_DAYS, limit: int = TRENDING_CANDIDATES
) -> list[int]:
    """The works of the `days` up to the newest day with works, newest first (the personal
    feed's candidates)."""
    newest = latest_day(connection)
    if newest is None:
        return []
    since = newest - timedelta(days=days)
    day = func.coalesce(works.c.featured, works.c.published)
    query = (
        select(works.c.id)
        .where(day >= since, day <= newest)
        .order_by(day.desc(), works.c.id.desc())
        .limit(limit)
    )
    return list(connection.execute(query).scalars())
