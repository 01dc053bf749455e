"""Search filters inside the BM25 index: the facts each filter tests, indexed with every work,
so that a filtered search is ranked and counted by the index as an unfiltered one is.

The filters mean what their SQL means (search.filters, from the same `FilterTerms`):

- a category as two raw terms, ``=cs.cl`` (the whole, lower-cased) and ``.cl`` (after its last
  dot): the filter ``cs.CL`` asks for the first, the short tag ``CL`` for either;
- the publication date as a number (20210104), or, for a work without one, its year in a
  field of its own: ``since`` / ``until`` are ranges over the one or the other;
- a code link or code badge as ``has_code`` = 1;
- the venue (lower-cased) and the authors' name keys as raw terms, searched for the filter's
  text anywhere in them (the SQL's ``LIKE '%text%'``) by a regular expression over the terms.

A filter never changes a score (it scores 0), as a SQL condition never changes the native
rank. A value too long for one term (above `MAX_TERM_BYTES`) or a date that does not parse is
not indexed: its field is named in ``unindexed`` instead, and a search filtering on it is
left to the database (`filter_query` returns None).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import tantivy

from paperscope.search.filters import FilterTerms

CATEGORY = "category"
PUBLISHED = "published"
YEAR_ONLY = "year_only"
HAS_CODE = "has_code"
VENUE = "venue_lower"
NAME_KEYS = "name_keys"
UNINDEXED = "unindexed"
MAX_TERM_BYTES = 10_000
"""Longer values are not indexed (tantivy drops a term above 65,530 bytes without a word)."""

_DATES = "dates"
_REGEX_META = set("\\.+*?()|[]{}^$#&-~")


def add_filter_fields(builder: Any) -> None:
    for name in (CATEGORY, VENUE, NAME_KEYS, UNINDEXED):
        builder.add_text_field(name, stored=False, tokenizer_name="raw")
    for name in (PUBLISHED, YEAR_ONLY, HAS_CODE):
        builder.add_integer_field(name, indexed=True, fast=True)


@dataclass(frozen=True, slots=True)
class WorkFacts:
    """One work's filter facts as the database holds them (`indexed_text.works_document_sql`)."""

    published: object  # a date (PostgreSQL) or its ISO text (SQLite), or None
    year: int | None
    has_code: bool
    venue: str | None
    categories: object  # a list (PostgreSQL) or a JSON array (SQLite), or None
    name_keys: object


def _values(aggregated: object) -> list[str]:
    if aggregated is None:
        return []
    values = json.loads(aggregated) if isinstance(aggregated, str) else aggregated
    return [str(value) for value in values if value is not None]  # type: ignore[union-attr]


def day_number(day: date) -> int:
    """20210104 for 4 January 2021: the ``published`` field's value."""
    return day.year * 10_000 + day.month * 100 + day.day


def category_terms(category: str) -> list[str]:
    """The ``category`` terms a (lower-cased) category filter asks for, any of them: the
    whole, and for a short tag (no dot) also the part after a category's last dot."""
    wanted = ["=" + category]
    if "." not in category:
        wanted.append("." + category)
    return wanted


def _day(published: object) -> int | None:
    """`day_number` of a date or its ISO text; None if it does not parse."""
    try:
        day = published if isinstance(published, date) else date.fromisoformat(str(published))
    except ValueError:
        return None
    return day_number(day)


def _fits(value: str) -> bool:
    return len(value.encode()) <= MAX_TERM_BYTES


def facet_fields(facts: WorkFacts) -> dict[str, Any]:
    """The filter fields of one work's document."""
    fields: dict[str, Any] = {}
    unindexed = []
    categories = []
    for category in _values(facts.categories):
        whole = category.lower()
        categories.append("=" + whole)
        if "." in whole:
            categories.append("." + whole.rpartition(".")[2])
    fields[CATEGORY] = categories
    if not all(_fits(term) for term in categories):
        unindexed.append(CATEGORY)
    if facts.published is not None:
        day = _day(facts.published)
        if day is None:
            unindexed.append(_DATES)
        else:
            fields[PUBLISHED] = day
    elif facts.year is not None:
        fields[YEAR_ONLY] = int(facts.year)
    if facts.has_code:
        fields[HAS_CODE] = 1
    if facts.venue is not None:
        fields[VENUE] = facts.venue.lower()
        if not _fits(fields[VENUE]):
            unindexed.append(VENUE)
    fields[NAME_KEYS] = _values(facts.name_keys)
    if not all(_fits(key) for key in fields[NAME_KEYS]):
        unindexed.append(NAME_KEYS)
    fields[UNINDEXED] = unindexed
    return {name: value for name, value in fields.items() if value != []}


def unindexed_fields(searcher: Any, schema: Any) -> frozenset[str]:
    """The fields some work of the index has a value of that was not indexed."""
    names = (CATEGORY, _DATES, VENUE, NAME_KEYS)
    return frozenset(
        name
        for name in names
        if searcher.search(tantivy.Query.term_query(schema, UNINDEXED, name), 1, count=True).count
    )


def _literal(text: str) -> str:
    """`text` as a regular expression matching itself (Rust's regex syntax)."""
    return "".join("\\" + c if c in _REGEX_META else c for c in text)


def _containing(schema: Any, field: str, text: str) -> Any:
    return tantivy.Query.regex_query(schema, field, f"(?s).*{_literal(text)}.*")


def _range(schema: Any, field: str, low: int | None, high: int | None) -> Any:
    return tantivy.Query.range_query(schema, field, tantivy.FieldType.Integer, low, high)


def _dates(schema: Any, since: date | None, until: date | None) -> Iterable[Any]:
    for low, high in ((since, None), (None, until)):
        bound = low or high
        if bound is None:
            continue
        day = day_number(bound)
        by_day = _range(schema, PUBLISHED, day if low else None, day if high else None)
        by_year = _range(
            schema, YEAR_ONLY, bound.year if low else None, bound.year if high else None
        )
        yield _either([by_day, by_year])


def _either(queries: list[Any]) -> Any:
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, query) for query in queries])


def filter_query(schema: Any, terms: FilterTerms) -> Any | None:
    """The filters as one query that scores 0, or None when no filter is set. Ask
    `can_filter` first."""
    parts = []
    if terms.category:
        wanted = category_terms(terms.category)
        parts.append(_either([tantivy.Query.term_query(schema, CATEGORY, t) for t in wanted]))
    parts += _dates(schema, terms.since, terms.until)
    if terms.has_code:
        parts.append(tantivy.Query.term_query(schema, HAS_CODE, 1))
    if terms.author_key:
        parts.append(_containing(schema, NAME_KEYS, terms.author_key))
    if terms.venue:
        parts.append(_containing(schema, VENUE, terms.venue))
    if not parts:
        return None
    every = tantivy.Query.boolean_query([(tantivy.Occur.Must, part) for part in parts])
    return tantivy.Query.const_score_query(every, 0.0)


def can_filter(terms: FilterTerms, unindexed: frozenset[str]) -> bool:
    """Whether the index holds every value the filters test."""
    needed = {
        CATEGORY: terms.category,
        _DATES: terms.since or terms.until,
        VENUE: terms.venue,
        NAME_KEYS: terms.author_key,
    }
    return not any(needed[name] for name in unindexed)


__all__ = [
    "WorkFacts",
    "add_filter_fields",
    "can_filter",
    "category_terms",
    "day_number",
    "facet_fields",
    "filter_query",
    "unindexed_fields",
]
