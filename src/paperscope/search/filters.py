"""Search filters (category, date range, has code, author, venue): checked and normalised
once (`filter_terms`), then tested as SQL conditions on works (`conditions_of`) or inside
the BM25 index (search.bm25_filters), with the same meaning."""

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


@dataclass(frozen=True, slots=True)
class FilterTerms:
    """What the filters test, checked and normalised; None (or False) tests nothing.

    - `category`: lower-cased; a category equal to it matches, and, when it has no dot (the
      short tag ``cl``), one ending in ``.`` and it (``cs.cl``);
    - `since` / `until`: on the publication date, or on the year for a work without one;
    - `has_code`: a code link or the source's code badge;
    - `author_key`: part of an author's folded name (`names.name_key`);
    - `venue`: part of the lower-cased venue.
    """

    category: str | None = None
    since: date | None = None
    until: date | None = None
    has_code: bool = False
    author_key: str | None = None
    venue: str | None = None

    @property
    def active(self) -> bool:
        """Whether any filter tests something (an author of spaces tests nothing)."""
        return any(
            (self.category, self.since, self.until, self.has_code, self.author_key, self.venue)
        )


def filter_terms(filters: SearchFilters) -> FilterTerms:
    """The normalised filters; QueryError for a malformed one."""
    category = None
    if filters.category:
        category = _bounded(filters.category, "category")
        if not is_category(category):
            raise QueryError(
                f"category {category[:40]!r} is not a category: use an arXiv category such as "
                "cs.CL, its short form CL, or a field such as Signal Processing"
            )
    if filters.since and filters.until and filters.since > filters.until:
        raise QueryError(f"the date range is empty: {filters.since} is after {filters.until}")
    author = name_key(_bounded(filters.author, "author")) if filters.author else ""
    venue = _bounded(filters.venue, "venue").lower() if filters.venue else ""
    return FilterTerms(
        category=category.lower() if category else None,
        since=filters.since,
        until=filters.until,
        has_code=filters.has_code,
        author_key=author or None,
        venue=venue or None,
    )


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _category(wanted: str) -> ColumnElement[bool]:
    column = func.lower(work_categories.c.category)
    match = column == wanted
    if "." not in wanted:
        match = or_(match, column.like(literal("%.") + wanted))
    return exists(
        select(work_categories.c.work_id).where(work_categories.c.work_id == works.c.id, match)
    )


def _date_range(since: date | None, until: date | None) -> list[ColumnElement[bool]]:
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
    return conditions_of(filter_terms(filters))


def conditions_of(terms: FilterTerms) -> list[ColumnElement[bool]]:
    """Conditions on ``works`` for normalised filters (``[true()]`` for none)."""
    conditions: list[ColumnElement[bool]] = []
    if terms.category:
        conditions.append(_category(terms.category))
    conditions += _date_range(terms.since, terms.until)
    if terms.has_code:
        conditions.append(
            or_(
                works.c.code_badge.is_(True),
                exists(select(code_links.c.work_id).where(code_links.c.work_id == works.c.id)),
            )
        )
    if terms.author_key:
        conditions.append(
            exists(
                select(authorships.c.id).where(
                    authorships.c.work_id == works.c.id,
                    authorships.c.name_key.like(_like_pattern(terms.author_key), escape="\\"),
                )
            )
        )
    if terms.venue:
        conditions.append(func.lower(works.c.venue).like(_like_pattern(terms.venue), escape="\\"))
    return conditions or [true()]
