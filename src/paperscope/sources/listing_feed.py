"""A Daily Papers / search results page (one `WorkRecord` per entry): see `listing_text` for
the layout and the field choices."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from paperscope.domain import ExternalId, WorkRecord
from paperscope.sources.base import (
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.citation_ids import title_slug
from paperscope.sources.listing_lines import (
    COUNT,
    DATE,
    ID_SCHEME,
    TITLE_MAX_CHARS,
    Calendar,
    PageLine,
    collapse,
    is_chrome,
    joined,
    line_blocks,
    notes,
    printed_count,
)

ORGANISATION_NOTE = "organisation: "

_DAY_HEADER = re.compile(DATE)
_FEED_DATE = re.compile(DATE + r"(?:\s+(?P<upvotes>" + COUNT + r"))?")
_AUTHOR_COUNT = re.compile(r"[•·]?\s*(?P<count>\d[\d,]*)\s+authors?", re.IGNORECASE)
_LINK_HINT = re.compile(r"://|\bwww\.|github|gitlab|huggingface\.co", re.IGNORECASE)


def is_feed(lines: list[str]) -> bool:
    for before, after in itertools.pairwise(lines):
        if before == "·" and _FEED_DATE.fullmatch(after):
            return True
        if _AUTHOR_COUNT.fullmatch(before) and after.startswith("·"):
            return True
    has_title = any(line.casefold() == "daily papers" for line in lines[:20])
    return has_title and any(_AUTHOR_COUNT.fullmatch(line) for line in lines)


@dataclass
class _FeedEntry:
    start: int
    title: str
    day: str | None
    abstract: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    size: int = 0

    def add(self, texts: list[str], abstract: str | None, cap: int) -> None:
        """More of the entry; past `cap` characters only the size is counted."""
        self.size += sum(len(text) + 1 for text in texts)
        if self.size <= cap:
            self.raw.extend(texts)
            if abstract is not None:
                self.abstract.append(abstract)
        elif len(self.raw) > 1 or self.abstract:
            self.raw, self.abstract = [excerpt("\n".join(self.raw))], []


@dataclass
class _FeedState:
    calendar: Calendar
    limits: Limits
    day: str | None = None
    entry: _FeedEntry | None = None
    seen_entry: bool = False
    """Whether a real entry (with an abstract or details) has been read: lone lines before
    the first one are page chrome."""


def parse_feed(
    lines: Iterator[PageLine], calendar: Calendar, limits: Limits
) -> Iterator[ParseResult]:
    state = _FeedState(calendar, limits)
    blocks = line_blocks(lines, limits.record_bytes)
    block = next(blocks, None)
    while block is not None:
        following = next(blocks, None)
        yield from _feed_block(block, following, state)
        block = following
    if state.entry is not None and (state.entry.abstract or _over(state.entry, state)):
        yield _feed_record(state.entry, state, None)
    # A lone line after the last entry is page chrome (a footer), not a paper.


def _feed_block(
    block: list[PageLine], following: list[PageLine] | None, state: _FeedState
) -> Iterator[ParseResult]:
    text = joined(block)
    if _is_details(block):
        if state.entry is None:
            position = f"line {block[0].number}"
            yield Malformed(position, "title", "entry details with no title before them", text)
        else:
            state.entry.add([line.text for line in block], None, state.limits.record_bytes)
            yield _feed_record(state.entry, state, block)
            state.entry = None
            state.seen_entry = True
        return
    if is_chrome(block):
        return
    if len(block) == 1 and _DAY_HEADER.fullmatch(text):
        _set_day(state, text)
        return
    entry = state.entry
    if entry is not None and _continues_entry(entry, block, following):
        entry.add(["", *(line.text for line in block)], text, state.limits.record_bytes)
        return
    if entry is not None:
        yield from _finish_without_details(entry, state)
    state.entry = _FeedEntry(block[0].number, excerpt(text, TITLE_MAX_CHARS * 4), state.day)
    state.entry.add([line.text for line in block], None, state.limits.record_bytes)


def _finish_without_details(entry: _FeedEntry, state: _FeedState) -> Iterator[ParseResult]:
    """An entry the page printed without an author count and date (seen on real pages)."""
    if entry.abstract or _over(entry, state):
        state.seen_entry = True
        yield _feed_record(entry, state, None)
    elif state.seen_entry:
        reason = "a lone line between entries, with neither abstract nor author count and date"
        yield Malformed(f"line {entry.start}", "abstract", reason, "\n".join(entry.raw))


def _set_day(state: _FeedState, text: str) -> None:
    """A day header: later dates without a year cannot be after it."""
    match = _DAY_HEADER.fullmatch(text)
    assert match is not None
    state.day = text
    try:
        day = state.calendar.resolve(match)
    except ValueError:
        return
    if match["year"]:
        state.calendar.pinned_year = day.year
    elif state.calendar.pinned_year is None:
        state.calendar.today = min(state.calendar.today, day)


def _continues_entry(
    entry: _FeedEntry, block: list[PageLine], following: list[PageLine] | None
) -> bool:
    """Whether `block` is (more of) the current entry's abstract rather than a new title."""
    if not _looks_like_title(block):
        return True
    if entry.abstract:
        return False
    # A short line right after a title is its abstract unless an abstract follows it.
    return following is None or _is_details(following) or _looks_like_title(following)


def _looks_like_title(block: list[PageLine]) -> bool:
    """Titles are short, may wrap over a few lines, hold no link and end without a period."""
    text = joined(block)
    return (
        len(block) <= 3
        and len(text) <= TITLE_MAX_CHARS
        and not _LINK_HINT.search(text)
        and not text.endswith((".", ",", ";", ":"))
    )


def _is_details(block: list[PageLine]) -> bool:
    """The block under an entry: `• 2 authors` (or an organisation), `·`, date and upvotes."""
    for line in block:
        text = line.text.strip()
        if text.startswith("·") or _AUTHOR_COUNT.fullmatch(text):
            return True
        if "·" in text and _FEED_DATE.fullmatch(text.rsplit("·", 1)[1].strip()):
            return True
    return False


def _over(entry: _FeedEntry, state: _FeedState) -> bool:
    return entry.size > state.limits.record_bytes


def _feed_record(
    entry: _FeedEntry, state: _FeedState, details: list[PageLine] | None
) -> ParseResult:
    position = f"line {entry.start}" + (f" (listed under {entry.day})" if entry.day else "")
    raw = "\n".join(entry.raw)
    if _over(entry, state):
        reason = over_cap("the entry", entry.size, state.limits.record_bytes)
        return Malformed(position, None, reason, raw)
    try:
        return _feed_work(entry, state.calendar, details, position, raw)
    except Exception as error:  # one entry's failure must not end the file
        return Malformed(position, None, failure(error), excerpt(raw))


def _feed_work(
    entry: _FeedEntry,
    calendar: Calendar,
    details: list[PageLine] | None,
    position: str,
    raw: str,
) -> ParseResult:
    author_count: int | None = None
    organisation: str | None = None
    published: date | None = None
    upvotes: int | None = None
    for part, after_dot in _detail_parts(details or []):
        count = _AUTHOR_COUNT.fullmatch(part)
        dated = _FEED_DATE.fullmatch(part)
        if count and not after_dot:
            author_count = printed_count(count["count"])
        elif dated:
            try:
                published = calendar.resolve(dated)
            except ValueError as error:
                return Malformed(position, "published", f"impossible date: {error}", raw)
            upvotes = printed_count(dated["upvotes"]) if dated["upvotes"] else None
        elif after_dot:
            return Malformed(position, "published", f"not a date (and upvotes): {part!r}", raw)
        else:
            organisation = part
    record = WorkRecord(
        ids=(ExternalId(ID_SCHEME, title_slug(entry.title)),),
        title=entry.title,
        abstract=collapse(" ".join(entry.abstract)) or None,
        author_count=author_count,
        published=published,
        year=published.year if published else None,
        comments=notes(ORGANISATION_NOTE + organisation if organisation else None),
        upvotes=upvotes,
    )
    return Parsed(record, position, raw)


def _detail_parts(details: list[PageLine]) -> Iterator[tuple[str, bool]]:
    """Each printed part of a details block, and whether it follows the `·` separator."""
    after_dot = False
    for line in details:
        for index, part in enumerate(line.text.split("·")):
            after_dot = after_dot or index > 0
            part = part.strip().lstrip("•").strip()
            if part:
                yield part, after_dot
