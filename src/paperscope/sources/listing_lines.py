"""Shared pieces of the listing-page parsers (`listing_text`): numbered lines, blank-line
blocks, page chrome, printed dates and counts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from paperscope.sources.reading import Line, LongLine

ID_SCHEME = "listing"
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATE = (
    r"(?P<month>(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?)\s*"
    r"(?P<day>\d{1,2})(?:,\s*(?P<year>\d{4}))?"
)
COUNT = r"\d[\d,]*(?:\.\d+)?[kK]?"
CHROME = re.compile(
    r"new|subscribe|get trending papers in your email inbox!|(?:daily|trending) papers"
    r"|by ?ak and the research community|search|previous|next|load more|show more|submit paper"
    r"|daily|weekly|monthly",
    re.IGNORECASE,
)
TITLE_MAX_CHARS = 300


@dataclass
class Calendar:
    pinned_year: int | None
    today: date

    def resolve(self, match: re.Match[str]) -> date:
        """The date a `DATE` match names; raises ValueError for an impossible date."""
        month = MONTHS.index(match["month"][:3].lower()) + 1
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
class PageLine:
    number: int
    text: str


def numbered_lines(lines: Iterator[Line | LongLine]) -> Iterator[PageLine]:
    for line in lines:
        text = line.excerpt if isinstance(line, LongLine) else line.text
        yield PageLine(line.number, text.replace("\ufeff", ""))


def collapse(text: str) -> str:
    return " ".join(text.split())


def printed_count(text: str) -> int:
    text = text.replace(",", "")
    if text[-1:] in ("k", "K"):
        return round(float(text[:-1]) * 1000)
    return round(float(text))


def line_blocks(lines: Iterator[PageLine], cap: int = 1 << 62) -> Iterator[list[PageLine]]:
    """Runs of non-blank lines (a run longer than `cap` characters is cut)."""
    current: list[PageLine] = []
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


def joined(block: list[PageLine]) -> str:
    return collapse(" ".join(line.text for line in block))


def is_chrome(block: list[PageLine]) -> bool:
    return all(CHROME.fullmatch(line.text.strip()) for line in block)


def notes(*notes: str | None) -> str | None:
    present = [note for note in notes if note]
    return "; ".join(present) if present else None
