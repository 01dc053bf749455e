"""RIS files (Zotero, Mendeley, JabRef, EndNote exports), streamed: one WorkRecord per record.

The file is cut into records here, line by line with the shared bounded reader (a record
runs from `TY  - ` to `ER  - `), so that memory holds one record (at most
`Limits.record_bytes`) and every record knows its line; `rispy` reads each one (what the
tags mean, continuation lines, list tags). The text comes UTF-8 from `reading.Utf8Stream`
(BOM, UTF-16); stray bytes that are not UTF-8 are read as cp1252. The tags used:

    TI, T1               title            AU, A1   authors ("Last, First[, Suffix]")
    PY, Y1, DA           year and date    DO       DOI
    JO, JF, T2, C3, J2   venue            AB, N2   abstract       KW   keywords
    UR                   URLs (an arXiv one gives the arXiv id, as do an arXiv DO and N1)

A record without a title, with an unreadable year, with no `ER` before the next `TY` or
the end of the file, over the record cap, or that makes `rispy` raise, is Malformed with its
line; the rest go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from rispy import RisParser

from paperscope.domain import AuthorName, WorkRecord
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    EXCERPT_CHARS,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.citation_ids import (
    arxiv_from_doi,
    arxiv_mentioned,
    normal_doi,
    work_ids,
)
from paperscope.sources.reading import LongLine, bounded_lines

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_DATE = re.compile(r"(\d{4})(?:[/-](\d{1,2})?)?(?:[/-](\d{1,2})?)?")
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_PARSER = RisParser()


class _RecordError(Exception):
    def __init__(self, field: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class _Record:
    number: int
    line: int
    lines: list[str] = field(default_factory=list)
    size: int = 0
    """Characters so far; past the record cap the lines are no longer kept."""

    @property
    def position(self) -> str:
        return f"record {self.number} (line {self.line})"

    @property
    def raw(self) -> str:
        return "\n".join(self.lines)

    def keep(self, line: str, limits: Limits) -> None:
        """Count `line` in; past the cap only an excerpt of what came before is kept."""
        over = self.size > limits.record_bytes
        self.size += len(line) + 1
        if over:
            return
        if self.size > limits.record_bytes:
            self.lines[:] = [excerpt(self.raw)]
            return
        self.lines.append(line)


@dataclass(slots=True)
class _Stray:
    """Lines outside any record, reported once per run of them (an excerpt)."""

    line: int = 0
    text: list[str] = field(default_factory=list)
    size: int = 0

    def add(self, number: int, line: str) -> None:
        if not self.text:
            self.line = number
        if self.size < EXCERPT_CHARS:
            self.text.append(line[:EXCERPT_CHARS])
        self.size += len(line)

    def flush(self) -> Iterator[Malformed]:
        if self.text:
            reason = "text outside a record (a record starts with 'TY  - ' and ends with 'ER  - ')"
            yield Malformed(f"line {self.line}", None, reason, excerpt("\n".join(self.text)))
            self.text, self.size = [], 0


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    """Records cut line by line with the shared bounded reader (a line or a record over
    `limits.record_bytes` is Malformed with an excerpt), each read by `rispy`."""
    record: _Record | None = None
    records = 0
    stray = _Stray()
    for line in bounded_lines(stream, limits.record_bytes):
        number = line.number
        if isinstance(line, LongLine):
            if record is not None:
                record.size += line.size
                record.keep("", limits)
            else:
                yield from stray.flush()
                reason = over_cap("the line", line.size, limits.record_bytes)
                yield Malformed(f"line {number}", None, reason, line.excerpt)
            continue
        text = line.text.removeprefix("\ufeff") if number == 1 else line.text
        tag = _TAG_LINE.match(text)
        name = tag.group(1) if tag else None
        if name == "TY":
            yield from stray.flush()
            if record is not None:
                yield _unterminated(record, f"the next record starts at line {number}", limits)
            records += 1
            record = _Record(records, number, [text], len(text) + 1)
        elif record is None:
            if text.strip():
                stray.add(number, text)
        elif name == "ER":
            yield _result(record, limits)
            record = None
        else:
            record.keep(text, limits)
    yield from stray.flush()
    if record is not None:
        yield _unterminated(record, "the file ends inside it", limits)


def _unterminated(record: _Record, where: str, limits: Limits) -> Malformed:
    reason = f"the record has no end tag ER: {where}"
    if record.size > limits.record_bytes:
        reason += "; " + over_cap("it", record.size, limits.record_bytes)
    return Malformed(record.position, "ER", reason, excerpt(record.raw))


def _result(record: _Record, limits: Limits) -> ParseResult:
    if record.size > limits.record_bytes:
        reason = over_cap("the record", record.size, limits.record_bytes)
        return Malformed(record.position, None, f"{reason}: skipped to its end", record.raw)
    try:
        [entry] = _PARSER.parse_lines(iter([*record.lines, "ER  - "]))
        return Parsed(work_record(entry), record.position, record.raw)
    except _RecordError as error:
        return Malformed(record.position, error.field, error.reason, record.raw)
    except Exception as error:  # one record's failure must not end the file
        return Malformed(record.position, None, failure(error), excerpt(record.raw))


def _one(entry: dict[str, Any], *names: str) -> str | None:
    """The first of these fields that has text (a repeated single tag keeps its first)."""
    for name in names:
        value = entry.get(name)
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _many(entry: dict[str, Any], *names: str) -> list[str]:
    values: list[str] = []
    for name in names:
        value = entry.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                values.append(" ".join(item.split()))
    return values


def display_name(raw: str) -> str:
    """`Vaswani, Ashish` -> `Ashish Vaswani`; `Smith, John, Jr.` -> `John Smith Jr.`."""
    parts = [part.strip() for part in raw.split(",")]
    if len(parts) == 2 and parts[1]:
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and parts[2].lower() in _SUFFIXES:
        return f"{parts[1]} {parts[0]} {parts[2]}"
    if len(parts) == 3:
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return " ".join(part for part in parts if part)


def _dates(entry: dict[str, Any]) -> tuple[int | None, date | None]:
    """Year from PY / Y1 (else DA); the date from DA (else PY) when it has a month."""
    year_text = _one(entry, "year", "publication_year")
    date_text = _one(entry, "date")
    year_match = _DATE.search(year_text) if year_text else None
    if year_text and year_match is None:
        raise _RecordError("PY", f"unreadable year {year_text[:40]!r}")
    date_match = _DATE.search(date_text) if date_text else None
    full = date_match if date_match and date_match.group(2) else year_match
    year_of = year_match or date_match
    year = int(year_of.group(1)) if year_of else None
    if full is None or not full.group(2):
        return year, None
    try:
        day = int(full.group(3)) if full.group(3) else 1
        return year, date(int(full.group(1)), int(full.group(2)), day)
    except ValueError:
        return year, None


def work_record(entry: dict[str, Any]) -> WorkRecord:
    """The record for one RIS entry as `rispy` reads it (its field names)."""
    title = _one(entry, "title", "primary_title")
    if title is None:
        raise _RecordError("TI", "missing title (TI or T1)")
    year, published = _dates(entry)
    doi = normal_doi(_one(entry, "doi"))
    urls = [url for text in _many(entry, "urls") for url in text.split()]
    arxiv = arxiv_from_doi(doi) or arxiv_mentioned([*urls, *_many(entry, "notes", "note")])
    authors = [display_name(name) for name in _many(entry, "authors", "first_authors")]
    return WorkRecord(
        ids=work_ids(doi, arxiv, title),
        title=title,
        abstract=_one(entry, "abstract", "notes_abstract"),
        authors=tuple(AuthorName(name) for name in authors if name),
        published=published,
        year=year,
        venue=_one(
            entry,
            "journal_name",
            "alternate_title3",
            "secondary_title",
            "custom3",
            "alternate_title1",
            "alternate_title2",
        ),
        keywords=tuple(dict.fromkeys(_many(entry, "keywords"))),
        url=next((url for url in urls if url.startswith(("http://", "https://"))), None),
    )


_SNIFF_TY = re.compile(rb"^TY  - ", re.MULTILINE)
_SNIFF_LINES = 6


def sniff(head: bytes, filename: str) -> bool:
    """A `TY  - ` tag starts one of the first few lines that are not blank (some exporters
    write a header line first); a `.ris` name accepts one anywhere in the head."""
    text = head.removeprefix(b"\xef\xbb\xbf")
    if filename.lower().endswith(".ris"):
        return _SNIFF_TY.search(text) is not None
    lines = [line.strip(b" \t\r") for line in text.split(b"\n", 64)[:64]]
    first = [line for line in lines if line][:_SNIFF_LINES]
    return any(line.startswith(b"TY  - ") for line in first)


FORMATS = (
    Format(
        name="ris",
        description="RIS reference files (Zotero, Mendeley, JabRef, EndNote exports)",
        sniff=sniff,
        parse=parse,
    ),
)
