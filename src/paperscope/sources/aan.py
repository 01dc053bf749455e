"""ACL Anthology Network (AAN): paper metadata blocks and the paper citation network.

`aan-metadata` reads `acl-metadata.txt`: blocks of `key = {value}` lines (id, author, title,
venue, year) separated by blank lines. Authors are `Last, First; Last, First`. The file mixes
encodings line by line (mostly UTF-8, a few cp1252 bytes) and spells accents as HTML entities
(`Daum&eacute; III, Hal`), so it is read as bytes and decoded here.

`aan-citations` reads `acl.txt`: one edge per line, `citing_id , cited_id` (older releases
write `citing_id ==> cited_id`).

AAN ids are ACL Anthology ids, so every paper carries both `aan:` and `acl:` identifiers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from paperscope.domain import AuthorName, CitationRecord, ExternalId, WorkRecord
from paperscope.sources.base import (
    DEFAULT_LIMITS,
    Format,
    Limits,
    Malformed,
    Parsed,
    ParseResult,
    excerpt,
    failure,
    over_cap,
)
from paperscope.sources.reading import CP1252_FALLBACK, LongLine, bounded_lines

_ACL_ID = r"[A-Za-z]\d{2}-\d{4}[a-z]?"
_EDGE_LINE = re.compile(r"^\s*(\S+)\s*(?:,|==>)\s*(\S+)\s*$")
_ACL_EDGE_LINE = re.compile(rf"^{_ACL_ID}\s*(?:,|==>)\s*{_ACL_ID}\s*$")
_FIELD_LINE = re.compile(r"^(\w+) = \{(.*)\}\s*$")
_METADATA_HEAD = re.compile(rb"^\s*id = \{[^}\n]*\}\r?\n(?:author|title|venue|year) = \{")
# `&#?name;` also accepts the file's stray `&#scaron;` (a named entity written with a `#`).
_ENTITY_PATTERN = r"&(?:#[0-9]+;|#[xX][0-9a-fA-F]+;|#?([A-Za-z][A-Za-z0-9]*);)"
_ENTITY = re.compile(_ENTITY_PATTERN)
_ENTITY_OR_SEPARATOR = re.compile(_ENTITY_PATTERN + "|;")
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Entities the file misspells; html.unescape leaves them alone.
_ENTITY_TYPOS = {"&slig;": "ß"}
_SNIFF_EDGE_LINES = 200
_MAX_EDGE_CHARS = 1000  # two ids and a separator; longer is not an edge line


def decode_line(raw: bytes) -> str:
    """UTF-8 where the bytes are valid UTF-8, cp1252 for the bytes that are not."""
    return raw.decode("utf-8", errors=CP1252_FALLBACK)


def unescape_entities(text: str) -> str:
    """Decode `&name;` and `&#...;` entities; a bare `&` (as in `R&D`) stays as it is."""
    if "&" not in text:
        return text
    return _ENTITY.sub(_decode_entity, text)


def _decode_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    entity = match.group(0) if name is None else f"&{name};"
    decoded = _ENTITY_TYPOS.get(entity) or html.unescape(entity)
    return match.group(0) if decoded == entity else decoded


def _clean(text: str) -> str | None:
    collapsed = " ".join(unescape_entities(text).split())
    return collapsed or None


# ---------------------------------------------------------------- metadata


def _sniff_metadata(head: bytes, filename: str) -> bool:
    return _METADATA_HEAD.match(head.lstrip(b"\xef\xbb\xbf")) is not None


def _author_fragments(field: str) -> list[tuple[str, bool]]:
    """Split on `;` separators, never on the `;` that ends an entity.

    Each fragment comes with whether the separator before it directly followed an entity.
    """
    fragments: list[tuple[str, bool]] = []
    start = 0
    after_entity = False
    previous_end = -1
    for match in _ENTITY_OR_SEPARATOR.finditer(field):
        if match.group(0) != ";":
            previous_end = match.end()
            continue
        fragments.append((field[start : match.start()], after_entity))
        after_entity = previous_end == match.start()
        start = match.end()
    fragments.append((field[start:], after_entity))
    return fragments


def _rejoin_split_names(fragments: list[tuple[str, bool]]) -> list[str]:
    # The file turns the space after an entity into "; " (`Fonollosa, Jos&eacute;; A. R.`,
    # `Daum&eacute;; III, Hal`). A `;;` boundary where one side has no comma is such a break.
    names: list[str] = []
    for text, after_entity in fragments:
        if names and after_entity and ("," not in names[-1] or "," not in text):
            names[-1] = f"{names[-1].rstrip()} {text.strip()}"
        else:
            names.append(text)
    return names


def _display_name(last_first: str) -> str:
    """`Daumé III, Hal` -> `Hal Daumé III`; `Taylor, II, Charles T.` -> `Charles T. Taylor II`."""
    parts = [part.strip() for part in last_first.split(",")]
    parts = [part for part in parts if part]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    last, rest = parts[0], parts[1:]
    suffix = ""
    if len(rest) > 1 and rest[0].lower() in _NAME_SUFFIXES:
        suffix, rest = rest[0], rest[1:]
    return " ".join(part for part in (" ".join(rest), last, suffix) if part)


def parse_authors(field: str) -> tuple[AuthorName, ...]:
    names = _rejoin_split_names(_author_fragments(field))
    authors = []
    for raw_name in names:
        cleaned = _clean(raw_name)
        if cleaned:
            authors.append(AuthorName(name=_display_name(cleaned)))
    return tuple(authors)


@dataclass(slots=True)
class _Block:
    first_line: int
    lines: list[str] = field(default_factory=list)
    size: int = 0
    """Characters so far; past the record cap only an excerpt is kept."""

    def add(self, text: str, size: int, cap: int) -> None:
        over = self.size > cap
        self.size += size
        if over:
            return
        self.lines.append(text)
        if self.size > cap:
            self.lines = [excerpt("\n".join(self.lines))]


def _metadata_blocks(stream: BinaryIO, limits: Limits) -> Iterator[_Block]:
    """Each blank-line separated block, its lines decoded (cp1252 for bytes not UTF-8)."""
    block: _Block | None = None
    for line in bounded_lines(stream, limits.record_bytes):
        if isinstance(line, LongLine):
            block = block or _Block(line.number)
            block.add(line.excerpt, line.size, limits.record_bytes)
            continue
        if not line.text.strip():
            if block is not None:
                yield block
                block = None
            continue
        if block is None:
            block = _Block(line.number)
        block.add(line.text, len(line.text) + 1, limits.record_bytes)
    if block is not None:
        yield block


def _block_fields(lines: Iterable[str]) -> tuple[dict[str, str], str | None]:
    fields: dict[str, str] = {}
    for line in lines:
        match = _FIELD_LINE.match(line)
        if match is None:
            return fields, f"line {line[:80]!r} is not `key = {{value}}`"
        fields[match.group(1).lower()] = match.group(2)
    return fields, None


def _metadata_record(block: _Block, limits: Limits) -> ParseResult:
    raw = "\n".join(block.lines)
    if block.size > limits.record_bytes:
        reason = over_cap("the block", block.size, limits.record_bytes)
        return Malformed(f"line {block.first_line}", None, reason, raw)
    fields, problem = _block_fields(block.lines)
    paper_id = (fields.get("id") or "").strip()
    position = f"line {block.first_line}" + (f" (id {excerpt(paper_id, 100)})" if paper_id else "")
    if problem is not None:
        return Malformed(position, None, problem, raw)
    if not paper_id:
        return Malformed(position, "id", "block has no `id = {...}`", raw)
    title = _clean(fields.get("title", ""))
    if title is None:
        return Malformed(position, "title", "missing or empty title", raw)
    year_text = fields.get("year", "").strip()
    if year_text and not (year_text.isascii() and year_text.isdigit()):
        return Malformed(position, "year", f"year {excerpt(year_text, 100)!r} is not a number", raw)
    if len(year_text) > 4:
        return Malformed(position, "year", f"year {excerpt(year_text, 100)!r} is not a year", raw)
    record = WorkRecord(
        ids=(ExternalId("aan", paper_id), ExternalId("acl", paper_id)),
        title=title,
        authors=parse_authors(fields.get("author", "")),
        year=int(year_text) if year_text else None,
        venue=_clean(fields.get("venue", "")),
    )
    return Parsed(record, position, raw)


def parse_metadata(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    for block in _metadata_blocks(stream, limits):
        try:
            yield _metadata_record(block, limits)
        except Exception as error:  # one record's failure must not end the file
            raw = excerpt("\n".join(block.lines))
            yield Malformed(f"line {block.first_line}", None, failure(error), raw)


# ---------------------------------------------------------------- citations


def _sniff_citations(head: bytes, filename: str) -> bool:
    lines = head.decode("utf-8", errors="replace").splitlines()
    if lines and not head.endswith(b"\n"):
        lines = lines[:-1]  # the head may end mid-line
    lines = [line.strip() for line in lines[:_SNIFF_EDGE_LINES] if line.strip()]
    if not lines or not _ACL_EDGE_LINE.match(lines[0]):
        return False
    # Tolerate the odd junk line, as the parser does.
    matching = sum(1 for line in lines if _ACL_EDGE_LINE.match(line))
    return matching >= 0.8 * len(lines)


def parse_citations(stream: BinaryIO, limits: Limits = DEFAULT_LIMITS) -> Iterator[ParseResult]:
    for line in bounded_lines(stream, limits.record_bytes, skip_blank=True):
        position = f"line {line.number}"
        if isinstance(line, LongLine):
            reason = over_cap("the line", line.size, limits.record_bytes)
            yield Malformed(position, None, reason, line.excerpt)
            continue
        match = _EDGE_LINE.match(line.text)
        if match is None or len(line.text) > _MAX_EDGE_CHARS:
            yield Malformed(position, None, "expected `citing_id , cited_id`", excerpt(line.text))
            continue
        citing, cited = match.groups()
        edge = CitationRecord(citing=ExternalId("aan", citing), cited=ExternalId("aan", cited))
        yield Parsed(edge, position, line.text)


FORMATS = (
    Format(
        name="aan-metadata",
        description="ACL Anthology Network paper metadata (acl-metadata.txt, `id = {...}` blocks)",
        sniff=_sniff_metadata,
        parse=parse_metadata,
    ),
    Format(
        name="aan-citations",
        description="ACL Anthology Network citation edges (acl.txt, `citing , cited` per line)",
        sniff=_sniff_citations,
        parse=parse_citations,
    ),
)
