"""An author profile page (one `AuthorRecord` whose papers are the entries): see
`listing_text` for the layout and the field choices."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from paperscope.domain import AuthorName, AuthorRecord, ExternalId, WorkRecord
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
    CHROME,
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
    printed_count,
)

_PROFILE_META = re.compile(
    r"(?P<score>\d{1,3}(?:\.\d+)?)?\s*(?P<category>[A-Za-z][A-Za-z.-]*?)?\s*"
    + DATE
    + r"\s*(?P<code>Code)?"
)
_ET_AL = re.compile(r",?\s*\bet\s+al\b\.?,?$", re.IGNORECASE)
HEADER_METRICS = {
    "reported_h_index": re.compile(r"h-?index\s*:?\s*(" + COUNT + ")", re.IGNORECASE),
    "reported_papers": re.compile(r"(" + COUNT + r")\s*papers?", re.IGNORECASE),
    "reported_citations": re.compile(r"(" + COUNT + r")\s*citations?", re.IGNORECASE),
    "reported_novelty": re.compile(r"novelty\s*:?\s*(\d+(?:\.\d+)?)\s*%?", re.IGNORECASE),
    "reported_ai_score": re.compile(r"ai\s*score\s*:?\s*(\d+(?:\.\d+)?)", re.IGNORECASE),
}
_CATEGORY_TAG = re.compile(r"[A-Za-z][A-Za-z.-]{0,15}")
_INITIAL = re.compile(r"\w{1,2}\.")
_NAME_PARTICLE = re.compile(r"van|von|de|der|den|da|di|du|del|della|la|le|dos|das|bin|al")


def is_profile(lines: list[str]) -> bool:
    header = lines[:30]
    has_h_index = any(HEADER_METRICS["reported_h_index"].fullmatch(line) for line in header)
    has_counts = any(
        HEADER_METRICS[name].fullmatch(line)
        for line in header
        for name in ("reported_papers", "reported_citations")
    )
    return has_h_index and has_counts


@dataclass
class _Profile:
    limits: Limits
    header: list[PageLine] = field(default_factory=list)
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


def parse_profile(
    lines: Iterator[PageLine], calendar: Calendar, limits: Limits
) -> Iterator[ParseResult]:
    profile = _Profile(limits)
    entry: list[PageLine] = []
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
        elif text and not CHROME.fullmatch(text) and not profile.over:
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
    entry: list[PageLine], calendar: Calendar, profile: _Profile
) -> Iterator[Malformed]:
    try:
        yield from _profile_entry(entry, calendar, profile)
    except Exception as error:  # one entry's failure must not end the file
        raw = excerpt("\n".join(line.text for line in entry))
        yield Malformed(f"line {entry[0].number}", None, failure(error), raw)


def _profile_entry(
    entry: list[PageLine], calendar: Calendar, profile: _Profile
) -> Iterator[Malformed]:
    meta = _PROFILE_META.fullmatch(entry[0].text.strip())
    assert meta is not None  # the caller starts an entry only on a meta line
    profile.entries += 1
    position = f"line {entry[0].number} (paper {profile.entries})"
    raw = "\n".join(line.text for line in entry).strip()
    blocks = [block for block in line_blocks(iter(entry[1:])) if not is_chrome(block)]
    if not blocks:
        yield Malformed(position, "title", "entry has a meta line but no title", raw)
        return
    try:
        published = calendar.resolve(meta)
    except ValueError as error:
        yield Malformed(position, "published", f"impossible date: {error}", raw)
        return
    title = joined(blocks[0])
    authors_text = joined(blocks[1]) if len(blocks) > 1 and _looks_like_authors(blocks[1]) else ""
    abstract_blocks = blocks[2:] if authors_text else blocks[1:]
    names, truncated = _split_authors(authors_text)
    if profile.over:
        return
    profile.papers.append(
        WorkRecord(
            ids=(ExternalId(ID_SCHEME, title_slug(title)),),
            title=title,
            abstract=collapse(" ".join(joined(b) for b in abstract_blocks)) or None,
            authors=tuple(AuthorName(name) for name in names),
            published=published,
            year=published.year,
            categories=(meta["category"],) if meta["category"] else (),
            authors_truncated=truncated,
            code_badge=bool(meta["code"]),
            source_score=float(meta["score"]) if meta["score"] else None,
        )
    )


def _looks_like_authors(block: list[PageLine]) -> bool:
    """An authors line, not a one-line abstract (entries may lack either)."""
    text = joined(block)
    if len(block) > 1 or len(text) > TITLE_MAX_CHARS:
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
    return [collapse(name) for name in names if name.strip()], truncated


def _profile_record(profile: _Profile) -> Iterator[ParseResult]:
    raw = "\n".join(profile.raw).strip()
    header = [line.text.strip() for line in profile.header]
    name = header[0] if header else ""
    if not name or any(pattern.fullmatch(name) for pattern in HEADER_METRICS.values()):
        yield Malformed("line 1 (profile header)", "name", "profile page names no author", raw)
        for number, paper in enumerate(profile.papers, start=1):
            yield Parsed(paper, f"paper {number}", raw)
        return
    metrics = _header_metrics(header[1:])
    yield Parsed(
        AuthorRecord(
            ids=(ExternalId(ID_SCHEME, title_slug(name)),),
            name=collapse(name),
            primary_category=_primary_category(header[1:]),
            reported_h_index=_int_metric(metrics.get("reported_h_index")),
            reported_papers=_int_metric(metrics.get("reported_papers")),
            reported_citations=_int_metric(metrics.get("reported_citations")),
            reported_novelty=_float_metric(metrics.get("reported_novelty")),
            reported_ai_score=_float_metric(metrics.get("reported_ai_score")),
            papers=tuple(profile.papers),
        ),
        f"line {profile.header[0].number} (profile of {collapse(name)})",
        raw,
    )


def _header_metrics(lines: list[str]) -> dict[str, str]:
    """The first value of each metric printed in the header (the list heading repeats papers)."""
    metrics: dict[str, str] = {}
    for line in lines:
        for name, pattern in HEADER_METRICS.items():
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
    return printed_count(text) if text else None


def _float_metric(text: str | None) -> float | None:
    return float(text) if text else None


# --- Daily Papers / search results -----------------------------------------------------
