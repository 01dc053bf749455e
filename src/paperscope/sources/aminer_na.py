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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree

from paperscope.domain import AuthorName, ExternalId, WorkRecord
from paperscope.sources.base import Format, Malformed, Parsed, ParseResult
from paperscope.sources.reading import read_text_lines

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


def _pieces(stream: BinaryIO) -> Iterator[str | _Chunk | Malformed]:
    """Yield the header text (once, first), then every publication as a chunk or Malformed."""
    buffer = ""
    buffer_line = 1  # the line `buffer` starts on
    number = 0
    header_done = False
    for line in read_text_lines(stream):
        buffer += line
        if not header_done:
            start = buffer.find(_OPEN)
            if start < 0:
                continue
            yield buffer[:start]
            header_done = True
        while (taken := _take_publication(buffer, number + 1, buffer_line)) is not None:
            cut, piece = taken
            number += 1
            buffer_line += buffer.count("\n", 0, cut)
            buffer = buffer[cut:]
            yield piece
    if not header_done:
        yield buffer
    elif (start := buffer.find(_OPEN)) >= 0:
        start_line = buffer_line + buffer.count("\n", 0, start)
        yield _unclosed(number + 1, start_line, buffer[start:], "the file ends inside it")


def _take_publication(
    buffer: str, number: int, buffer_line: int
) -> tuple[int, _Chunk | Malformed] | None:
    """The first complete publication in `buffer` and where it ends, or None if there is none yet.

    A publication whose closing tag never comes before the next one opens is Malformed.
    """
    start = buffer.find(_OPEN)
    if start < 0:
        return None
    end = buffer.find(_CLOSE, start)
    reopen = buffer.find(_OPEN, start + len(_OPEN))
    line = buffer_line + buffer.count("\n", 0, start)
    if reopen >= 0 and (end < 0 or reopen < end):
        return reopen, _unclosed(number, line, buffer[start:reopen], "the next one opens first")
    if end < 0:
        return None
    cut = end + len(_CLOSE)
    return cut, _Chunk(number, line, buffer[start:cut])


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


def parse(stream: BinaryIO) -> Iterator[ParseResult]:
    full_name: str | None = None
    for piece in _pieces(stream):
        if isinstance(piece, str):
            full_name = _full_name(piece)
        elif isinstance(piece, Malformed):
            yield piece
        else:
            yield _publication(piece, full_name)


FORMATS = (
    Format(
        name="aminer-na",
        description="AMiner name-disambiguation XML (one ambiguous name per file)",
        sniff=_sniff,
        parse=parse,
    ),
)
