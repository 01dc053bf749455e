"""The text of paper-site listing pages, in their two layouts (format `listing-text`).

Author profile: the name, a category tag, a metrics block (`h-index31`, `17papers`,
`605citations`, `Novelty46%`, `AI Score56`), then one entry per paper: a meta line
`99.7AIApr 2Code` (optional score, category tag, date, optional `Code` badge), the title, the
authors (up to three, then `et al.`) and the abstract. It yields one `AuthorRecord` whose
`papers` are the entries.

Daily Papers / search results: page chrome and a day header (`Dec 31`), then per entry the
title, the abstract, and a details block `• 2 authors` (or an organisation name) / `·` /
`Feb 2, 2024 3` (date, then the upvote count when printed). It yields one `WorkRecord` per
entry. Entries whose details block is missing are still entries (title and abstract only).

Field choices, where the page says less than a record can hold:

- Ids: pages print none, so a record is keyed `listing:<slug>`, the slug of the title (of the
  name for a profile); the ingest merges works on normalised title, first author and year.
- Dates without a year (`Apr 2`) are in the page's current year. `parse_listing` takes that
  year as `reference_year`; without it, it is today's year, except that a date which would
  then lie after today (or after the page's own day header) belongs to the year before, since
  a page cannot list a paper from its future. A day header with a year pins the year itself.
- Category tags are kept as printed (`CV`), the arXiv category without its archive prefix.
- A profile entry's `Code` badge is `code_badge` (the linked repository, when the abstract
  names one, is found by the ingest's text scan); `et al.` sets `authors_truncated` (the
  true count is unknown, so `author_count` stays None). A feed entry that shows an
  organisation in place of its author count keeps it in `comments` as `organisation: <name>`.
- `upvotes` and `source_score` are None when the entry prints none.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from paperscope.sources.base import DEFAULT_LIMITS, Empty, Format, Limits, ParseResult
from paperscope.sources.listing_feed import ORGANISATION_NOTE, is_feed, parse_feed
from paperscope.sources.listing_lines import ID_SCHEME, Calendar, numbered_lines
from paperscope.sources.listing_profile import is_profile, parse_profile
from paperscope.sources.reading import bounded_lines, peek

__all__ = ["FORMATS", "ID_SCHEME", "ORGANISATION_NOTE", "parse_listing", "sniff"]

_SNIFF_LINES = 400


def parse_listing(
    stream: BinaryIO,
    reference_year: int | None = None,
    *,
    today: date | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[ParseResult]:
    """Parse a listing page; `reference_year` is the year of dates printed without one.

    A page is text a person could read: a profile (one record with its papers) or a feed
    entry past `limits.record_bytes` is quarantined, and lines past it are cut to an excerpt.
    """
    head, replay = peek(stream)
    calendar = Calendar(reference_year, today or date.today())
    lines = numbered_lines(bounded_lines(replay, limits.record_bytes))
    found = False
    if is_profile(_head_lines(head)):
        results = parse_profile(lines, calendar, limits)
    else:
        results = parse_feed(lines, calendar, limits)
    for result in results:
        found = True
        yield result
    if not found:
        yield Empty("a page without entries")


def _parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    return parse_listing(stream, limits=limits)


def sniff(head: bytes, filename: str) -> bool:
    lines = _head_lines(head)
    if not lines or lines[0][:1] in ("{", "[", "<", "@", "%"):
        return False
    return is_profile(lines) or is_feed(lines)


# --- shared pieces ---------------------------------------------------------------------


def _head_lines(head: bytes) -> list[str]:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return [line.strip() for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]


FORMATS = (
    Format(
        name="listing-text",
        description="text of paper-site pages: an author profile or a Daily Papers/search list",
        sniff=sniff,
        parse=_parse,
    ),
)
