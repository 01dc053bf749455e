"""AMiner name-disambiguation XML: one file per ambiguous author name.

A file is `<person>` with a `<FullName>` header and one `<publication>` per paper written by
someone of that name; `<label>` says which real person it is (0..k-1, within the file). Many
files are not well-formed: titles and affiliations carry raw `&` (`R&D`, `Texas A&M`) and
HTML entities XML does not know (`&ouml;`, `&mdash;`). So the file is cut into publications
as text, each publication's entities are repaired, and each is parsed on its own: one broken
publication costs that publication only.

Each publication becomes a WorkRecord. The author in the comma-separated author list who is
the file's FullName carries the `label` and the `organization`.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from paperscope.domain import AuthorName, ExternalId, WorkRecord
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
from paperscope.sources.reading import LongLine, bounded_lines

_OPEN = "<publication>"
_CLOSE = "</publication>"
_RAW_ID = re.compile(r"<id>\s*([^<\s]+)\s*</id>")
_FULL_NAME = re.compile(r"<FullName>(.*?)</FullName>", re.DOTALL)
_AMPERSAND = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
_XML_ENTITIES = frozenset({"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


@dataclass(frozen=True, slots=True)
class _Chunk:
    """The raw text of one `<publication>` element and where it starts."""

    number: int
    line: int
    text: str


def _sniff(head: bytes, filename: str) -> bool:
    return b"<person>" in head and b"<FullName>" in head and b"<publication>" in head


def _repair_entities(text: str) -> str:
    """Make `text` parseable XML: escape bare `&`, decode HTML entities XML does not define."""
    return _AMPERSAND.sub(_repair_one, text)


def _repair_one(match: re.Match[str]) -> str:
    entity = match.group(0)
    if match.group(1) is None:
        return "&amp;"
    if entity in _XML_ENTITIES:
        return entity
    decoded = html.unescape(entity)
    if decoded == entity:  # unknown to HTML as well (`&ohgr;`): keep it as literal text
        return "&amp;" + entity[1:]
    return decoded.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    collapsed = " ".join(text.split())
    return None if not collapsed or collapsed.lower() == "null" else collapsed


class _Cutter:
    """Cuts the file's text into its header and publications, a line at a time.

    Each line is searched once (a publication's text is never searched again), and a
    publication longer than the record cap is reported and skipped to its closing tag.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.header: list[str] = []
        self.header_size = 0
        self.header_done = False
        self.publication: list[str] | None = None
        self.size = 0
        self.start_line = 0
        self.number = 0
        self.skipping = False

    def line(self, number: int, text: str) -> Generator[str | _Chunk | Malformed, None, None]:
        if self.skipping:
            close, reopen = text.find(_CLOSE), text.find(_OPEN)
            if close < 0 and reopen < 0:
                return
            self.skipping = False
            if close >= 0 and not 0 <= reopen < close:
                text = text[close + len(_CLOSE) :]
            else:
                text = text[reopen:]
        while text:
            if self.publication is None:
                start = text.find(_OPEN)
                if start < 0:
                    self._add_header(text)
                    return
                self._add_header(text[:start])
                if not self.header_done:
                    self.header_done = True
                    yield "".join(self.header)
                self.publication, self.size, self.start_line = [], 0, number
                text = text[start:]
            text = yield from self._publication_text(text)

    def _publication_text(self, text: str) -> Generator[_Chunk | Malformed, None, str]:
        """Add `text` to the open publication; returns what follows its end, if it ended."""
        assert self.publication is not None
        offset = len(_OPEN) if not self.publication and text.startswith(_OPEN) else 0
        close, reopen = text.find(_CLOSE, offset), text.find(_OPEN, offset)
        if reopen >= 0 and (close < 0 or reopen < close):
            self.number += 1
            piece = "".join(self.publication) + text[:reopen]
            yield _unclosed(self.number, self.start_line, piece, "the next one opens first")
            self.publication = None
            return text[reopen:]
        if close >= 0:
            end = close + len(_CLOSE)
            self.number += 1
            piece = "".join(self.publication) + text[:end]
            self.publication = None
            yield _Chunk(self.number, self.start_line, piece)
            return text[end:]
        self.publication.append(text)
        self.size += len(text)
        if self.size > self.limits.record_bytes:
            yield self.over_cap(self.size, "".join(self.publication))
        return ""

    def over_cap(self, size: int, text: str) -> Malformed:
        """The open (or opening) publication is too long: report it, skip to its end."""
        self.number += 1
        position = f"publication {self.number} (line {self.start_line})"
        reason = over_cap("the publication", size, self.limits.record_bytes)
        self.publication, self.skipping = None, True
        return Malformed(position, None, reason, excerpt(text))

    def long_line(self, number: int, size: int, head: str) -> Iterator[Malformed]:
        if self.publication is not None:
            yield self.over_cap(self.size + size, "".join(self.publication) + head)
        elif _OPEN in head:
            self.start_line = number
            yield self.over_cap(size, head)

    def _add_header(self, text: str) -> None:
        if not self.header_done and self.header_size <= self.limits.record_bytes:
            self.header.append(text)
            self.header_size += len(text)

    def end(self) -> Iterator[str | Malformed]:
        if not self.header_done:
            yield "".join(self.header)
        elif self.publication is not None:
            piece = "".join(self.publication)
            yield _unclosed(self.number + 1, self.start_line, piece, "the file ends inside it")


def _pieces(stream: BinaryIO, limits: Limits) -> Iterator[str | _Chunk | Malformed]:
    """Yield the header text (once, first), then every publication as a chunk or Malformed."""
    cutter = _Cutter(limits)
    for line in bounded_lines(stream, limits.record_bytes):
        if isinstance(line, LongLine):
            yield from cutter.long_line(line.number, line.size, line.excerpt)
        else:
            yield from cutter.line(line.number, line.text + "\n")
    yield from cutter.end()


def _unclosed(number: int, line: int, text: str, why: str) -> Malformed:
    position = f"publication {number} (line {line})"
    return Malformed(position, None, f"<publication> is never closed: {why}", text)


def _full_name(header: str) -> str | None:
    match = _FULL_NAME.search(header)
    if match is None:
        return None
    return _clean(html.unescape(match.group(1)))


def _split_authors(field: str | None) -> list[str]:
    names: list[str] = []
    for part in (field or "").split(","):
        name = _clean(part)
        if name is None:
            continue
        # "Jack W. Smith, Jr." lists the suffix as if it were another author.
        if names and _normalise(name) in _NAME_SUFFIXES:
            names[-1] = f"{names[-1]} {name}"
        else:
            names.append(name)
    return names


def _normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^a-z]+", " ", letters.replace("-", "")).split())


def _name_tokens(name: str) -> list[str]:
    return [token for token in _normalise(name).split() if token not in _NAME_SUFFIXES]


def _focal_index(names: list[str], full_name: str) -> int:
    """Index of the author who is `full_name`: exact, then surname + initial, then closest."""
    target = _name_tokens(full_name)
    candidates = [_name_tokens(name) for name in names]
    for index, tokens in enumerate(candidates):
        if tokens == target:
            return index
    for index, tokens in enumerate(candidates):
        if tokens and target and tokens[-1] == target[-1] and tokens[0][0] == target[0][0]:
            return index
    joined = " ".join(target)
    scores = [
        difflib.SequenceMatcher(None, " ".join(tokens), joined).ratio() for tokens in candidates
    ]
    return scores.index(max(scores))


def _authors(element: etree._Element, full_name: str, label: str | None) -> tuple[AuthorName, ...]:
    names = _split_authors(_text(element, "authors"))
    affiliation = _text(element, "organization")
    if not names:  # the file's person wrote it, even when the source lists nobody
        return (AuthorName(full_name, affiliation=affiliation, label=label),)
    focal = _focal_index(names, full_name)
    return tuple(
        AuthorName(name, affiliation=affiliation, label=label)
        if index == focal
        else AuthorName(name)
        for index, name in enumerate(names)
    )


def _text(element: etree._Element, tag: str) -> str | None:
    return _clean(element.findtext(tag))


def _publication(chunk: _Chunk, full_name: str | None) -> ParseResult:
    position = f"publication {chunk.number} (line {chunk.line})"
    try:
        element = etree.fromstring(_repair_entities(chunk.text))
    except etree.XMLSyntaxError as error:
        if found := _RAW_ID.search(chunk.text):
            position = f"publication {chunk.number} (line {chunk.line}, id {found.group(1)})"
        reason = f"not well-formed XML even after escaping stray '&': {error}"
        return Malformed(position, None, reason, chunk.text)
    paper_id = _text(element, "id")
    if paper_id is None:
        return Malformed(position, "id", "missing <id>", chunk.text)
    position = f"publication {chunk.number} (line {chunk.line}, id {paper_id})"
    title = _text(element, "title")
    if title is None:
        return Malformed(position, "title", "missing <title>", chunk.text)
    year_text = _text(element, "year")
    if year_text is not None and not year_text.isdigit():
        return Malformed(position, "year", f"year {year_text!r} is not a number", chunk.text)
    if full_name is None:
        reason = "file has no <FullName> before its publications: the label has no author"
        return Malformed(position, "FullName", reason, chunk.text)
    record = WorkRecord(
        ids=(ExternalId("aminer", paper_id),),
        title=title,
        authors=_authors(element, full_name, _text(element, "label")),
        year=int(year_text) if year_text is not None else None,
        venue=_text(element, "jconf"),
    )
    return Parsed(record, position, chunk.text)


def parse(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    full_name: str | None = None
    publications = 0
    for piece in _pieces(stream, limits):
        if isinstance(piece, str):
            full_name = _full_name(piece)
            continue
        publications += 1
        if isinstance(piece, Malformed):
            yield piece
            continue
        try:
            yield _publication(piece, full_name)
        except Exception as error:  # one record's failure must not end the file
            position = f"publication {piece.number} (line {piece.line})"
            yield Malformed(position, None, failure(error), excerpt(piece.text))
    if not publications:
        yield Empty("the person has no <publication>")


FORMATS = (
    Format(
        name="aminer-na",
        description="AMiner name-disambiguation XML (one ambiguous name per file)",
        sniff=_sniff,
        parse=parse,
    ),
)
