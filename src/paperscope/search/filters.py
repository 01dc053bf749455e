"""Search filters (category, date range, has code, author, venue) as SQL conditions on works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, literal, or_, select, true

from paperscope.errors import QueryError
from paperscope.names import name_key
from paperscope.store.schema import authorships, code_links, work_categories, works
from paperscope.untrusted import is_category

MAX_FILTER_CHARS = 200


@dataclass(frozen=True, slots=True)
class SearchFilters:
    category: str | None = None
    since: date | None = None
    until: date | None = None
    has_code: bool = False
    author: str | None = None
    venue: str | None = None

    @property
    def active(self) -> bool:
        return any((self.category, self.since, self.until, self.has_code, self.author, self.venue))


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _category(category: str) -> ColumnElement[bool]:
    if not is_category(category):
        raise QueryError(
            f"category {category[:40]!r} is not a category: use an arXiv category such as "
            "cs.CL, its short form CL, or a field such as Signal Processing"
        )
    wanted = category.lower()
    column = func.lower(work_categories.c.category)
    match = column == wanted
    if "." not in wanted:
        match = or_(match, column.like(literal("%.") + wanted))
    return exists(
        select(work_categories.c.work_id).where(work_categories.c.work_id == works.c.id, match)
    )


def _date_range(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
    if since and until and since > until:
        raise QueryError(f"the date range is empty: {since} is after {until}")
    conditions = []
    if since:
        conditions.append(
            or_(
                works.c.published >= since,
                and_(works.c.published.is_(None), works.c.year >= since.year),
            )
        )
    if until:
        conditions.append(
            or_(
                works.c.published <= until,
                and_(works.c.published.is_(None), works.c.year <= until.year),
            )
        )
    return conditions


def _bounded(value: str, what: str) -> str:
    value = value.strip()
    if len(value) > MAX_FILTER_CHARS:
        raise QueryError(f"the {what} filter is too long (limit {MAX_FILTER_CHARS} characters)")
    if "\x00" in value:  # PostgreSQL text cannot hold it: the query would fail, not match
        raise QueryError(f"the {what} filter contains a NUL character")
    return value


def filter_conditions(filters: SearchFilters) -> list[ColumnElement[bool]]:
    """Conditions on ``works`` for the filters; QueryError for a malformed filter."""
    conditions: list[ColumnElement[bool]] = []
    if filters.category:
        conditions.append(_category(_bounded(filters.category, "category")))
    conditions += _date_range(filters.since, filters.until)
    if filters.has_code:
        conditions.append(
            or_(
                works.c.code_badge.is_(True),
                exists(select(code_links.c.work_id).where(code_links.c.work_id == works.c.id)),
            )
        )
    if filters.author:
        key = name_key(_bounded(filters.author, "author"))
        if key:
            conditions.append(
                exists(
                    select(authorships.c.id).where(
                        authorships.c.work_id == works.c.id,
                        authorships.c.name_key.like(_like_pattern(key), escape="\\"),
                    )
                )
            )
    if filters.venue:
        venue = _bounded(filters.venue, "venue").lower()
        if venue:
            conditions.append(func.lower(works.c.venue).like(_like_pattern(venue), escape="\\"))
    return conditions or [true()]
