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

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from paperscope.domain import AuthorName, AuthorRecord, ExternalId, WorkRecord
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Empty,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.citation_ids import title_slug
from paperscope.sources.reading import Line, LongLine, bounded_lines, peek

ID_SCHEME = "listing"
ORGANISATION_NOTE = "organisation: "

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE = (
    r"(?P<month>(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?)\s*"
    r"(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?"
)
_COUNT = r"\d[\d,]*(?:\.\d+)?[kK]?"
_PROFILE_META = re.compile(
    r"(?P<score>\d{1,3}(?:\.\d+)?)?\s*(?P<category>[A-Za-z][A-Za-z.-]*?)?\s*"
    + _DATE
    + r"\s*(?P<code>Code)?"
)
_DAY_HEADER = re.compile(_DATE)
_FEED_DATE = re.compile(_DATE + r"(?:\s+(?P<upvotes>" + _COUNT + r"))?")
_AUTHOR_COUNT = re.compile(r"[•·]?\s*(?P<count>\d[\d,]*)\s+authors?", re.IGNORECASE)
_ET_AL = re.compile(r",?\s*\bet\s+al\b\.?,?$", re.IGNORECASE)
_HEADER_METRICS = {
    "reported_h_index": re.compile(r"h-?index\s*:?\s*(" + _COUNT + ")", re.IGNORECASE),
    "reported_papers": re.compile(r"(" + _COUNT + r")\s*papers?", re.IGNORECASE),
    "reported_citations": re.compile(r"(" + _COUNT + r")\s*citations?", re.IGNORECASE),
    "reported_novelty": re.compile(r"novelty\s*:?\s*(\d+(?:\.\d+)?)\s*%?", re.IGNORECASE),
    "reported_ai_score": re.compile(r"ai\s*score\s*:?\s*(\d+(?:\.\d+)?)", re.IGNORECASE),
}
_CATEGORY_TAG = re.compile(r"[A-Za-z][A-Za-z.-]{0,15}")
_CHROME = re.compile(
    r"new|subscribe|get trending papers in your email inbox!|(?:daily|trending) papers"
    r"|by ?ak and the research community|search|previous|next|load more|show more|submit paper"
    r"|daily|weekly|monthly",
    re.IGNORECASE,
)
_INITIAL = re.compile(r"\w{1,2}\.")
_NAME_PARTICLE = re.compile(r"van|von|de|der|den|da|di|du|del|della|la|le|dos|das|bin|al")
_LINK_HINT = re.compile(r"://|\bwww\.|github|gitlab|huggingface\.co", re.IGNORECASE)
_TITLE_MAX_CHARS = 300
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
    calendar = _Calendar(reference_year, today or date.today())
    lines = _numbered_lines(bounded_lines(replay, limits.record_bytes))
    found = False
    if _is_profile(_head_lines(head)):
        results = _parse_profile(lines, calendar, limits)
    else:
        results = _parse_feed(lines, calendar, limits)
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
    return _is_profile(lines) or _is_feed(lines)


# --- shared pieces ---------------------------------------------------------------------


@dataclass
class _Calendar:
    pinned_year: int | None
    today: date

    def resolve(self, match: re.Match[str]) -> date:
        """The date a `_DATE` match names; raises ValueError for an impossible date."""
        month = _MONTHS.index(match["month"][:3].lower()) + 1
        day = int(match["day"])
        if match["year"]:
            return date(int(match["year"]), month, day)
        if self.pinned_year is not None:
            return date(self.pinned_year, month, day)
        for year in range(self.today.year, self.today.year - 8, -1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                continue  # 29 February outside a leap year
            if candidate <= self.today:
                return candidate
        raise ValueError(f"{match.group()!r} is not a date")


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    text: str


def _numbered_lines(lines: Iterator[Line | LongLine]) -> Iterator[_Line]:
    for line in lines:
        text = line.excerpt if isinstance(line, LongLine) else line.text
        yield _Line(line.number, text.replace("\ufeff", ""))


def _head_lines(head: bytes) -> list[str]:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    return [line.strip() for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]


def _is_profile(lines: list[str]) -> bool:
    header = lines[:30]
    has_h_index = any(_HEADER_METRICS["reported_h_index"].fullmatch(line) for line in header)
    has_counts = any(
        _HEADER_METRICS[name].fullmatch(line)
        for line in header
        for name in ("reported_papers", "reported_citations")
    )
    return has_h_index and has_counts


def _is_feed(lines: list[str]) -> bool:
    for before, after in itertools.pairwise(lines):
        if before == "·" and _FEED_DATE.fullmatch(after):
            return True
        if _AUTHOR_COUNT.fullmatch(before) and after.startswith("·"):
            return True
    has_title = any(line.casefold() == "daily papers" for line in lines[:20])
    return has_title and any(_AUTHOR_COUNT.fullmatch(line) for line in lines)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _count(text: str) -> int:
    text = text.replace(",", "")
    if text[-1:] in ("k", "K"):
        return round(float(text[:-1]) * 1000)
    return round(float(text))


def _blocks(lines: Iterator[_Line], cap: int = 1 << 62) -> Iterator[list[_Line]]:
    """Runs of non-blank lines (a run longer than `cap` characters is cut)."""
    current: list[_Line] = []
    size = 0
    for line in lines:
        if line.text.strip():
            current.append(line)
            size += len(line.text)
            if size > cap:
                yield current
                current, size = [], 0
        elif current:
            yield current
            current, size = [], 0
    if current:
        yield current


def _joined(block: list[_Line]) -> str:
    return _collapse(" ".join(line.text for line in block))


def _is_chrome(block: list[_Line]) -> bool:
    return all(_CHROME.fullmatch(line.text.strip()) for line in block)


def _notes(*notes: str | None) -> str | None:
    present = [note for note in notes if note]
    return "; ".join(present) if present else None


# --- author profile --------------------------------------------------------------------


@dataclass
class _Profile:
    limits: Limits
    header: list[_Line] = field(default_factory=list)
    entries: int = 0
    papers: list[WorkRecord] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    size: int = 0
    """Characters of the page so far: the profile is one record, so past the record cap
    nothing more is kept and it is quarantined."""

    @property
    def over(self) -> bool:
        return self.size > self.limits.record_bytes

    def keep(self, text: str) -> None:
        self.size += len(text) + 1
        if self.over:
            if self.papers or len(self.raw) > 1:
                self.raw = [excerpt("\n".join(self.raw))]
                self.papers.clear()
        else:
            self.raw.append(text)


def _parse_profile(
    lines: Iterator[_Line], calendar: _Calendar, limits: Limits
) -> Iterator[ParseResult]:
    profile = _Profile(limits)
    entry: list[_Line] = []
    for line in lines:
        profile.keep(line.text)
        text = line.text.strip()
        # The title right under a meta line is a title even if it reads like a meta line.
        if _PROFILE_META.fullmatch(text) and len(entry) != 1:
            if entry:
                yield from _guarded_entry(entry, calendar, profile)
            entry = [line]
        elif entry:
            if not profile.over:
                entry.append(line)
        elif text and not _CHROME.fullmatch(text) and not profile.over:
            profile.header.append(line)
    if entry:
        yield from _guarded_entry(entry, calendar, profile)
    if profile.over:
        reason = over_cap("the profile page", profile.size, limits.record_bytes)
        yield Malformed("line 1 (profile header)", None, reason, "\n".join(profile.raw))
        return
    try:
        yield from _profile_record(profile)
    except Exception as error:  # a hostile header must not end the file
        yield Malformed("line 1 (profile header)", None, failure(error), "\n".join(profile.raw))


def _guarded_entry(
    entry: list[_Line], calendar: _Calendar, profile: _Profile
) -> Iterator[Malformed]:
    try:
        yield from _profile_entry(entry, calendar, profile)
    except Exception as error:  # one entry's failure must not end the file
        raw = excerpt("\n".join(line.text for line in entry))
        yield Malformed(f"line {entry[0].number}", None, failure(error), raw)


def _profile_entry(
    entry: list[_Line], calendar: _Calendar, profile: _Profile
) -> Iterator[Malformed]:
    meta = _PROFILE_META.fullmatch(entry[0].text.strip())
    assert meta is not None  # the caller starts an entry only on a meta line
    profile.entries += 1
    position = f"line {entry[0].number} (paper {profile.entries})"
    raw = "\n".join(line.text for line in entry).strip()
    blocks = [block for block in _blocks(iter(entry[1:])) if not _is_chrome(block)]
    if not blocks:
        yield Malformed(position, "title", "entry has a meta line but no title", raw)
        return
    try:
        published = calendar.resolve(meta)
    except ValueError as error:
        yield Malformed(position, "published", f"impossible date: {error}", raw)
        return
    title = _joined(blocks[0])
    authors_text = _joined(blocks[1]) if len(blocks) > 1 and _looks_like_authors(blocks[1]) else ""
    abstract_blocks = blocks[2:] if authors_text else blocks[1:]
    names, truncated = _split_authors(authors_text)
    if profile.over:
        return
    profile.papers.append(
        WorkRecord(
            ids=(ExternalId(ID_SCHEME, title_slug(title)),),
            title=title,
            abstract=_collapse(" ".join(_joined(b) for b in abstract_blocks)) or None,
            authors=tuple(AuthorName(name) for name in names),
            published=published,
            year=published.year,
            categories=(meta["category"],) if meta["category"] else (),
            authors_truncated=truncated,
            code_badge=bool(meta["code"]),
            source_score=float(meta["score"]) if meta["score"] else None,
        )
    )


def _looks_like_authors(block: list[_Line]) -> bool:
    """An authors line, not a one-line abstract (entries may lack either)."""
    text = _joined(block)
    if len(block) > 1 or len(text) > _TITLE_MAX_CHARS:
        return False
    if _ET_AL.search(text):
        return True
    names, _ = _split_authors(text)
    return bool(names) and all(_looks_like_name(name) for name in names)


def _looks_like_name(name: str) -> bool:
    words = name.split()
    if len(words) > 6 or re.search(r"[:;!?()]", name):
        return False
    if name.endswith(".") and not _INITIAL.fullmatch(words[-1]):
        return False  # a sentence, not a name ending in an initial
    return not (name[0].islower() and not _NAME_PARTICLE.fullmatch(words[0]))


def _split_authors(text: str) -> tuple[list[str], bool]:
    truncated = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text)
    names = re.split(r",\s*(?:and\s+|&\s*)?|\s+and\s+|\s+&\s+", text)
    return [_collapse(name) for name in names if name.strip()], truncated


def _profile_record(profile: _Profile) -> Iterator[ParseResult]:
    raw = "\n".join(profile.raw).strip()
    header = [line.text.strip() for line in profile.header]
    name = header[0] if header else ""
    if not name or any(pattern.fullmatch(name) for pattern in _HEADER_METRICS.values()):
        yield Malformed("line 1 (profile header)", "name", "profile page names no author", raw)
        for number, paper in enumerate(profile.papers, start=1):
            yield Parsed(paper, f"paper {number}", raw)
        return
    metrics = _header_metrics(header[1:])
    yield Parsed(
        AuthorRecord(
            ids=(ExternalId(ID_SCHEME, title_slug(name)),),
            name=_collapse(name),
            primary_category=_primary_category(header[1:]),
            reported_h_index=_int_metric(metrics.get("reported_h_index")),
            reported_papers=_int_metric(metrics.get("reported_papers")),
            reported_citations=_int_metric(metrics.get("reported_citations")),
            reported_novelty=_float_metric(metrics.get("reported_novelty")),
            reported_ai_score=_float_metric(metrics.get("reported_ai_score")),
            papers=tuple(profile.papers),
        ),
        f"line {profile.header[0].number} (profile of {_collapse(name)})",
        raw,
    )


def _header_metrics(lines: list[str]) -> dict[str, str]:
    """The first value of each metric printed in the header (the list heading repeats papers)."""
    metrics: dict[str, str] = {}
    for line in lines:
        for name, pattern in _HEADER_METRICS.items():
            match = pattern.fullmatch(line)
            if match and name not in metrics:
                metrics[name] = match.group(1)
                break
    return metrics


def _primary_category(lines: list[str]) -> str | None:
    for line in lines[:1]:
        if _CATEGORY_TAG.fullmatch(line) and line.casefold() not in ("papers", "paper"):
            return line
    return None


def _int_metric(text: str | None) -> int | None:
    return _count(text) if text else None


def _float_metric(text: str | None) -> float | None:
    return float(text) if text else None


# --- Daily Papers / search results -----------------------------------------------------


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
    calendar: _Calendar
    limits: Limits
    day: str | None = None
    entry: _FeedEntry | None = None
    seen_entry: bool = False
    """Whether a real entry (with an abstract or details) has been read: lone lines before
    the first one are page chrome."""


def _parse_feed(
    lines: Iterator[_Line], calendar: _Calendar, limits: Limits
) -> Iterator[ParseResult]:
    state = _FeedState(calendar, limits)
    blocks = _blocks(lines, limits.record_bytes)
    block = next(blocks, None)
    while block is not None:
        following = next(blocks, None)
        yield from _feed_block(block, following, state)
        block = following
    if state.entry is not None and (state.entry.abstract or _over(state.entry, state)):
        yield _feed_record(state.entry, state, None)
    # A lone line after the last entry is page chrome (a footer), not a paper.


def _feed_block(
    block: list[_Line], following: list[_Line] | None, state: _FeedState
) -> Iterator[ParseResult]:
    text = _joined(block)
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
    if _is_chrome(block):
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
    state.entry = _FeedEntry(block[0].number, excerpt(text, _TITLE_MAX_CHARS * 4), state.day)
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


def _continues_entry(entry: _FeedEntry, block: list[_Line], following: list[_Line] | None) -> bool:
    """Whether `block` is (more of) the current entry's abstract rather than a new title."""
    if not _looks_like_title(block):
        return True
    if entry.abstract:
        return False
    # A short line right after a title is its abstract unless an abstract follows it.
    return following is None or _is_details(following) or _looks_like_title(following)


def _looks_like_title(block: list[_Line]) -> bool:
    """Titles are short, may wrap over a few lines, hold no link and end without a period."""
    text = _joined(block)
    return (
        len(block) <= 3
        and len(text) <= _TITLE_MAX_CHARS
        and not _LINK_HINT.search(text)
        and not text.endswith((".", ",", ";", ":"))
    )


def _is_details(block: list[_Line]) -> bool:
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


def _feed_record(entry: _FeedEntry, state: _FeedState, details: list[_Line] | None) -> ParseResult:
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
    calendar: _Calendar,
    details: list[_Line] | None,
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
            author_count = _count(count["count"])
        elif dated:
            try:
                published = calendar.resolve(dated)
            except ValueError as error:
                return Malformed(position, "published", f"impossible date: {error}", raw)
            upvotes = _count(dated["upvotes"]) if dated["upvotes"] else None
        elif after_dot:
            return Malformed(position, "published", f"not a date (and upvotes): {part!r}", raw)
        else:
            organisation = part
    record = WorkRecord(
        ids=(ExternalId(ID_SCHEME, title_slug(entry.title)),),
        title=entry.title,
        abstract=_collapse(" ".join(entry.abstract)) or None,
        author_count=author_count,
        published=published,
        year=published.year if published else None,
        comments=_notes(ORGANISATION_NOTE + organisation if organisation else None),
        upvotes=upvotes,
    )
    return Parsed(record, position, raw)


def _detail_parts(details: list[_Line]) -> Iterator[tuple[str, bool]]:
    """Each printed part of a details block, and whether it follows the `·` separator."""
    after_dot = False
    for line in details:
        for index, part in enumerate(line.text.split("·")):
            after_dot = after_dot or index > 0
            part = part.strip().lstrip("•").strip()
            if part:
                yield part, after_dot


FORMATS = (
    Format(
        name="listing-text",
        description="text of paper-site pages: an author profile or a Daily Papers/search list",
        sniff=sniff,
        parse=_parse,
    ),
)
